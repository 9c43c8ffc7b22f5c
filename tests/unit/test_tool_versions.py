"""A tool's spec versions (issue 15): each published spec a version item
written with the record's final write, the objects of kept versions kept,
`list_tool_versions` newest first, `rollback_tool` publishing a kept
version's object again through the update flow, and the retention."""

from __future__ import annotations

import copy
from typing import Any

from services.tools.spec_versions import version_key
from tests.conftest import settings_for
from tests.support import (
    PETS,
    Registry,
    create_tool,
    event,
    inline,
    make_runtime,
    served_uri,
    spec_keys,
    targets,
    tool_record,
)
from tests.unit.test_lambda_tools import lambda_source


def pets(version: str, *, drop: str | None = None) -> dict[str, Any]:
    spec = copy.deepcopy(PETS)
    spec["info"]["version"] = version
    if drop:
        del spec["paths"][drop]
    return spec


def target_of(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    (listed,) = targets(registry, gateway)
    target: dict[str, Any] = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=listed["targetId"]
    )
    return target


def version_item(registry: Registry, tool_id: str, number: int) -> dict[str, Any] | None:
    return registry.runtime.records.get(
        registry.settings.tools_table_name, version_key(tool_id, number)
    )


def update(registry: Registry, tool: dict[str, Any], spec: dict[str, Any], **more: Any) -> Any:
    return registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": inline(spec), **more})
    )


def versions(registry: Registry, tool: dict[str, Any], **more: Any) -> dict[str, Any]:
    answer = registry.invoke(
        event("list_tool_versions", {"tool_id": tool["tool_id"], **more}, request_id=None)
    )
    assert answer["status"] == 200, answer
    data: dict[str, Any] = answer["data"]
    return data


def test_each_published_spec_is_a_version_and_its_object_is_kept(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    created = create_tool(registry, gateway)
    tool = created["data"]
    assert tool["spec_version"] == 1
    first = version_item(registry, tool["tool_id"], 1)
    assert first is not None
    assert (first["action"], first["sha256"], first["s3_key"]) == (
        "create",
        tool["spec"]["sha256"],
        tool["spec"]["s3_key"],
    )
    assert first["operations"] == ["listPets", "getPet"]
    assert (first["by"], first["team"], first["request_id"]) == (
        "alice@example.com",
        "payments",
        created["request_id"],
    )

    # A description alone publishes nothing new.
    described = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "description": "the pets"})
    )
    assert described["data"]["spec_version"] == 1
    updated = update(registry, tool, pets("2.0.0"))
    assert updated["status"] == 200, updated
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["spec_version"] == 2
    assert [v["number"] for v in record["spec_versions"]] == [2, 1]
    # Both objects stay: the target reads the second, the first is kept.
    assert spec_keys(registry) == sorted([tool["spec"]["s3_key"], record["spec"]["s3_key"]])
    assert served_uri(target_of(registry, gateway)) == record["spec"]["s3_uri"]

    listed = versions(registry, tool)
    assert listed["current_version"] == 2
    assert [(v["version"], v["action"]) for v in listed["items"]] == [(2, "update"), (1, "create")]
    assert listed["items"][0]["tool_id"] == tool["tool_id"]
    assert listed["next_token"] is None
    page = versions(registry, tool, limit=1)
    assert [v["version"] for v in page["items"]] == [2]
    rest = versions(registry, tool, limit=1, next_token=page["next_token"])
    assert [v["version"] for v in rest["items"]] == [1]
    assert rest["next_token"] is None
    for forged in ("garbage", "v0", "v-1", "v999999999"):
        refused = registry.invoke(
            event(
                "list_tool_versions",
                {"tool_id": tool["tool_id"], "next_token": forged},
                request_id=None,
            )
        )
        assert (refused["status"], refused["error"]["code"]) == (422, "ValidationError")
    # A list of tools never shows a version item.
    listed_tools = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"]}, request_id=None)
    )
    assert [t["tool_id"] for t in listed_tools["data"]["items"]] == [tool["tool_id"]]


def test_a_rollback_publishes_the_versions_object_again(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    first_uri = tool["spec"]["s3_uri"]
    assert update(registry, tool, pets("2.0.0"))["status"] == 200
    rollback = event("rollback_tool", {"tool_id": tool["tool_id"], "version": 1})
    answer = registry.invoke(rollback)
    assert answer["status"] == 200, answer
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    # The target reads version 1's object: specs are stored by content.
    assert record["spec"]["sha256"] == tool["spec"]["sha256"]
    assert record["spec"]["s3_uri"] == first_uri
    assert record["spec"]["source"] == tool["spec"]["source"]
    assert served_uri(target_of(registry, gateway)) == first_uri
    third = version_item(registry, tool["tool_id"], 3)
    assert third is not None
    assert (third["action"], third["sha256"]) == ("rollback", tool["spec"]["sha256"])
    assert record["audit"][-1]["outcome"] == "update-succeeded"
    # The same request again replays; nothing is published twice.
    again = registry.invoke(rollback)
    assert (again["status"], again["data"]["spec_version"]) == (200, 3)
    assert version_item(registry, tool["tool_id"], 4) is None


def test_a_rollback_is_refused_with_why_and_changes_nothing(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    missing = registry.invoke(event("rollback_tool", {"tool_id": tool["tool_id"], "version": 7}))
    assert (missing["status"], missing["error"]["code"]) == (404, "NotFound")
    assert update(registry, tool, pets("2.0.0"))["status"] == 200
    # Version 1's object altered behind the registry's back: not restored.
    registry.runtime.s3.put_object(
        Bucket=registry.settings.spec_bucket_name, Key=tool["spec"]["s3_key"], Body=b"{}"
    )
    altered = registry.invoke(event("rollback_tool", {"tool_id": tool["tool_id"], "version": 1}))
    assert (altered["status"], altered["error"]["code"]) == (409, "Conflict")
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["spec_version"] == 2
    lambda_tool = registry.invoke(
        event(
            "create_tool",
            {"gateway_id": gateway["gateway_id"], "name": "fn", "source": lambda_source()},
        )
    )["data"]
    assert "spec_version" not in lambda_tool
    refused = registry.invoke(
        event("rollback_tool", {"tool_id": lambda_tool["tool_id"], "version": 1})
    )
    assert (refused["status"], refused["error"]["code"]) == (422, "ValidationError")


def test_past_the_retention_the_oldest_version_and_its_object_go(
    registry: Registry, gateway: dict[str, Any], env: dict[str, str]
) -> None:
    keeping_two = Registry(
        runtime=make_runtime(settings_for({**env, "TOOL_VERSION_RETENTION": "2"}), registry.clock),
        clock=registry.clock,
    )
    tool = create_tool(keeping_two, gateway)["data"]
    assert update(keeping_two, tool, pets("2.0.0"))["status"] == 200
    assert update(keeping_two, tool, pets("3.0.0"))["status"] == 200
    record = tool_record(keeping_two, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert [v["number"] for v in record["spec_versions"]] == [3, 2]
    assert version_item(keeping_two, tool["tool_id"], 1) is None
    assert [v["version"] for v in versions(keeping_two, tool)["items"]] == [3, 2]
    assert spec_keys(keeping_two) == sorted(v["s3_key"] for v in record["spec_versions"])
    gone = keeping_two.invoke(event("rollback_tool", {"tool_id": tool["tool_id"], "version": 1}))
    assert gone["status"] == 404
    # Rolled back to 2, then on: version 2's object is used twice, kept once.
    assert (
        keeping_two.invoke(event("rollback_tool", {"tool_id": tool["tool_id"], "version": 2}))[
            "status"
        ]
        == 200
    )
    record = tool_record(keeping_two, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert [v["number"] for v in record["spec_versions"]] == [4, 3]
    assert record["spec"]["s3_key"] in spec_keys(keeping_two)


def test_a_tool_from_before_versions_gets_its_spec_as_version_one(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    # As a record written before issue 15 is: no version attributes, no item.
    table = registry.settings.tools_table_name
    registry.runtime.dynamodb.update_item(
        TableName=table,
        Key={"tool_id": {"S": tool["tool_id"]}, "gateway_id": {"S": gateway["gateway_id"]}},
        UpdateExpression="REMOVE spec_version, spec_versions",
    )
    registry.runtime.dynamodb.delete_item(
        TableName=table,
        Key={k: {"S": v} for k, v in version_key(tool["tool_id"], 1).items()},
    )
    assert update(registry, tool, pets("2.0.0"))["status"] == 200
    listed = versions(registry, tool)
    assert [(v["version"], v["action"]) for v in listed["items"]] == [
        (2, "update"),
        (1, "imported"),
    ]
    assert listed["items"][1]["sha256"] == tool["spec"]["sha256"]
    assert len(spec_keys(registry)) == 2


def test_deleting_a_tool_removes_its_kept_objects_and_keeps_its_history(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    assert update(registry, tool, pets("2.0.0"))["status"] == 200
    deleted = registry.invoke(event("delete_tool", {"tool_id": tool["tool_id"]}))
    assert deleted["status"] == 200, deleted
    assert spec_keys(registry) == []
    assert [v["version"] for v in versions(registry, tool)["items"]] == [2, 1]


def with_operation(spec: dict[str, Any], path: str, operation_id: str) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    spec["paths"][path] = {
        "get": {"operationId": operation_id, "responses": {"200": {"description": "ok"}}}
    }
    return spec


def test_a_breaking_update_is_refused_with_its_diff_and_changes_nothing(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    before = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    objects = spec_keys(registry)
    refused = update(registry, tool, pets("2.0.0", drop="/pets/{id}"))
    assert (refused["status"], refused["error"]["code"]) == (409, "BreakingChange")
    (detail,) = refused["error"]["details"]
    assert detail["field"] == "data.source"
    assert detail["diff"]["breaking"] is True
    assert detail["diff"]["removed"] == ["getPet"]
    # Nothing written, nothing stored, AgentCore still reads version 1.
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"]) == before
    assert spec_keys(registry) == objects
    assert served_uri(target_of(registry, gateway)) == tool["spec"]["s3_uri"]
    assert version_item(registry, tool["tool_id"], 2) is None

    allowed = update(registry, tool, pets("2.0.0", drop="/pets/{id}"), allow_breaking=True)
    assert allowed["status"] == 200, allowed
    assert allowed["data"]["diff"]["removed"] == ["getPet"]
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["spec"]["operations"] == ["listPets"]
    assert (
        record["audit"][-1]["detail"] == "spec: 0 added, 1 removed, 0 changed (breaking, allowed)"
    )
    second = version_item(registry, tool["tool_id"], 2)
    assert second is not None
    assert (second["breaking"], second["diff"]["removed"]) == (True, ["getPet"])
    listed = versions(registry, tool)["items"]
    assert [(v["version"], v["breaking"]) for v in listed] == [(2, True), (1, False)]

    # Back to version 1 gives getPet back: adding is not breaking.
    restored = registry.invoke(event("rollback_tool", {"tool_id": tool["tool_id"], "version": 1}))
    assert restored["status"] == 200, restored
    assert restored["data"]["diff"]["added"] == ["getPet"]
    assert served_uri(target_of(registry, gateway)) == tool["spec"]["s3_uri"]


def test_an_added_operation_needs_no_flag_and_the_answer_shows_the_diff(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    grown = with_operation(pets("1.1.0"), "/owners", "listOwners")
    answer = update(registry, tool, grown)
    assert answer["status"] == 200, answer
    assert answer["data"]["diff"]["added"] == ["listOwners"]
    assert answer["data"]["diff"]["breaking"] is False
    # Rolling back would remove it again: the gate applies to a rollback too.
    back = registry.invoke(event("rollback_tool", {"tool_id": tool["tool_id"], "version": 1}))
    assert (back["status"], back["error"]["code"]) == (409, "BreakingChange")
    assert back["error"]["details"][0]["diff"]["removed"] == ["listOwners"]


def test_diff_tool_answers_the_diff_and_changes_nothing(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    before = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    objects = spec_keys(registry)

    def diff(spec: Any) -> dict[str, Any]:
        return registry.invoke(
            event(
                "diff_tool",
                {"tool_id": tool["tool_id"], "source": inline(spec)},
                request_id=None,
            )
        )

    answer = diff(pets("2.0.0", drop="/pets"))
    assert answer["status"] == 200, answer
    assert answer["data"]["breaking"] is True
    assert answer["data"]["diff"]["removed"] == ["listPets"]
    assert answer["data"]["candidate"]["operations"] == ["getPet"]
    assert answer["data"]["current_version"] == 1
    same = diff(copy.deepcopy(PETS))["data"]
    assert same["candidate"]["same_as_current"] is True
    assert (same["breaking"], same["diff"]["counts"]["findings"]) == (False, 0)
    invalid = diff({"openapi": "3.0.3"})
    assert invalid["status"] == 422
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"]) == before
    assert spec_keys(registry) == objects


def test_a_prune_that_fails_is_left_for_the_next_one(
    registry: Registry, gateway: dict[str, Any], env: dict[str, str]
) -> None:
    keeping_one = Registry(
        runtime=make_runtime(settings_for({**env, "TOOL_VERSION_RETENTION": "1"}), registry.clock),
        clock=registry.clock,
    )
    tool = create_tool(keeping_one, gateway)["data"]
    keeping_one.fail("s3.DeleteObject", "ServiceUnavailable", 503)
    answer = update(keeping_one, tool, pets("2.0.0"))
    keeping_one.clear_hooks()
    # The update succeeded; version 1 could not be pruned and is still there.
    assert answer["status"] == 200, answer
    assert version_item(keeping_one, tool["tool_id"], 1) is not None
    assert update(keeping_one, tool, pets("3.0.0"))["status"] == 200
    # The next publish prunes everything past the retention, its own and the left one.
    assert version_item(keeping_one, tool["tool_id"], 1) is None
    assert version_item(keeping_one, tool["tool_id"], 2) is None
    record = tool_record(keeping_one, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert spec_keys(keeping_one) == [record["spec"]["s3_key"]]
