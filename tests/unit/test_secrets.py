"""Secrets (issue 5, point 6): an API key and an OAuth client secret, sent as
canaries through create, update (a new secret), failure and delete, with
every logger at DEBUG, are found in the credential provider while the tool
lives and nowhere else, ever.

Where the tests look, after every step:

- DynamoDB: every item of both tables, as the raw attribute-value JSON
  (records, audit trails, name claims, the request ledger);
- S3: every object of the spec bucket, keys and bodies;
- AgentCore: every gateway and target as the emulator holds them (the
  credential providers are where the secret belongs and are checked apart);
- every response envelope (data and error: message and details);
- logs: every record any logger emitted, to a handler on the root logger
  (message, args and extra fields), the JSON lines the Powertools handler
  wrote (pointed at a StringIO), and the test's stdout and stderr (capsys);
  with pytest's logging plugin enabled, caplog's records too.

Each canary is searched as written, base64-encoded and as its unsalted
sha256 (the ledger's fingerprint may count a secret only salted).

botocore at DEBUG logs every request's parameters, the secret included
(`botocore.endpoint`: "Making request for OperationModel(name=
CreateApiKeyCredentialProvider) with params: {... 'apiKey': ...}"). The
Lambda logs at INFO by default, where botocore says nothing of the kind
(`test_at_the_lambdas_default_levels_no_log_holds_a_secret`), but the issue
asks for DEBUG everywhere: services/redaction.py replaces the request's
secrets in every log record, and `test_debug_logs_of_every_logger_hold_no_secret`
checks every logger, botocore's wire log included.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends

from registry_local import agentcore_rules
from services.logging import logger
from services.tools.tool_flow import tool_id_for
from tests.support import Registry, event

API_KEY = "CANARY-APIKEY-ONE-5e0c1f7a"
API_KEY_NEW = "CANARY-APIKEY-TWO-b2d94c61"
CLIENT_SECRET = "CANARY-CLIENTSECRET-ONE-71aa30e2"
CLIENT_SECRET_NEW = "CANARY-CLIENTSECRET-TWO-0c5f9b8d"
CANARIES = (API_KEY, API_KEY_NEW, CLIENT_SECRET, CLIENT_SECRET_NEW)

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}}}
    },
}
DISCOVERY = "https://idp.example.com/.well-known/openid-configuration"

# Loggers that are not the function: the emulator standing in for AWS (it
# receives the secret as AWS would) and the test harness.
NOT_THE_FUNCTION = ("moto", "werkzeug", "registry_local", "filelock")
DEBUG_LOGGERS = ("", "botocore", "boto3", "urllib3", "s3transfer", logger.service)


def spec(version: str = "1.0.0") -> dict[str, Any]:
    document = copy.deepcopy(SPEC)
    document["info"]["version"] = version
    return {"type": "inline", "spec": document}


def api_key(secret: str) -> dict[str, Any]:
    return {"type": "api_key", "api_key": secret, "parameter_name": "X-API-Key"}


def oauth2(secret: str) -> dict[str, Any]:
    return {
        "type": "oauth2",
        "client_id": "agent-client",
        "client_secret": secret,
        "discovery_url": DISCOVERY,
        "scopes": ["pets.read"],
    }


def forms(secret: str) -> tuple[str, ...]:
    """How a secret could show up: as written, base64, its unsalted sha256."""
    raw = secret.encode()
    return (
        secret,
        base64.b64encode(raw).decode().rstrip("="),
        hashlib.sha256(raw).hexdigest(),
    )


# --- capturing every log line ---------------------------------------------------


class Recorder(logging.Handler):
    """Keeps every record that reaches the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def render(record: logging.LogRecord) -> str:
    """Everything a record carries: message, args and extra fields."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = f"{record.msg!r} % {record.args!r}"
    extras = {k: v for k, v in record.__dict__.items() if k not in ("msg", "args", "message")}
    return "\n".join((message, repr(record.msg), repr(record.args), repr(extras)))


@dataclass
class Logs:
    recorder: Recorder
    powertools: io.StringIO
    capsys: pytest.CaptureFixture[str]
    caplog: pytest.LogCaptureFixture | None
    output: list[str] = field(default_factory=list)

    def records(self) -> list[logging.LogRecord]:
        seen = list(self.recorder.records)
        if self.caplog is not None:
            seen.extend(r for r in self.caplog.records if r not in seen)
        return seen

    def by_logger(self) -> dict[str, str]:
        """Logger name -> everything it logged; "<stdout>", "<stderr>" and
        "<powertools>" for the streams."""
        out, err = self.capsys.readouterr()
        self.output.extend((out, err))
        found: dict[str, list[str]] = {}
        for record in self.records():
            found.setdefault(record.name, []).append(render(record))
        texts = {name: "\n".join(parts) for name, parts in found.items()}
        texts["<stdout>"] = "\n".join(self.output[0::2])
        texts["<stderr>"] = "\n".join(self.output[1::2])
        texts["<powertools>"] = self.powertools.getvalue()
        return texts


def configure(levels: dict[str, int]) -> dict[str, int]:
    """Set logger levels; returns the previous ones."""
    previous = {}
    for name, level in levels.items():
        target = logging.getLogger(name)
        previous[name] = target.level
        target.setLevel(level)
    return previous


@pytest.fixture
def logs(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Logs]:
    """Every logger at DEBUG, captured three ways."""
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    stream = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    monkeypatch.setattr(handler, "stream", stream)
    recorder = Recorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    previous = configure(dict.fromkeys(DEBUG_LOGGERS, logging.DEBUG))
    caplog = None
    if request.config.pluginmanager.has_plugin("logging"):
        caplog = request.getfixturevalue("caplog")
        for name in DEBUG_LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
    assert logging.getLogger("botocore").isEnabledFor(logging.DEBUG)
    assert logging.getLogger(logger.service).isEnabledFor(logging.DEBUG)
    try:
        yield Logs(recorder, stream, capsys, caplog)
    finally:
        root.removeHandler(recorder)
        configure(previous)


# --- where a secret may and may not be --------------------------------------------


def _backend() -> Any:
    return bedrockagentcorecontrol_backends["123456789012"]["us-east-1"]


def provider_secrets() -> dict[str, str]:
    """Credential provider name -> the secret it holds."""
    return {
        name: secret for (_, name), secret in agentcore_rules.stored_secrets(_backend()).items()
    }


def stores(registry: Registry) -> dict[str, str]:
    """Where secrets must never be, as text: DynamoDB, S3, AgentCore."""
    places: dict[str, str] = {}
    client = registry.runtime.dynamodb
    for table in (registry.settings.gateways_table_name, registry.settings.tools_table_name):
        items = client.scan(TableName=table, ConsistentRead=True)["Items"]
        places[f"dynamodb:{table}"] = json.dumps(items, default=str)
    s3 = registry.runtime.s3
    bucket = registry.settings.spec_bucket_name
    for listed in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
        places[f"s3:{listed['Key']}"] = listed["Key"] + "\n" + body.decode("utf-8", "replace")
    backend = _backend()
    places["agentcore:gateways"] = json.dumps(
        [g.to_dict() for g in backend.gateways.values()], default=str
    )
    places["agentcore:targets"] = json.dumps(
        [t.to_dict() for t in backend.gateway_targets.values()], default=str
    )
    return places


def leaks(texts: dict[str, str], secrets: tuple[str, ...] = CANARIES) -> dict[str, list[str]]:
    """Place -> the canaries (in any of their forms) found there."""
    found: dict[str, list[str]] = {}
    for place, text in texts.items():
        hits = [s for s in secrets if any(form in text for form in forms(s))]
        if hits:
            found[place] = hits
    return found


@dataclass
class Run:
    """Drives the handler and keeps every answer it gave."""

    registry: Registry
    responses: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, evt: dict[str, Any]) -> dict[str, Any]:
        response = self.registry.invoke(evt)
        self.responses.append(response)
        return response

    def gateway(self) -> dict[str, Any]:
        response = self.invoke(event("create_gateway", {"name": "payments-tools"}))
        assert response["status"] == 201, response
        return dict(response["data"])

    def create_tool(
        self, gateway: dict[str, Any], credentials: dict[str, Any], name: str = "pets"
    ) -> dict[str, Any]:
        return self.invoke(
            event(
                "create_tool",
                {
                    "gateway_id": gateway["gateway_id"],
                    "name": name,
                    "source": spec(),
                    "credentials": credentials,
                },
            )
        )

    def answered(self) -> dict[str, str]:
        return {
            f"response:{i}:{r.get('action')}": json.dumps(r) for i, r in enumerate(self.responses)
        }


def function_logs(texts: dict[str, str]) -> dict[str, str]:
    return {
        name: text
        for name, text in texts.items()
        if not name.startswith(NOT_THE_FUNCTION) and not name.startswith("botocore")
    }


def assert_nowhere_but_the_provider(run: Run, logs: Logs) -> None:
    """No canary in storage, answers or the function's own logs."""
    places = {**stores(run.registry), **run.answered(), **function_logs(logs.by_logger())}
    assert leaks(places) == {}


# --- the flows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "first", "second"),
    [
        pytest.param(api_key, API_KEY, API_KEY_NEW, id="api_key"),
        pytest.param(oauth2, CLIENT_SECRET, CLIENT_SECRET_NEW, id="oauth2"),
    ],
)
def test_a_secret_lives_in_its_provider_only_through_create_update_and_delete(
    registry: Registry, logs: Logs, make: Any, first: str, second: str
) -> None:
    run = Run(registry)
    gateway = run.gateway()

    created = run.create_tool(gateway, make(first))
    assert created["status"] == 201, created
    tool = created["data"]
    name = f"registry-{tool['tool_id']}"
    assert provider_secrets() == {name: first}
    assert tool["credentials"]["provider_name"] == name
    assert_nowhere_but_the_provider(run, logs)

    updated = run.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "credentials": make(second), "description": "rotated"},
        )
    )
    assert updated["status"] == 200, updated
    assert provider_secrets() == {name: second}
    assert_nowhere_but_the_provider(run, logs)

    deleted = run.invoke(
        event("delete_tool", {"tool_id": tool["tool_id"], "gateway_id": gateway["gateway_id"]})
    )
    assert deleted["status"] == 200, deleted
    assert provider_secrets() == {}
    assert_nowhere_but_the_provider(run, logs)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ValidationException", 400), ("AccessDeniedException", 403), ("ThrottlingException", 429)],
)
def test_a_target_refused_after_the_provider_was_made_takes_the_secret_with_it(
    registry: Registry, logs: Logs, code: str, status: int
) -> None:
    run = Run(registry)
    gateway = run.gateway()
    registry.fail("bedrock-agentcore-control.CreateGatewayTarget", code, status, times=1)

    response = run.create_tool(gateway, api_key(API_KEY))

    assert response["status"] in (502, 503), response
    assert response["error"]["details"][0]["code"] == code
    record = registry.runtime.dynamodb.get_item(
        TableName=registry.settings.tools_table_name,
        Key={
            "tool_id": {"S": tool_id_for(response["request_id"])},
            "gateway_id": {"S": gateway["gateway_id"]},
        },
    )["Item"]
    assert record["status"] == {"S": "FAILED"}
    assert provider_secrets() == {}
    assert_nowhere_but_the_provider(run, logs)


def test_a_provider_that_cannot_be_removed_keeps_the_secret_and_says_so(
    registry: Registry, logs: Logs
) -> None:
    """The failed create's cleanup is refused too: the provider (and the
    secret in it) stays, the record names it for reconcile, and the secret
    is still nowhere else."""
    run = Run(registry)
    gateway = run.gateway()
    registry.fail("bedrock-agentcore-control.CreateGatewayTarget", "ValidationException", 400)
    registry.fail(
        "bedrock-agentcore-control.DeleteApiKeyCredentialProvider", "AccessDeniedException", 403
    )

    response = run.create_tool(gateway, api_key(API_KEY))

    assert response["status"] == 502, response
    [secret] = provider_secrets().values()
    assert secret == API_KEY
    tools = stores(registry)[f"dynamodb:{registry.settings.tools_table_name}"]
    assert "could not remove: credential provider" in tools
    assert_nowhere_but_the_provider(run, logs)


def test_cascade_delete_of_the_gateway_removes_every_secret(registry: Registry, logs: Logs) -> None:
    run = Run(registry)
    gateway = run.gateway()
    assert run.create_tool(gateway, api_key(API_KEY), name="pets")["status"] == 201
    assert run.create_tool(gateway, oauth2(CLIENT_SECRET), name="owners")["status"] == 201
    assert sorted(provider_secrets().values()) == sorted([API_KEY, CLIENT_SECRET])

    response = run.invoke(
        event("delete_gateway", {"gateway_id": gateway["gateway_id"], "cascade": True})
    )

    assert response["status"] == 200, response
    assert provider_secrets() == {}
    assert_nowhere_but_the_provider(run, logs)


def _refusals(gateway_id: str) -> list[dict[str, Any]]:
    """Requests the dispatcher or the flow refuses, each carrying a canary."""
    base = {"gateway_id": gateway_id, "name": "pets", "source": spec()}
    return [
        # a wrong value beside the secret
        {**base, "credentials": {**api_key(API_KEY), "location": "BODY"}},
        # the secret itself too long
        {**base, "credentials": api_key(API_KEY * 3000)},
        # the secret of the wrong type
        {**base, "credentials": {"type": "api_key", "api_key": [API_KEY]}},
        # a field the model does not know, holding the secret
        {**base, "credentials": {**api_key(API_KEY), "api_secret": API_KEY}},
        # oauth2 without its endpoints
        {**base, "credentials": {**oauth2(CLIENT_SECRET), "discovery_url": None}},
        # a secret where a name goes
        {**base, "name": API_KEY + "!", "credentials": api_key(API_KEY)},
        # a secret in a field of another type
        {**base, "metadata": API_KEY, "credentials": api_key(API_KEY)},
        # an unknown gateway: the flow refuses after validation
        {**base, "gateway_id": "gw-" + "0" * 20, "credentials": api_key(API_KEY)},
    ]


def test_refused_requests_never_echo_the_secret(registry: Registry, logs: Logs) -> None:
    run = Run(registry)
    gateway = run.gateway()
    for data in _refusals(gateway["gateway_id"]):
        response = run.invoke(event("create_tool", data))
        assert not response["ok"], response
        assert response["status"] in (404, 422), response
    tool = run.create_tool(gateway, api_key(API_KEY))["data"]
    wrong_type = run.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "credentials": {"api_key": API_KEY_NEW}})
    )
    assert wrong_type["status"] == 422, wrong_type
    # The same request id with another secret: IdempotencyConflict, and
    # neither secret in the answer.
    evt = event("update_tool", {"tool_id": tool["tool_id"], "credentials": api_key(API_KEY_NEW)})
    assert run.invoke(evt)["status"] == 200
    evt["data"]["credentials"] = api_key(API_KEY)
    conflict = run.invoke(evt)
    assert conflict["error"]["code"] == "IdempotencyConflict", conflict
    assert provider_secrets() == {f"registry-{tool['tool_id']}": API_KEY_NEW}
    assert_nowhere_but_the_provider(run, logs)


# --- every logger at DEBUG -----------------------------------------------------------


def _everything(run: Run) -> Run:
    """Create, update, fail and delete with both kinds of secret."""
    gateway = run.gateway()
    one = run.create_tool(gateway, api_key(API_KEY), name="pets")["data"]
    two = run.create_tool(gateway, oauth2(CLIENT_SECRET), name="owners")["data"]
    for tool, new in ((one, api_key(API_KEY_NEW)), (two, oauth2(CLIENT_SECRET_NEW))):
        response = run.invoke(
            event("update_tool", {"tool_id": tool["tool_id"], "credentials": new})
        )
        assert response["status"] == 200, response
    run.registry.fail(
        "bedrock-agentcore-control.CreateGatewayTarget", "ValidationException", 400, times=1
    )
    assert run.create_tool(gateway, api_key(API_KEY), name="failing")["status"] == 502
    for tool in (one, two):
        response = run.invoke(
            event("delete_tool", {"tool_id": tool["tool_id"], "gateway_id": gateway["gateway_id"]})
        )
        assert response["status"] == 200, response
    assert provider_secrets() == {}
    return run


def test_only_botocores_wire_log_holds_secrets(registry: Registry, logs: Logs) -> None:
    """Every logger at DEBUG: no secret in storage, answers, stdout, stderr,
    the Powertools lines or any logger of the function outside botocore."""
    run = _everything(Run(registry))
    texts = logs.by_logger()
    assert leaks({**stores(registry), **run.answered(), **function_logs(texts)}) == {}
    # Not vacuous: botocore's DEBUG lines and the Powertools JSON lines were seen.
    assert any(t for name, t in texts.items() if name.startswith("botocore")), "no botocore log"
    assert '"step":"create-succeeded"' in texts["<powertools>"].replace(" ", "")


def test_debug_logs_of_every_logger_hold_no_secret(registry: Registry, logs: Logs) -> None:
    _everything(Run(registry))
    texts = {
        name: text
        for name, text in logs.by_logger().items()
        if not name.startswith(NOT_THE_FUNCTION)
    }
    assert leaks(texts) == {}


def test_at_the_lambdas_default_levels_no_log_holds_a_secret(
    registry: Registry, logs: Logs
) -> None:
    """The function's own level is INFO (POWERTOOLS_LOG_LEVEL unset), and
    botocore logs nothing below WARNING unless configured: then no log
    line anywhere holds a secret."""
    configure({"": logging.WARNING, "botocore": logging.NOTSET, "boto3": logging.NOTSET})
    configure({"urllib3": logging.NOTSET, logger.service: logging.INFO})
    logs.recorder.setLevel(logging.DEBUG)
    run = _everything(Run(registry))
    texts = {
        name: text
        for name, text in logs.by_logger().items()
        if not name.startswith(NOT_THE_FUNCTION)
    }
    assert leaks({**texts, **stores(registry), **run.answered()}) == {}
    assert '"step":"create-succeeded"' in texts["<powertools>"].replace(" ", "")
