"""Cold start: what a fresh interpreter imports to serve gateway actions.

A gateway action must not load the tool machinery (the OpenAPI validator,
jsonschema, YAML, requests, the tool flows): a handler module is imported on
the first request for its action (handlers/dispatcher.py, ACTION_MODULES).
These tests look at sys.modules in a fresh `python -c`, not at timings
(docs/benchmarks.md has those).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from handlers import dispatcher, registered_actions
from tests.support import DUMMY_AWS_ENV

ROOT = Path(__file__).resolve().parents[2]

# Loaded by tool actions only.
TOOL_ONLY = (
    "openapi_spec_validator",
    "openapi_schema_validator",
    "jsonschema",
    "jsonschema_path",
    "referencing",
    "yaml",
    "requests",
    "pydantic_settings",
    "handlers.create_tool",
    "handlers.validate_spec",
    "services.tools.tool_flow",
    "services.tools.spec_intake",
    "services.tools.spec_validation",
    "services.tools.url_fetch",
)
# Loaded in AUTH_MODE=jwt only, on the first token (this child is trusted mode).
JWT_ONLY = ("jwt", "cryptography", "services.auth.tokens", "services.auth.keys")

# The child: imports `app`, stubs DynamoDB (botocore's Stubber: no network,
# no moto, which would import requests and YAML itself), serves the events
# given on argv through `app.handler`, and prints what each answered and the
# modules loaded after each.
CHILD = r"""
import json, sys

import app
from botocore.stub import Stubber

runtime = app._get_runtime()  # the runtime the first invoke builds, made now to stub it
stub = Stubber(runtime.dynamodb)
stub.add_response("get_item", {})
stub.add_response("query", {"Items": []})
stub.activate()
out = []
for event in json.loads(sys.argv[1]):
    answer = app.handler(event, None)
    out.append({"status": answer["status"], "code": (answer["error"] or {}).get("code"),
                "modules": sorted(sys.modules)})
print(json.dumps(out))
"""

GET = {"action": "get_gateway", "data": {"gateway_id": "gw-00000000000000000000"}}
LIST = {"action": "list_gateways", "data": {"team": "payments"}}
INVALID = {"action": "get_gateway", "data": {"gateway_id": "not-an-id"}}
UNKNOWN = {"action": "launch_rocket", "data": {}}
SPEC = """\
openapi: 3.0.3
info: {title: Pets, version: "1.0"}
servers: [{url: "https://api.example.com"}]
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200": {description: ok}
"""
VALIDATE = {"action": "validate_spec", "data": {"source": {"type": "inline", "spec": SPEC}}}


def serve(*events: dict[str, Any]) -> list[dict[str, Any]]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "lambda"), str(ROOT)]),
        **DUMMY_AWS_ENV,
        "AWS_EC2_METADATA_DISABLED": "true",
        "GATEWAYS_TABLE_NAME": "cold-gateways",
        "TOOLS_TABLE_NAME": "cold-tools",
        "SPEC_BUCKET_NAME": "cold-specs",
        "GATEWAY_ROLE_ARN": "arn:aws:iam::123456789012:role/cold",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(events)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def tool_only_loaded(modules: list[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        for heavy in TOOL_ONLY
        if name == heavy or name.startswith(heavy + ".")
    )


def test_gateway_actions_load_no_tool_machinery() -> None:
    answers = serve(GET, LIST, INVALID, UNKNOWN)

    assert [(a["status"], a["code"]) for a in answers] == [
        (404, "NotFound"),
        (200, None),
        (422, "ValidationError"),
        (400, "UnknownAction"),
    ]
    for answer in answers:
        assert tool_only_loaded(answer["modules"]) == []
        assert [m for m in answer["modules"] if m.split(".")[0] in {"jwt", "cryptography"}] == []
        assert set(JWT_ONLY) & set(answer["modules"]) == set()
    # Only the modules of the actions asked for.
    handlers = {m for m in answers[-1]["modules"] if m.split(".")[0] == "handlers"}
    assert handlers == {
        "handlers",
        "handlers.dispatcher",
        "handlers.get_gateway",
        "handlers.list_gateways",
    }


def test_a_tool_action_loads_its_machinery_when_asked() -> None:
    # The check above would pass vacuously if these names were wrong.
    [got, validated] = serve(GET, VALIDATE)

    assert (got["status"], validated["status"]) == (404, 200)
    assert tool_only_loaded(got["modules"]) == []
    loaded = set(tool_only_loaded(validated["modules"]))
    assert {"yaml", "openapi_spec_validator", "jsonschema", "handlers.validate_spec"} <= loaded


GET_TOOL = {"action": "get_tool", "data": {"tool_id": "tl-00000000000000000000"}}
# What checks and reads a spec: a tool action that checks none loads none of
# it (services/tools/spec_pipeline.py, which imports it on first use, is light).
SPEC_MACHINERY = (
    "services.tools.spec_intake",
    "services.tools.spec_normalize",
    "services.tools.spec_names",
    "services.tools.spec_validation",
    "services.tools.url_fetch",
    "openapi_spec_validator",
    "jsonschema",
    "yaml",
    "requests",
)


def test_a_tool_read_loads_no_spec_machinery() -> None:
    # After a get_gateway: the stub answers its GetItem, then this Query.
    [_, got] = serve(GET, GET_TOOL)

    assert (got["status"], got["code"]) == (404, "NotFound")
    assert "services.tools.tool_flow" in got["modules"]  # the check below is not vacuous
    loaded = [
        name
        for name in got["modules"]
        for heavy in SPEC_MACHINERY
        if name == heavy or name.startswith(heavy + ".")
    ]
    assert loaded == []


def test_every_action_module_registers_its_action() -> None:
    actions = registered_actions()

    assert sorted(actions) == sorted(dispatcher.ACTION_MODULES)
    for name, spec in actions.items():
        assert spec.name == name
        assert spec.handler.__module__ == dispatcher.ACTION_MODULES[name]
