"""`refresh_tool` and `auto_refresh` (issue 15) through the real fetcher
against the test HTTPS server on 127.0.0.1 (tests/unit/test_url_fetch_server.py:
its fixtures and its socket allow-list): unchanged bytes are a no-op, a
change is an update through the gate, and the reconcile schedule holds a
breaking change on the record instead of applying it."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.support import ADMIN, PETS, Registry, event, spec_keys, tool_record
from tests.unit.test_url_fetch_server import (  # noqa: F401 - fixtures, used by name
    Route,
    SpecServer,
    _main_server,
    _no_network,
    pki,
    server,
)


def serve(server: SpecServer, spec: dict[str, Any]) -> str:
    server.routes["/pets.json"] = Route(body=json.dumps(spec).encode())
    return server.url("/pets.json")


def grown() -> dict[str, Any]:
    spec = copy.deepcopy(PETS)
    spec["paths"]["/owners"] = {
        "get": {"operationId": "listOwners", "responses": {"200": {"description": "ok"}}}
    }
    return spec


def shrunk() -> dict[str, Any]:
    spec = copy.deepcopy(PETS)
    del spec["paths"]["/pets/{id}"]
    return spec


def create_from_url(
    registry: Registry, gateway: dict[str, Any], url: str, **more: Any
) -> dict[str, Any]:
    answer = registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": gateway["gateway_id"],
                "name": "pets",
                "source": {"type": "url", "url": url},
                **more,
            },
        )
    )
    assert answer["status"] == 201, answer
    return dict(answer["data"])


def refresh(registry: Registry, tool: dict[str, Any], **more: Any) -> dict[str, Any]:
    return registry.invoke(event("refresh_tool", {"tool_id": tool["tool_id"], **more}))


def reconcile(registry: Registry) -> dict[str, Any]:
    answer = registry.invoke({"action": "reconcile", "actor": ADMIN, "data": {"dry_run": False}})
    assert answer["status"] == 200, answer
    return dict(answer["data"])


def test_a_refresh_of_the_same_bytes_writes_nothing_and_a_change_is_an_update(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    registry.runtime.fetch_policy = server.policy()
    tool = create_from_url(registry, gateway, serve(server, PETS))
    before = tool_record(registry, tool["tool_id"], gateway["gateway_id"])

    same = refresh(registry, tool)
    assert (same["status"], same["data"]["refreshed"]) == (200, False)
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"]) == before
    assert server.requests == ["/pets.json", "/pets.json"]

    serve(server, grown())
    changed = refresh(registry, tool)
    assert changed["status"] == 200, changed
    assert changed["data"]["refreshed"] is True
    assert changed["data"]["diff"]["added"] == ["listOwners"]
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["spec_version"] == 2
    assert record["spec"]["operations"] == ["listPets", "getPet", "listOwners"]
    assert record["spec"]["source"] == tool["spec"]["source"]
    assert len(spec_keys(registry)) == 2

    serve(server, shrunk())
    breaking = refresh(registry, tool)
    assert (breaking["status"], breaking["error"]["code"]) == (409, "BreakingChange")
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"]) == record
    allowed = refresh(registry, tool, allow_breaking=True)
    assert allowed["status"] == 200, allowed
    assert allowed["data"]["spec"]["operations"] == ["listPets"]


def test_only_a_url_tool_refreshes_and_only_it_auto_refreshes(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    inline_source = {"type": "inline", "spec": copy.deepcopy(PETS)}
    refused = registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": gateway["gateway_id"],
                "name": "pets",
                "source": inline_source,
                "auto_refresh": True,
            },
        )
    )
    assert (refused["status"], refused["error"]["code"]) == (422, "ValidationError")
    assert spec_keys(registry) == []
    tool = registry.invoke(
        event(
            "create_tool",
            {"gateway_id": gateway["gateway_id"], "name": "pets", "source": inline_source},
        )
    )["data"]
    answer = refresh(registry, tool)
    assert (answer["status"], answer["error"]["code"]) == (422, "ValidationError")
    assert "came from a url" in answer["error"]["message"]


def test_the_schedule_holds_a_breaking_refresh_and_applies_a_safe_one(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    registry.runtime.fetch_policy = server.policy()
    tool = create_from_url(registry, gateway, serve(server, PETS), auto_refresh=True)
    assert tool["auto_refresh"] is True

    serve(server, shrunk())
    report = reconcile(registry)
    (held,) = [f for f in report["findings"] if f["id"] == tool["tool_id"]]
    assert (held["finding"], held["done"]) == ("refresh-held", False)
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    # Held, not applied: the tool still serves both operations.
    assert record["spec"]["operations"] == ["listPets", "getPet"]
    assert record["spec_version"] == 1
    assert record["refresh_pending"]["diff"]["removed"] == ["getPet"]
    assert record["audit"][-1]["outcome"] == "refresh-held"
    trail = len(record["audit"])
    # The next run names it again, and writes nothing new for it.
    again = reconcile(registry)
    assert [f["finding"] for f in again["findings"] if f["id"] == tool["tool_id"]] == [
        "refresh-held"
    ]
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert len(record["audit"]) == trail

    serve(server, grown())
    applied = reconcile(registry)
    (done,) = [f for f in applied["findings"] if f["id"] == tool["tool_id"]]
    assert (done["finding"], done["done"]) == ("refreshed", True)
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["spec_version"] == 2
    assert record["refresh_pending"] is None
    assert record["spec"]["operations"] == ["listPets", "getPet", "listOwners"]
    # A dry run looks at nothing remote for it: no fetch.
    fetched = len(server.requests)
    assert registry.invoke({"action": "reconcile", "data": {}})["status"] == 200
    assert len(server.requests) == fetched
