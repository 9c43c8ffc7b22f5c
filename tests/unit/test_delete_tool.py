"""delete_tool, and delete_gateway with `cascade`: the target, the credential
provider and the spec object removed, the record DELETED."""

from __future__ import annotations

from typing import Any

from tests.support import (
    CANARY_KEY,
    Registry,
    create_tool,
    event,
    provider_secrets,
    spec_keys,
    targets,
    tool_record,
)


def test_delete_tool_removes_target_provider_and_spec(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway, credentials={"type": "api_key", "api_key": CANARY_KEY})[
        "data"
    ]
    response = registry.invoke(
        event("delete_tool", {"tool_id": tool["tool_id"], "gateway_id": gateway["gateway_id"]})
    )

    assert response["status"] == 200, response
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"])["status"] == "DELETED"
    assert targets(registry, gateway) == []
    assert provider_secrets() == {}
    assert spec_keys(registry) == []
    assert registry.invoke(event("get_tool", {"tool_id": tool["tool_id"]}))["status"] == 404


def test_cascade_delete_removes_tools_then_the_gateway(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    one = create_tool(
        registry, gateway, name="pets", credentials={"type": "api_key", "api_key": "k"}
    )["data"]
    two = create_tool(registry, gateway, name="owners")["data"]
    refused = registry.invoke(event("delete_gateway", {"gateway_id": gateway["gateway_id"]}))
    assert refused["status"] == 409

    response = registry.invoke(
        event("delete_gateway", {"gateway_id": gateway["gateway_id"], "cascade": True})
    )
    assert response["status"] == 200, response
    for tool in (one, two):
        assert tool_record(registry, tool["tool_id"], gateway["gateway_id"])["status"] == "DELETED"
    assert registry.agentcore_gateways() == []
    assert provider_secrets() == {}
    assert spec_keys(registry) == []
