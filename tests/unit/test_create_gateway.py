"""create_gateway: the safe flow, its outcomes in DynamoDB and in AgentCore."""

from __future__ import annotations

import pytest
from moto.moto_api import state_manager

from services.gateway.gateway_flow import gateway_id_for
from tests.support import Fault, Registry, event


def create(name: str = "payments-tools", **data: object) -> dict[str, object]:
    return event("create_gateway", {"name": name, **data})


def test_create_gateway_writes_active_record_with_agentcore_ids(registry: Registry) -> None:
    evt = create(description="Payment APIs for agents", metadata={"owner": "payments"})
    response = registry.invoke(evt)

    assert response["ok"] is True
    assert response["status"] == 201
    gateway_id = gateway_id_for(evt["request_id"])
    record = registry.gateway_record(gateway_id)
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["team"] == "payments"
    assert record["created_by"] == "alice@example.com"
    assert record["metadata"] == {"owner": "payments"}
    assert "lease" not in record
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE"]
    [gateway] = registry.agentcore_gateways()
    assert record["agentcore"]["gateway_id"] == gateway["gatewayId"]
    assert record["agentcore"]["status"] == "READY"
    assert registry.agentcore_gateway(gateway["gatewayId"])["name"] == "payments-tools"
    assert registry.item("name#payments-tools")["claimed_by"] == gateway_id
    ledger = registry.item(f"request#{evt['request_id']}")
    assert ledger["state"] == "COMPLETED"
    assert ledger["outcome_status"] == 201
    # The response is the record, without the flow's bookkeeping.
    assert response["data"]["gateway_id"] == gateway_id
    assert "request_hash" not in response["data"]
    assert response["data"]["agentcore"]["gateway_url"].startswith("https://")


def test_create_gateway_sends_client_token_derived_from_request(registry: Registry) -> None:
    sent: list[str] = []
    registry.on(
        "provide-client-params.bedrock-agentcore-control.CreateGateway",
        lambda params, **_: sent.append(params["clientToken"]),
    )
    evt = create()
    registry.invoke(evt)
    assert len(sent) == 1
    assert 33 <= len(sent[0]) <= 256


def test_same_request_id_replays_outcome_without_a_second_gateway(registry: Registry) -> None:
    evt = create()
    first = registry.invoke(evt)
    second = registry.invoke(evt)

    assert second == first
    assert len(registry.agentcore_gateways()) == 1
    record = registry.gateway_record(first["data"]["gateway_id"])
    assert record["version"] == first["data"]["version"]


def test_same_request_id_with_other_data_is_idempotency_conflict(registry: Registry) -> None:
    evt = create()
    registry.invoke(evt)
    other = {**evt, "data": {"name": "payments-tools", "description": "changed"}}
    response = registry.invoke(other)

    assert response["status"] == 409
    assert response["error"]["code"] == "IdempotencyConflict"
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["description"] is None
    assert len(registry.agentcore_gateways()) == 1


def test_same_request_from_another_actor_is_a_conflict_not_a_replay(registry: Registry) -> None:
    evt = create()
    registry.invoke(evt)
    someone_else = {**evt, "actor": {"user": "mallory@example.com", "team": "payments"}}
    response = registry.invoke(someone_else)

    # Not the first caller's outcome (their record) replayed to another actor.
    assert response["status"] == 409
    assert response["error"]["code"] == "IdempotencyConflict"
    assert response["data"] is None
    assert len(registry.agentcore_gateways()) == 1


def test_request_id_of_another_action_is_idempotency_conflict(registry: Registry) -> None:
    first = registry.invoke(create())
    reused = event(
        "update_gateway",
        {"gateway_id": first["data"]["gateway_id"], "description": "x"},
        request_id=first["request_id"],
    )
    response = registry.invoke(reused)
    assert response["error"]["code"] == "IdempotencyConflict"
    assert registry.gateway_record(first["data"]["gateway_id"])["description"] is None


def test_duplicate_name_is_conflict_and_writes_nothing(registry: Registry) -> None:
    registry.invoke(create())
    second = create()
    response = registry.invoke(second)

    assert response["status"] == 409
    assert response["error"]["code"] == "Conflict"
    assert registry.gateway_record(gateway_id_for(second["request_id"])) is None
    assert registry.item(f"request#{second['request_id']}") is None
    assert len(registry.agentcore_gateways()) == 1


def test_name_taken_outside_the_registry_is_conflict_and_record_failed(registry: Registry) -> None:
    registry.runtime.agentcore.create_gateway(
        name="payments-tools",
        roleArn=registry.settings.gateway_role_arn,
        protocolType="MCP",
        authorizerType="AWS_IAM",
    )
    evt = create()
    response = registry.invoke(evt)

    assert response["status"] == 409
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "FAILED"
    assert record["last_error"]["step"] == "CreateGateway"
    assert registry.item("name#payments-tools") is None
    assert len(registry.agentcore_gateways()) == 1


def test_agentcore_rejection_marks_record_failed_and_leaves_nothing(registry: Registry) -> None:
    registry.fail("bedrock-agentcore-control.CreateGateway", "ValidationException", 400, times=1)
    evt = create()
    response = registry.invoke(evt)

    assert response["status"] == 502
    assert response["error"]["code"] == "UpstreamError"
    assert response["error"]["details"][0]["code"] == "ValidationException"
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "FAILED"
    assert record["last_error"]["code"] == "ValidationException"
    assert record["last_error"]["step"] == "CreateGateway"
    assert record["last_error"]["at"]
    assert registry.agentcore_gateways() == []
    # The name is released: a new request may use it.
    assert registry.invoke(create())["status"] == 201


def test_failed_request_is_replayed_as_the_same_failure(registry: Registry) -> None:
    registry.fail("bedrock-agentcore-control.CreateGateway", "ValidationException", 400, times=1)
    evt = create()
    first = registry.invoke(evt)
    again = registry.invoke(evt)
    assert again == first
    assert registry.agentcore_gateways() == []


def test_gateway_that_ends_failed_is_recorded_with_reasons_and_removed(registry: Registry) -> None:
    evt = create(tags={"emulator:fail": "role cannot be assumed"})
    response = registry.invoke(evt)

    assert response["status"] == 502
    assert "role cannot be assumed" in response["error"]["message"]
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "FAILED"
    assert record["last_error"]["code"] == "GatewayFailed"
    assert "role cannot be assumed" in record["last_error"]["message"]
    assert registry.agentcore_gateways() == []


def test_throttling_marks_failed_with_503(registry: Registry) -> None:
    registry.fail("bedrock-agentcore-control.CreateGateway", "ThrottlingException", 429)
    evt = create()
    response = registry.invoke(evt)

    assert response["status"] == 503
    assert response["error"]["code"] == "UpstreamUnavailable"
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "FAILED"
    assert record["last_error"]["code"] == "ThrottlingException"
    assert registry.agentcore_gateways() == []


def test_crash_before_create_leaves_pending_and_replay_resumes(registry: Registry) -> None:
    registry.crash("before-call.bedrock-agentcore-control.CreateGateway")
    evt = create()
    with pytest.raises(Fault):
        registry.invoke(evt)
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "PENDING"
    assert registry.agentcore_gateways() == []

    # While the dead invocation's lease runs, the same request is InProgress.
    registry.clear_hooks()
    busy = registry.invoke(evt)
    assert busy["status"] == 409
    assert busy["error"]["code"] == "InProgress"

    registry.clock.advance(registry.runtime.default_budget_seconds + 1)
    resumed = registry.invoke(evt)
    assert resumed["status"] == 201
    assert resumed["data"]["status"] == "ACTIVE"
    assert len(registry.agentcore_gateways()) == 1
    outcomes = [e["outcome"] for e in resumed["data"]["audit"]]
    assert outcomes == ["create-started", "resumed", "create-succeeded"]


def test_crash_after_create_adopts_the_gateway_instead_of_a_second(registry: Registry) -> None:
    registry.crash("after-call.bedrock-agentcore-control.CreateGateway")
    evt = create()
    with pytest.raises(Fault):
        registry.invoke(evt)
    assert len(registry.agentcore_gateways()) == 1
    assert registry.gateway_record(gateway_id_for(evt["request_id"]))["status"] == "PENDING"

    registry.clear_hooks()
    registry.clock.advance(registry.runtime.default_budget_seconds + 1)
    resumed = registry.invoke(evt)

    assert resumed["status"] == 201
    [gateway] = registry.agentcore_gateways()
    assert resumed["data"]["agentcore"]["gateway_id"] == gateway["gatewayId"]
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "ACTIVE"
    assert record["agentcore"]["gateway_id"] == gateway["gatewayId"]
    assert "lease" not in record


def test_timeout_after_sending_keeps_pending_for_resume(registry: Registry) -> None:
    from botocore.exceptions import ReadTimeoutError

    def time_out(**_: object) -> None:
        raise ReadTimeoutError(endpoint_url="https://bedrock-agentcore-control")

    registry.on("before-call.bedrock-agentcore-control.CreateGateway", time_out)
    evt = create()
    response = registry.invoke(evt)

    assert response["status"] == 503
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "PENDING"
    assert record["last_error"]["code"] == "ReadTimeoutError"
    assert "lease" not in record  # released: the same request resumes at once

    registry.clear_hooks()
    resumed = registry.invoke(evt)
    assert resumed["status"] == 201
    assert resumed["data"]["last_error"] is None
    assert len(registry.agentcore_gateways()) == 1
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "ACTIVE"
    assert record.get("last_error") is None


def test_poll_budget_exhausted_keeps_pending_then_resumes(registry: Registry) -> None:
    state_manager.set_transition(
        "bedrock-agentcore-control::gateway", {"progression": "manual", "times": 1000}
    )
    try:
        evt = create()
        response = registry.invoke(evt, context=LambdaContext(remaining_ms=30_000))
        assert response["status"] == 503
        record = registry.gateway_record(gateway_id_for(evt["request_id"]))
        assert record["status"] == "PENDING"
        assert record["agentcore"]["status"] == "CREATING"
        # Polls stayed inside the Lambda's remaining time, minus the margin.
        assert sum(registry.clock.slept) <= 25
    finally:
        state_manager.unset_transition("bedrock-agentcore-control::gateway")

    resumed = registry.invoke(evt)
    assert resumed["status"] == 201
    assert resumed["data"]["status"] == "ACTIVE"
    assert len(registry.agentcore_gateways()) == 1
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "ACTIVE"
    assert record["agentcore"]["status"] == "READY"


class LambdaContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
