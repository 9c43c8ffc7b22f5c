"""update_gateway: validate, check the record, update AgentCore, update the record."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import ADMIN, OTHER_TEAM, Fault, Registry, event


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(
        event("create_gateway", {"name": "payments-tools", "description": "v1"})
    )
    assert response["status"] == 201
    return dict(response["data"])


def update(gateway_id: str, actor: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"actor": actor} if actor else {}
    return event("update_gateway", {"gateway_id": gateway_id, **data}, **kwargs)


def test_update_changes_agentcore_and_record(registry: Registry, gateway: dict[str, Any]) -> None:
    response = registry.invoke(
        update(gateway["gateway_id"], description="v2", metadata={"tier": "gold"})
    )

    assert response["status"] == 200
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["description"] == "v2"
    assert record["metadata"] == {"tier": "gold"}
    assert record["version"] > gateway["version"]
    assert "pending" not in record
    assert "lease" not in record
    assert registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])["description"] == "v2"
    assert registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])["status"] == "READY"
    assert [e["outcome"] for e in record["audit"]][-2:] == ["update-started", "update-succeeded"]


def test_update_to_custom_jwt_sends_the_authorizer(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    authorizer = {
        "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
        "allowed_clients": ["agent-client"],
    }
    response = registry.invoke(
        update(gateway["gateway_id"], authorizer_type="CUSTOM_JWT", authorizer=authorizer)
    )

    assert response["status"] == 200
    remote = registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])
    assert remote["authorizerType"] == "CUSTOM_JWT"
    assert remote["authorizerConfiguration"]["customJWTAuthorizer"]["allowedClients"] == [
        "agent-client"
    ]
    # UpdateGateway replaces the whole configuration: the description survives.
    assert remote["description"] == "v1"


def test_authorizer_without_custom_jwt_type_is_validation_error(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    authorizer = {
        "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
        "allowed_audience": ["a"],
    }
    response = registry.invoke(update(gateway["gateway_id"], authorizer=authorizer))
    assert response["status"] == 422
    assert registry.gateway_record(gateway["gateway_id"])["version"] == gateway["version"]


def test_metadata_only_update_makes_no_agentcore_call(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    calls: list[str] = []
    registry.on(
        "before-call.bedrock-agentcore-control", lambda model, **_: calls.append(model.name)
    )
    response = registry.invoke(update(gateway["gateway_id"], metadata={"a": 1}))
    assert response["status"] == 200
    assert calls == []
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["metadata"] == {"a": 1}
    assert record["version"] > gateway["version"]


def test_tags_update_tags_and_untags_the_gateway(registry: Registry) -> None:
    created = registry.invoke(
        event("create_gateway", {"name": "tagged", "tags": {"env": "dev", "old": "x"}})
    )["data"]
    response = registry.invoke(update(created["gateway_id"], tags={"env": "prod"}))
    assert response["status"] == 200
    arn = created["agentcore"]["gateway_arn"]
    assert registry.runtime.agentcore.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "env": "prod"
    }
    assert registry.gateway_record(created["gateway_id"])["tags"] == {"env": "prod"}


def test_stale_expected_version_is_conflict_and_changes_nothing(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = registry.invoke(
        update(gateway["gateway_id"], description="v2", expected_version=gateway["version"] - 1)
    )

    assert response["status"] == 409
    assert response["error"]["code"] == "Conflict"
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["version"] == gateway["version"]
    assert record["description"] == "v1"
    assert registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])["description"] == "v1"


def test_matching_expected_version_updates(registry: Registry, gateway: dict[str, Any]) -> None:
    response = registry.invoke(
        update(gateway["gateway_id"], description="v2", expected_version=gateway["version"])
    )
    assert response["status"] == 200
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["version"] > gateway["version"]
    assert record["description"] == "v2"
    assert registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])["description"] == "v2"


@pytest.mark.parametrize("status", ["PENDING", "DELETING", "FAILED"])
def test_update_outside_active_is_conflict(
    registry: Registry, gateway: dict[str, Any], status: str
) -> None:
    registry.runtime.dynamodb.update_item(
        TableName=registry.settings.gateways_table_name,
        Key={"gateway_id": {"S": gateway["gateway_id"]}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
    )
    response = registry.invoke(update(gateway["gateway_id"], description="v2"))
    assert response["status"] == 409
    assert registry.gateway_record(gateway["gateway_id"])["description"] == "v1"


def test_other_team_is_forbidden_and_admin_is_allowed(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    refused = registry.invoke(
        update(gateway["gateway_id"], actor=OTHER_TEAM, description="hijacked")
    )
    assert refused["status"] == 403
    assert refused["error"]["code"] == "Forbidden"
    assert registry.gateway_record(gateway["gateway_id"])["description"] == "v1"

    allowed = registry.invoke(update(gateway["gateway_id"], actor=ADMIN, description="by admin"))
    assert allowed["status"] == 200
    assert registry.gateway_record(gateway["gateway_id"])["updated_by"] == ADMIN["user"]


def test_unknown_gateway_is_not_found(registry: Registry) -> None:
    response = registry.invoke(update("gw-00000000000000000000", description="x"))
    assert response["status"] == 404


def test_replayed_update_returns_same_outcome_without_a_new_version(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    evt = update(gateway["gateway_id"], description="v2")
    first = registry.invoke(evt)
    registry.invoke(update(gateway["gateway_id"], description="v3"))
    again = registry.invoke(evt)

    assert again["status"] == first["status"] == 200
    record = registry.gateway_record(gateway["gateway_id"])
    # The replay did not apply "v2" over the later "v3".
    assert record["description"] == "v3"
    assert again["data"]["version"] == record["version"]


def test_agentcore_refusal_keeps_record_active_with_last_error(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.fail("bedrock-agentcore-control.UpdateGateway", "ValidationException", 400)
    response = registry.invoke(update(gateway["gateway_id"], description="v2"))

    assert response["status"] == 502
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert record["description"] == "v1"
    assert record["last_error"]["code"] == "ValidationException"
    assert record["last_error"]["step"] == "UpdateGateway"
    assert "pending" not in record
    assert "lease" not in record


def test_crash_mid_update_is_finished_by_the_same_request(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.crash("after-call.bedrock-agentcore-control.UpdateGateway")
    evt = update(gateway["gateway_id"], description="v2")
    with pytest.raises(Fault):
        registry.invoke(evt)
    stuck = registry.gateway_record(gateway["gateway_id"])
    assert stuck["pending"] == {"description": "v2"}

    registry.clear_hooks()
    assert registry.invoke(evt)["error"]["code"] == "InProgress"
    other = registry.invoke(update(gateway["gateway_id"], description="v3"))
    assert other["status"] == 409

    registry.clock.advance(registry.runtime.default_budget_seconds + 1)
    resumed = registry.invoke(evt)
    assert resumed["status"] == 200
    record = registry.gateway_record(gateway["gateway_id"])
    assert record["description"] == "v2"
    assert "pending" not in record


def test_later_request_supersedes_a_dead_update(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.crash("before-call.bedrock-agentcore-control.UpdateGateway")
    dead = update(gateway["gateway_id"], description="dead")
    with pytest.raises(Fault):
        registry.invoke(dead)
    registry.clear_hooks()
    registry.clock.advance(registry.runtime.default_budget_seconds + 1)

    later = registry.invoke(update(gateway["gateway_id"], description="later"))
    assert later["status"] == 200
    # The dead request, sent again, does not resurrect its stale change.
    replay = registry.invoke(dead)
    assert replay["status"] == 409
    assert registry.gateway_record(gateway["gateway_id"])["description"] == "later"
