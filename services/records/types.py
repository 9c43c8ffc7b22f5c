"""The shapes of the two records (docs/api.md, "Records"), for mypy.

TypedDicts: at run time a record stays the plain dict DynamoDB gives
(nothing is converted; this module's import is the only cost, about half a
millisecond); the flows, reconcile and the cascade read it through these
types, so mypy checks which attributes exist and what they hold. The record
store (record_store.py) is the one place that says a DynamoDB item has one
of these shapes, and `lifecycle.transition` the one that says so of the
record it has just written.

Every attribute a create writes is required, `None` where the create has
nothing yet (`agentcore`, `last_error`, `synced_at`); the flow's bookkeeping
(`lease`, `pending`, `prev_status`) comes and goes, so it is NotRequired.

No `from __future__ import annotations` here, on purpose: every cold start
imports this module, and a TypedDict turns string annotations into
ForwardRefs by compiling each (about twice the import time of real types).
"""

from typing import Any, Literal, NotRequired, TypedDict

Status = Literal["PENDING", "ACTIVE", "DELETING", "FAILED", "DELETED"]


class Lease(TypedDict):
    """Who works on a record, until when (the Lambda's deadline, epoch seconds)."""

    request_id: str
    until: float


class LastError(TypedDict):
    code: str
    message: str
    # The step that failed: an AWS operation, or `reconcile`.
    step: str
    at: str


class AuditEntry(TypedDict):
    at: str
    action: str
    request_id: str | None
    actor: str
    team: str | None
    outcome: str
    status: str | None
    version: int
    # jwt mode: the verified caller.
    issuer: NotRequired[str]
    subject: NotRequired[str]
    detail: NotRequired[str]


class GatewayRef(TypedDict):
    """The AgentCore gateway a gateway record names: what
    gateway_service.summarize keeps of AgentCore's answer (each None if the
    answer lacked it)."""

    gateway_id: str | None
    gateway_arn: str | None
    gateway_url: str | None
    status: str | None
    status_reasons: list[str]


class TargetRef(TypedDict):
    """The AgentCore target a tool record names (tools_service.summarize).
    A FAILED create that could not delete its target keeps only the ids."""

    target_id: str | None
    # AgentCore's id of the tool's gateway.
    gateway_id: str
    status: NotRequired[str | None]
    status_reasons: NotRequired[list[str]]
    # When AgentCore last listed an MCP server's tools (lastSynchronizedAt).
    last_synchronized_at: NotRequired[str]
    # AgentCore's `updatedAt` of the target as the registry last saw it:
    # reconcile reads a target only when ListGatewayTargets shows another.
    updated_at: NotRequired[str | None]


class RecordBase(TypedDict):
    """What every record holds."""

    record_type: str
    name: str
    description: str | None
    status: Status
    team: str
    created_by: str
    updated_by: str
    created_at: str
    updated_at: str
    # The last time AgentCore confirmed the record.
    synced_at: str | None
    # The last mutating request.
    request_id: str
    version: int
    metadata: dict[str, Any]
    last_error: LastError | None
    audit: list[AuditEntry]
    # The flow's bookkeeping (services/records/lifecycle.py), never shown.
    lease: NotRequired[Lease]
    # An update's change, set while it runs (a DynamoDB update's SET part).
    pending: NotRequired[dict[str, Any]]
    # A delete's status before DELETING.
    prev_status: NotRequired[Status]


class GatewayRecord(RecordBase):
    gateway_id: str
    authorizer_type: str
    authorizer: dict[str, Any] | None
    tags: dict[str, str]
    agentcore: GatewayRef | None
    # The creating request's hash (the ledger's check of a replay).
    request_hash: NotRequired[str]
    # The gateway options (absent on records written before them: off/none).
    semantic_search: NotRequired[bool]
    kms_key_arn: NotRequired[str | None]
    exception_level: NotRequired[str | None]


class ToolRecord(RecordBase):
    tool_id: str
    # The registry's gateway id (gw-...); AgentCore's is agentcore.gateway_id.
    gateway_id: str
    # What the record keeps of the credentials (never a secret).
    credentials: dict[str, Any]
    agentcore: TargetRef | None
    # The OpenAPI kind's description of what the target serves (read it
    # through the tool's kind: services/tools/targets/).
    spec: NotRequired[dict[str, Any]]
    # `{"kind": ...}` (targets.for_record reads it), with the kind's own
    # fields for a kind that keeps its description here (Lambda); absent on
    # records written before kinds: those are OpenAPI tools.
    target: NotRequired[dict[str, Any]]
    # The names of the tools the target serves (absent on older records).
    tools: NotRequired[list[str]]
    # An OpenAPI tool's current spec version and the kept versions' objects
    # (services/tools/spec_versions.py; absent before its first version).
    spec_version: NotRequired[int]
    spec_versions: NotRequired[list[dict[str, Any]]]
    # A url tool refreshed on the reconcile schedule; what a scheduled
    # refresh found breaking and held (services/tools/version_flow.py).
    auto_refresh: NotRequired[bool]
    refresh_pending: NotRequired[dict[str, Any] | None]


def gateway_agentcore_id(record: GatewayRecord | None) -> str | None:
    """AgentCore's id of the gateway a record names (None: none yet, or no record)."""
    ref = record["agentcore"] if record is not None else None
    return ref["gateway_id"] if ref else None


def target_address(record: ToolRecord) -> tuple[str, str]:
    """(AgentCore's gateway id, target id) of the target a tool record
    names, as the strings the target calls take ("None" when it names none:
    an ACTIVE record always names one)."""
    ref = record["agentcore"]
    if not ref:
        return str(None), str(None)
    return str(ref["gateway_id"]), str(ref["target_id"])


def lease_holder(record: GatewayRecord | ToolRecord) -> str | None:
    """The request id of the record's lease, live or not (None: no lease)."""
    lease = record.get("lease")
    return lease.get("request_id") if lease else None
