"""Hostile input corpus (issue 5, point 5): every kind of bad request gets
its contract error, writes nothing and opens no socket.

Two kinds of case:

- Refused by the dispatcher (a malformed envelope, a field of the wrong
  type, an oversize field): these run against a runtime factory that fails
  the test if it is ever called. The runtime (settings and AWS clients) is
  built only after the envelope and the data validated, so a refusal there
  provably sent no AWS call and wrote nothing.
- Refused by the spec pipeline (URL, $ref, YAML, limits) or later: these
  run on in-process moto with one ACTIVE gateway made for the module, and
  compare everything (both tables, the spec bucket, AgentCore's gateways
  and targets, the credential providers) before and after the request.

Every case also runs with each way of opening a socket or resolving a name
(`socket.socket`, `socket.create_connection`, `socket.getaddrinfo`,
`socket.gethostbyname`) replaced by a recorder that refuses, on top of
pytest-socket: the record must stay empty. Spec URLs go through the seam
`services.tools.url_fetch.fetch_spec` exposes (its `resolver` and
`session_factory`), replaced by a fake DNS and a fake transport that record
what they were asked: a refused URL must never reach the transport.
"""

from __future__ import annotations

import base64
import builtins
import copy
import io
import json
import socket
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openapi_spec_validator
import pytest
from moto import mock_aws
from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends
from moto.dynamodb.models import dynamodb_backends
from requests.structures import CaseInsensitiveDict

from handlers import dispatch, registered_actions
from registry_local import agentcore_rules
from registry_local.bootstrap import bootstrap
from services.tools import url_fetch
from tests.conftest import settings_for
from tests.flows import W, smithy_source
from tests.support import (
    ACTOR,
    FakeClock,
    Registry,
    event,
    make_runtime,
    new_session,
    use_dummy_aws_env,
)

GW = "gw-" + "0" * 20
TL = "tl-" + "0" * 20
CANARY = "CANARY-HOSTILE-5d1e"
PUBLIC = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "string"}}},
                    }
                },
            }
        }
    },
}
INLINE = {"type": "inline", "spec": SPEC}


# --- no socket, anywhere ------------------------------------------------------------


@pytest.fixture(autouse=True)
def sockets() -> Iterator[list[str]]:
    """Every attempt to open a socket or resolve a name, refused and kept.

    Its own MonkeyPatch, undone at its own teardown: the shared
    `monkeypatch` is set up before the unit conftest's `_no_network` (the
    root conftest's autouse fixture takes it) and so is undone after it,
    which put back pytest-socket's guard after `enable_socket()` and left
    the next test's module-scoped servers without sockets."""
    attempts: list[str] = []

    def refuse(what: str) -> Callable[..., Any]:
        def refused(*args: Any, **_: Any) -> Any:
            attempts.append(f"{what}{args[:2]!r}")
            raise OSError(f"test: {what} is not allowed")

        return refused

    class RefusedSocket(socket.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            attempts.append(f"socket.socket{args[:2]!r}")
            raise OSError("test: socket.socket is not allowed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "socket", RefusedSocket)
        for name in ("create_connection", "getaddrinfo", "gethostbyname"):
            patch.setattr(socket, name, refuse(f"socket.{name}"))
        yield attempts
    assert attempts == [], f"sockets were attempted: {attempts}"


# --- refused before anything is built ------------------------------------------------


# A well-formed configuration for the refused requests (no AWS is reached).
HOSTILE_ENV = {
    "GATEWAYS_TABLE_NAME": "hostile-gateways",
    "TOOLS_TABLE_NAME": "hostile-tools",
    "SPEC_BUCKET_NAME": "hostile-specs",
    "GATEWAY_ROLE_ARN": "arn:aws:iam::123456789012:role/hostile-gateway",
    "AWS_REGION": "us-east-1",
}


class _NoSession:
    """A boto3 session that must never make a client."""

    def __init__(self, calls: list[str]) -> None:
        self._calls = calls

    def client(self, service: str, **_: Any) -> Any:
        self._calls.append(service)
        raise AssertionError(f"an AWS client ({service}) was built for a refused request")


class NoRuntime:
    """A runtime factory whose runtime must never build an AWS client: the
    request was refused before the function reached AWS. (The settings are
    read first: AUTH_MODE says whether a token must be verified before
    anything else, docs/api.md "Authentication".)"""

    def __init__(self) -> None:
        self.clients: list[str] = []

    def __call__(self) -> Any:
        from services.runtime import Runtime

        session: Any = _NoSession(self.clients)
        return Runtime(settings=settings_for(HOSTILE_ENV), session=session)

    @property
    def calls(self) -> int:
        return len(self.clients)


def refused(evt: Any, status: int, code: str) -> dict[str, Any]:
    factory = NoRuntime()
    response = dispatch(evt, None, factory)
    assert factory.calls == 0, "an AWS client was built"
    assert set(response) == {"ok", "status", "action", "request_id", "data", "error"}
    assert response["ok"] is False, response
    assert response["data"] is None
    assert (response["status"], response["error"]["code"]) == (status, code), response
    dumped = json.dumps(response)
    assert "Traceback" not in dumped
    assert CANARY not in dumped, "the rejected value was echoed"
    return response


ACTIONS = sorted(registered_actions())

# A valid `data` per action, so that one bad field is the only problem. An
# action added later is tested from `{}`: its other required fields are then
# missing too, and the bad field must still be named.
VALID: dict[str, dict[str, Any]] = {
    "create_gateway": {"name": "payments-tools"},
    "get_gateway": {"gateway_id": GW},
    "list_gateways": {},
    "update_gateway": {"gateway_id": GW, "description": "v2"},
    "delete_gateway": {"gateway_id": GW},
    "create_tool": {"gateway_id": GW, "name": "pets", "source": INLINE},
    "get_tool": {"tool_id": TL},
    "list_tools": {"gateway_id": GW},
    "update_tool": {"tool_id": TL, "description": "v2"},
    "delete_tool": {"tool_id": TL},
    "validate_spec": {"source": INLINE},
    "create_upload_url": {"filename": "pets.json", "size_bytes": 100},
    "sync_tool": {"tool_id": TL},
    "list_tool_versions": {"tool_id": TL},
    "diff_tool": {"tool_id": TL, "source": INLINE},
    "rollback_tool": {"tool_id": TL, "version": 1},
    "refresh_tool": {"tool_id": TL},
}


def envelope(action: str, data: Any = None, **overrides: Any) -> dict[str, Any]:
    """A well-formed event for `action` (with the request id and actor a
    mutation needs), then `overrides`."""
    evt: dict[str, Any] = {
        "action": action,
        "request_id": f"req-{uuid.uuid4()}",
        "actor": dict(ACTOR),
        "data": copy.deepcopy(VALID.get(action, {})) if data is None else data,
    }
    evt.update(overrides)
    return evt


NOT_AN_OBJECT = [None, [], ["create_gateway"], "create_gateway", 7, 1.5, True]


@pytest.mark.parametrize("evt", NOT_AN_OBJECT, ids=repr)
def test_an_event_that_is_not_an_object_is_bad_request(evt: Any) -> None:
    response = refused(evt, 400, "BadRequest")
    assert response["action"] is None


@pytest.mark.parametrize(
    "action",
    [None, 7, 1.5, True, [], ["create_gateway"], {}, {"name": "create_gateway"}, ""],
    ids=repr,
)
def test_an_action_that_is_not_a_name_is_bad_request(action: Any) -> None:
    refused({"action": action, "data": {}}, 400, "BadRequest")
    refused({"data": {}}, 400, "BadRequest")


@pytest.mark.parametrize(
    "action",
    [
        "CREATE_GATEWAY",
        " create_gateway",
        "create_gateway\x00",
        "__class__",
        "dispatch",
        "../create_gateway",
        "x" * 200,
        "créer_passerelle",
    ],
    ids=lambda a: repr(a[:30]),
)
def test_an_unknown_action_is_unknown_action_and_not_echoed_whole(action: str) -> None:
    response = refused({"action": action, "data": {}}, 400, "UnknownAction")
    assert len(response["error"]["message"]) < 200
    known = response["error"]["details"][0]["message"].removeprefix("one of ").split(", ")
    assert known == ACTIONS


def test_an_oversize_unknown_action_is_not_echoed_in_the_envelope() -> None:
    action = "x" * 100 + CANARY + "x" * 100_000
    response = dispatch({"action": action, "data": {}}, None, NoRuntime())
    assert response["error"]["code"] == "UnknownAction"
    assert CANARY not in response["error"]["message"]
    assert len(json.dumps(response)) < 10_000


BAD_REQUEST_IDS = [
    7,
    1.5,
    True,
    [],
    {},
    "short",
    "x" * 129,
    "has space in it",
    "semi;colon;id",
    "ünïcödé-request",
    "line\nbreak-id",
    "req-" + "\x00" * 8,
]
BAD_ACTORS = [
    "alice",
    7,
    [],
    {},
    {"user": "alice@example.com"},
    {"team": "payments"},
    {"user": "", "team": "payments"},
    {"user": "x" * 257, "team": "payments"},
    {"user": 7, "team": "payments"},
    {"user": "alice", "team": "-payments"},
    {"user": "alice", "team": "pay ments"},
    {"user": "alice", "team": "p" * 65},
    {"user": "alice", "team": "payments", "roles": "admin"},
    {"user": "alice", "team": "payments", "roles": [7]},
    {"user": "alice", "team": "payments", "roles": [""]},
    {"user": "alice", "team": "payments", "roles": ["r"] * 21},
    {"user": "alice", "team": "payments", "is_admin": True},
]


@pytest.mark.parametrize("action", ACTIONS)
def test_malformed_envelopes_of_every_action_are_bad_request(action: str) -> None:
    mutating = registered_actions()[action].mutating
    for request_id in BAD_REQUEST_IDS:
        refused(envelope(action, request_id=request_id), 400, "BadRequest")
    for actor in BAD_ACTORS:
        refused(envelope(action, actor=actor), 400, "BadRequest")
    for data in (None, [], [VALID.get(action, {})], "data", 7, True):
        evt = envelope(action)
        evt["data"] = data
        refused(evt, 400, "BadRequest")
    refused({**envelope(action), "extra": CANARY}, 400, "BadRequest")
    refused({**envelope(action), "Action": action}, 400, "BadRequest")
    if mutating:
        for missing in ("request_id", "actor"):
            evt = envelope(action)
            del evt[missing]
            response = refused(evt, 400, "BadRequest")
            assert response["error"]["details"][0]["field"] == missing


# --- every field of every action, of every wrong JSON type ---------------------------

# One value of each JSON type; strings, arrays and objects carry the canary,
# which must never come back.
JSON_VALUES: dict[str, Any] = {
    "string": CANARY,
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "array": [CANARY],
    "object": {CANARY: CANARY},
    "null": None,
}


def accepted_types(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """The JSON types a JSON Schema (as pydantic writes it) accepts."""
    if "$ref" in schema:
        return accepted_types(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return set().union(*(accepted_types(s, defs) for s in schema[combinator]))
    if "const" in schema:
        return {_json_type(schema["const"])}
    if "enum" in schema:
        return {_json_type(v) for v in schema["enum"]}
    kind = schema.get("type")
    if kind is None:
        return set(JSON_VALUES)
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "number" in kinds:
        kinds.add("integer")
    return kinds


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return {float: "number", str: "string", list: "array", dict: "object"}[type(value)]


def api_info_source() -> dict[str, Any]:
    return {
        "type": "api_info",
        "api": {
            "title": "Pets",
            "base_url": "https://api.example.com",
            "endpoints": [
                {
                    "method": "GET",
                    "path": "/pets/{id}",
                    "parameters": [{"name": "id", "in": "path", "required": True}],
                }
            ],
        },
    }


SOURCES: dict[str, dict[str, Any]] = {
    "inline": INLINE,
    "file": {
        "type": "file",
        "filename": "pets.json",
        "content_base64": base64.b64encode(json.dumps(SPEC).encode()).decode(),
    },
    "url": {"type": "url", "url": "https://api.example.com/openapi.json"},
    "s3": {"type": "s3", "key": "uploads/payments/x/pets.json"},
    "api_info": api_info_source(),
    "smithy": smithy_source(),
    "lambda": {
        "type": "lambda",
        "lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:pets",
        "tools": [
            {
                "name": "get_pet",
                "description": "One pet",
                "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
        ],
    },
    "api_gateway": {
        "type": "api_gateway",
        "rest_api_id": "a1b2c3d4e5",
        "stage": "prod",
        "tool_filters": [{"path": "/pets", "methods": ["GET"]}],
    },
}
CREDENTIALS: dict[str, dict[str, Any]] = {
    "none": {"type": "none"},
    "api_key": {"type": "api_key", "api_key": "k", "location": "HEADER", "prefix": "Bearer"},
    "oauth2": {
        "type": "oauth2",
        "client_id": "agent",
        "client_secret": "s",
        "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
        "scopes": ["a"],
    },
}
AUTHORIZER = {
    "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
    "allowed_clients": ["agent"],
}


@dataclass(frozen=True)
class Shape:
    """An object inside an action's data: where it sits, and a valid one."""

    action: str
    path: tuple[str | int, ...]  # from data to the object
    base: dict[str, Any]  # the whole valid data


def _nested_shapes() -> list[Shape]:
    shapes = []
    for name, source in SOURCES.items():
        data = {"gateway_id": GW, "name": "pets", "source": source}
        shapes.append(Shape("create_tool", ("source",), data))
        shapes.append(Shape("validate_spec", ("source",), {"source": source}))
        if name == "api_info":
            shapes.append(Shape("create_tool", ("source", "api"), data))
            shapes.append(Shape("create_tool", ("source", "api", "endpoints", 0), data))
            shapes.append(
                Shape("create_tool", ("source", "api", "endpoints", 0, "parameters", 0), data)
            )
    for credentials in CREDENTIALS.values():
        data = {"gateway_id": GW, "name": "pets", "source": INLINE, "credentials": credentials}
        shapes.append(Shape("create_tool", ("credentials",), data))
        shapes.append(
            Shape("update_tool", ("credentials",), {"tool_id": TL, "credentials": credentials})
        )
    for action in ("create_gateway", "update_gateway"):
        data = {**VALID[action], "authorizer_type": "CUSTOM_JWT", "authorizer": AUTHORIZER}
        shapes.append(Shape(action, ("authorizer",), data))
    return shapes


def _schema_at(schema: dict[str, Any], defs: dict[str, Any], value: Any) -> dict[str, Any]:
    """The object schema (with `properties`) that validates `value`."""
    if "$ref" in schema:
        return _schema_at(defs[schema["$ref"].rsplit("/", 1)[1]], defs, value)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            for option in schema[combinator]:
                resolved = _schema_at(option, defs, value)
                if "properties" in resolved and _matches(resolved, value):
                    return resolved
    return schema


def _matches(schema: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    prop = schema["properties"].get("type", {})
    const = prop.get("const") or (prop["enum"][0] if len(prop.get("enum", [])) == 1 else None)
    return const is None or value.get("type") == const


def wrong_type_cases() -> list[Any]:
    cases = []
    shapes = [Shape(action, (), VALID.get(action, {})) for action in ACTIONS]
    for shape in [*shapes, *_nested_shapes()]:
        model = registered_actions()[shape.action].model
        root = model.model_json_schema()
        defs = root.get("$defs", {})
        schema, value = root, shape.base
        for step in shape.path:
            if isinstance(step, int):
                schema, value = schema["items"], value[step]
            else:
                schema = _schema_at(schema, defs, value)["properties"][step]
                value = value[step]
            schema = _schema_at(schema, defs, value)
        for name, prop in sorted(schema.get("properties", {}).items()):
            ok = accepted_types(prop, defs)
            for kind in sorted(set(JSON_VALUES) - ok):
                where = ".".join(str(p) for p in (*shape.path, name))
                cases.append(pytest.param(shape, name, kind, id=f"{shape.action}.{where}={kind}"))
    return cases


def _put(data: dict[str, Any], path: tuple[str | int, ...], name: str, value: Any) -> None:
    target: Any = data
    for step in path:
        target = target[step]
    target[name] = value


@pytest.mark.parametrize(("shape", "name", "kind"), wrong_type_cases())
def test_every_field_of_the_wrong_type_is_a_validation_error_naming_it(
    shape: Shape, name: str, kind: str
) -> None:
    data = copy.deepcopy(shape.base)
    _put(data, shape.path, name, copy.deepcopy(JSON_VALUES[kind]))
    response = refused(envelope(shape.action, data), 422, "ValidationError")
    fields = [d["field"] for d in response["error"]["details"]]
    top = "data." + ".".join(str(p) for p in shape.path[:1]) if shape.path else f"data.{name}"
    # A discriminator of the wrong type is reported on its union.
    assert any(
        f.startswith(top) and (name in f.split(".") or (name == "type" and f == top))
        for f in fields
    ), fields


@pytest.mark.parametrize("where", ["source", "credentials"])
def test_an_unknown_form_is_refused_without_echoing_it(where: str) -> None:
    data = {**VALID["create_tool"], where: {"type": CANARY, "api_key": "k"}}
    refused(envelope("create_tool", data), 422, "ValidationError")


def test_the_corpus_covers_every_registered_action() -> None:
    covered = {p.values[0].action for p in wrong_type_cases()}
    assert covered == set(ACTIONS) - {a for a in ACTIONS if not _has_fields(a)}


def _has_fields(action: str) -> bool:
    return bool(registered_actions()[action].model.model_json_schema().get("properties"))


# --- oversize values ------------------------------------------------------------------


def _metadata_of(size: int) -> dict[str, Any]:
    return {"blob": "m" * (size - len('{"blob":""}'))}


OVERSIZE = [
    ("create_gateway", {"name": "g" * 49}),
    ("create_gateway", {"name": "payments-tools", "description": "d" * 201}),
    ("create_gateway", {"name": "payments-tools", "metadata": _metadata_of(4097)}),
    ("create_gateway", {"name": "payments-tools", "tags": {f"k{i}": "v" for i in range(51)}}),
    ("create_gateway", {"name": "payments-tools", "tags": {"k" * 129: "v"}}),
    ("create_gateway", {"name": "payments-tools", "tags": {"k": "v" * 257}}),
    ("update_gateway", {"gateway_id": GW, "metadata": _metadata_of(4097)}),
    ("list_gateways", {"limit": 101}),
    ("list_gateways", {"limit": 0}),
    ("list_gateways", {"next_token": "t" * 4097}),
    ("list_gateways", {"team": "t" * 65}),
    ("create_tool", {**VALID["create_tool"], "name": "t" * 101}),
    ("create_tool", {**VALID["create_tool"], "metadata": _metadata_of(4097)}),
    ("create_tool", {**VALID["create_tool"], "description": "d" * 201}),
    (
        "create_tool",
        {
            **VALID["create_tool"],
            "credentials": {**CREDENTIALS["api_key"], "api_key": "k" * 65_537},
        },
    ),
    (
        "create_tool",
        {
            **VALID["create_tool"],
            "credentials": {**CREDENTIALS["oauth2"], "client_secret": "s" * 2049},
        },
    ),
    (
        "create_tool",
        {**VALID["create_tool"], "source": {**INLINE, "include_operations": ["op"] * 1001}},
    ),
    (
        "create_tool",
        {
            **VALID["create_tool"],
            "source": {"type": "url", "url": "https://a.example.com/" + "p" * 2048},
        },
    ),
    ("update_tool", {"tool_id": TL, "metadata": _metadata_of(4097)}),
    ("list_tools", {"gateway_id": GW, "limit": 101}),
    ("create_upload_url", {"filename": "pets.json", "size_bytes": 10 * 1024 * 1024 + 1}),
    ("create_upload_url", {"filename": "f" * 256, "size_bytes": 100}),
    ("create_upload_url", {"filename": "../../etc/passwd", "size_bytes": 100}),
    ("list_tool_versions", {"tool_id": TL, "limit": 101}),
    ("list_tool_versions", {"tool_id": TL, "limit": 0}),
    ("list_tool_versions", {"tool_id": TL, "next_token": "v" * 65}),
    ("rollback_tool", {"tool_id": TL, "version": 0}),
    ("rollback_tool", {"tool_id": TL, "version": -1}),
    (
        "create_tool",
        {**VALID["create_tool"], "auto_refresh": True},  # an inline source: nothing to refresh
    ),
]


def _api_info_with(endpoints: int) -> dict[str, Any]:
    source = api_info_source()
    source["api"]["endpoints"] = [
        {"method": "GET", "path": f"/p{i}", "operation_id": f"op{i}"} for i in range(endpoints)
    ]
    return source


@pytest.mark.parametrize(
    ("action", "data"), OVERSIZE, ids=lambda v: v if isinstance(v, str) else ""
)
def test_oversize_fields_are_validation_errors(action: str, data: dict[str, Any]) -> None:
    refused(envelope(action, data), 422, "ValidationError")


def test_api_info_over_1000_endpoints_is_a_validation_error() -> None:
    data = {**VALID["create_tool"], "source": _api_info_with(1001)}
    refused(envelope("create_tool", data), 422, "ValidationError")


def test_a_six_megabyte_description_is_refused_without_building_anything() -> None:
    data = {"name": "payments-tools", "description": CANARY * (6 * 1024 * 1024 // len(CANARY))}
    refused(envelope("create_gateway", data), 422, "ValidationError")


# --- on moto: one gateway, compared before and after ---------------------------------


@dataclass
class Stage:
    registry: Registry
    gateway: dict[str, Any]

    def snapshot(self) -> dict[str, Any]:
        """Everything the registry could have written."""
        runtime = self.registry.runtime
        settings = runtime.settings
        tables = {
            table: sorted(
                json.dumps(i, sort_keys=True)
                for i in runtime.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
            )
            for table in (settings.gateways_table_name, settings.tools_table_name)
        }
        listed = runtime.s3.list_objects_v2(Bucket=settings.spec_bucket_name)
        backend = bedrockagentcorecontrol_backends["123456789012"]["us-east-1"]
        return {
            "tables": tables,
            "objects": sorted(o["Key"] for o in listed.get("Contents", [])),
            "gateways": sorted(backend.gateways),
            "targets": sorted(backend.gateway_targets),
            "providers": sorted(agentcore_rules.stored_secrets(backend)),
        }

    def keys(self) -> dict[str, set[Any]]:
        """The item keys of both tables, read from the emulator itself (a
        record DynamoDB's API can no longer read back is still found)."""
        settings = self.registry.runtime.settings
        tables = dynamodb_backends["123456789012"]["us-east-1"].tables
        found: dict[str, set[Any]] = {}
        for name in (settings.gateways_table_name, settings.tools_table_name):
            table = tables[name]
            if table.range_key_attr:
                found[name] = {(h, r) for h, rows in table.items.items() for r in rows}
            else:
                found[name] = set(table.items)
        return found

    def restore(self, keys: dict[str, set[Any]], gateways: list[str]) -> None:
        """Undo what a (buggy) request wrote, so the next case starts clean."""
        tables = dynamodb_backends["123456789012"]["us-east-1"].tables
        for name, now in self.keys().items():
            for key in now - keys[name]:
                if isinstance(key, tuple):
                    del tables[name].items[key[0]][key[1]]
                else:
                    del tables[name].items[key]
        backend = bedrockagentcorecontrol_backends["123456789012"]["us-east-1"]
        for gateway_id in set(backend.gateways) - set(gateways):
            del backend.gateways[gateway_id]


@pytest.fixture(scope="module")
def stage() -> Iterator[Stage]:
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        use_dummy_aws_env(patch)
        env = bootstrap(None, prefix="hostile", session=new_session())
        clock = FakeClock()
        registry = Registry(runtime=make_runtime(settings_for(env), clock), clock=clock)
        created = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
        assert created["status"] == 201, created
        yield Stage(registry, created["data"])


def through(
    stage: Stage, action: str, source: dict[str, Any], status: int, code: str
) -> dict[str, Any]:
    """`source` sent to `action` (create_tool or validate_spec): the answer
    is (status, code), and nothing changed anywhere."""
    before = stage.snapshot()
    if action == "create_tool":
        data = {"gateway_id": stage.gateway["gateway_id"], "name": "pets", "source": source}
        response = stage.registry.invoke(event("create_tool", data))
    else:
        response = stage.registry.invoke({"action": "validate_spec", "data": {"source": source}})
    assert (response["status"], (response["error"] or {}).get("code")) == (status, code), response
    dumped = json.dumps(response)
    assert "Traceback" not in dumped
    assert stage.snapshot() == before, "the request changed something"
    return response


BOTH = ["create_tool", "validate_spec"]


# --- spec URLs: loopback, private, link-local, IPv6, numeric, redirects, DNS ----------


class FakeRaw:
    def __init__(self, body: bytes) -> None:
        self.chunks = [body]
        self.connection = None

    def read1(self, amt: int, decode_content: bool = True) -> bytes:
        return self.chunks.pop(0)[:amt] if self.chunks else b""


class FakeResponse:
    def __init__(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers or {})
        self.raw = FakeRaw(body)

    def close(self) -> None:
        pass


@dataclass
class Net:
    """Fake DNS and transport at url_fetch's seam; records what it is asked."""

    dns: dict[str, list[list[str]]] = field(default_factory=dict)
    routes: dict[str, FakeResponse] = field(default_factory=dict)
    resolved: list[str] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (url, address)

    def resolve(self, host: str, port: int, *_: Any, **__: Any) -> list[tuple[Any, ...]]:
        self.resolved.append(host)
        if host not in self.dns:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = self.dns[host]
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        family = {True: socket.AF_INET6, False: socket.AF_INET}
        return [(family[":" in a], socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    def session(self) -> FakeSession:
        return FakeSession(self)


class FakeSession:
    def __init__(self, net: Net) -> None:
        self.net = net
        self.trust_env = True
        self.adapter: Any = None

    def mount(self, prefix: str, adapter: Any) -> None:
        self.adapter = adapter

    def get(self, url: str, **_: Any) -> FakeResponse:
        self.net.sent.append((url, self.adapter.address))
        return self.net.routes[url]

    def close(self) -> None:
        pass


@pytest.fixture
def net(monkeypatch: pytest.MonkeyPatch) -> Net:
    fake = Net()
    original = url_fetch.fetch_spec

    def fetch_spec(url: str, **kwargs: Any) -> bytes:
        return original(url, resolver=fake.resolve, session_factory=fake.session, **kwargs)

    monkeypatch.setattr(url_fetch, "fetch_spec", fetch_spec)
    return fake


def spec_response() -> FakeResponse:
    return FakeResponse(200, json.dumps(SPEC).encode(), {"Content-Type": "application/json"})


def redirect(location: str) -> FakeResponse:
    return FakeResponse(302, b"", {"Location": location})


REFUSED_URLS = [
    # not https, or not a plain https URL
    "http://api.example.com/openapi.json",
    "ftp://api.example.com/openapi.json",
    "file:///etc/passwd",
    "gopher://api.example.com/x",
    "data:application/json,{}",
    "https://user:pass@api.example.com/openapi.json",
    "https://api.example.com:8443/openapi.json",
    "https://api.example.com:22/openapi.json",
    "https://api.example.com/open api.json",
    "https://api.example.com\\@evil.example.com/",
    # loopback, unspecified, private, shared, link-local (cloud metadata)
    "https://127.0.0.1/openapi.json",
    "https://127.8.9.10/openapi.json",
    "https://0.0.0.0/openapi.json",
    "https://10.1.2.3/openapi.json",
    "https://172.16.0.1/openapi.json",
    "https://192.168.1.1/openapi.json",
    "https://100.64.0.1/openapi.json",
    "https://169.254.169.254/latest/meta-data/",
    "https://169.254.170.2/v2/credentials",
    "https://224.0.0.1/openapi.json",
    "https://255.255.255.255/openapi.json",
    # IPv6: loopback, unspecified, unique-local, link-local, the EC2 metadata
    # address, IPv4-mapped and -compatible, NAT64 and 6to4 of private ones
    "https://[::1]/openapi.json",
    "https://[::]/openapi.json",
    "https://[fd00:ec2::254]/latest/meta-data/",
    "https://[fe80::1]/openapi.json",
    "https://[fc00::1]/openapi.json",
    "https://[::ffff:127.0.0.1]/openapi.json",
    "https://[::ffff:169.254.169.254]/latest/meta-data/",
    "https://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "https://[::127.0.0.1]/openapi.json",
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    "https://[64:ff9b::10.0.0.1]/openapi.json",
    "https://[2002:a9fe:a9fe::]/latest/meta-data/",
    "https://[2002:7f00:1::]/openapi.json",
    # numeric host spellings of 127.0.0.1 and 169.254.169.254
    "https://2130706433/openapi.json",
    "https://0x7f000001/openapi.json",
    "https://0177.0.0.1/openapi.json",
    "https://127.1/openapi.json",
    "https://127.0.1/openapi.json",
    "https://0x7f.0.0.1/openapi.json",
    "https://2852039166/latest/meta-data/",
    "https://0xa9fea9fe/latest/meta-data/",
    "https://169.254.43518/latest/meta-data/",
    "https://1.2.3.4.5/openapi.json",
    # names that resolve to what is refused
    "https://localhost/openapi.json",
    "https://internal.example.com/openapi.json",
    "https://metadata.example.com/latest/meta-data/",
    "https://v6local.example.com/openapi.json",
    "https://mapped.example.com/openapi.json",
    "https://mixed.example.com/openapi.json",
    "https://nowhere.example.com/openapi.json",
]
DNS = {
    "localhost": [["127.0.0.1", "::1"]],
    "internal.example.com": [["10.0.0.5"]],
    "metadata.example.com": [["169.254.169.254"]],
    "v6local.example.com": [["fd00::5"]],
    "mapped.example.com": [["::ffff:10.0.0.5"]],
    "mixed.example.com": [[PUBLIC, "127.0.0.1"]],
    "api.example.com": [[PUBLIC]],
}


@pytest.mark.parametrize("action", BOTH)
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_spec_url_not_aimed_at_a_public_https_host_is_refused_unfetched(
    stage: Stage, net: Net, url: str, action: str
) -> None:
    net.dns = copy.deepcopy(DNS)
    net.routes = {url: spec_response()}
    through(stage, action, {"type": "url", "url": url}, 422, "SpecFetchError")
    assert net.sent == [], "the refused URL reached the transport"


@pytest.mark.parametrize(
    "location",
    [
        "https://127.0.0.1/openapi.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/openapi.json",
        "https://[::ffff:169.254.169.254]/",
        "https://2130706433/openapi.json",
        "https://internal.example.com/openapi.json",
        "http://api.example.com/openapi.json",
        "file:///etc/passwd",
        "https://user:pass@api.example.com/x",
        "https://api.example.com:8443/x",
    ],
)
def test_a_redirect_to_a_refused_url_is_refused_before_connecting(
    stage: Stage, net: Net, location: str
) -> None:
    first = "https://api.example.com/openapi.json"
    net.dns = copy.deepcopy(DNS)
    net.routes = {first: redirect(location), location: spec_response()}
    through(stage, "create_tool", {"type": "url", "url": first}, 422, "SpecFetchError")
    assert net.sent == [(first, PUBLIC)], "only the public first hop was contacted"


def test_a_redirect_loop_stops_after_three(stage: Stage, net: Net) -> None:
    urls = [f"https://api.example.com/{i}" for i in range(6)]
    net.dns = copy.deepcopy(DNS)
    net.routes = {u: redirect(urls[i + 1]) for i, u in enumerate(urls[:-1])}
    through(stage, "validate_spec", {"type": "url", "url": urls[0]}, 422, "SpecFetchError")
    assert len(net.sent) == 4


def test_dns_that_turns_private_is_never_connected_to(stage: Stage, net: Net) -> None:
    """DNS rebinding: the host answers a public address when it is checked,
    then a private one. The connection goes to the address that was checked
    (asked once per hop); a second hop to the same host is checked again
    and refused."""
    url = "https://rebind.example.com/openapi.json"
    again = "https://rebind.example.com/again.json"
    net.dns = {"rebind.example.com": [[PUBLIC], ["10.0.0.5"], ["169.254.169.254"]]}
    net.routes = {url: redirect(again), again: spec_response()}
    through(stage, "create_tool", {"type": "url", "url": url}, 422, "SpecFetchError")
    assert net.sent == [(url, PUBLIC)]
    assert net.resolved == ["rebind.example.com", "rebind.example.com"]


def test_a_public_spec_url_is_fetched_through_the_checked_address(stage: Stage, net: Net) -> None:
    """The control: the seam is the one the flow uses, and a public URL works."""
    url = "https://api.example.com/openapi.json"
    net.dns = copy.deepcopy(DNS)
    net.routes = {url: spec_response()}
    response = stage.registry.invoke(
        {"action": "validate_spec", "data": {"source": {"type": "url", "url": url}}}
    )
    assert response["status"] == 200, response
    assert response["data"]["ok"] is True
    assert net.sent == [(url, PUBLIC)]
    assert response["data"]["source"] == {"type": "url", "url": url}


# --- $refs that leave the document ------------------------------------------------------


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, list[str]]:
    """A local file holding the canary, and every path or URL opened."""
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"x": {"type": "string", "description": CANARY}}))
    seen: list[str] = []
    real_open = builtins.open

    def recording_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(file))
        return real_open(file, *args, **kwargs)

    real_urlopen = urllib.request.urlopen
    # openapi-spec-validator reads its own bundled meta-schemas through
    # urlopen(file://...) the first time a process validates: let those
    # through (a worker may run this test before any other validation).
    bundled = Path(openapi_spec_validator.__file__).parent.as_uri() + "/"

    def recording_urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
        target = str(getattr(url, "full_url", url))
        if target.startswith(bundled):
            return real_urlopen(url, *args, **kwargs)
        seen.append(target)
        raise OSError("test: urlopen is not allowed")

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(urllib.request, "urlopen", recording_urlopen)
    return secret, seen


def _spec_with_ref(ref: str) -> dict[str, Any]:
    document = copy.deepcopy(SPEC)
    content = document["paths"]["/pets"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"$ref": ref}
    return document


REMOTE_REFS = [
    "http://169.254.169.254/latest/meta-data/iam#/x",
    "http://api.example.com/schemas.json#/Pet",
    "https://api.example.com/schemas.json#/Pet",
    "https://127.0.0.1/schemas.json#/Pet",
    "//evil.example.com/schemas.json#/Pet",
    "schemas.yaml#/Pet",
    "../schemas.json#/Pet",
    "./schemas.json",
    "/etc/passwd",
    "file:///etc/passwd#/x",
    "{secret}#/x",
    "file://{secret}#/x",
]


@pytest.mark.parametrize("ref", REMOTE_REFS)
def test_a_ref_that_leaves_the_document_is_refused_never_followed(
    stage: Stage, opened: tuple[Path, list[str]], ref: str
) -> None:
    secret, seen = opened
    ref = ref.format(secret=secret)
    response = through(
        stage, "create_tool", {"type": "inline", "spec": _spec_with_ref(ref)}, 422, "InvalidSpec"
    )
    assert "remote-ref" in [d.get("rule") for d in response["error"]["details"]], response
    report = through(
        stage, "validate_spec", {"type": "inline", "spec": _spec_with_ref(ref)}, 200, None
    )
    assert report["data"]["ok"] is False
    assert CANARY not in json.dumps([response, report])
    assert not [p for p in seen if str(secret) in p or "passwd" in p or "://" in p], seen


def test_a_dangling_local_ref_is_refused(stage: Stage) -> None:
    source = {"type": "inline", "spec": _spec_with_ref("#/components/schemas/Missing")}
    response = through(stage, "create_tool", source, 422, "InvalidSpec")
    assert "unresolved-ref" in [d.get("rule") for d in response["error"]["details"]]


# --- YAML and JSON bombs, tags, nesting, roots ------------------------------------------

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)),
        "openapi: 3.0.3",
    ]
)
PWNED = Path("/tmp") / f"registry-hostile-{uuid.uuid4().hex}"  # noqa: S108 - only checked, never made

BAD_DOCUMENTS: dict[str, str] = {
    "billion-laughs": BILLION_LAUGHS,
    "alias-to-itself": "a: &a [*a]\nopenapi: 3.0.3\n",
    "many-aliases": "x: &x 1\nl: [" + ", ".join(["*x"] * 1001) + "]\nopenapi: 3.0.3\n",
    "python-apply": f'openapi: !!python/object/apply:os.system ["touch {PWNED}"]\n',
    "python-name": "openapi: !!python/name:os.system\n",
    "python-object-new": "openapi: !!python/object/new:subprocess.Popen [[touch, /tmp/x]]\n",
    "python-module": "openapi: !!python/module:os\n",
    "binary-tag": "openapi: !!binary aGVsbG8=\n",
    "set-tag": "openapi: !!set {a, b}\n",
    "custom-tag": "openapi: !Ref something\n",
    "yaml-flow-deep": "openapi: 3.0.3\nx: " + "[" * 5000 + "]" * 5000 + "\n",
    "yaml-block-deep": "openapi: 3.0.3\n" + "".join(" " * i + f"k{i}:\n" for i in range(300)),
    "json-deep": '{"openapi": "3.0.3", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "json-deep-objects": '{"openapi": "3.0.3", "x": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
    "list-root-yaml": "- openapi: 3.0.3\n",
    "list-root-json": '[{"openapi": "3.0.3"}]',
    "string-root": "just some text",
    "number-root": "42",
    "null-root": "null",
    "bool-root": "true",
    "json-string-root": '"openapi"',
    "empty": "   \n\t\n",
    "bom-only": "\ufeff",
    "multi-document": "openapi: 3.0.3\n---\nopenapi: 3.1.0\n",
    "duplicate-keys-yaml": "openapi: 3.0.3\nopenapi: 3.1.0\n",
    "duplicate-keys-json": '{"openapi": "3.0.3", "openapi": "3.1.0"}',
    "json-nan": '{"openapi": "3.0.3", "x": NaN}',
    "json-infinity": '{"openapi": "3.0.3", "x": -Infinity}',
    "broken-json": '{"openapi": "3.0.3",',
    "complex-key": "? [a, b]\n: c\nopenapi: 3.0.3\n",
    "control-characters": "openapi: 3.0.3\nx: \x07\x08\n",
    "swagger-2": "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n",
}


@pytest.mark.parametrize("form", ["inline", "file"])
@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_hostile_documents_are_invalid_specs_and_nothing_runs(
    stage: Stage, name: str, form: str
) -> None:
    text = BAD_DOCUMENTS[name]
    if form == "inline":
        source: dict[str, Any] = {"type": "inline", "spec": text}
    else:
        encoded = base64.b64encode(text.encode("utf-8")).decode()
        source = {"type": "file", "filename": "spec.yaml", "content_base64": encoded}
    if name == "swagger-2":
        # Parsed, but not OpenAPI 3: validate_spec reports it, create_tool refuses.
        report = through(stage, "validate_spec", source, 200, None)
        assert report["data"]["ok"] is False
    else:
        through(stage, "validate_spec", source, 422, "InvalidSpec")
    through(stage, "create_tool", source, 422, "InvalidSpec")
    assert not PWNED.exists(), "a YAML tag ran a command"


@pytest.mark.parametrize(
    "content",
    ["not base64 at all!", "aGVsbG8=\x00", "aGVsbG8", "==", "\u00e9\u00e9\u00e9\u00e9"],
)
def test_a_file_that_is_not_strict_base64_is_an_invalid_spec(stage: Stage, content: str) -> None:
    source = {"type": "file", "filename": "spec.json", "content_base64": content}
    through(stage, "create_tool", source, 422, "InvalidSpec")


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(7, id="number"),
        pytest.param([SPEC], id="list"),
        pytest.param(None, id="null"),
        pytest.param("", id="empty-string"),
    ],
)
def test_an_inline_spec_that_is_not_a_document_is_a_validation_error(
    stage: Stage, spec: Any
) -> None:
    through(stage, "create_tool", {"type": "inline", "spec": spec}, 422, "ValidationError")


# --- specs past AgentCore's limits and the registry's size ---------------------------


def _spec_with_operations(count: int, *, operation_id: str | None = None) -> dict[str, Any]:
    document = copy.deepcopy(SPEC)
    response = document["paths"]["/pets"]["get"]["responses"]
    document["paths"] = {
        f"/p{i}": {"get": {"operationId": operation_id or f"op{i}", "responses": response}}
        for i in range(count)
    }
    return document


def test_a_spec_of_1001_operations_exceeds_agentcore(stage: Stage) -> None:
    source = {"type": "inline", "spec": _spec_with_operations(1001)}
    response = through(stage, "create_tool", source, 422, "InvalidSpec")
    assert "too-many-operations" in [d.get("rule") for d in response["error"]["details"]]
    report = through(stage, "validate_spec", source, 200, None)
    assert [e["rule"] for e in report["data"]["errors"]] == ["too-many-operations"]


def test_exactly_1000_operations_are_servable(stage: Stage) -> None:
    source = {"type": "inline", "spec": _spec_with_operations(1000)}
    report = through(stage, "validate_spec", source, 200, None)
    assert report["data"]["ok"] is True, report["data"]["errors"][:3]


def test_a_tool_name_of_257_characters_exceeds_agentcore(stage: Stage) -> None:
    # The tool name is <target>___<operationId>: "pets" + "___" + 250 = 257.
    source = {"type": "inline", "spec": _spec_with_operations(1, operation_id="o" * 250)}
    response = through(stage, "create_tool", source, 422, "InvalidSpec")
    assert "tool-name-too-long" in [d.get("rule") for d in response["error"]["details"]]
    fits = {"type": "inline", "spec": _spec_with_operations(1, operation_id="o" * 249)}
    report = stage.registry.invoke(
        {"action": "validate_spec", "data": {"source": fits, "target_name": "pets"}}
    )
    assert report["data"]["ok"] is True, report


def test_a_spec_over_10_mb_is_payload_too_large(stage: Stage) -> None:
    big = json.dumps({**SPEC, "x-padding": "p" * (10 * 1024 * 1024)})
    through(stage, "create_tool", {"type": "inline", "spec": big}, 413, "PayloadTooLarge")
    encoded = base64.b64encode(big.encode()).decode()
    source = {"type": "file", "filename": "big.json", "content_base64": encoded}
    through(stage, "validate_spec", source, 413, "PayloadTooLarge")


def test_an_upload_of_another_team_is_forbidden(stage: Stage) -> None:
    source = {"type": "s3", "key": "uploads/billing/abc/pets.json"}
    through(stage, "create_tool", source, 403, "Forbidden")


# --- specs that crash the validator (found by test_properties.py) -------------------


def _crashing_specs() -> dict[str, dict[str, Any]]:
    in_list = copy.deepcopy(SPEC)
    in_list["paths"]["/pets"]["get"]["parameters"] = [{"name": "q", "in": ["query"]}]
    name_object = copy.deepcopy(SPEC)
    name_object["paths"]["/pets"]["parameters"] = [{"name": {"q": 1}, "in": "query"}]
    schemas_null = {**copy.deepcopy(SPEC), "components": {"schemas": None}}
    root_ref = {**copy.deepcopy(SPEC), "$ref": "#"}
    root_ref_other = {**copy.deepcopy(SPEC), "$ref": "#/info"}
    return {
        # TypeError: unhashable type, in _parameters
        "parameter-in-is-a-list": in_list,
        "parameter-name-is-an-object": name_object,
        # KeyError: 'schemas', jsonschema_path in _children
        "components-schemas-null": schemas_null,
        # RecursionError / Unresolvable: jsonschema_path resolves the root as a $ref
        "ref-at-the-root": root_ref,
        "ref-at-the-root-elsewhere": root_ref_other,
    }


@pytest.mark.parametrize("name", sorted(_crashing_specs()))
def test_specs_that_crash_the_validator_are_invalid_specs(stage: Stage, name: str) -> None:
    source = {"type": "inline", "spec": _crashing_specs()[name]}
    report = stage.registry.invoke({"action": "validate_spec", "data": {"source": source}})
    created = stage.registry.invoke(
        event(
            "create_tool",
            {"gateway_id": stage.gateway["gateway_id"], "name": "pets", "source": source},
        )
    )
    assert report["status"] == 200, report
    assert report["data"]["ok"] is False
    assert (created["status"], created["error"]["code"]) == (422, "InvalidSpec"), created


# --- metadata values that JSON can carry but DynamoDB cannot ---------------------------

_DEEP: dict[str, Any] = {"a": 1}
for _ in range(199):
    _DEEP = {"a": _DEEP}


METADATA_VALUES = [
    pytest.param({"v": float("nan")}, id="nan"),
    pytest.param(
        {"v": float("inf")},
        id="infinity",
    ),
    pytest.param({"v": 10**50}, id="int-51-digits"),
    pytest.param({"v": 1e-200}, id="float-1e-200"),
    pytest.param(_DEEP, id="nested-200"),
    pytest.param(
        {"": 1},
        id="empty-key",
    ),
    pytest.param(
        {"v": "a\ud800b"},
        id="lone-surrogate",
    ),
]


@pytest.mark.parametrize("metadata", METADATA_VALUES)
def test_metadata_dynamodb_cannot_store_is_a_validation_error(
    stage: Stage, metadata: dict[str, Any]
) -> None:
    before, keys = stage.snapshot(), stage.keys()
    name = f"g{uuid.uuid4().hex[:12]}"
    response = stage.registry.invoke(event("create_gateway", {"name": name, "metadata": metadata}))
    try:
        after = stage.snapshot()
    except Exception as exc:  # the table itself can no longer be read
        after = {"unreadable": repr(exc)}
    finally:
        stage.restore(keys, before["gateways"])
    assert stage.snapshot() == before
    assert "Traceback" not in json.dumps(response, default=str)
    assert (response["status"], (response["error"] or {}).get("code")) == (
        422,
        "ValidationError",
    ), response
    assert after == before, "the request changed something"


@pytest.mark.parametrize(
    "metadata",
    [{"v": 0.1}, {"v": -0.0}, {"v": 10**37}, {"k": {"n": [None, True, "x\x00y"]}}, {"v": "é🙂"}],
    ids=["float", "negative-zero", "int-38-digits", "null-bool-nul", "unicode"],
)
def test_metadata_dynamodb_can_store_is_kept(stage: Stage, metadata: dict[str, Any]) -> None:
    name = f"g{uuid.uuid4().hex[:12]}"
    response = stage.registry.invoke(event("create_gateway", {"name": name, "metadata": metadata}))
    assert response["status"] == 201, response
    deleted = stage.registry.invoke(
        event("delete_gateway", {"gateway_id": response["data"]["gateway_id"]})
    )
    assert deleted["status"] == 200, deleted


# --- Lambda sources (issue 12): refused by the kind's checks, before any write --------


def _lambda(tools: Any = None, arn: str | None = None) -> dict[str, Any]:
    source = copy.deepcopy(SOURCES["lambda"])
    if tools is not None:
        source["tools"] = tools
    if arn is not None:
        source["lambda_arn"] = arn
    return source


def _nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "object", "properties": {"p": node}}
    return node


HOSTILE_LAMBDA: dict[str, dict[str, Any]] = {
    "arn-injection": _lambda(arn="arn:aws:lambda:us-east-1:123456789012:function:a;rm -rf /"),
    "arn-wildcard": _lambda(arn="arn:aws:lambda:us-east-1:123456789012:function:*"),
    "arn-too-long": _lambda(arn="arn:aws:lambda:us-east-1:123456789012:function:" + "a" * 200),
    "other-partition": _lambda(arn="arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:a"),
    "tool-not-an-object": _lambda(tools=["get_pet"]),
    "ref": _lambda(
        tools=[
            {"name": "a", "description": "b", "input_schema": {"$ref": "http://169.254.169.254/"}}
        ]
    ),
    "deep": _lambda(tools=[{"name": "a", "description": "b", "input_schema": _nested(200)}]),
    "name-with-separator-length": _lambda(
        tools=[{"name": "a" * 300, "description": "b", "input_schema": {"type": "object"}}]
    ),
    "too-many-tools": _lambda(
        tools=[
            {"name": f"t{i}", "description": "b", "input_schema": {"type": "object"}}
            for i in range(101)
        ]
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LAMBDA))
def test_a_hostile_lambda_source_is_refused_and_changes_nothing(stage: Stage, case: str) -> None:
    response = through(stage, "create_tool", HOSTILE_LAMBDA[case], 422, "ValidationError")
    assert all(d["field"].startswith("data.source.") for d in response["error"]["details"])
    checked = stage.registry.invoke(
        {"action": "validate_spec", "data": {"source": HOSTILE_LAMBDA[case]}}
    )
    assert checked["status"] == 200, checked
    assert checked["data"]["ok"] is False


# --- MCP server sources (issue 12): where the gateway would call ------------------


def _mcp(endpoint: str, **extra: Any) -> dict[str, Any]:
    return {"type": "mcp_server", "endpoint": endpoint, **extra}


HOSTILE_MCP: dict[str, dict[str, Any]] = {
    "metadata-ip": _mcp("https://169.254.169.254/latest/meta-data/"),
    "metadata-ipv6": _mcp("https://[fd00:ec2::254]/"),
    "loopback-octal": _mcp("https://0177.0.0.1/mcp"),
    "loopback-hex": _mcp("https://0x7f.1/mcp"),
    "mapped-ipv4": _mcp("https://[::ffff:127.0.0.1]/mcp"),
    "private-10": _mcp("https://10.1.2.3/mcp"),
    "cgnat": _mcp("https://100.64.0.1/mcp"),
    "localhost": _mcp("https://localhost/mcp"),
    "localhost-trailing-dot": _mcp("https://localhost./mcp"),
    "internal-name": _mcp("https://tools.internal/mcp"),
    "plain-http": _mcp("http://mcp.example.com/mcp"),
    "file-scheme": _mcp("file:///etc/passwd"),
    "templated-host": _mcp("https://{host}/mcp"),
    "userinfo-loopback": _mcp("https://mcp.example.com@127.0.0.1/mcp"),
    "static-with-ref": _mcp(
        "https://mcp.example.com/mcp",
        tools=[{"name": "a", "description": "b", "input_schema": {"$ref": "#/x"}}],
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_MCP))
def test_a_hostile_mcp_server_source_is_refused_and_changes_nothing(
    stage: Stage, case: str
) -> None:
    response = through(stage, "create_tool", HOSTILE_MCP[case], 422, "ValidationError")
    assert all(d["field"].startswith("data.source") for d in response["error"]["details"])


# --- Smithy sources (issue 12): refused by the kind's checks, before any write --------


def _smithy(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    source = smithy_source()
    change(source["model"]["shapes"])
    return source


def _cycle(shapes: dict[str, Any]) -> None:
    # Resources that reach each other and no operation: the walk ends.
    shapes[f"{W}Weather"].update(operations=[], resources=[{"target": f"{W}A"}])
    shapes[f"{W}A"] = {"type": "resource", "resources": [{"target": f"{W}B"}]}
    shapes[f"{W}B"] = {"type": "resource", "resources": [{"target": f"{W}A"}]}


HOSTILE_SMITHY: dict[str, dict[str, Any]] = {
    "shape-id-traversal": _smithy(lambda s: s.__setitem__("../../etc#passwd", {"type": "string"})),
    "shape-id-nul": _smithy(lambda s: s.__setitem__(f"{W}Ci\x00ty", {"type": "string"})),
    "reference-injection": _smithy(
        lambda s: s[f"{W}Weather"].__setitem__("operations", [{"target": "$(reboot)#x"}])
    ),
    "operations-not-a-list": _smithy(lambda s: s[f"{W}Weather"].__setitem__("operations", "x")),
    "shape-not-an-object": _smithy(lambda s: s.__setitem__(f"{W}X", ["structure"])),
    "resource-cycle": _smithy(_cycle),
    "metadata-url-as-uri": _smithy(
        lambda s: s[f"{W}GetCurrentTime"]["traits"].__setitem__(
            "smithy.api#http", {"method": "GET", "uri": "http://169.254.169.254/latest"}
        )
    ),
    "label-injection": _smithy(
        lambda s: s[f"{W}GetCity"]["traits"].__setitem__(
            "smithy.api#http", {"method": "GET", "uri": "/{../../admin}"}
        )
    ),
    "many-bad-shapes": _smithy(
        lambda s: s.update({f"bad{i}": {"type": "string"} for i in range(10_000)})
    ),
    # Unhashable JSON where a name is expected: refused, never a 500.
    "type-a-list": _smithy(lambda s: s[f"{W}CityId"].__setitem__("type", ["string"])),
    "method-an-object": _smithy(
        lambda s: s[f"{W}GetCity"]["traits"]["smithy.api#http"].__setitem__("method", {})
    ),
    "traits-a-list": _smithy(lambda s: s[f"{W}GetCurrentTime"].__setitem__("traits", ["x"])),
    "version-a-list": _smithy(lambda s: None) | {"model": {"smithy": ["2.0"], "shapes": {}}},
    "not-json-version": _smithy(lambda s: None) | {"model": {"smithy": 2, "shapes": {}}},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SMITHY))
def test_a_hostile_smithy_source_is_refused_and_changes_nothing(stage: Stage, case: str) -> None:
    response = through(stage, "create_tool", HOSTILE_SMITHY[case], 422, "ValidationError")
    details = response["error"]["details"]
    assert all(d["field"].startswith("data.source.") for d in details)
    assert len(details) <= 51  # a hostile model earns no unbounded answer
    checked = stage.registry.invoke(
        {"action": "validate_spec", "data": {"source": HOSTILE_SMITHY[case]}}
    )
    assert checked["status"] == 200, checked
    assert checked["data"]["ok"] is False


# --- API Gateway sources (issue 12): refused by the kind's form checks, before any
# write and before API Gateway is read ---------------------------------------------


def _apigw(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SOURCES["api_gateway"]), **changes}


def _filters(*paths: Any, methods: Any = ("GET",)) -> list[dict[str, Any]]:
    return [{"path": path, "methods": list(methods)} for path in paths]


HOSTILE_API_GATEWAY: dict[str, dict[str, Any]] = {
    "id-traversal": _apigw(rest_api_id="a1b2c3d4e5/../../restapis/other"),
    "id-url": _apigw(rest_api_id="http://169.254.169.254/"),
    "id-newline": _apigw(rest_api_id="a1b2c3d4e5\nx"),
    "stage-traversal": _apigw(stage="../prod"),
    "stage-null-byte": _apigw(stage="prod\x00"),
    "stage-unicode": _apigw(stage="prod\u202e"),
    "path-traversal": _apigw(tool_filters=_filters("/pets/../admin")),
    "path-encoded-traversal": _apigw(tool_filters=_filters("/pets/%2e%2e/admin")),
    "path-url": _apigw(tool_filters=_filters("http://169.254.169.254/latest")),
    "path-object": _apigw(tool_filters=_filters({"$ref": "#/x"})),
    "path-too-long": _apigw(tool_filters=_filters("/" + "a" * 2000)),
    "path-glob": _apigw(tool_filters=_filters("/**")),
    "proxy": _apigw(tool_filters=_filters("/{proxy+}")),
    "methods-flood": _apigw(tool_filters=_filters("/pets", methods=["GET"] * 1000)),
    "method-injection": _apigw(tool_filters=_filters("/pets", methods=["GET; DROP"])),
    "too-many-filters": _apigw(tool_filters=_filters(*[f"/p{i}" for i in range(101)])),
    "too-many-overrides": _apigw(
        tool_overrides=[{"name": f"t{i}", "path": "/pets", "method": "GET"} for i in range(101)]
    ),
    "override-description-too-long": _apigw(
        tool_overrides=[{"name": "a", "path": "/pets", "method": "GET", "description": "d" * 5000}]
    ),
    "override-name-with-separator-length": _apigw(
        tool_overrides=[{"name": "a" * 300, "path": "/pets", "method": "GET"}]
    ),
    "override-name-injection": _apigw(
        tool_overrides=[{"name": "a___b; rm", "path": "/pets", "method": "GET"}]
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_API_GATEWAY))
def test_a_hostile_api_gateway_source_is_refused_and_changes_nothing(
    stage: Stage, case: str
) -> None:
    source = HOSTILE_API_GATEWAY[case]
    calls: list[str] = []
    stage.registry.on("before-call.apigateway", lambda model, **_: calls.append(model.name))
    try:
        response = through(stage, "create_tool", source, 422, "ValidationError")
    finally:
        stage.registry.clear_hooks()
    assert all(d["field"].startswith("data.source") for d in response["error"]["details"])
    assert calls == []  # the forms are refused before API Gateway is read
    checked = stage.registry.invoke({"action": "validate_spec", "data": {"source": source}})
    assert checked["status"] == 200, checked
    assert checked["data"]["ok"] is False
