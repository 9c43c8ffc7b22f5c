"""`registry demo`: a gateway's life, and a tool's, on an embedded local AWS.

Starts a moto_server (with the AgentCore rules layer) on 127.0.0.1,
bootstraps the registry's resources there, then drives the real handler and
prints each step.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import uuid
from typing import Any

import requests
import yaml

from registry_local.bootstrap import bootstrap
from registry_local.invoke import invoke
from registry_local.moto_server import MotoServer

ACTOR = {"user": "alice@example.com", "team": "payments", "roles": []}
PETSTORE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://pets.example.com"}],
    "paths": {
        "/pets": {
            "get": {"operationId": "listPets", "responses": {"200": {"description": "pets"}}}
        },
        "/pets/{id}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "a pet"}},
            }
        },
    },
}


# A Lambda function target: the function's ARN and the tools it implements
# (AgentCore invokes it with the gateway's role; terraform's
# lambda_target_function_arns grants that on AWS).
LAMBDA_SOURCE: dict[str, Any] = {
    "type": "lambda",
    "lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:orders-tools",
    "tools": [
        {
            "name": "get_order",
            "description": "Read one order",
            "input_schema": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "the order's id"}},
                "required": ["order_id"],
            },
        }
    ],
}


# A Smithy model in JSON AST: a RestJson service whose operations, bound to
# HTTP, become the tools (the gateway's role signs the calls).
_F = "example.forecasts#"
SMITHY_SOURCE: dict[str, Any] = {
    "type": "smithy",
    "model": {
        "smithy": "2.0",
        "shapes": {
            f"{_F}Forecasts": {
                "type": "service",
                "version": "2026-01-01",
                "operations": [{"target": f"{_F}GetForecast"}],
                "traits": {"aws.protocols#restJson1": {}},
            },
            f"{_F}GetForecast": {
                "type": "operation",
                "input": {"target": f"{_F}GetForecastInput"},
                "output": {"target": f"{_F}GetForecastOutput"},
                "traits": {
                    "smithy.api#readonly": {},
                    "smithy.api#http": {"method": "GET", "uri": "/forecasts/{city}"},
                },
            },
            f"{_F}GetForecastInput": {
                "type": "structure",
                "members": {
                    "city": {
                        "target": "smithy.api#String",
                        "traits": {"smithy.api#required": {}, "smithy.api#httpLabel": {}},
                    }
                },
            },
            f"{_F}GetForecastOutput": {
                "type": "structure",
                "members": {"summary": {"target": "smithy.api#String"}},
            },
        },
    },
}


def summary(response: dict[str, Any]) -> dict[str, Any]:
    record = response.get("data") or {}
    summary: dict[str, Any] = {"ok": response["ok"], "status": response["status"]}
    if not response["ok"]:
        error = response["error"]
        summary["error"] = {k: error[k] for k in ("code", "message")}
        if error.get("details"):
            summary["error"]["details"] = [
                # A diff (409 BreakingChange) is summed up: what was removed.
                {"removed": d["diff"]["removed"], "counts": d["diff"]["counts"]}
                if "diff" in d
                else d
                for d in error["details"][:3]
            ]
    elif "items" in record and "current_version" in record:
        summary["items"] = [(i["version"], i["action"], i["breaking"]) for i in record["items"]]
    elif "items" in record:
        summary["items"] = [(i["name"], i["status"]) for i in record["items"]]
    elif "fields" in record:
        summary.update(key=record["key"], expires_at=record["expires_at"])
    elif "findings" in record:
        summary.update(dry_run=record.get("dry_run"), counts=record.get("counts"))
    elif "errors" in record:
        summary["errors"] = [f"{e['rule']} at {e['path']}" for e in record["errors"]]
    else:
        summary.update(
            id=record.get("tool_id") or record.get("gateway_id"),
            record_status=record.get("status"),
            version=record.get("version"),
            agentcore=(record.get("agentcore") or {}).get("status"),
        )
    return summary


def step(title: str, event: Any) -> dict[str, Any]:
    response = invoke(event)
    print(f"\n== {title}\n{json.dumps(summary(response), indent=2)}")
    return response


def audit_line(response: dict[str, Any]) -> None:
    trail = response["data"]["audit"]
    print("   audit: " + " -> ".join(f"{e['outcome']} ({e['status']})" for e in trail))


def _event(action: str, data: dict[str, Any], mutating: bool = True) -> dict[str, Any]:
    event: dict[str, Any] = {"action": action, "data": data}
    if mutating:
        event.update(request_id=str(uuid.uuid4()), actor=ACTOR)
    return event


def _read(action: str, data: dict[str, Any]) -> dict[str, Any]:
    return _event(action, data, mutating=False)


def _smithy_tool(gateway_id: str) -> None:
    forecasts = step(
        "create_tool of a Smithy model (RestJson; the gateway's role signs its calls)",
        _event(
            "create_tool",
            {"gateway_id": gateway_id, "name": "forecasts", "source": SMITHY_SOURCE},
        ),
    )
    target = forecasts["data"]["target"]
    print(f"   target: {target['kind']} {target['service']}, tools {forecasts['data']['tools']}")


def _mcp_server_tool(gateway_id: str) -> None:
    """An MCP server the team runs: AgentCore lists its tools (at create,
    and again on sync_tool); an endpoint at the metadata address is refused."""
    tickets = step(
        "create_tool of an MCP server (AgentCore lists its tools)",
        _event(
            "create_tool",
            {
                "gateway_id": gateway_id,
                "name": "tickets",
                "source": {"type": "mcp_server", "endpoint": "https://mcp.example.com/mcp"},
            },
        ),
    )
    target = tickets["data"]["target"]
    print(f"   target: {target['kind']} {target['endpoint']} ({target['listing_mode']})")
    synced = step(
        "sync_tool: AgentCore lists the MCP server's tools again",
        _event("sync_tool", {"tool_id": tickets["data"]["tool_id"]}),
    )
    print(f"   listed at {synced['data']['agentcore'].get('last_synchronized_at')}")
    step(
        "create_tool of an MCP server at the instance metadata address: 422",
        _event(
            "create_tool",
            {
                "gateway_id": gateway_id,
                "name": "metadata-mcp",
                "source": {"type": "mcp_server", "endpoint": "https://169.254.169.254/mcp"},
            },
        ),
    )


def _versions(tool: dict[str, Any]) -> None:
    """A breaking update refused, then allowed; the versions; a rollback."""
    smaller = copy.deepcopy(PETSTORE)
    removed = sorted(smaller["paths"])[-1]
    del smaller["paths"][removed]
    update = {"tool_id": tool["tool_id"], "source": {"type": "inline", "spec": smaller}}
    step(
        f"update_tool that removes {removed}: 409 BreakingChange, the diff, nothing changed",
        _event("update_tool", update),
    )
    step(
        "the same update with allow_breaking: published as spec version 2",
        _event("update_tool", {**update, "allow_breaking": True}),
    )
    step(
        "list_tool_versions: newest first",
        _read("list_tool_versions", {"tool_id": tool["tool_id"]}),
    )
    restored = step(
        "rollback_tool to version 1: the target reads version 1's object again",
        _event("rollback_tool", {"tool_id": tool["tool_id"], "version": 1}),
    )
    print(
        f"   spec version {restored['data']['spec_version']}: {restored['data']['spec']['s3_uri']}"
    )


def _api_gateway_tool(gateway_id: str) -> None:
    """A stage of a REST API as a tool: the demo makes the API in the local
    API Gateway first (the registry reads it before it writes anything)."""
    import boto3

    client = boto3.client("apigateway", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    api_id = client.create_rest_api(name="inventory-api")["id"]
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    items = client.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    for method, operation in (("GET", "listItems"), ("POST", "addItem")):
        client.put_method(
            restApiId=api_id,
            resourceId=items,
            httpMethod=method,
            authorizationType="NONE",
            operationName=operation,
        )
        client.put_integration(restApiId=api_id, resourceId=items, httpMethod=method, type="MOCK")
    client.create_deployment(restApiId=api_id, stageName="prod")
    inventory = step(
        "create_tool of an API Gateway stage: filters select the methods, an override renames one",
        _event(
            "create_tool",
            {
                "gateway_id": gateway_id,
                "name": "inventory",
                "source": {
                    "type": "api_gateway",
                    "rest_api_id": api_id,
                    "stage": "prod",
                    "tool_filters": [{"path": "/items", "methods": ["GET", "POST"]}],
                    "tool_overrides": [{"name": "add_item", "path": "/items", "method": "POST"}],
                },
            },
        ),
    )
    print(f"   target: {inventory['data']['target']['kind']}, tools {inventory['data']['tools']}")


def run_demo() -> int:
    with MotoServer() as server:
        print(f"local AWS (moto_server + AgentCore rules) at {server.endpoint_url}")
        env = bootstrap(server.endpoint_url, prefix="registry-demo")
        os.environ.update(env)
        names = ("GATEWAYS_TABLE_NAME", "TOOLS_TABLE_NAME", "SPEC_BUCKET_NAME")
        print("bootstrapped: " + ", ".join(env[n] for n in names))

        create = _event("create_gateway", {"name": "payments-tools", "description": "Payment APIs"})
        created = step("create_gateway: PENDING -> ACTIVE", create)
        audit_line(created)
        gateway_id = created["data"]["gateway_id"]
        step("create_gateway again, same request_id: replayed, nothing new", create)
        step("get_gateway", _read("get_gateway", {"gateway_id": gateway_id}))
        step("list_gateways of team payments", _read("list_gateways", {"team": "payments"}))
        step(
            "update_gateway description",
            _event("update_gateway", {"gateway_id": gateway_id, "description": "Payments, v2"}),
        )

        tool = step(
            "create_tool from an inline OpenAPI spec; the API key goes to a credential provider",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "pets",
                    "source": {"type": "inline", "spec": PETSTORE},
                    "credentials": {"type": "api_key", "api_key": "demo-key-kept-by-agentcore"},
                },
            ),
        )
        print(f"   spec: {tool['data']['spec']['operations']} at {tool['data']['spec']['s3_uri']}")
        print(f"   credentials on the record (no secret): {tool['data']['credentials']}")
        pets_yaml = yaml.safe_dump(PETSTORE, sort_keys=False).encode()
        step(
            "create_tool from a YAML spec file (base64)",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "pets-from-file",
                    "source": {
                        "type": "file",
                        "filename": "pets.yaml",
                        "content_base64": base64.b64encode(pets_yaml).decode(),
                    },
                },
            ),
        )
        described = step(
            "create_tool from a short API description (generated into OpenAPI)",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "weather",
                    "source": {
                        "type": "api_info",
                        "api": {
                            "title": "Weather",
                            "base_url": "https://weather.example.com",
                            "endpoints": [
                                {
                                    "method": "GET",
                                    "path": "/forecast/{city}",
                                    "summary": "A forecast",
                                },
                                {
                                    "method": "POST",
                                    "path": "/alerts",
                                    "request_body": {"type": "object"},
                                },
                            ],
                        },
                    },
                },
            ),
        )
        print(f"   generated operations: {described['data']['spec']['operations']}")
        # A spec too large for the invoke payload (6 MB) goes to S3 first.
        pets_json = json.dumps(PETSTORE).encode()
        upload = step(
            "create_upload_url: a presigned S3 POST for a large spec",
            _event("create_upload_url", {"filename": "pets.json", "size_bytes": len(pets_json)}),
        )
        posted = requests.post(
            upload["data"]["url"],
            data=upload["data"]["fields"],
            files={"file": ("pets.json", pets_json)},
            timeout=30,
        )
        print(f"   uploaded {len(pets_json)} bytes: HTTP {posted.status_code}")
        step(
            "create_tool from the uploaded spec (source type s3)",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "pets-uploaded",
                    "source": {"type": "s3", "key": upload["data"]["key"]},
                },
            ),
        )
        step(
            "create_tool from a URL aimed at the instance metadata address: 422, never fetched",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "metadata",
                    "source": {"type": "url", "url": "https://169.254.169.254/openapi.json"},
                },
            ),
        )
        orders = step(
            "create_tool of a Lambda function and the tools it implements (the gateway's role)",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "orders",
                    "source": LAMBDA_SOURCE,
                },
            ),
        )
        print(f"   target: {orders['data']['target']['kind']}, tools {orders['data']['tools']}")
        bad_schema = {"type": "object", "properties": {"id": {"oneOf": [{"type": "string"}]}}}
        step(
            "create_tool of a Lambda tool whose schema AgentCore cannot hold: 422, with the path",
            _event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": "orders-bad",
                    "source": {
                        **LAMBDA_SOURCE,
                        "tools": [{**LAMBDA_SOURCE["tools"][0], "input_schema": bad_schema}],
                    },
                },
            ),
        )
        _smithy_tool(gateway_id)
        _mcp_server_tool(gateway_id)
        _api_gateway_tool(gateway_id)
        _versions(tool["data"])
        step("list_tools", _read("list_tools", {"gateway_id": gateway_id}))
        step(
            "list_tools of kind lambda",
            _read("list_tools", {"gateway_id": gateway_id, "kind": "lambda"}),
        )
        private = {**PETSTORE, "servers": [{"url": "http://10.0.0.1"}]}
        step(
            "validate_spec of a spec aimed at a private, plain-http server",
            _read("validate_spec", {"source": {"type": "inline", "spec": private}}),
        )
        step(
            "delete_gateway while it has a tool: 409 Conflict",
            _event("delete_gateway", {"gateway_id": gateway_id}),
        )

        step(
            "create_gateway with a taken name: 409 Conflict",
            _event("create_gateway", {"name": "payments-tools"}),
        )
        step(
            "create_gateway with a bad name: 422 ValidationError",
            _event("create_gateway", {"name": "bad name!"}),
        )
        step("unknown action: 400 UnknownAction", {"action": "launch_rockets"})
        step("malformed event: 400 BadRequest", ["not", "an", "object"])

        deleted = step(
            "delete_gateway with cascade: the tools, then the gateway; DELETING -> DELETED",
            _event("delete_gateway", {"gateway_id": gateway_id, "cascade": True}),
        )
        audit_line(deleted)
        step(
            "get_gateway after delete: 404 NotFound",
            _read("get_gateway", {"gateway_id": gateway_id}),
        )
    print("\ndone: the local AWS is stopped")
    return 0
