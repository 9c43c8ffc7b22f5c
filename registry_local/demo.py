"""`registry demo`: a gateway's life on an embedded local AWS, step by step.

Starts a moto_server (with the AgentCore rules layer) on 127.0.0.1,
bootstraps the registry's resources there, then drives the real handler.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from registry_local.bootstrap import bootstrap
from registry_local.cli import invoke
from registry_local.moto_server import MotoServer

ACTOR = {"user": "alice@example.com", "team": "payments", "roles": []}


def _step(title: str, event: Any) -> dict[str, Any]:
    response = invoke(event)
    record = response.get("data") or {}
    summary: dict[str, Any] = {"ok": response["ok"], "status": response["status"]}
    if response["ok"] and "status" in record:
        summary.update(
            gateway_id=record.get("gateway_id"),
            record_status=record.get("status"),
            version=record.get("version"),
            agentcore=(record.get("agentcore") or {}).get("status"),
        )
    elif response["ok"] and "items" in record:
        summary["items"] = [(i["name"], i["status"]) for i in record["items"]]
    else:
        summary["error"] = {k: response["error"][k] for k in ("code", "message")}
    print(f"\n== {title}\n{json.dumps(summary, indent=2)}")
    return response


def _event(action: str, data: dict[str, Any], mutating: bool = True) -> dict[str, Any]:
    event: dict[str, Any] = {"action": action, "data": data}
    if mutating:
        event.update(request_id=str(uuid.uuid4()), actor=ACTOR)
    return event


def run_demo() -> int:
    with MotoServer() as server:
        print(f"local AWS (moto_server + AgentCore rules) at {server.endpoint_url}")
        env = bootstrap(server.endpoint_url, prefix="registry-demo")
        os.environ.update(env)
        print(
            "bootstrapped: "
            + ", ".join(
                f"{k}={env[k]}"
                for k in ("GATEWAYS_TABLE_NAME", "TOOLS_TABLE_NAME", "SPEC_BUCKET_NAME")
            )
        )

        create = _event(
            "create_gateway", {"name": "payments-tools", "description": "Payment APIs for agents"}
        )
        created = _step("create_gateway: PENDING -> ACTIVE", create)
        gateway_id = created["data"]["gateway_id"]
        print(
            "   audit: "
            + " -> ".join(f"{e['outcome']} ({e['status']})" for e in created["data"]["audit"])
        )
        _step("create_gateway again, same request_id: replayed, nothing new", create)
        _step("get_gateway", _event("get_gateway", {"gateway_id": gateway_id}, mutating=False))
        _step(
            "list_gateways for team payments",
            _event("list_gateways", {"team": "payments"}, mutating=False),
        )
        _step(
            "update_gateway description",
            _event("update_gateway", {"gateway_id": gateway_id, "description": "Payments, v2"}),
        )
        _step(
            "create_gateway with a taken name: 409 Conflict",
            _event("create_gateway", {"name": "payments-tools"}),
        )
        _step(
            "create_gateway with a bad name: 422 ValidationError",
            _event("create_gateway", {"name": "bad name!"}),
        )
        _step("unknown action: 400 UnknownAction", {"action": "launch_rockets"})
        _step("malformed event: 400 BadRequest", ["not", "an", "object"])
        deleted = _step(
            "delete_gateway: DELETING -> DELETED",
            _event("delete_gateway", {"gateway_id": gateway_id}),
        )
        print(
            "   audit: "
            + " -> ".join(f"{e['outcome']} ({e['status']})" for e in deleted["data"]["audit"])
        )
        _step(
            "get_gateway after delete: 404 NotFound",
            _event("get_gateway", {"gateway_id": gateway_id}, mutating=False),
        )
    print("\ndone: the local AWS is stopped")
    return 0
