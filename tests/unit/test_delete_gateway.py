"""delete_gateway: check, DELETING, delete in AgentCore, DELETED."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import ADMIN, OTHER_TEAM, Fault, Registry, event


def delete(gateway_id: str, actor: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"actor": actor} if actor else {}
    return event("delete_gateway", {"gateway_id": gateway_id, **data}, **kwargs)


def test_delete_removes_gateway_and_marks_record_deleted(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = registry.invoke(delete(gateway["gateway_id"]))

    assert response["status"] == 200
    assert response["data"]["status"] == "DELETED"
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["status"] == "DELETED"
    assert registry.agentcore_gateways() == []
    assert registry.item("name#payments-tools") is None
    # The audit trail survives the deletion.
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE", "DELETING", "DELETED"]
    assert (
        registry.invoke(event("get_gateway", {"gateway_id": gateway["gateway_id"]}))["status"]
        == 404
    )
    # The name is free again.
    assert registry.invoke(event("create_gateway", {"name": "payments-tools"}))["status"] == 201


def test_delete_when_agentcore_already_lost_it_succeeds(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.runtime.agentcore.delete_gateway(gatewayIdentifier=gateway["agentcore"]["gateway_id"])
    response = registry.invoke(delete(gateway["gateway_id"]))
    assert response["status"] == 200
    assert registry.gateway_record(gateway["gateway_id"])["status"] == "DELETED"


def test_delete_of_gateway_with_tools_is_conflict_unless_cascade(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.runtime.dynamodb.put_item(
        TableName=registry.settings.tools_table_name,
        Item={
            "tool_id": {"S": "tl-00000000000000000001"},
            "gateway_id": {"S": gateway["gateway_id"]},
            "created_at": {"S": "2026-01-01T00:00:00.000Z"},
            "status": {"S": "ACTIVE"},
        },
    )
    response = registry.invoke(delete(gateway["gateway_id"]))
    assert response["status"] == 409
    assert "tool" in response["error"]["message"]
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert len(registry.agentcore_gateways()) == 1


def test_agentcore_refusing_delete_restores_the_record(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    # A target made outside the registry: AgentCore refuses to delete.
    registry.runtime.agentcore.create_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        name="stray",
        targetConfiguration={"mcp": {"openApiSchema": {"inlinePayload": "{}"}}},
    )
    response = registry.invoke(delete(gateway["gateway_id"]))

    assert response["status"] == 502
    assert response["error"]["details"][0]["code"] == "ValidationException"
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert record["last_error"]["step"] == "DeleteGateway"
    assert "lease" not in record
    assert len(registry.agentcore_gateways()) == 1


def test_other_team_is_forbidden_and_admin_is_allowed(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    refused = registry.invoke(delete(gateway["gateway_id"], actor=OTHER_TEAM))
    assert refused["status"] == 403
    assert registry.gateway_record(gateway["gateway_id"])["status"] == "ACTIVE"
    assert len(registry.agentcore_gateways()) == 1
    assert registry.invoke(delete(gateway["gateway_id"], actor=ADMIN))["status"] == 200
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["status"] == "DELETED"
    assert record["audit"][-1]["actor"] == ADMIN["user"]
    assert registry.agentcore_gateways() == []


def test_replayed_delete_returns_same_outcome(registry: Registry, gateway: dict[str, Any]) -> None:
    evt = delete(gateway["gateway_id"])
    first = registry.invoke(evt)
    again = registry.invoke(evt)
    assert again == first
    # Another delete of a DELETED gateway is 404.
    assert registry.invoke(delete(gateway["gateway_id"]))["status"] == 404


def test_delete_of_unknown_gateway_is_not_found(registry: Registry) -> None:
    assert registry.invoke(delete("gw-00000000000000000000"))["status"] == 404


def test_crash_after_agentcore_delete_is_finished_by_replay(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.crash("after-call.bedrock-agentcore-control.DeleteGateway")
    evt = delete(gateway["gateway_id"])
    with pytest.raises(Fault):
        registry.invoke(evt)
    assert registry.gateway_record(gateway["gateway_id"])["status"] == "DELETING"
    assert registry.agentcore_gateways() == []

    registry.clear_hooks()
    # Updates are refused while the gateway is DELETING.
    assert (
        registry.invoke(
            event("update_gateway", {"gateway_id": gateway["gateway_id"], "description": "x"})
        )["status"]
        == 409
    )
    registry.clock.advance(registry.runtime.default_budget_seconds + 1)
    resumed = registry.invoke(evt)
    assert resumed["status"] == 200
    assert registry.gateway_record(gateway["gateway_id"])["status"] == "DELETED"
    assert registry.item("name#payments-tools") is None


def test_delete_of_failed_gateway_keeps_the_new_owner_of_its_name(registry: Registry) -> None:
    registry.fail("bedrock-agentcore-control.CreateGateway", "ValidationException", 400, times=1)
    failed = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    failed_id = failed["request_id"]
    from services.gateway.gateway_flow import gateway_id_for

    winner = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    assert winner["status"] == 201
    response = registry.invoke(delete(gateway_id_for(failed_id)))

    assert response["status"] == 200
    assert registry.item("name#payments-tools")["claimed_by"] == winner["data"]["gateway_id"]
    assert len(registry.agentcore_gateways()) == 1


def test_delete_of_a_create_that_died_removes_what_it_left(registry: Registry) -> None:
    registry.crash("after-call.bedrock-agentcore-control.CreateGateway")
    evt = event("create_gateway", {"name": "payments-tools"})
    with pytest.raises(Fault):
        registry.invoke(evt)
    registry.clear_hooks()
    from services.gateway.gateway_flow import gateway_id_for

    gateway_id = gateway_id_for(evt["request_id"])
    # While the dead create's lease runs, a delete is refused.
    assert registry.invoke(delete(gateway_id))["status"] == 409
    registry.clock.advance(registry.runtime.default_budget_seconds + 1)
    response = registry.invoke(delete(gateway_id))

    assert response["status"] == 200
    assert registry.agentcore_gateways() == []
    # The dead create, replayed, answers that it was superseded.
    assert registry.invoke(evt)["status"] == 409
