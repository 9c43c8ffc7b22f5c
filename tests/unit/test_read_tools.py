"""get_tool and list_tools."""

from __future__ import annotations

from typing import Any

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
