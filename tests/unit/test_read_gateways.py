"""get_gateway and list_gateways: one read, one Query per page."""

from __future__ import annotations

from typing import Any

from tests.support import OTHER_TEAM, Registry, event


def create(registry: Registry, name: str, actor: dict[str, Any] | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"actor": actor} if actor else {}
    response = registry.invoke(event("create_gateway", {"name": name}, **kwargs))
    assert response["status"] == 201
    return dict(response["data"])


def count_calls(registry: Registry) -> list[str]:
    calls: list[str] = []
    registry.on("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    return calls


def test_get_gateway_is_one_read(registry: Registry) -> None:
    gateway = create(registry, "one")
    calls = count_calls(registry)
    response = registry.invoke(event("get_gateway", {"gateway_id": gateway["gateway_id"]}))
    assert response["status"] == 200
    assert response["data"]["name"] == "one"
    assert calls == ["GetItem"]


def test_list_by_team_pages_with_a_query_each(registry: Registry) -> None:
    for name in ("a1", "a2", "a3"):
        create(registry, name)
        registry.clock.advance(1)
    create(registry, "b1", actor=OTHER_TEAM)
    calls = count_calls(registry)

    first = registry.invoke(event("list_gateways", {"team": "payments", "limit": 2}))
    assert [i["name"] for i in first["data"]["items"]] == ["a3", "a2"]
    assert first["data"]["next_token"]
    second = registry.invoke(
        event(
            "list_gateways",
            {"team": "payments", "limit": 2, "next_token": first["data"]["next_token"]},
        )
    )
    assert [i["name"] for i in second["data"]["items"]] == ["a1"]
    assert calls == ["Query", "Query"]
    assert "Scan" not in calls


def test_list_all_hides_deleted_unless_asked(registry: Registry) -> None:
    keep = create(registry, "keep")
    gone = create(registry, "gone")
    registry.invoke(event("delete_gateway", {"gateway_id": gone["gateway_id"]}))

    listed = registry.invoke(event("list_gateways", {}))
    assert [i["gateway_id"] for i in listed["data"]["items"]] == [keep["gateway_id"]]
    deleted = registry.invoke(event("list_gateways", {"status": "DELETED"}))
    assert [i["gateway_id"] for i in deleted["data"]["items"]] == [gone["gateway_id"]]


def test_lists_never_show_claims_or_ledger_items(registry: Registry) -> None:
    create(registry, "only")
    items = registry.invoke(event("list_gateways", {"limit": 100}))["data"]["items"]
    assert [i["name"] for i in items] == ["only"]
    assert all(i["gateway_id"].startswith("gw-") for i in items)
