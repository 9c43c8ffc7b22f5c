"""reconcile: what a crash left half done is finished, drift and orphans are
reported, and a dry run changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.gateway.gateway_flow import gateway_id_for
from services.tools.tool_flow import tool_id_for
from tests.support import (
    PETS,
    Fault,
    Registry,
    event,
    provider_secrets,
    reconcile,
    spec_keys,
    targets,
    tool_record,
)


def crash(registry: Registry, hook: str, evt: dict[str, Any]) -> None:
    registry.crash(hook)
    with pytest.raises(Fault):
        registry.invoke(evt)
    registry.clear_hooks()
    # Past the dead invocation's lease and the reconcile threshold.
    registry.clock.advance(registry.runtime.default_budget_seconds + 61)


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    assert response["status"] == 201
    return dict(response["data"])


def test_consistent_state_is_reported_in_step_and_left_alone(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    before = registry.gateway_record(gateway["gateway_id"])
    report = reconcile(registry, dry_run=False)
    assert report["findings"] == []
    assert report["next_token"] is None
    assert registry.gateway_record(gateway["gateway_id"]) == before


@pytest.mark.parametrize("moment", ["before-call", "after-call"])
def test_interrupted_gateway_create_is_finished_once(registry: Registry, moment: str) -> None:
    evt = event("create_gateway", {"name": "payments-tools"})
    crash(registry, f"{moment}.bedrock-agentcore-control.CreateGateway", evt)
    gateway_id = gateway_id_for(evt["request_id"])

    dry = reconcile(registry)
    assert [(f["finding"], f["action"], f["done"]) for f in dry["findings"]] == [
        ("interrupted", "would finish the create", False)
    ]
    assert registry.gateway_record(gateway_id)["status"] == "PENDING"

    report = reconcile(registry, dry_run=False)
    assert report["counts"]["repaired"] == 1
    record = registry.gateway_record(gateway_id)
    assert record["status"] == "ACTIVE"
    assert len(registry.agentcore_gateways()) == 1
    # The request itself, sent again, answers the outcome reconcile recorded.
    replay = registry.invoke(evt)
    assert replay["status"] == 201
    assert replay["data"]["status"] == "ACTIVE"
    assert len(registry.agentcore_gateways()) == 1


def test_recent_interruption_is_left_to_its_request(registry: Registry) -> None:
    evt = event("create_gateway", {"name": "payments-tools"})
    registry.crash("before-call.bedrock-agentcore-control.CreateGateway")
    with pytest.raises(Fault):
        registry.invoke(evt)
    registry.clear_hooks()
    report = reconcile(registry, dry_run=False)
    assert [f["finding"] for f in report["findings"]] == ["in-progress"]
    assert registry.gateway_record(gateway_id_for(evt["request_id"]))["status"] == "PENDING"


def test_interrupted_delete_is_finished(registry: Registry, gateway: dict[str, Any]) -> None:
    crash(
        registry,
        "after-call.bedrock-agentcore-control.DeleteGateway",
        event("delete_gateway", {"gateway_id": gateway["gateway_id"]}),
    )
    reconcile(registry, dry_run=False)
    assert registry.gateway_record(gateway["gateway_id"])["status"] == "DELETED"
    assert registry.item("name#payments-tools") is None


def test_gateway_gone_from_agentcore_is_marked_failed(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.runtime.agentcore.delete_gateway(gatewayIdentifier=gateway["agentcore"]["gateway_id"])
    dry = reconcile(registry)
    assert [(f["finding"], f["done"]) for f in dry["findings"]] == [("missing-in-agentcore", False)]
    assert registry.gateway_record(gateway["gateway_id"])["status"] == "ACTIVE"

    reconcile(registry, dry_run=False)
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["status"] == "FAILED"
    assert record["last_error"]["code"] == "missing-in-agentcore"
    assert registry.item("name#payments-tools") is None  # FAILED releases the name


def test_orphan_gateway_is_reported_and_deleted_only_when_asked(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    stray = registry.runtime.agentcore.create_gateway(
        name="stray",
        roleArn=registry.settings.gateway_role_arn,
        protocolType="MCP",
        authorizerType="AWS_IAM",
    )
    report = reconcile(registry, dry_run=False)
    assert [(f["finding"], f["id"], f["done"]) for f in report["findings"]] == [
        ("orphan", stray["gatewayId"], False)
    ]
    assert len(registry.agentcore_gateways()) == 2

    assert reconcile(registry, delete_orphans=True)["findings"][0]["action"] == "would delete"
    removed = reconcile(registry, dry_run=False, delete_orphans=True)
    assert removed["counts"]["repaired"] == 1
    assert [g["gatewayId"] for g in registry.agentcore_gateways()] == [
        gateway["agentcore"]["gateway_id"]
    ]


def create_tool_event(gateway: dict[str, Any], **data: Any) -> dict[str, Any]:
    return event(
        "create_tool",
        {
            "gateway_id": gateway["gateway_id"],
            "name": "pets",
            "source": {"type": "inline", "spec": copy.deepcopy(PETS)},
            **data,
        },
    )


def test_interrupted_tool_create_with_a_target_is_adopted(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    evt = create_tool_event(gateway, credentials={"type": "api_key", "api_key": "k"})
    crash(registry, "after-call.bedrock-agentcore-control.CreateGatewayTarget", evt)
    reconcile(registry, dry_run=False)

    record = tool_record(registry, tool_id_for(evt["request_id"]), gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert record["spec"]["s3_key"] in spec_keys(registry)
    assert record["credentials"]["provider_arn"].endswith(f"registry-{record['tool_id']}")
    assert len(targets(registry, gateway)) == 1


def test_interrupted_tool_create_without_a_target_fails_and_cleans_up(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    evt = create_tool_event(gateway, credentials={"type": "api_key", "api_key": "k"})
    crash(registry, "before-call.bedrock-agentcore-control.CreateGatewayTarget", evt)
    assert spec_keys(registry)
    assert provider_secrets()

    reconcile(registry, dry_run=False)
    record = tool_record(registry, tool_id_for(evt["request_id"]), gateway["gateway_id"])
    assert record["status"] == "FAILED"
    assert record["last_error"]["code"] == "CreateAbandoned"
    assert spec_keys(registry) == []
    assert provider_secrets() == {}
    assert targets(registry, gateway) == []


def test_spec_drift_and_orphan_target_are_reported_not_changed(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = registry.invoke(create_tool_event(gateway))["data"]
    in_step = reconcile(registry)
    assert in_step["findings"] == []
    assert in_step["counts"] == {"in-step": 1}
    registry.runtime.s3.put_object(
        Bucket=registry.settings.spec_bucket_name, Key=tool["spec"]["s3_key"], Body=b"{}"
    )
    registry.runtime.agentcore.create_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        name="stray",
        targetConfiguration={"mcp": {"openApiSchema": {"inlinePayload": "{}"}}},
    )
    report = reconcile(registry, dry_run=False)
    assert sorted(f["finding"] for f in report["findings"]) == ["drift", "orphan"]
    assert len(targets(registry, gateway)) == 2
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"])["status"] == "ACTIVE"


def test_reconcile_stops_before_the_deadline_and_resumes_with_next_token(
    registry: Registry,
) -> None:
    for name in ("one", "two"):
        registry.invoke(event("create_gateway", {"name": name}))

    class AlmostOut:
        def get_remaining_time_in_millis(self) -> int:
            return 5_000

    first = reconcile(registry, context=AlmostOut())
    assert first["next_token"]
    rest = reconcile(registry, next_token=first["next_token"])
    assert rest["next_token"] is None
    bad = registry.invoke({"action": "reconcile", "data": {"next_token": "garbage"}})
    assert bad["status"] == 422


# -- leftovers: spec objects and credential providers no live record uses -------


def test_leftovers_of_a_failed_cleanup_are_removed_and_unknown_ones_only_when_asked(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = registry.invoke(
        create_tool_event(gateway, credentials={"type": "api_key", "api_key": "k"})
    )["data"]
    # An update keeps the replaced spec as version 1: it is in use, not a leftover.
    old_key = tool["spec"]["s3_key"]
    newer = copy.deepcopy(PETS)
    newer["info"]["version"] = "2.0.0"
    updated = registry.invoke(
        event(
            "update_tool",
            {
                "tool_id": tool["tool_id"],
                "gateway_id": gateway["gateway_id"],
                "source": {"type": "inline", "spec": newer},
            },
        )
    )
    assert updated["status"] == 200, updated
    new_key = updated["data"]["spec"]["s3_key"]
    # A create AgentCore refused, whose cleanup of its spec object failed.
    registry.fail("bedrock-agentcore-control.CreateGatewayTarget", "ValidationException", 400)
    registry.fail("s3.DeleteObject", "ServiceUnavailable", 503)
    refused = create_tool_event(gateway, name="refused")
    assert registry.invoke(refused)["status"] == 502
    registry.clear_hooks()
    (failed_key,) = set(spec_keys(registry)) - {old_key, new_key}
    assert f"/{tool_id_for(refused['request_id'])}/" in failed_key
    # Made outside any record: a spec object and a provider under our names.
    bucket = registry.settings.spec_bucket_name
    stray_key = f"specs/{gateway['gateway_id']}/tl-00000000000000000000/{'0' * 64}.json"
    registry.runtime.s3.put_object(Bucket=bucket, Key=stray_key, Body=b"{}")
    registry.runtime.agentcore.create_api_key_credential_provider(
        name="registry-tl-00000000000000000000", apiKey="stray"
    )

    dry = reconcile(registry)
    assert sorted((f["kind"], f["finding"], f["action"]) for f in dry["findings"]) == [
        ("credential-provider", "orphan", "none: reported (send delete_orphans: true to remove)"),
        ("spec-object", "leftover", "would delete"),
        ("spec-object", "orphan", "none: reported (send delete_orphans: true to remove)"),
    ]
    assert len(spec_keys(registry)) == 4

    swept = reconcile(registry, dry_run=False)
    assert swept["counts"]["leftover"] == 1
    assert spec_keys(registry) == sorted([old_key, new_key, stray_key])
    assert sorted(name for _, name in provider_secrets()) == [
        "registry-tl-00000000000000000000",
        f"registry-{tool['tool_id']}",
    ]

    reconcile(registry, dry_run=False, delete_orphans=True)
    assert spec_keys(registry) == sorted([old_key, new_key])
    assert [name for _, name in provider_secrets()] == [f"registry-{tool['tool_id']}"]
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["spec"]["s3_key"] == new_key


def test_a_failed_creates_provider_is_removed_and_a_dead_creates_is_kept(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    # AgentCore refused the target and the cleanup of the provider failed:
    # the tool is FAILED and says what it could not remove.
    registry.fail("bedrock-agentcore-control.CreateGatewayTarget", "ValidationException", 400)
    registry.fail(
        "bedrock-agentcore-control.DeleteApiKeyCredentialProvider", "ThrottlingException", 400
    )
    failed = create_tool_event(gateway, credentials={"type": "api_key", "api_key": "k"})
    assert registry.invoke(failed)["status"] == 502
    registry.clear_hooks()
    failed_id = tool_id_for(failed["request_id"])
    record = tool_record(registry, failed_id, gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "FAILED"
    assert "could not remove: credential provider" in record["last_error"]["message"]
    # Another create died after writing its spec and provider: its lease
    # still runs, so it is left to its request.
    dead = create_tool_event(
        gateway, name="orders", credentials={"type": "api_key", "api_key": "k2"}
    )
    registry.crash("before-call.bedrock-agentcore-control.CreateGatewayTarget")
    with pytest.raises(Fault):
        registry.invoke(dead)
    registry.clear_hooks()
    dead_id = tool_id_for(dead["request_id"])
    dead_objects = [k for k in spec_keys(registry) if f"/{dead_id}/" in k]
    assert dead_objects

    report = reconcile(registry, dry_run=False)
    assert [
        (f["kind"], f["id"], f["action"]) for f in report["findings"] if f["finding"] == "leftover"
    ] == [("credential-provider", f"registry-{failed_id}", "deleted")]
    assert {name for _, name in provider_secrets()} == {f"registry-{dead_id}"}
    assert [k for k in spec_keys(registry) if f"/{dead_id}/" in k] == dead_objects


def test_interrupted_tool_update_is_rolled_back_in_agentcore_too(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = registry.invoke(create_tool_event(gateway, description="v1"))["data"]
    newer = copy.deepcopy(PETS)
    newer["info"]["version"] = "2.0.0"
    evt = event(
        "update_tool",
        {
            "tool_id": tool["tool_id"],
            "gateway_id": gateway["gateway_id"],
            "description": "v2",
            "source": {"type": "inline", "spec": newer},
        },
    )
    # AgentCore took the update, then the process died.
    crash(registry, "after-call.bedrock-agentcore-control.UpdateGatewayTarget", evt)
    [target] = targets(registry, gateway)
    served = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target["targetId"]
    )
    assert served["description"] == "v2"

    report = reconcile(registry, dry_run=False)

    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["last_error"]["code"] == "UpdateInterrupted"
    assert "pending" not in record
    served = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target["targetId"]
    )
    # AgentCore serves what the record says again, and the new spec object,
    # which nothing reads now, is swept.
    assert served["description"] == "v1"
    uri = served["targetConfiguration"]["mcp"]["openApiSchema"]["s3"]["uri"]
    assert uri == record["spec"]["s3_uri"] == tool["spec"]["s3_uri"]
    assert spec_keys(registry) == [tool["spec"]["s3_key"]]
    assert [f["finding"] for f in report["findings"]] == ["interrupted", "leftover"]


def test_the_sweep_stops_before_the_deadline_and_the_next_run_sweeps(registry: Registry) -> None:
    bucket = registry.settings.spec_bucket_name
    stray = f"specs/gw-00000000000000000000/tl-00000000000000000000/{'0' * 64}.json"
    registry.runtime.s3.put_object(Bucket=bucket, Key=stray, Body=b"{}")

    class AlmostOut:
        def get_remaining_time_in_millis(self) -> int:
            return 5_000

    stopped = reconcile(registry, context=AlmostOut(), dry_run=False, delete_orphans=True)
    assert [(f["kind"], f["finding"]) for f in stopped["findings"]] == [("sweep", "incomplete")]
    assert spec_keys(registry) == [stray]

    swept = reconcile(registry, dry_run=False, delete_orphans=True)
    assert [(f["kind"], f["finding"], f["action"]) for f in swept["findings"]] == [
        ("spec-object", "orphan", "deleted")
    ]
    assert spec_keys(registry) == []
