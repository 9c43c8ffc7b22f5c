"""The dispatcher: the contract's envelope, its refusals, configuration and logs."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import app
import handlers
from handlers import dispatcher, registered_actions
from services.gateway import gateway_flow
from services.logging import logger
from tests.support import ACTOR, Registry, event

ENVELOPE_KEYS = {"ok", "status", "action", "request_id", "data", "error"}
CANARY = "CANARY-SECRET-123"
UNKNOWN_GATEWAY = "gw-" + "0" * 20
JWT_AUTHORIZER = {
    "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
    "allowed_audience": [CANARY],
}


def gateway_items(registry: Registry) -> list[dict[str, Any]]:
    """Every item of the gateways table: records, name claims and ledger."""
    response = registry.runtime.dynamodb.scan(TableName=registry.settings.gateways_table_name)
    return list(response["Items"])


def assert_nothing_written(registry: Registry) -> None:
    assert gateway_items(registry) == []
    assert registry.agentcore_gateways() == []


def assert_error(response: dict[str, Any], status: int, code: str) -> None:
    assert set(response) == ENVELOPE_KEYS
    assert response["ok"] is False
    assert response["status"] == status
    assert response["data"] is None
    assert response["error"]["code"] == code


# ---------------------------------------------------------------- envelope


def _success(registry: Registry) -> dict[str, Any]:
    return registry.invoke(event("create_gateway", {"name": "payments-tools"}))


def _not_found(registry: Registry) -> dict[str, Any]:
    return registry.invoke(event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}))


def _list(registry: Registry) -> dict[str, Any]:
    return registry.invoke(event("list_gateways", {}))


def _not_an_object(registry: Registry) -> dict[str, Any]:
    return registry.invoke(["create_gateway"])


def _unknown_action(registry: Registry) -> dict[str, Any]:
    return registry.invoke(event("launch_rocket", {}))


def _invalid_data(registry: Registry) -> dict[str, Any]:
    return registry.invoke(event("create_gateway", {"name": "bad name!"}))


def _internal_error(registry: Registry) -> dict[str, Any]:
    def boom(*_: object) -> None:
        raise RuntimeError("CANARY-INTERNAL")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gateway_flow, "get_gateway", boom)
        return registry.invoke(event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}))


@pytest.mark.parametrize(
    "outcome",
    [_success, _not_found, _list, _not_an_object, _unknown_action, _invalid_data, _internal_error],
    ids=lambda f: f.__name__.lstrip("_"),
)
def test_every_response_has_exactly_the_envelope_keys(
    registry: Registry, outcome: Callable[[Registry], dict[str, Any]]
) -> None:
    response = outcome(registry)

    assert set(response) == ENVELOPE_KEYS
    assert isinstance(response["ok"], bool)
    assert isinstance(response["status"], int)
    assert response["ok"] is (response["status"] < 400)
    if response["ok"]:
        assert response["error"] is None
        assert response["data"] is not None
    else:
        assert response["data"] is None
        assert set(response["error"]) == {"code", "message", "details"}
    json.dumps(response)  # what Lambda will serialise for the caller


# ---------------------------------------------------------------- the event itself


@pytest.mark.parametrize(
    "evt",
    [[], ["create_gateway"], "create_gateway", None, 42, 3.5, True],
    ids=["empty-list", "list", "string", "none", "int", "float", "bool"],
)
def test_event_that_is_not_an_object_is_bad_request(registry: Registry, evt: Any) -> None:
    response = registry.invoke(evt)

    assert_error(response, 400, "BadRequest")
    assert response["action"] is None
    assert response["request_id"] is None


@pytest.mark.parametrize(
    "evt",
    [
        {"data": {}},
        {"action": "", "data": {}},
        {"action": None, "data": {}},
        {"action": 5, "data": {}},
        {"action": ["get_gateway"], "data": {}},
        {"action": {"name": "get_gateway"}, "data": {}},
    ],
    ids=["missing", "empty", "null", "int", "list", "object"],
)
def test_event_without_a_string_action_is_bad_request(registry: Registry, evt: Any) -> None:
    response = registry.invoke(evt)

    assert_error(response, 400, "BadRequest")
    assert not response["action"]
    assert response["error"]["details"] == [{"field": "action", "message": "required"}]


def test_unknown_action_is_refused_with_the_known_actions(registry: Registry) -> None:
    response = registry.invoke(event("launch_rocket", {}))

    assert_error(response, 400, "UnknownAction")
    assert response["action"] == "launch_rocket"
    [detail] = response["error"]["details"]
    assert detail["field"] == "action"
    listed = detail["message"].removeprefix("one of ").split(", ")
    assert listed == sorted(registered_actions())
    assert {"create_gateway", "get_gateway", "list_gateways"} <= set(listed)
    assert_nothing_written(registry)


# ---------------------------------------------------------------- the actions: one module each

ROOT = Path(__file__).resolve().parents[2]
HANDLERS_DIR = Path(handlers.__file__).parent


def action_files() -> dict[str, Path]:
    """handlers/<action>.py, as the files say (the dispatcher and private
    modules are not actions)."""
    return {
        path.stem: path
        for path in sorted(HANDLERS_DIR.glob("*.py"))
        if not path.stem.startswith("_") and path.stem != "dispatcher"
    }


def registered_in_source(path: Path) -> list[str]:
    """The first argument of every `@action(...)` in a module's source."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Name | ast.Attribute)
                    and (getattr(decorator.func, "id", None) or decorator.func.attr) == "action"
                ):
                    arg = decorator.args[0]
                    names.append(arg.value if isinstance(arg, ast.Constant) else ast.dump(arg))
    return names


def test_the_actions_are_the_handler_modules() -> None:
    listed = dispatcher.ACTION_MODULES

    assert listed == {name: f"handlers.{name}" for name in action_files()}
    assert list(listed) == sorted(listed)


def test_each_handler_module_registers_exactly_the_action_it_is_named_after() -> None:
    for name, path in action_files().items():
        assert registered_in_source(path) == [name], path
    assert registered_in_source(HANDLERS_DIR / "dispatcher.py") == []
    assert registered_in_source(HANDLERS_DIR / "__init__.py") == []

    actions = registered_actions()

    # And at run time: nothing registered but the modules' own actions.
    assert sorted(dispatcher._ACTIONS) == sorted(actions) == sorted(action_files())
    for name, spec in actions.items():
        assert spec.name == name
        assert spec.handler.__module__ == f"handlers.{name}"


def test_the_actions_are_found_in_the_package_as_the_zip_ships_it(tmp_path: Path) -> None:
    """registry_local/package.py ships handlers/*.py and their bytecode in
    __pycache__, and nothing else of the checkout: the list holds there too
    (the iac tests run the zip itself)."""
    shipped = tmp_path / "handlers"
    shipped.mkdir()
    for path in HANDLERS_DIR.glob("*.py"):
        shutil.copy(path, shipped / path.name)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(shipped)], check=True)
    child = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import json, sys; sys.path[:0] = sys.argv[1:]; "
            "from handlers import dispatcher; "
            "print(json.dumps([dispatcher.__file__, dispatcher.ACTION_MODULES]))",
            str(tmp_path),
            str(ROOT),  # services
        ],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded_from, listed = json.loads(child.stdout)
    assert Path(loaded_from).parent == shipped
    assert listed == dispatcher.ACTION_MODULES


# ---------------------------------------------------------------- mutations: request_id and actor


_DROP = object()  # an override that removes the key


def mutation(**overrides: Any) -> dict[str, Any]:
    evt: dict[str, Any] = {
        "action": "create_gateway",
        "request_id": "req-0123456789",
        "actor": dict(ACTOR),
        "data": {"name": "payments-tools"},
    }
    evt.update(overrides)
    return {k: v for k, v in evt.items() if v is not _DROP}


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"request_id": _DROP}, ["request_id"]),
        ({"actor": _DROP}, ["actor"]),
        ({"request_id": _DROP, "actor": _DROP}, ["request_id", "actor"]),
        ({"request_id": None}, ["request_id"]),
        ({"actor": None}, ["actor"]),
    ],
    ids=["no-request-id", "no-actor", "neither", "null-request-id", "null-actor"],
)
def test_mutation_without_request_id_or_actor_is_bad_request_and_writes_nothing(
    registry: Registry, overrides: dict[str, Any], missing: list[str]
) -> None:
    response = registry.invoke(mutation(**overrides))

    assert_error(response, 400, "BadRequest")
    assert [d["field"] for d in response["error"]["details"]] == missing
    assert_nothing_written(registry)


@pytest.mark.parametrize(
    "request_id",
    [
        "short",
        "1234567",
        "req id with spaces",
        "req/0123456789",
        "req-0123456789!",
        "req-éèà-0123",
        "abcdefgh\n",
        "r" * 129,
        12345678,
        ["req-0123456789"],
    ],
    ids=[
        "5-chars",
        "7-chars",
        "spaces",
        "slash",
        "bang",
        "non-ascii",
        "trailing-newline",
        "129-chars",
        "int",
        "list",
    ],
)
def test_mutation_with_malformed_request_id_is_bad_request_and_writes_nothing(
    registry: Registry, request_id: Any
) -> None:
    response = registry.invoke(mutation(request_id=request_id))

    assert_error(response, 400, "BadRequest")
    assert [d["field"] for d in response["error"]["details"]] == ["request_id"]
    assert_nothing_written(registry)


@pytest.mark.parametrize("request_id", ["abcdefgh", "r" * 128, "A.b_c:d-0123"])
def test_request_id_at_the_limits_of_its_pattern_is_accepted(
    registry: Registry, request_id: str
) -> None:
    response = registry.invoke(mutation(request_id=request_id))

    assert response["status"] == 201
    assert response["request_id"] == request_id


def test_request_id_over_128_chars_is_not_echoed_in_the_envelope(registry: Registry) -> None:
    response = registry.invoke(mutation(request_id="r" * 129))

    assert response["request_id"] is None


@pytest.mark.parametrize(
    "actor",
    [
        "alice@example.com",
        ["alice@example.com", "payments"],
        42,
        {"user": 5, "team": "payments"},
        {"user": "", "team": "payments"},
        {"user": "alice@example.com", "team": 7},
        {"user": "alice@example.com"},
        {"team": "payments"},
        {"user": "alice@example.com", "team": "payments", "roles": "admin"},
        {"user": "alice@example.com", "team": "payments", "roles": [1]},
        {"user": "alice@example.com", "team": "payments", "is_admin": True},
    ],
    ids=[
        "string",
        "list",
        "int",
        "user-int",
        "user-empty",
        "team-int",
        "no-team",
        "no-user",
        "roles-string",
        "role-int",
        "unknown-field",
    ],
)
def test_mutation_with_actor_of_wrong_shape_is_bad_request_and_writes_nothing(
    registry: Registry, actor: Any
) -> None:
    response = registry.invoke(mutation(actor=actor))

    assert_error(response, 400, "BadRequest")
    assert response["error"]["details"]
    assert all(d["field"].startswith("actor") for d in response["error"]["details"])
    assert_nothing_written(registry)


@pytest.mark.parametrize(
    "team",
    ["bad team!", "", "-payments", ".payments", "pay/ments", "t" * 65, "payments\n"],
    ids=["bang", "empty", "leading-dash", "leading-dot", "slash", "65-chars", "newline"],
)
def test_mutation_with_invalid_team_is_bad_request_and_writes_nothing(
    registry: Registry, team: str
) -> None:
    response = registry.invoke(mutation(actor={"user": "alice@example.com", "team": team}))

    assert_error(response, 400, "BadRequest")
    assert [d["field"] for d in response["error"]["details"]] == ["actor.team"]
    assert_nothing_written(registry)


# ---------------------------------------------------------------- data validation

# (action, data, the rejected value that must not come back, the fields named)
INVALID_DATA = [
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "bogus": CANARY},
        CANARY,
        ["data.bogus"],
        id="unknown-field",
    ),
    pytest.param("create_gateway", {"name": 12345}, None, ["data.name"], id="name-int"),
    pytest.param("create_gateway", {"name": [CANARY]}, CANARY, ["data.name"], id="name-list"),
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "description": CANARY * 12},
        CANARY,
        ["data.description"],
        id="description-201-plus-chars",
    ),
    pytest.param(
        "create_gateway",
        {"name": f"bad name! {CANARY}"},
        CANARY,
        ["data.name"],
        id="name-bad-characters",
    ),
    pytest.param(
        "create_gateway",
        {"name": "CANARY" + "7" * 43},
        "CANARY" + "7" * 43,
        ["data.name"],
        id="name-49-chars",
    ),
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "authorizer_type": CANARY},
        CANARY,
        ["data.authorizer_type"],
        id="authorizer-type-unknown",
    ),
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "metadata": {"blob": CANARY * 300}},
        CANARY,
        ["data.metadata"],
        id="metadata-over-4096-bytes",
    ),
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "tags": {f"k{i}": CANARY for i in range(51)}},
        CANARY,
        ["data.tags"],
        id="51-tags",
    ),
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "tags": [CANARY]},
        CANARY,
        ["data.tags"],
        id="tags-list",
    ),
    pytest.param("list_gateways", {"limit": 0}, None, ["data.limit"], id="list-limit-0"),
    pytest.param("list_gateways", {"limit": 101}, None, ["data.limit"], id="list-limit-101"),
    pytest.param(
        "get_gateway", {"gateway_id": CANARY}, CANARY, ["data.gateway_id"], id="get-bad-id"
    ),
]

# Errors of a whole-model rule: the field each should name.
AUTHORIZER_RULE_DATA = [
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "authorizer_type": "CUSTOM_JWT"},
        None,
        ["data.authorizer"],
        id="custom-jwt-without-authorizer",
    ),
    pytest.param(
        "create_gateway",
        {"name": "payments-tools", "authorizer_type": "AWS_IAM", "authorizer": JWT_AUTHORIZER},
        CANARY,
        ["data.authorizer"],
        id="aws-iam-with-authorizer",
    ),
]
NO_CHANGE_DATA = [
    pytest.param(
        "update_gateway",
        {"gateway_id": UNKNOWN_GATEWAY, "expected_version": 3},
        None,
        ["data"],
        id="update-without-changes",
    ),
]
MODEL_RULE_DATA = AUTHORIZER_RULE_DATA + NO_CHANGE_DATA


@pytest.mark.parametrize(("action", "data", "rejected", "fields"), INVALID_DATA + MODEL_RULE_DATA)
def test_invalid_data_is_validation_error_without_echoing_the_input(
    registry: Registry, action: str, data: dict[str, Any], rejected: str | None, fields: list[str]
) -> None:
    evt = event(action, data)
    response = registry.invoke(evt)

    assert_error(response, 422, "ValidationError")
    assert response["action"] == action
    assert response["request_id"] == evt.get("request_id")
    details = response["error"]["details"]
    assert details
    assert all(d["field"].startswith("data") for d in details)
    if rejected is not None:
        assert rejected not in json.dumps(response)
    assert_nothing_written(registry)


@pytest.mark.parametrize(("action", "data", "rejected", "fields"), INVALID_DATA)
def test_invalid_data_details_name_each_field(
    registry: Registry, action: str, data: dict[str, Any], rejected: str | None, fields: list[str]
) -> None:
    response = registry.invoke(event(action, data))

    assert [d["field"] for d in response["error"]["details"]] == fields


@pytest.mark.parametrize(("action", "data", "rejected", "fields"), NO_CHANGE_DATA)
def test_whole_data_rule_violation_is_named_data(
    registry: Registry, action: str, data: dict[str, Any], rejected: str | None, fields: list[str]
) -> None:
    response = registry.invoke(event(action, data))

    assert [d["field"] for d in response["error"]["details"]] == fields


@pytest.mark.parametrize(("action", "data", "rejected", "fields"), AUTHORIZER_RULE_DATA)
def test_authorizer_rule_violation_names_data_authorizer(
    registry: Registry, action: str, data: dict[str, Any], rejected: str | None, fields: list[str]
) -> None:
    response = registry.invoke(event(action, data))

    assert [d["field"] for d in response["error"]["details"]] == fields


def test_several_invalid_fields_are_each_named(registry: Registry) -> None:
    response = registry.invoke(
        event("create_gateway", {"name": 7, "description": "", "bogus": CANARY, "limit": 1})
    )

    assert_error(response, 422, "ValidationError")
    fields = sorted(d["field"] for d in response["error"]["details"])
    assert fields == ["data.bogus", "data.description", "data.limit", "data.name"]
    assert CANARY not in json.dumps(response)


# ---------------------------------------------------------------- reads


def test_get_gateway_works_without_request_id_and_actor(registry: Registry) -> None:
    created = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    gateway_id = created["data"]["gateway_id"]

    response = registry.invoke({"action": "get_gateway", "data": {"gateway_id": gateway_id}})

    assert response["ok"] is True
    assert response["status"] == 200
    assert response["request_id"] is None
    assert response["data"]["gateway_id"] == gateway_id
    assert response["data"]["name"] == "payments-tools"


def test_list_gateways_works_without_request_id_and_actor(registry: Registry) -> None:
    created = registry.invoke(event("create_gateway", {"name": "payments-tools"}))

    response = registry.invoke({"action": "list_gateways"})

    assert response["ok"] is True
    assert response["status"] == 200
    assert [g["gateway_id"] for g in response["data"]["items"]] == [created["data"]["gateway_id"]]
    assert response["data"]["next_token"] is None


def test_read_echoes_its_optional_request_id(registry: Registry) -> None:
    response = registry.invoke(
        event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}, request_id="read-0123456789")
    )

    assert_error(response, 404, "NotFound")
    assert response["request_id"] == "read-0123456789"


# ---------------------------------------------------------------- faults of ours


def test_unexpected_exception_is_internal_error_without_details(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("CANARY-INTERNAL")

    monkeypatch.setattr(gateway_flow, "get_gateway", boom)
    response = registry.invoke(
        event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}, request_id="req-internal-0001")
    )

    assert_error(response, 500, "InternalError")
    assert response["request_id"] == "req-internal-0001"
    assert response["action"] == "get_gateway"
    text = json.dumps(response)
    assert "CANARY-INTERNAL" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert "req-internal-0001" in response["error"]["message"]
    assert response["error"]["details"] == []


@pytest.fixture
def fresh_app(env: dict[str, str]) -> Iterator[None]:
    """`app.handler` with its runtime rebuilt from this test's environment."""
    app.reset_runtime()
    yield
    app.reset_runtime()


def test_handler_with_environment_answers_normally(fresh_app: None) -> None:
    response = app.handler(event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}), None)

    assert_error(response, 404, "NotFound")


def test_missing_table_variable_is_configuration_error_naming_it(
    fresh_app: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAYS_TABLE_NAME")

    response = app.handler(event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}), None)

    assert_error(response, 500, "ConfigurationError")
    assert "GATEWAYS_TABLE_NAME" in response["error"]["message"]
    assert [d["field"] for d in response["error"]["details"]] == ["GATEWAYS_TABLE_NAME"]
    assert "Traceback" not in json.dumps(response)


def test_missing_variable_is_reported_on_every_invoke_until_fixed(
    fresh_app: None, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAYS_TABLE_NAME")
    evt = event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY})

    first = app.handler(evt, None)
    second = app.handler(evt, None)
    monkeypatch.setenv("GATEWAYS_TABLE_NAME", env["GATEWAYS_TABLE_NAME"])
    fixed = app.handler(evt, None)

    assert first["error"]["code"] == "ConfigurationError"
    assert second["error"]["code"] == "ConfigurationError"
    assert_error(fixed, 404, "NotFound")


def test_missing_variable_on_a_mutation_is_configuration_error(
    fresh_app: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAYS_TABLE_NAME")
    evt = event("create_gateway", {"name": "payments-tools"})

    response = app.handler(evt, None)

    assert_error(response, 500, "ConfigurationError")
    assert response["request_id"] == evt["request_id"]
    assert "GATEWAYS_TABLE_NAME" in response["error"]["message"]


@pytest.mark.parametrize(
    "role_arn",
    [
        "not-an-arn",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::1234:role/short-account",
        "arn:aws:s3:::a-bucket",
        "",
    ],
    ids=["not-an-arn", "user-arn", "short-account", "s3-arn", "empty"],
)
def test_role_arn_that_is_not_an_iam_role_is_configuration_error_naming_it(
    fresh_app: None, monkeypatch: pytest.MonkeyPatch, role_arn: str
) -> None:
    monkeypatch.setenv("GATEWAY_ROLE_ARN", role_arn)

    response = app.handler(event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}), None)

    assert_error(response, 500, "ConfigurationError")
    assert "GATEWAY_ROLE_ARN" in response["error"]["message"]
    assert [d["field"] for d in response["error"]["details"]] == ["GATEWAY_ROLE_ARN"]


# ---------------------------------------------------------------- structured logs


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def log_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[[], list[dict[str, Any]]]:
    """The JSON lines the registry logged on stdout since the last call.

    The logger's handler keeps the stdout it found at import (pytest's global
    capture); for this test it writes to whatever `sys.stdout` is when it
    writes, which is capsys' during the test.
    """
    assert logger.handlers
    for handler in logger.handlers:
        monkeypatch.setattr(handler, "stream", _CurrentStdout())
    capsys.readouterr()

    def read() -> list[dict[str, Any]]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    return read


def test_read_logs_json_lines_carrying_the_action(
    registry: Registry, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    registry.invoke(event("get_gateway", {"gateway_id": UNKNOWN_GATEWAY}))

    lines = log_lines()
    assert len(lines) >= 2
    assert all(line["action"] == "get_gateway" for line in lines)
    [response] = [line for line in lines if line.get("step") == "response"]
    assert response["outcome"] == "NotFound"
    assert response["status"] == 404


def test_mutation_logs_carry_action_and_request_id_but_not_rejected_input(
    registry: Registry, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    evt = event("create_gateway", {"name": "payments-tools", "description": CANARY * 12})
    registry.invoke(evt)

    lines = log_lines()
    assert lines
    assert all(line["action"] == "create_gateway" for line in lines)
    assert all(line["request_id"] == evt["request_id"] for line in lines)
    assert CANARY not in json.dumps(lines)


def test_successful_create_logs_each_step_with_outcome_and_request_id(
    registry: Registry, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    evt = event("create_gateway", {"name": "payments-tools"})
    response = registry.invoke(evt)

    assert response["status"] == 201
    lines = log_lines()
    steps = [line["step"] for line in lines if "step" in line]
    expected = ["create-started", "CreateGateway", "create-succeeded"]
    assert [s for s in steps if s in expected] == expected
    for line in lines:
        if line.get("step") in expected:
            assert line["outcome"] == "ok"
            assert line["request_id"] == evt["request_id"]
            assert line["action"] == "create_gateway"


def test_log_keys_of_one_invoke_do_not_leak_into_the_next(
    registry: Registry, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    log_lines()

    registry.invoke({"action": "list_gateways"})

    lines = log_lines()
    assert lines
    assert all(line["action"] == "list_gateways" for line in lines)
    assert all("request_id" not in line for line in lines)
