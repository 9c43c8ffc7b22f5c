"""get_tool and list_tools."""

from __future__ import annotations

from typing import Any

from services.records import dynamo
from tests.flows import lambda_tools
from tests.support import Registry, create_tool, event


def test_get_and_list_tools(registry: Registry, gateway: dict[str, Any]) -> None:
    first = create_tool(registry, gateway, name="pets")["data"]
    registry.clock.advance(1)
    create_tool(registry, gateway, name="owners")
    by_id = registry.invoke(event("get_tool", {"tool_id": first["tool_id"]}))
    assert by_id["status"] == 200
    assert by_id["data"]["name"] == "pets"
    listed = registry.invoke(event("list_tools", {"gateway_id": gateway["gateway_id"]}))
    assert [t["name"] for t in listed["data"]["items"]] == ["owners", "pets"]


def _names(registry: Registry, gateway: dict[str, Any], **data: Any) -> list[str]:
    listed = registry.invoke(event("list_tools", {"gateway_id": gateway["gateway_id"], **data}))
    assert listed["status"] == 200, listed
    return [t["name"] for t in listed["data"]["items"]]


def test_list_tools_filters_by_kind(registry: Registry, gateway: dict[str, Any]) -> None:
    spec = create_tool(registry, gateway, name="pets")["data"]
    registry.clock.advance(1)
    old = create_tool(registry, gateway, name="owners")["data"]
    registry.clock.advance(1)
    made = create_tool(registry, gateway, name="orders", source=lambda_tools("get_order"))
    assert made["status"] == 201, made
    # A tool written before records named their kind: no `target` at all.
    registry.runtime.dynamodb.update_item(
        TableName=registry.settings.tools_table_name,
        Key=dynamo.serialize({"tool_id": old["tool_id"], "gateway_id": gateway["gateway_id"]}),
        UpdateExpression="REMOVE #t",
        ExpressionAttributeNames={"#t": "target"},
    )
    assert spec["target"] == {"kind": "openapi"}

    assert _names(registry, gateway) == ["orders", "owners", "pets"]
    assert _names(registry, gateway, kind="lambda") == ["orders"]
    assert _names(registry, gateway, kind="openapi") == ["owners", "pets"]
    assert _names(registry, gateway, kind="openapi", status="ACTIVE") == ["owners", "pets"]


def test_list_tools_refuses_an_unknown_kind(registry: Registry, gateway: dict[str, Any]) -> None:
    response = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "graphql"})
    )

    assert response["status"] == 422, response
    assert response["error"]["code"] == "ValidationError"
    # Every kind is named (from KINDS: each new kind adds itself).
    from services.tools.targets import KINDS

    names = ", ".join(sorted(kind.name for kind in KINDS))
    assert {"openapi", "lambda", "mcp_server", "smithy", "api_gateway"} <= set(names.split(", "))
    assert response["error"]["details"] == [{"field": "data.kind", "message": f"one of {names}"}]
