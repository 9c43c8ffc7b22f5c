"""reconcile at scale (issue 16): the inventory lists instead of reading each
record, still finds every kind of drift through a closer look, and a run
that resumes from its cursor looks at every record once per pass however
the gateways change between runs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from services.records import dynamo
from tests.support import (
    ADMIN,
    Registry,
    create_tool,
    event,
    reconcile,
    spec_keys,
    targets,
)


def count_calls(registry: Registry) -> Counter[str]:
    """Every AWS operation the runtime sends from now on."""
    counted: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counted[model.name] += 1

    for service in ("bedrock-agentcore-control", "dynamodb", "s3"):
        registry.on(f"before-call.{service}", count)
    return counted


def make_gateway(registry: Registry, name: str, tools: int = 0) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": name}))
    assert response["status"] == 201, response
    gateway = dict(response["data"])
    for t in range(tools):
        assert create_tool(registry, gateway, name=f"tool-{t}")["status"] == 201
    return gateway


def live_tools(registry: Registry, gateway: dict[str, Any]) -> list[dict[str, Any]]:
    return list(registry.runtime.records.live_tools(gateway["gateway_id"]))


def test_a_consistent_registry_is_listed_not_read_record_by_record(registry: Registry) -> None:
    gateways = [make_gateway(registry, f"gw-{g}", tools=3) for g in range(3)]
    calls = count_calls(registry)

    report = reconcile(registry)

    assert report["findings"] == []
    assert report["counts"] == {"in-step": 9}
    # Per gateway, whatever its number of tools: its targets and its tools.
    # Per run: AgentCore's gateways (listed again for the account checks
    # only after a repair), the gateway records (the pass's page, the
    # account's), the spec prefix (once, while it is at most 10 pages) and
    # its gateways, and the two kinds of credential provider. Nothing is
    # read record by record.
    per_gateway = Counter({"ListGatewayTargets": 1, "Query": 1})
    per_run = Counter(
        {
            "ListGateways": 1,
            "Query": 2,
            "ListObjectsV2": 2,
            "ListApiKeyCredentialProviders": 1,
            "ListOauth2CredentialProviders": 1,
        }
    )
    assert calls == Counter({k: v * len(gateways) for k, v in per_gateway.items()}) + per_run


def test_every_kind_of_drift_is_still_found_through_a_closer_look(registry: Registry) -> None:
    gateway = make_gateway(registry, "payments", tools=4)
    moved, rewritten, removed, gone = sorted(live_tools(registry, gateway), key=lambda t: t["name"])
    agentcore_id = gateway["agentcore"]["gateway_id"]
    control = registry.runtime.agentcore
    served = control.get_gateway_target(
        gatewayIdentifier=agentcore_id, targetId=moved["agentcore"]["target_id"]
    )
    config = served["targetConfiguration"]
    config["mcp"]["openApiSchema"]["s3"]["uri"] = "s3://elsewhere/spec.json"
    control.update_gateway_target(
        gatewayIdentifier=agentcore_id,
        targetId=moved["agentcore"]["target_id"],
        name=served["name"],
        targetConfiguration=config,
    )
    bucket = registry.settings.spec_bucket_name
    registry.runtime.s3.put_object(Bucket=bucket, Key=rewritten["spec"]["s3_key"], Body=b"{}")
    registry.runtime.s3.delete_object(Bucket=bucket, Key=removed["spec"]["s3_key"])
    control.delete_gateway_target(
        gatewayIdentifier=agentcore_id, targetId=gone["agentcore"]["target_id"]
    )
    calls = count_calls(registry)

    report = reconcile(registry)

    found = {f["id"]: (f["finding"], f["detail"]) for f in report["findings"]}
    assert found == {
        moved["tool_id"]: ("drift", "the target serves s3://elsewhere/spec.json"),
        rewritten["tool_id"]: ("drift", "the spec object changed"),
        removed["tool_id"]: ("drift", "the spec object is missing"),
        gone["tool_id"]: ("missing-in-agentcore", "AgentCore no longer has it"),
    }
    # The closer looks: a target read for the one updated outside and the
    # one gone, an object's checksum for the two the listing disagrees on.
    assert calls["GetGatewayTarget"] == 2
    assert calls["HeadObject"] == 2


def test_a_record_from_before_the_inventory_is_checked_by_reading(registry: Registry) -> None:
    gateway = make_gateway(registry, "payments", tools=1)
    (tool,) = live_tools(registry, gateway)
    # What records written before issue 16 lack: the target's updatedAt and
    # the object's ETag.
    registry.runtime.dynamodb.update_item(
        TableName=registry.settings.tools_table_name,
        Key=dynamo.serialize({"tool_id": tool["tool_id"], "gateway_id": gateway["gateway_id"]}),
        UpdateExpression="REMOVE agentcore.updated_at, spec.etag",
    )
    calls = count_calls(registry)

    report = reconcile(registry)

    assert report["counts"] == {"in-step": 1}
    assert (calls["GetGatewayTarget"], calls["HeadObject"]) == (1, 1)


def test_what_the_registry_writes_is_what_the_listings_show(registry: Registry) -> None:
    gateway = make_gateway(registry, "payments", tools=1)
    (tool,) = live_tools(registry, gateway)
    (listed,) = targets(registry, gateway)
    assert tool["agentcore"]["updated_at"] == listed["updatedAt"].isoformat()
    objects = registry.runtime.s3.list_objects_v2(Bucket=registry.settings.spec_bucket_name)
    etags = {o["Key"]: o["ETag"] for o in objects["Contents"]}
    assert tool["spec"]["etag"] == etags[tool["spec"]["s3_key"]]


def test_scopes_plan_gateway_and_account(registry: Registry) -> None:
    first = make_gateway(registry, "first", tools=1)
    second = make_gateway(registry, "second", tools=1)
    deleted = make_gateway(registry, "deleted")
    assert registry.invoke(event("delete_gateway", {"gateway_id": deleted["gateway_id"]}))["ok"]
    control = registry.runtime.agentcore
    control.create_gateway_target(
        gatewayIdentifier=second["agentcore"]["gateway_id"],
        name="stray",
        targetConfiguration={"mcp": {"openApiSchema": {"inlinePayload": "{}"}}},
    )
    bucket = registry.settings.spec_bucket_name
    stray = f"specs/gw-00000000000000000000/tl-00000000000000000000/{'0' * 64}.json"
    registry.runtime.s3.put_object(Bucket=bucket, Key=stray, Body=b"{}")

    plan = reconcile(registry, scope="plan")
    assert plan["gateway_ids"] == [first["gateway_id"], second["gateway_id"]]
    assert plan["findings"] == []

    one = reconcile(registry, scope="gateway", gateway_id=first["gateway_id"])
    assert (one["findings"], one["counts"]) == ([], {"in-step": 1})
    other = reconcile(registry, scope="gateway", gateway_id=second["gateway_id"])
    assert [(f["kind"], f["finding"]) for f in other["findings"]] == [("target", "orphan")]

    account = reconcile(registry, scope="account", dry_run=False, delete_orphans=True)
    assert [(f["kind"], f["id"], f["action"]) for f in account["findings"]] == [
        ("spec-object", stray, "deleted")
    ]
    assert stray not in spec_keys(registry)
    assert len(targets(registry, second)) == 2  # the gateway's own orphan is its scope's


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"scope": "gateway"}, 422),
        ({"gateway_id": "gw-00000000000000000000"}, 422),
        ({"scope": "plan", "resume": True}, 422),
        ({"scope": "account", "next_token": "x"}, 422),
        ({"scope": "gateway", "gateway_id": "gw-00000000000000000000"}, 404),
        ({"scope": "everything"}, 422),
    ],
)
def test_scope_fields_are_checked(registry: Registry, data: dict[str, Any], status: int) -> None:
    response = registry.invoke({"action": "reconcile", "actor": ADMIN, "data": data})
    assert response["status"] == status, response


def test_a_resuming_run_needs_an_admin(registry: Registry) -> None:
    response = registry.invoke({"action": "reconcile", "data": {"resume": True}})
    assert (response["status"], response["error"]["code"]) == (403, "Forbidden")
    cursor = registry.item("reconcile#cursor#dry-run")
    assert cursor is None


class Budget:
    """A Lambda context with `seconds` left (the fake clock moves only when
    a test moves it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


def drift_one_tool(registry: Registry, gateway: dict[str, Any]) -> str:
    """Delete the target of the gateway's tool in AgentCore; its tool_id."""
    (tool,) = live_tools(registry, gateway)
    registry.runtime.agentcore.delete_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
    )
    return str(tool["tool_id"])


def test_runs_that_resume_find_every_drifted_record_once_while_gateways_come_and_go(
    registry: Registry,
) -> None:
    gateways = [make_gateway(registry, f"gw-{g}", tools=1) for g in range(6)]
    drifted = {drift_one_tool(registry, g) for g in gateways}
    # Each gateway costs 10 s of the run's time (one ListGatewayTargets each).
    registry.on(
        "before-call.bedrock-agentcore-control.ListGatewayTargets",
        lambda **_: registry.clock.advance(10),
    )
    findings: list[dict[str, Any]] = []
    passes: list[dict[str, Any]] = []
    for run in range(10):
        # 35 s: 10 s are kept back, so a run covers three gateways.
        report = reconcile(registry, Budget(35), dry_run=False, resume=True)
        findings += report["findings"]
        passes.append(report["pass"])
        if run == 0:
            # Between runs: a gateway already looked at loses its tool, one
            # not looked at yet is deleted (with its drifted tool), and a
            # new one is made (after the cursor) and drifts.
            done, skipped = gateways[0], gateways[4]
            never_looked_at = live_tools(registry, skipped)[0]["tool_id"]
            (tool,) = live_tools(registry, done)
            gone = {"gateway_id": done["gateway_id"], "tool_id": tool["tool_id"]}
            assert registry.invoke(event("delete_tool", gone))["ok"]
            cascade = {"gateway_id": skipped["gateway_id"], "cascade": True}
            assert registry.invoke(event("delete_gateway", cascade))["ok"]
            late = make_gateway(registry, "late", tools=1)
            drifted.add(drift_one_tool(registry, late))
        if report["pass"]["completed_at"]:
            break
    else:
        pytest.fail("the pass never completed")

    # Every drifted tool that was not deleted before its gateway's turn was
    # found and marked FAILED exactly once, in one pass of three runs.
    repaired = Counter(f["id"] for f in findings if f["finding"] == "missing-in-agentcore")
    assert set(repaired) == drifted - {never_looked_at}
    assert all(n == 1 for n in repaired.values()), repaired
    assert all(f["done"] for f in findings if f["finding"] == "missing-in-agentcore")
    assert len(passes) == 3
    assert [p["completed_at"] is None for p in passes] == [True, True, False]
    assert all(p["cursor_saved"] for p in passes)
    assert len({p["started_at"] for p in passes}) == 1
    for tool_id in repaired:
        record = registry.runtime.records.find_tool(tool_id)
        assert record is not None
        marks = [a for a in record["audit"] if a["outcome"] == "marked-failed"]
        assert len(marks) == 1, tool_id

    # The next run starts a new pass from the first gateway.
    again = reconcile(registry, dry_run=False, resume=True)
    assert again["pass"]["started_at"] != passes[0]["started_at"]
    assert again["pass"]["completed_at"] is not None


def test_a_cursor_moved_by_another_run_is_not_moved_back(registry: Registry) -> None:
    make_gateway(registry, "one")
    table = registry.settings.gateways_table_name
    key = {"gateway_id": "reconcile#cursor#dry-run"}
    assert reconcile(registry, resume=True)["pass"]["cursor_saved"]
    moved: list[bool] = []

    def another_run_moves_it(**_: Any) -> None:
        # Between this run's read of the cursor and its write.
        if not moved:
            moved.append(True)
            registry.runtime.dynamodb.update_item(
                TableName=table,
                Key=dynamo.serialize(key),
                UpdateExpression="SET version = version + :one, #p = :p",
                ExpressionAttributeNames={"#p": "position"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":p": {"S": "elsewhere"}},
            )

    registry.on("before-call.dynamodb.PutItem", another_run_moves_it)
    report = reconcile(registry, resume=True)  # a dry run writes only its cursor
    assert report["pass"]["cursor_saved"] is False
    assert registry.item(key["gateway_id"])["position"] == "elsewhere"  # type: ignore[index]


def test_a_gateway_cut_short_is_looked_at_again_and_nothing_is_repaired_twice(
    registry: Registry,
) -> None:
    make_gateway(registry, "first", tools=1)
    second = make_gateway(registry, "second", tools=2)
    drifted = set()
    for tool in live_tools(registry, second):
        registry.runtime.agentcore.delete_gateway_target(
            gatewayIdentifier=second["agentcore"]["gateway_id"],
            targetId=tool["agentcore"]["target_id"],
        )
        drifted.add(tool["tool_id"])
    slow: list[bool] = []

    def the_first_closer_look_takes_long(**_: Any) -> None:
        if not slow:
            slow.append(True)
            registry.clock.advance(30)

    registry.on(
        "before-call.bedrock-agentcore-control.GetGatewayTarget", the_first_closer_look_takes_long
    )
    first = reconcile(registry, Budget(35), dry_run=False, resume=True)
    assert [(f["kind"], f["finding"]) for f in first["findings"]] == [
        ("tool", "missing-in-agentcore"),
        ("gateway", "incomplete"),
    ]
    rest = reconcile(registry, Budget(35), dry_run=False, resume=True)
    # The second run finishes the gateway (and removes the failed tools'
    # objects, now leftovers).
    assert [(f["kind"], f["finding"]) for f in rest["findings"]] == [
        ("tool", "missing-in-agentcore"),
        ("spec-object", "leftover"),
        ("spec-object", "leftover"),
    ]
    assert rest["pass"]["completed_at"] is not None
    assert {f["id"] for f in first["findings"] + rest["findings"] if f["kind"] == "tool"} == drifted
    for tool_id in drifted:
        record = registry.runtime.records.find_tool(tool_id)
        assert record is not None
        assert record["status"] == "FAILED"
        assert [a["outcome"] for a in record["audit"]].count("marked-failed") == 1


def test_agentcore_calls_slow_down_when_throttled_and_the_others_do_not(
    registry: Registry,
) -> None:
    # botocore's adaptive mode on the AgentCore client alone (services/runtime.py).
    assert registry.runtime.agentcore.meta.config.retries["mode"] == "adaptive"
    for service in ("dynamodb", "s3"):
        assert registry.runtime.client(service).meta.config.retries["mode"] == "standard"


def test_a_large_bucket_is_listed_gateway_by_gateway(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services import reconcile as reconciler

    # Past the pages one listing of the whole prefix may take.
    monkeypatch.setattr(reconciler, "_WHOLE_LISTING_PAGES", 0)
    gateways = [make_gateway(registry, f"gw-{g}", tools=1) for g in range(2)]
    (removed,) = live_tools(registry, gateways[1])
    bucket = registry.settings.spec_bucket_name
    registry.runtime.s3.delete_object(Bucket=bucket, Key=removed["spec"]["s3_key"])
    calls = count_calls(registry)

    report = reconcile(registry)

    assert [(f["id"], f["detail"]) for f in report["findings"]] == [
        (removed["tool_id"], "the spec object is missing")
    ]
    # The whole prefix's first page (given up), each gateway's, the gateways'.
    assert calls["ListObjectsV2"] == 1 + len(gateways) + 1
    assert calls["HeadObject"] == 1
