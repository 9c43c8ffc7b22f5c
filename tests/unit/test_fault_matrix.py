"""Fault matrix (issue 5, point 3): every AWS call of every mutating flow,
refused or lost in every way AWS refuses or loses a call.

The table of flows (tests/flows.py, shared with the crash matrix; this
matrix runs its `FAULT_FLOWS`) names each mutating flow and, in order,
every AWS call it sends; `test_the_table_is_every_call_the_flow_makes` runs
each flow without faults and checks the table against the calls botocore
really made, so the matrix cannot go stale. Each case injects one fault on
the *first* call of one operation inside the flow under test (prerequisites
are made before the fault is armed), with botocore event hooks on the
handler's own clients. The columns:

- `throttling`, `server_error`, `access_denied`, `validation`: a
  `before-call` hook answers the AWS error response (as
  `tests.support.error_response` builds it): nothing reaches the service.
- `timeout`: an `after-call` hook raises botocore's ReadTimeoutError *after
  the service applied the call*: the worst case of a read timeout, where
  the request did its work and only the answer was lost.

A connect timeout (ConnectTimeoutError from a `before-call` hook: never
sent) takes the same path as throttling in services/aws_errors.py; it runs
on each flow's main AgentCore call in `test_connect_timeout`. The write
that pauses a flow (the only UpdateItem the flows send) failing too is
`test_pause_write_fails`.

Each case then asserts:

1. the envelope is the contract's error (`503 UpstreamUnavailable` for
   throttling, 5xx and timeouts, `502 UpstreamError` for refusals, with the
   AWS code in `details[0]`), or the documented exception for that call
   (`EXPECTED_INSTEAD`), and holds no traceback;
2. the record under test tells the truth (`_check_subject`): FAILED with
   `last_error {code, step}`; or PENDING/DELETING with `last_error` and no
   lease when the call may have been applied; or its previous values for a
   refused update or delete; or untouched when the fault struck before the
   first write;
3. the whole world is consistent (`world_problems`): every ACTIVE record
   matches what AgentCore serves, every AgentCore gateway and target, every
   credential provider and every spec object in S3 belongs to a record that
   is not FAILED or DELETED (or is named in a FAILED record's "could not
   remove" note), name claims match live records, and no record keeps a
   lease once its request has answered (unless the fault hit the very write
   that would have released it);
4. the same request sent again once the fault is gone (and any lease of
   its own has expired) either replays the same outcome or finishes the
   work, and the world is still consistent.

Where AgentCore took the change before the fault (`AFTER_AGENTCORE_TOOK_IT`,
and a read timeout on the change call itself, `MAY_HAVE_TAKEN_IT`), the
flow pauses: the record keeps its state and says what failed, and phase 4
finishes it. A cleanup that fails after the answer (`LEFT_FOR_RECONCILE`)
leaves exactly one leftover, which `reconcile` removes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from moto import mock_aws
from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends
from moto.dynamodb.models import dynamodb_backends

from registry_local import agentcore_rules
from registry_local.bootstrap import bootstrap
from services.gateway.gateway_flow import gateway_id_for
from services.records import dynamo
from services.runtime import Runtime
from services.s3.s3_service import spec_key
from services.tools.tool_flow import tool_id_for
from tests import fake_web
from tests.conftest import settings_for
from tests.flows import AGENTCORE, APIGW, DDB, FAULT_FLOWS, S3, Ctx, Flow
from tests.support import (
    ADMIN,
    FakeClock,
    Registry,
    described,
    described_by,
    error_response,
    event,
    make_runtime,
    new_session,
    served_uri,
    serves_record,
    use_dummy_aws_env,
)

# --- one emulated AWS for the module, wiped between cases ----------------------

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(autouse=True)
def _spec_urls() -> Iterator[None]:
    """The spec URLs a flow serves from memory (refresh_tool's; tests/fake_web.py)."""
    with fake_web.serving():
        yield


@pytest.fixture(scope="module")
def arena() -> Iterator[tuple[dict[str, str], Runtime]]:
    """One in-process moto with the tables, bucket and role, and one
    runtime (its clients are the expensive part): the matrix has hundreds
    of cases and each gets a wiped copy of this world instead of a new one."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        use_dummy_aws_env(patch)
        env = bootstrap(None, prefix="faults", session=new_session())
        yield env, make_runtime(settings_for(env), FakeClock())


def wipe(runtime: Runtime) -> None:
    """Forget every item, spec object, gateway, target and provider."""
    tables = dynamodb_backends[ACCOUNT][REGION].tables
    for name in (runtime.settings.gateways_table_name, runtime.settings.tools_table_name):
        tables[name].items.clear()
    bucket = runtime.settings.spec_bucket_name
    listed = runtime.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    if listed:
        runtime.s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": o["Key"]} for o in listed]}
        )
    backend = _backend()
    backend.gateways.clear()
    backend.gateway_targets.clear()
    for state in (
        "_emulator_client_tokens",
        "_emulator_credential_providers",
        "_emulator_target_tokens",
    ):
        backend.__dict__.pop(state, None)


@pytest.fixture
def registry(
    arena: tuple[dict[str, str], Runtime], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Registry]:
    """This module's `registry`: the shared runtime on a wiped world, with
    a fresh clock. Every hook a case armed is removed after it."""
    env, runtime = arena
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    wipe(runtime)
    clock = FakeClock()
    runtime.clock, runtime.sleep = clock, clock.sleep
    registry = Registry(runtime=runtime, clock=clock)
    yield registry
    registry.clear_hooks()


# --- the faults --------------------------------------------------------------

# AWS error code and HTTP status of each refusal, per service (each service
# spells them its own way).
ERROR_FAULTS: dict[str, dict[str, tuple[str, int]]] = {
    "throttling": {
        APIGW: ("TooManyRequestsException", 429),
        AGENTCORE: ("ThrottlingException", 429),
        DDB: ("ProvisionedThroughputExceededException", 400),
        S3: ("SlowDown", 503),
    },
    "server_error": {
        APIGW: ("ServiceUnavailableException", 503),
        AGENTCORE: ("InternalServerException", 500),
        DDB: ("InternalServerError", 500),
        S3: ("InternalError", 500),
    },
    "access_denied": {
        APIGW: ("AccessDeniedException", 403),
        AGENTCORE: ("AccessDeniedException", 403),
        DDB: ("AccessDeniedException", 400),
        S3: ("AccessDenied", 403),
    },
    "validation": {
        APIGW: ("BadRequestException", 400),
        AGENTCORE: ("ValidationException", 400),
        DDB: ("ValidationException", 400),
        S3: ("InvalidArgument", 400),
    },
}
# The matrix's columns. `timeout` is a read timeout after the service
# applied the call (the case a flow must not get wrong); a connect timeout
# (never sent) takes the same path as throttling in services/aws_errors.py
# and has its own, smaller test below.
FAULTS = (*ERROR_FAULTS, "timeout")
UNAVAILABLE = ("throttling", "server_error", "timeout", "connect_timeout")


def fault_code(service: str, fault: str) -> str:
    if fault == "connect_timeout":
        return "ConnectTimeoutError"
    if fault == "timeout":
        return "ReadTimeoutError"
    return ERROR_FAULTS[fault][service][0]


def inject(registry: Registry, operation: str, fault: str) -> list[str]:
    """Arm `fault` on the first call of `service.Operation`; returns a list
    that records the call once the fault fired."""
    service = operation.split(".", 1)[0]
    fired: list[str] = []
    endpoint = f"https://{service}.us-east-1.amazonaws.com"

    if fault in ERROR_FAULTS:
        code, status = ERROR_FAULTS[fault][service]

        def refuse(**_: Any) -> Any:
            if fired:
                return None
            fired.append(operation)
            return error_response(code, status)

        registry.on(f"before-call.{operation}", refuse)
    elif fault == "connect_timeout":

        def never_connects(**_: Any) -> None:
            if not fired:
                fired.append(operation)
                raise ConnectTimeoutError(endpoint_url=endpoint)

        registry.on(f"before-call.{operation}", never_connects)
    else:

        def answer_lost(**_: Any) -> None:
            if not fired:
                fired.append(operation)
                raise ReadTimeoutError(endpoint_url=endpoint)

        registry.on(f"after-call.{operation}", answer_lost)
    return fired


# --- the flows -----------------------------------------------------------------

# The flows are tests/flows.py's `FAULT_FLOWS`: for each, every operation it
# sends in the order of its first call (`Flow.operations`), and how many of
# them come before its first write of its record (`Flow.untouched`): a fault
# there leaves the record untouched. The next one, a TransactWriteItems, is
# that first write (except in a cascade, whose first writes are the tools').

# The record's `last_error.step` for a failed operation, where the flow names
# it otherwise than AWS does.
STEP_NAMES = {
    "CreateApiKeyCredentialProvider": "CreateCredentialProvider",
    "UpdateApiKeyCredentialProvider": "UpdateCredentialProvider",
    "DeleteApiKeyCredentialProvider": "DeleteCredentialProvider",
    # The Smithy flows' OAuth2 provider (the only OAuth2 faults the matrix runs).
    "CreateOauth2CredentialProvider": "CreateCredentialProvider",
    "DeleteOauth2CredentialProvider": "DeleteCredentialProvider",
}


# The update flow's step for the provider is "UpdateCredentialProvider",
# whichever of create-or-update fails.
STEP_IN_FLOW = {("update", "CreateApiKeyCredentialProvider"): "UpdateCredentialProvider"}


@dataclass(frozen=True)
class Expected:
    status: int
    code: str | None  # the envelope's error code (None: a success)
    aws_code: str | None = None  # details[0].code / last_error.code, if not the injected one
    step: str | None = None  # last_error.step, if not the failed operation's
    why: str = ""


# Where the contract's 503/502 is not the answer, and why that is right.
EXPECTED_INSTEAD: dict[tuple[str, str, str], Expected] = {}
# Removing the replaced spec object is cleanup after the update succeeded:
# its failure does not undo the update, which answers 200.
for _fault in FAULTS:
    for _flow in ("update_tool_lambda", "update_tool_smithy"):
        EXPECTED_INSTEAD[(_flow, f"{S3}.DeleteObject", _fault)] = Expected(
            200, None, why="cleanup of the replaced spec after a successful update"
        )

# Cleanup that failed after the flow's answer: what it left, and reconcile
# (its leftover sweep) removes it. The world is checked before and after.
LEFT_FOR_RECONCILE: dict[tuple[str, str], str] = {
    ("update_tool_lambda", f"{S3}.DeleteObject"): "is not the spec of ACTIVE tool",
    ("update_tool_smithy", f"{S3}.DeleteObject"): "is not the spec of ACTIVE tool",
}


def expected(flow: str, operation: str, fault: str) -> Expected:
    if (flow, operation, fault) in EXPECTED_INSTEAD:
        return EXPECTED_INSTEAD[(flow, operation, fault)]
    if fault in UNAVAILABLE:
        return Expected(503, "UpstreamUnavailable")
    return Expected(502, "UpstreamError")


# Marked slow: py312 runs every case; py311 and py313 skip them (the flows'
# error handling is the same code on every version, and the five faults on
# every call of 19 flows cost a minute an interpreter, which the default
# run's 20-minute budget needs). The call-list, pause and connect-timeout
# checks below run everywhere.
CASES = [
    pytest.param(
        name,
        operation,
        fault,
        id=f"{name}-{operation.split('.')[1]}-{fault}",
        marks=pytest.mark.slow,
    )
    for name, flow in FAULT_FLOWS.items()
    for operation in flow.operations
    for fault in FAULTS
]


# --- what the world looks like -------------------------------------------------


def _backend() -> Any:
    return bedrockagentcorecontrol_backends[ACCOUNT][REGION]


def scan(registry: Registry, table: str) -> list[dict[str, Any]]:
    """Every item of `table`, straight from the emulator (as `world` reads
    AgentCore): what a consistent Scan answers, without moto serializing
    every record and its audit trail through the API, twice a case (a
    quarter of the matrix's time). The flows' own reads and writes still go
    through the API."""
    stored = dynamodb_backends[ACCOUNT][REGION].tables[table]
    return [dynamo.deserialize(item.to_json()["Attributes"]) for item in stored.all_items()]


@dataclass
class World:
    gateways: dict[str, dict[str, Any]]  # record id -> record
    gateway_claims: dict[str, str]  # name -> claimed_by
    tools: dict[str, dict[str, Any]]  # tool id -> record
    tool_claims: dict[tuple[str, str], str]  # (gateway id, name) -> claimed_by
    agentcore: dict[str, dict[str, Any]]  # AgentCore gateway id -> GetGateway
    targets: dict[
        tuple[str, str], dict[str, Any]
    ]  # (AgentCore gateway, target) -> GetGatewayTarget
    providers: dict[str, str]  # provider name -> secret
    objects: set[str]  # spec bucket keys

    def records(self) -> list[dict[str, Any]]:
        return [*self.gateways.values(), *self.tools.values()]


def world(registry: Registry) -> World:
    """S3 through its API; DynamoDB, AgentCore and its credential providers
    straight from the emulator (what a consistent Scan, GetGateway,
    GetGatewayTarget and ListTagsForResource would answer, without a call
    each)."""
    settings = registry.settings
    gateways, gateway_claims, tools, tool_claims = {}, {}, {}, {}
    for item in scan(registry, settings.gateways_table_name):
        key = str(item["gateway_id"])
        if item.get("record_type") == "gateway":
            gateways[key] = item
        elif key.startswith("name#"):
            gateway_claims[key.removeprefix("name#")] = str(item["claimed_by"])
    for item in scan(registry, settings.tools_table_name):
        key = str(item["tool_id"])
        if item.get("record_type") == "tool":
            tools[key] = item
        elif key.startswith("name#"):
            _, gateway_id, name = key.split("#", 2)
            tool_claims[(gateway_id, name)] = str(item["claimed_by"])
    backend = _backend()
    agentcore = {
        gid: {**g.to_dict(), "tags": backend.list_tags_for_resource(g.gateway_arn)}
        for gid, g in backend.gateways.items()
    }
    targets = {key: t.to_dict() for key, t in backend.gateway_targets.items()}
    providers = {
        name: secret for (_, name), secret in agentcore_rules.stored_secrets(backend).items()
    }
    listed = registry.runtime.s3.list_objects_v2(Bucket=settings.spec_bucket_name)
    objects = {o["Key"] for o in listed.get("Contents", [])}
    return World(
        gateways, gateway_claims, tools, tool_claims, agentcore, targets, providers, objects
    )


LIVE = ("PENDING", "ACTIVE", "DELETING")


def _could_not_remove(record: dict[str, Any], what: str) -> bool:
    message = str((record.get("last_error") or {}).get("message", ""))
    return "could not remove" in message and what in message


def _either(record: dict[str, Any], attr: str, empty: Any = None) -> list[Any]:
    """What AgentCore may serve for `attr`: the record's value, or the value
    of a paused update (`pending`) that AgentCore may have taken."""
    values = [record.get(attr) or empty]
    if attr in (record.get("pending") or {}):
        values.append(record["pending"][attr] or empty)
        if attr == "tags":  # tagged, not yet untagged: the union
            values.append({**(record.get(attr) or {}), **(record["pending"][attr] or {})})
    return values


def _pending_key(record: dict[str, Any]) -> str | None:
    """The spec object a paused tool update wrote (its target may read it)."""
    spec = (record.get("pending") or {}).get(described_by(record))
    if not spec:
        return None
    return spec_key(str(record["gateway_id"]), str(record["tool_id"]), str(spec["sha256"]))


def world_problems(w: World, *, lease_allowed: bool = False) -> list[str]:  # noqa: PLR0912
    """Every way DynamoDB, AgentCore, AgentCore Identity and S3 disagree."""
    problems: list[str] = []
    by_agentcore = {
        str((r.get("agentcore") or {}).get("gateway_id")): r
        for r in w.gateways.values()
        if (r.get("agentcore") or {}).get("gateway_id")
    }
    # Gateways: records against AgentCore.
    for gid, record in w.gateways.items():
        status = record["status"]
        ac_id = (record.get("agentcore") or {}).get("gateway_id")
        remote = w.agentcore.get(str(ac_id)) if ac_id else None
        if status == "ACTIVE":
            if remote is None:
                problems.append(f"gateway {gid} is ACTIVE but AgentCore has no gateway {ac_id}")
            else:
                if remote.get("status") != "READY":
                    problems.append(f"gateway {gid} is ACTIVE, AgentCore says {remote['status']}")
                if (remote.get("description") or None) not in _either(record, "description"):
                    problems.append(
                        f"gateway {gid} says description {record.get('description')!r}, "
                        f"AgentCore serves {remote.get('description')!r}"
                    )
                if remote.get("authorizerType") not in _either(record, "authorizer_type"):
                    problems.append(f"gateway {gid}: authorizer type differs from AgentCore")
                if dict(remote.get("tags") or {}) not in _either(record, "tags", {}):
                    problems.append(
                        f"gateway {gid} says tags {record.get('tags')}, "
                        f"AgentCore has {remote.get('tags')}"
                    )
        if status == "DELETED" and remote is not None:
            problems.append(f"gateway {gid} is DELETED but AgentCore still has {ac_id}")
        if status == "FAILED" and remote is not None and not record.get("agentcore"):
            problems.append(f"gateway {gid} is FAILED but AgentCore still has {ac_id}")
        if record.get("lease") and not lease_allowed:
            problems.append(f"gateway {gid} keeps a lease after its request answered")
        claimed = w.gateway_claims.get(str(record["name"])) == gid
        if status in LIVE and not claimed:
            problems.append(f"gateway {gid} is {status} without its name claim")
        if status in ("FAILED", "DELETED") and claimed:
            problems.append(f"gateway {gid} is {status} but still claims its name")
    for name, owner in w.gateway_claims.items():
        if owner not in w.gateways or w.gateways[owner]["status"] not in LIVE:
            problems.append(f"name {name!r} is claimed by {owner}, which is not live")
    # AgentCore gateways: each belongs to a live record (a PENDING one may
    # not know its id yet: it adopts the gateway by name on resume).
    for ac_id, remote in w.agentcore.items():
        record = by_agentcore.get(ac_id)
        pending_by_name = any(
            r["status"] == "PENDING"
            and not (r.get("agentcore") or {}).get("gateway_id")
            and r["name"] == remote["name"]
            for r in w.gateways.values()
        )
        if record is None and not pending_by_name:
            problems.append(f"AgentCore gateway {ac_id} ({remote['name']}) has no record: orphan")
        elif record is not None and record["status"] not in LIVE:
            problems.append(
                f"AgentCore gateway {ac_id} belongs to a {record['status']} record: orphan"
            )
    # Tools: records against targets, providers and spec objects.
    for tid, record in w.tools.items():
        status = record["status"]
        ac = record.get("agentcore") or {}
        target = w.targets.get((str(ac.get("gateway_id")), str(ac.get("target_id"))))
        creds = record.get("credentials") or {}
        provider = creds.get("provider_name")
        key = described(record).get("s3_key")
        if status == "ACTIVE":
            if target is None:
                problems.append(f"tool {tid} is ACTIVE but AgentCore has no target {ac}")
            else:
                uri, says = served_uri(target), described(record).get("s3_uri")
                if uri is None:  # a kind that stores nothing: its configuration
                    if not serves_record(target, record, pending_ok=True):
                        problems.append(f"tool {tid}: the target serves another configuration")
                elif uri != says and uri.split("/", 3)[3] != _pending_key(record):
                    problems.append(f"tool {tid} says spec {says}, the target reads {uri}")
                if (target.get("description") or None) not in _either(record, "description"):
                    problems.append(
                        f"tool {tid} says description {record.get('description')!r}, "
                        f"the target has {target.get('description')!r}"
                    )
                arns = [
                    next(iter(c["credentialProvider"].values())).get("providerArn")
                    for c in target.get("credentialProviderConfigurations", [])
                    if "credentialProvider" in c
                ]
                if creds.get("provider_arn") and arns != [creds["provider_arn"]]:
                    problems.append(f"tool {tid}: the target uses another credential provider")
            if key and key not in w.objects:
                problems.append(f"tool {tid} is ACTIVE but its spec object {key} is gone")
            if provider and provider not in w.providers:
                problems.append(f"tool {tid} is ACTIVE but its credential provider is gone")
        if status == "DELETED" and target is not None:
            problems.append(f"tool {tid} is DELETED but its target still exists")
        if record.get("lease") and not lease_allowed:
            problems.append(f"tool {tid} keeps a lease after its request answered")
        claimed = w.tool_claims.get((record["gateway_id"], record["name"])) == tid
        if status in LIVE and not claimed:
            problems.append(f"tool {tid} is {status} without its name claim")
        if status in ("FAILED", "DELETED") and claimed:
            problems.append(f"tool {tid} is {status} but still claims its name")
    for (gateway_id, name), owner in w.tool_claims.items():
        if owner not in w.tools or w.tools[owner]["status"] not in LIVE:
            problems.append(f"tool name {gateway_id}/{name} is claimed by {owner}, not live")
    by_target = {
        (str((r.get("agentcore") or {}).get("gateway_id")), str(r["agentcore"]["target_id"])): r
        for r in w.tools.values()
        if (r.get("agentcore") or {}).get("target_id")
    }
    for (ac_gateway, target_id), target in w.targets.items():
        record = by_target.get((ac_gateway, target_id))
        uri = served_uri(target)
        if uri is not None and uri.split("/", 3)[3] not in w.objects:
            problems.append(f"target {target_id} reads {uri}, which is not in the bucket")
        pending_by_name = any(
            r["status"] in ("PENDING", "DELETING")
            and not (r.get("agentcore") or {}).get("target_id")
            and r["name"] == target["name"]
            for r in w.tools.values()
        )
        if record is None and not pending_by_name:
            problems.append(f"target {target_id} ({target['name']}) has no record: orphan")
        elif (
            record is not None
            and record["status"] not in LIVE
            and not (record["status"] == "FAILED" and _could_not_remove(record, "target"))
        ):
            problems.append(f"target {target_id} belongs to a {record['status']} tool: orphan")
    for name in w.providers:
        tid = name.removeprefix("registry-")
        record = w.tools.get(tid)
        if record is None:
            problems.append(f"credential provider {name} has no tool: orphan")
        elif record["status"] not in LIVE and not _could_not_remove(record, "credential provider"):
            problems.append(f"credential provider {name} left for a {record['status']} tool")
    for key in w.objects:
        parts = key.split("/")
        if parts[0] != "specs":
            continue
        record = w.tools.get(parts[2]) if len(parts) == 4 else None
        if record is None:
            problems.append(f"spec object {key} has no tool: orphan")
        elif record["status"] == "ACTIVE" and key not in (
            described(record).get("s3_key"),
            _pending_key(record),
            *(v["s3_key"] for v in record.get("spec_versions") or []),
        ):
            problems.append(f"spec object {key} is not the spec of ACTIVE tool {parts[2]}: orphan")
        elif record["status"] in ("FAILED", "DELETED") and not _could_not_remove(
            record, "spec object"
        ):
            problems.append(f"spec object {key} left for a {record['status']} tool")
    return problems


# --- the record under test ------------------------------------------------------


def subject_id(flow: Flow, ctx: Ctx, evt: dict[str, Any]) -> str:
    if flow.kind == "create":
        make_id = gateway_id_for if flow.subject == "gateway" else tool_id_for
        return make_id(str(evt["request_id"]))
    return str((ctx.gateway if flow.subject == "gateway" else ctx.tool)[f"{flow.subject}_id"])


def subject_record(flow: Flow, w: World, ident: str) -> dict[str, Any] | None:
    return (w.gateways if flow.subject == "gateway" else w.tools).get(ident)


def touched_by(record: dict[str, Any], request_id: str) -> bool:
    return any(e.get("request_id") == request_id for e in record.get("audit", []))


_COMPARED = (
    "description",
    "tags",
    "spec",
    "target",
    "tools",
    "credentials",
    "authorizer_type",
    "metadata",
)

# (subject, flow kind, operation) that come after AgentCore took the change:
# any fault there pauses the flow (services/records/lifecycle.py `pause`).
AFTER_AGENTCORE_TOOK_IT = frozenset(
    {
        ("gateway", "create", "GetGateway"),
        ("gateway", "update", "GetGateway"),
        ("gateway", "update", "TagResource"),
        ("gateway", "update", "UntagResource"),
        ("tool", "update", "GetGatewayTarget"),
        ("gateway", "delete", "GetGateway"),
        ("tool", "delete", "GetGatewayTarget"),
        ("tool", "delete", "DeleteApiKeyCredentialProvider"),
        ("tool", "delete", "DeleteOauth2CredentialProvider"),
        ("tool", "delete", "DeleteObject"),
    }
)
# The change call itself: a read timeout means AgentCore may have taken it.
MAY_HAVE_TAKEN_IT = frozenset(
    {
        ("gateway", "update", "UpdateGateway"),
        ("tool", "update", "UpdateGatewayTarget"),
        ("tool", "update", "SynchronizeGatewayTargets"),
    }
)


def _paused(flow: Flow, op_name: str, fault: str) -> bool:
    """AgentCore took the change (or may have): the flow pauses rather than
    guess, for the same request (phase two) or reconcile to finish."""
    step = (flow.subject, flow.kind, op_name)
    return step in AFTER_AGENTCORE_TOOK_IT or (fault == "timeout" and step in MAY_HAVE_TAKEN_IT)


def _check_paused(flow: Flow, record: dict[str, Any], before: dict[str, Any] | None) -> None:
    """A create stays PENDING, an update stays ACTIVE with its pending change
    and its previous values, a delete stays DELETING."""
    status = record["status"]
    assert status == {"create": "PENDING", "update": "ACTIVE", "delete": "DELETING"}[flow.kind], (
        status
    )
    if flow.kind == "update":
        assert record.get("pending"), "a paused update lost its pending change"
        assert before is not None
        for attr in _COMPARED:
            assert record.get(attr) == before.get(attr), f"{attr} changed by a paused update"


_AFTER_CHANGE = {"create": "PENDING", "update": "ACTIVE", "delete": "DELETING"}


def expected_record(flow: Flow, operation: str, fault: str, want: Expected) -> str:
    """The state the record under test must be left in, as a short label
    (the matrix in docs/reliability.md is these labels)."""
    op_name = operation.split(".")[1]
    position = flow.operations.index(operation)
    is_first_write = position == flow.untouched and op_name == "TransactWriteItems"
    if want.code is None:
        return "DELETED" if flow.kind == "delete" else "ACTIVE"
    if position < flow.untouched or (is_first_write and fault != "timeout"):
        # The fault struck before the flow's first write: nothing changed.
        return "no record" if flow.kind == "create" else "unchanged"
    if is_first_write:
        # DynamoDB applied the first write, the answer was lost: the flow
        # cannot know it holds the record, so it writes nothing more; the
        # lease runs out at the invocation's deadline.
        return f"{_AFTER_CHANGE[flow.kind]}, leased"
    if _paused(flow, op_name, fault):
        return f"{_AFTER_CHANGE[flow.kind]}, paused"
    if flow.kind == "create":
        # The call may have been applied, or AgentCore is still working:
        # PENDING for a resume rather than a guess.
        may_be_done = fault == "timeout" or (fault in UNAVAILABLE and op_name.startswith("Get"))
        return "PENDING" if may_be_done else "FAILED"
    if flow.kind == "update":
        # A refused update keeps the record's values (the gateway or target
        # still serves its previous configuration).
        return "ACTIVE, previous values"
    # A delete AgentCore may have applied stays DELETING until the same
    # request (or reconcile) finds out; a refused one is as it was.
    return "DELETING" if fault in UNAVAILABLE else "previous status"


def _check_subject(
    flow: Flow,
    operation: str,
    fault: str,
    *,
    want: Expected,
    before: dict[str, Any] | None,
    record: dict[str, Any] | None,
    request_id: str,
) -> None:
    """The record under test tells the truth about what happened to it."""
    service, op_name = operation.split(".")
    label = expected_record(flow, operation, fault, want)
    if want.code is None:
        assert record is not None
        assert record["status"] == label, record["status"]
        assert "lease" not in record
        return
    if label == "no record":
        assert record is None, "a refused first write left a record"
        return
    assert record is not None, "the record under test vanished"
    assert before is not None or flow.kind == "create"
    if label == "unchanged":
        assert before is not None
        assert record["version"] == before["version"], "the record changed"
        assert not touched_by(record, request_id)
        return
    assert touched_by(record, request_id), "the flow went on without recording it"
    status = record["status"]
    if label.endswith(", leased"):
        assert status == _AFTER_CHANGE[flow.kind], status
        assert record.get("lease", {}).get("request_id") == request_id
        return
    error = record.get("last_error")
    assert error is not None, f"the record is {status} without last_error"
    assert error["code"] == (want.aws_code or fault_code(service, fault)), error
    step = want.step or STEP_IN_FLOW.get((flow.kind, op_name)) or STEP_NAMES.get(op_name, op_name)
    assert error["step"] == step, error
    assert error["at"]
    assert "lease" not in record, "the lease outlived the request"
    if label.endswith(", paused"):
        _check_paused(flow, record, before)
    elif label == "previous status":
        assert status == (before or {}).get("status"), status
        assert record.get("agentcore") == (before or {}).get("agentcore")
    else:
        assert status == label.split(",")[0], status
    if label == "ACTIVE, previous values":
        assert before is not None
        for attr in _COMPARED:
            assert record.get(attr) == before.get(attr), f"{attr} changed by a failed update"


def assert_contract_envelope(response: dict[str, Any], want: Expected, aws_code: str) -> None:
    dumped = json.dumps(response)
    assert "Traceback" not in dumped
    assert 'File "' not in dumped
    assert set(response) == {"ok", "status", "action", "request_id", "data", "error"}
    assert response["status"] == want.status, response
    if want.code is None:
        assert response["ok"] is True
        assert response["error"] is None
        return
    assert response["ok"] is False
    assert response["data"] is None
    assert response["error"]["code"] == want.code, response
    assert response["error"]["details"][0]["code"] == (want.aws_code or aws_code), response


def read_record(registry: Registry, flow: Flow, ctx: Ctx, ident: str) -> dict[str, Any] | None:
    if flow.subject == "gateway":
        return registry.gateway_record(ident)
    item = registry.runtime.dynamodb.get_item(
        TableName=registry.settings.tools_table_name,
        Key=dynamo.serialize({"tool_id": ident, "gateway_id": ctx.gateway["gateway_id"]}),
        ConsistentRead=True,
    ).get("Item")
    return dynamo.deserialize(item) if item else None


# --- the matrix -----------------------------------------------------------------


@pytest.mark.parametrize(("flow_name", "operation", "fault"), CASES)
def test_fault(registry: Registry, flow_name: str, operation: str, fault: str) -> None:
    flow = FAULT_FLOWS[flow_name]
    ctx = Ctx(registry)
    flow.setup(ctx)
    evt = flow.request(ctx)
    ident = subject_id(flow, ctx, evt)
    before = read_record(registry, flow, ctx, ident)
    want = expected(flow_name, operation, fault)
    service = operation.split(".", 1)[0]

    fired = inject(registry, operation, fault)
    response = registry.invoke(evt)
    registry.clear_hooks()

    assert fired == [operation], f"{operation} was never called by {flow_name}"
    assert_contract_envelope(response, want, fault_code(service, fault))
    after = world(registry)
    record = subject_record(flow, after, ident)
    _check_subject(
        flow,
        operation,
        fault,
        want=want,
        before=before,
        record=record,
        request_id=str(evt["request_id"]),
    )
    # Only the write that would have released a lease may leave it behind.
    lost_write = fault == "timeout" and operation.endswith(".TransactWriteItems")
    problems = world_problems(after, lease_allowed=lost_write)
    left = LEFT_FOR_RECONCILE.get((flow_name, operation))
    if left and fault != "timeout":  # a timed-out delete did delete
        assert len(problems) == 1, problems
        assert left in problems[0], problems
        swept = registry.invoke(event("reconcile", {"dry_run": False}, actor=ADMIN))
        assert swept["data"]["counts"].get("leftover") == 1, swept
        after = world(registry)
        problems = world_problems(after)
    assert problems == []

    # Once the fault is gone, the same request replays its outcome or
    # finishes the work (after a lease it left has expired).
    leases = [float(r["lease"]["until"]) for r in after.records() if r.get("lease")]
    if leases:
        registry.clock.now = max(leases) + 1
    again = registry.invoke(evt)
    assert again["ok"] or again == response, again
    assert world_problems(world(registry)) == []


@pytest.mark.parametrize("flow_name", list(FAULT_FLOWS))
def test_the_table_is_every_call_the_flow_makes(registry: Registry, flow_name: str) -> None:
    """The flow, run without faults, sends exactly the table's operations
    (in the order of their first call): a flow that gains a call gains its
    row in the matrix."""
    flow = FAULT_FLOWS[flow_name]
    ctx = Ctx(registry)
    flow.setup(ctx)
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(f"{model.service_model.service_name}.{model.name}")

    for service in (DDB, S3, AGENTCORE, APIGW):
        registry.on(f"before-call.{service}", record)
    response = registry.invoke(flow.request(ctx))

    assert response["ok"], response
    assert tuple(dict.fromkeys(calls)) == flow.operations
    assert tuple(calls) == flow.calls
    assert world_problems(world(registry)) == []


def test_no_flow_sends_put_item() -> None:
    """PutItem is in the issue's list, but no flow sends it: every put is
    part of a TransactWriteItems (the table test proves the calls). UpdateItem
    is sent only by the write that pauses a flow: test_pause_write_fails."""
    assert not any(
        op.endswith(".PutItem") for flow in FAULT_FLOWS.values() for op in flow.operations
    )


# --- the write that pauses a flow (UpdateItem) fails too -------------------------

PAUSES = {
    # flow: the AgentCore call whose throttling makes the flow pause
    "create_gateway": f"{AGENTCORE}.GetGateway",
    "create_tool": f"{AGENTCORE}.GetGatewayTarget",
    "delete_gateway": f"{AGENTCORE}.DeleteGateway",
    "delete_tool": f"{AGENTCORE}.DeleteGatewayTarget",
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("flow_name", list(PAUSES))
def test_pause_write_fails(registry: Registry, flow_name: str, fault: str) -> None:
    """AgentCore is throttled, so the flow pauses (one UpdateItem: last_error,
    lease released), and that write fails as well. The answer is the
    DynamoDB failure's 503/502; the record keeps its in-between state and
    the lease (released only by the failed write, or not at all), and the
    same request finishes the work once the lease has expired."""
    flow = FAULT_FLOWS[flow_name]
    ctx = Ctx(registry)
    flow.setup(ctx)
    evt = flow.request(ctx)
    ident = subject_id(flow, ctx, evt)
    registry.fail(PAUSES[flow_name], "ThrottlingException", 429, times=1)
    fired = inject(registry, f"{DDB}.UpdateItem", fault)

    response = registry.invoke(evt)
    registry.clear_hooks()

    assert fired == [f"{DDB}.UpdateItem"]
    want = (
        Expected(503, "UpstreamUnavailable")
        if fault in UNAVAILABLE
        else Expected(502, "UpstreamError")
    )
    # The pause write's own failure is what the caller hears.
    assert_contract_envelope(response, want, fault_code(DDB, fault))
    after = world(registry)
    record = subject_record(flow, after, ident)
    assert record is not None
    assert record["status"] == ("PENDING" if flow.kind == "create" else "DELETING")
    if fault == "timeout":
        # DynamoDB applied the pause write; only its answer was lost.
        assert "lease" not in record
        assert record["last_error"]["code"] == "ThrottlingException"
    else:
        assert record["lease"]["request_id"] == evt["request_id"]
    assert world_problems(after, lease_allowed=True) == []

    if record.get("lease"):
        registry.clock.now = float(record["lease"]["until"]) + 1
    again = registry.invoke(evt)
    assert again["ok"], again
    assert world_problems(world(registry)) == []


# --- a connect timeout: the call was never sent ----------------------------------

CONNECT_CASES = [
    ("create_gateway", f"{AGENTCORE}.CreateGateway"),
    ("update_gateway", f"{AGENTCORE}.UpdateGateway"),
    ("delete_gateway", f"{AGENTCORE}.DeleteGateway"),
    ("delete_gateway_cascade", f"{AGENTCORE}.DeleteGatewayTarget"),
    ("create_tool", f"{AGENTCORE}.CreateGatewayTarget"),
    ("create_tool", f"{AGENTCORE}.CreateApiKeyCredentialProvider"),
    ("update_tool", f"{AGENTCORE}.UpdateGatewayTarget"),
    ("delete_tool", f"{AGENTCORE}.DeleteGatewayTarget"),
    ("create_tool", f"{S3}.PutObject"),
]


@pytest.mark.parametrize(
    ("flow_name", "operation"),
    [pytest.param(f, o, id=f"{f}-{o.split('.')[1]}") for f, o in CONNECT_CASES],
)
def test_connect_timeout(registry: Registry, flow_name: str, operation: str) -> None:
    """ConnectTimeoutError: nothing reached AWS. A create is FAILED with
    what it made removed, an update or delete refused: the same checks as
    the matrix."""
    test_fault(registry, flow_name, operation, "connect_timeout")
