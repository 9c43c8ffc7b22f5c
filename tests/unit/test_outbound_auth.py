"""Outbound authorization per kind of tool (issue 12): the devguide's table
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-outbound-auth.html)
checked before any write, `none` sent as no credential configuration, and
the gateway's IAM role naming the service it signs for exactly where
AgentCore asks (gateway-building-adding-targets-authorization.html)."""

from __future__ import annotations

from typing import Any

from services.records import dynamo
from tests.support import (
    Registry,
    create_tool,
    event,
    scan_everything,
    spec_keys,
    targets,
    tool_record,
)

LAMBDA_SOURCE = {
    "type": "lambda",
    "lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:pets-tools",
    "tools": [
        {"name": "get_pet", "description": "One pet", "input_schema": {"type": "object"}},
    ],
}
SIGNING = {"type": "gateway_iam_role", "service": "execute-api", "region": "us-west-2"}


def remote(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    [listed] = targets(registry, gateway)
    return dict(
        registry.runtime.agentcore.get_gateway_target(
            gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=listed["targetId"]
        )
    )


def assert_nothing_written(registry: Registry, gateway: dict[str, Any], before: str) -> None:
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == []


def test_an_openapi_tool_signing_with_the_gateway_role_names_its_service(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = create_tool(registry, gateway, credentials=SIGNING)
    assert response["status"] == 201, response
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["credentials"] == SIGNING
    assert remote(registry, gateway)["credentialProviderConfigurations"] == [
        {
            "credentialProviderType": "GATEWAY_IAM_ROLE",
            "credentialProvider": {
                "iamCredentialProvider": {"service": "execute-api", "region": "us-west-2"}
            },
        }
    ]


def test_an_openapi_tool_without_credentials_sends_no_configuration(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = create_tool(registry, gateway)
    assert response["status"] == 201, response
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["credentials"] == {"type": "none"}
    assert remote(registry, gateway)["credentialProviderConfigurations"] == []


def test_the_gateway_role_without_a_service_is_refused_for_openapi(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = create_tool(registry, gateway, credentials={"type": "gateway_iam_role"})
    assert response["status"] == 422, response
    assert response["error"]["code"] == "ValidationError"
    assert [d["field"] for d in response["error"]["details"]] == ["data.credentials.service"]
    assert_nothing_written(registry, gateway, before)


def test_a_service_is_refused_where_agentcore_knows_it(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": gateway["gateway_id"],
                "name": "pets",
                "source": LAMBDA_SOURCE,
                "credentials": {"type": "gateway_iam_role", "service": "lambda"},
            },
        )
    )
    assert response["status"] == 422, response
    assert [d["field"] for d in response["error"]["details"]] == ["data.credentials.service"]
    assert_nothing_written(registry, gateway, before)


def test_a_bad_signing_name_is_refused_by_the_model(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = create_tool(
        registry, gateway, credentials={"type": "gateway_iam_role", "service": "execute api"}
    )
    assert response["status"] == 422, response
    assert_nothing_written(registry, gateway, before)


def test_an_update_keeping_credentials_agentcore_now_refuses_asks_for_new_ones(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    # A record from before the service was asked: the gateway role, bare.
    response = create_tool(registry, gateway, credentials=SIGNING)
    assert response["status"] == 201, response
    tool_id = response["data"]["tool_id"]
    registry.runtime.dynamodb.update_item(
        TableName=registry.settings.tools_table_name,
        Key=dynamo.serialize({"tool_id": tool_id, "gateway_id": gateway["gateway_id"]}),
        UpdateExpression="SET credentials = :c",
        ExpressionAttributeValues=dynamo.serialize({":c": {"type": "gateway_iam_role"}}),
    )
    before = tool_record(registry, tool_id, gateway["gateway_id"])
    assert before is not None
    refused = registry.invoke(event("update_tool", {"tool_id": tool_id, "description": "v2"}))
    assert refused["status"] == 422, refused
    assert [d["field"] for d in refused["error"]["details"]] == ["record.credentials.service"]
    assert tool_record(registry, tool_id, gateway["gateway_id"]) == before
    mended = registry.invoke(
        event("update_tool", {"tool_id": tool_id, "description": "v2", "credentials": SIGNING})
    )
    assert mended["status"] == 200, mended
    after = tool_record(registry, tool_id, gateway["gateway_id"])
    assert after is not None
    assert after["credentials"] == SIGNING
    assert remote(registry, gateway)["description"] == "v2"
