"""The safe flow for tools (gateway targets), on the same machinery as
gateways (services/records/lifecycle.py).

CREATE  validate the source (before any write) -> PENDING (record, name
        claim, ledger) -> stage (an OpenAPI spec to S3) -> credential
        provider -> CreateGatewayTarget -> poll -> ACTIVE.
UPDATE  validate -> check the record -> lease + pending change -> stage /
        provider -> UpdateGatewayTarget -> poll -> apply.
DELETE  check -> DELETING -> DeleteGatewayTarget -> poll until gone ->
        provider and staged artifacts removed -> DELETED.

What differs between kinds of target (an OpenAPI spec, ...) is asked of the
tool's kind (services/tools/targets/): this module speaks only its protocol.
The source and the secrets are not stored on the record (secrets never are;
a spec lives in S3), so a crashed request resumes when it is sent again:
its data carries them. Identifiers (tool id, provider name, spec key,
clientToken) derive from the creating request, so every attempt addresses
the same resources.

One module of about 800 lines, on purpose: the three flows and the repairs
reconcile asks for (`recover`) share their private steps (`_cleanup`,
`_fail_create`, `_put_target`, `_settled`, `_drive_delete`), and a resume
crosses from one flow into another (a replayed create may find its record
DELETING). Split, those steps would become an API between modules that
nothing outside this flow should call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from services.context import Call
from services.credentials.credentials_service import (
    describe,
    provider_name,
    target_credentials,
)
from services.errors import (
    ConflictError,
    NotFoundError,
    RegistryError,
    RequestValidationError,
    UpstreamError,
    UpstreamUnavailableError,
)
from services.gateway.gateway_service import client_token
from services.logging import log_step
from services.records import audit, dynamo, ledger, lifecycle
from services.records.dynamo import Condition, WriteCancelled
from services.records.kinds import GATEWAY, TOOL
from services.records.lifecycle import (
    ReplayResult,
    Result,
    authorize,
    error_record,
    new_lease,
    public_view,
)
from services.records.record_store import tool_name_key
from services.records.types import (
    GatewayRecord,
    TargetRef,
    ToolRecord,
    gateway_agentcore_id,
    target_address,
)
from services.tools import spec_versions, targets, tools_service
from services.tools.models import (
    MAX_TARGETS_PER_GATEWAY,
    CreateToolData,
    DeleteToolData,
    GetToolData,
    ListToolsData,
    UpdateToolData,
)
from services.tools.targets import Listing, Prepared, TargetKind
from services.tools.targets.openapi import OPENAPI

_SECRET_KINDS = ("api_key", "oauth2")


def tool_id_for(request_id: str) -> str:
    return "tl-" + hashlib.sha256(f"tool:{request_id}".encode()).hexdigest()[:20]


def _transition(call: Call, record: ToolRecord, **kwargs: Any) -> ToolRecord:
    return lifecycle.transition(call, TOOL, record, **kwargs)


def settle(call: Call, gateway_ac: str, target_id: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Poll the target until it settles (`tools_service.SETTLED`: it leaves
    CREATING, UPDATING and SYNCHRONIZING), within this call's budget."""
    return call.runtime.targets.wait_until_settled(
        gateway_ac,
        target_id,
        answer,
        deadline=call.poll_deadline,
        clock=call.runtime.clock,
        sleep=call.runtime.sleep,
    )


def _put_target(
    call: Call,
    record: ToolRecord,
    *,
    description: Any,
    configuration: dict[str, Any],
    described: dict[str, Any],
) -> dict[str, Any]:
    """UpdateGatewayTarget of the record's target with this configuration."""
    gateway_ac, target_id = target_address(record)
    return call.runtime.targets.update_gateway_target(
        gateway_ac,
        target_id,
        name=record["name"],
        description=description,
        configuration=configuration,
        credentials=target_credentials(described),
    )


def _allow_credentials(
    kind: TargetKind, credentials: Any, stored: dict[str, Any] | None = None
) -> None:
    """Before any write: the kind's targets take only some credential kinds
    (the devguide's outbound-auth table, gateway-outbound-auth.html), and
    the gateway's IAM role names the service it signs for exactly where
    AgentCore asks for one (`kind.iam_signing_service`). An update that
    keeps the record's credentials (`stored`) is checked too: AgentCore
    receives them again, and a record from before these rules may not pass."""
    if credentials is not None:
        kind_of, service, field = credentials.type, getattr(credentials, "service", None), "data"
    elif stored is not None:
        kind_of, service, field = stored.get("type", "none"), stored.get("service"), "record"
    else:
        return
    findings: list[dict[str, str]] = []
    if kind_of not in kind.credential_types:
        findings.append(
            {
                "field": f"{field}.credentials.type",
                "message": "one of " + ", ".join(sorted(kind.credential_types)),
            }
        )
    elif kind_of == "gateway_iam_role" and bool(service) != kind.iam_signing_service:
        findings.append(
            {
                "field": f"{field}.credentials.service",
                "message": (
                    f"a {kind.name} target signs with the gateway's role for a named service: "
                    "give `service` (e.g. execute-api, bedrock-agentcore) and optionally `region`"
                    if kind.iam_signing_service
                    else f"AgentCore knows the service of a {kind.name} target: leave out "
                    "`service` and `region`"
                ),
            }
        )
    if findings:
        raise RequestValidationError(
            f"a {kind.name} tool cannot use these credentials"
            + ("" if field == "data" else " (the record's; send new credentials)"),
            findings,
        )


def _load_gateway(call: Call, gateway_id: str) -> GatewayRecord:
    record = call.runtime.records.get_gateway(gateway_id)
    if record is None or record.get("status") == "DELETED":
        raise NotFoundError(f"no gateway {gateway_id}")
    return record


def _find_tool(call: Call, tool_id: str, gateway_id: str | None) -> ToolRecord | None:
    store = call.runtime.records
    if gateway_id:
        return store.get_tool(tool_id, gateway_id)
    return store.find_tool(tool_id)


def load_tool(
    call: Call, tool_id: str, gateway_id: str | None, *, deleted_ok: bool = False
) -> ToolRecord:
    record = _find_tool(call, tool_id, gateway_id)
    if record is None or (record.get("status") == "DELETED" and not deleted_ok):
        raise NotFoundError(f"no tool {tool_id}")
    return record


def _resume_with(
    data: Any, prepare: Callable[[ToolRecord], Prepared | None] | None = None
) -> lifecycle.Resume[ToolRecord]:
    """A resume that can finish the work: the replayed request's data
    carries the spec and the secrets the record does not keep (an update's
    spec is loaded again with `prepare`, by default from its source)."""

    def resume(call: Call, taken: ToolRecord) -> Result:
        status = taken.get("status")
        if status == "DELETING":
            return _drive_delete(call, taken)
        if status == "PENDING" and isinstance(data, CreateToolData):
            kind = targets.for_source(data.source)
            prepared = kind.prepare(call, data.source, target_name=data.name, existing_targets=0)
            assert prepared is not None  # noqa: S101 - without `current` there is always one
            return _drive_create(call, taken, prepared, data.credentials, resumed=True)
        if taken.get("pending") is not None and isinstance(data, UpdateToolData):
            loaded = prepare(taken) if prepare else _prepare_update(call, taken, data)
            return _drive_update(call, taken, loaded, data.credentials)
        released = _transition(call, taken, outcome="resumed-nothing-to-do", remove=("lease",))
        return Result(200, public_view(released))

    return resume


def recover(call: Call, taken: ToolRecord) -> Result:
    """Finish or settle a tool whose request died, without its data (for
    reconcile): the spec and secrets were not kept, so a create is adopted
    only if AgentCore made the target (S3 object and provider come first),
    else it fails and what it made is removed; a half-done update is rolled
    back, in AgentCore too."""
    status = taken.get("status")
    if status == "DELETING":
        return _drive_delete(call, taken)
    if status == "PENDING":
        return _adopt_or_fail(call, taken)
    return _roll_back_update(call, taken)


def _roll_back_update(call: Call, taken: ToolRecord) -> Result:
    """The update's secrets are not kept, so it cannot be finished: put the
    target back to what the record says (AgentCore may have taken the new
    spec or description already), then drop the pending change. The new
    spec object is then a leftover that reconcile's sweep removes."""
    kind = targets.for_record(taken)
    pending = dict(taken.get("pending") or {})
    message = "the update was interrupted and its data is not kept; send it again"
    if "synchronize" in pending:
        # sync_flow's change: nothing to put back, AgentCore keeps listing.
        message = "the synchronization was interrupted; send sync_tool again"
    if any(f in pending for f in ("description", kind.attribute, "credentials")):
        try:
            answer = _put_target(
                call,
                taken,
                description=taken["description"],
                configuration=kind.configuration(dict(kind.description(taken) or {})),
                described=dict(taken["credentials"] or {}),
            )
            settle(call, *target_address(taken), answer)
        except RegistryError as exc:
            lifecycle.pause(call, TOOL, taken, exc, "UpdateGatewayTarget")
            raise
    if "credentials" in pending:
        # Providers are updated in place: the new secret may already be in it.
        message += " (its credential provider may already hold the new secret)"
    lost = UpstreamUnavailableError(
        message, [{"service": "registry", "code": "UpdateInterrupted", "message": ""}]
    )
    rolled = _transition(
        call,
        taken,
        outcome="update-rolled-back",
        set_={"last_error": error_record(call, lost, "reconcile")},
        remove=("lease", "pending"),
        expect=Condition().equals("lease.request_id", call.rid),
        extra=(ledger.complete(call, lifecycle.ledger_table(call), lost.status, lost),),
    )
    return Result(200, public_view(rolled))


def _adopt_or_fail(call: Call, record: ToolRecord) -> Result:
    kind = targets.for_record(record)
    gateway_ac = gateway_agentcore_id(_load_gateway_any(call, record["gateway_id"])) or ""
    staged = kind.adopted(call, record)
    target = (
        call.runtime.targets.find_target_by_name(gateway_ac, record["name"]) if gateway_ac else None
    )
    if target is not None and target.get("status") == "READY":
        described = dict(record["credentials"] or {})
        configs = target.get("credentialProviderConfigurations") or []
        for config in configs:
            held = config.get("credentialProvider") or {}
            # Only a secret's provider has an ARN (an IAM signing block has none).
            for member in ("apiKeyCredentialProvider", "oauthCredentialProvider"):
                if member in held:
                    described.update(
                        provider_arn=held[member].get("providerArn"),
                        provider_name=provider_name(record["tool_id"]),
                    )
        version = _publication(call, record, kind, staged.description, action="create")
        final = _transition(
            call,
            record,
            outcome="create-adopted",
            set_={
                "status": "ACTIVE",
                kind.attribute: staged.description,
                "credentials": described,
                "agentcore": tools_service.summarize(target, gateway_ac),
                "synced_at": call.now_iso(),
                "last_error": None,
                **version.fields,
            },
            remove=("lease",),
            expect=Condition().equals("lease.request_id", call.rid),
            extra=(ledger.complete(call, lifecycle.ledger_table(call), 201), *version.extra),
        )
        return Result(201, public_view(final))
    made: dict[str, Any] = {
        "artifacts": staged.artifacts,
        "target_id": (target or {}).get("targetId"),
    }
    if (record["credentials"] or {}).get("type") in _SECRET_KINDS:
        made["credentials"] = {
            **record["credentials"],
            "provider_name": provider_name(record["tool_id"]),
        }
    reason = "its target ended " + str(target.get("status")) if target else "no target was made"
    lost = UpstreamError(
        f"the create could not be completed ({reason}); its spec and secrets are not kept: "
        "send it again with a new request_id",
        [{"service": "registry", "code": "CreateAbandoned", "message": reason}],
    )
    _fail_create(call, record, lost, "reconcile", made=made, gateway_ac=gateway_ac)
    failed = call.runtime.records.get_tool(record["tool_id"], record["gateway_id"]) or record
    return Result(200, public_view(failed))


def _publication(
    call: Call,
    record: ToolRecord,
    kind: TargetKind,
    description: dict[str, Any],
    *,
    action: str,
    diff: dict[str, Any] | None = None,
) -> spec_versions.Publication:
    """The version a published spec becomes (OpenAPI tools; the other kinds
    keep no versions: nothing is added to their final write)."""
    if kind is not OPENAPI:
        return spec_versions.NO_PUBLICATION
    return spec_versions.publish(call, record, description, action=action, diff=diff)


# ---------------------------------------------------------------- create


def create_tool(call: Call, data: CreateToolData) -> Result:
    resume = _resume_with(data)
    # One ledger read first, so a replay never fetches or validates again.
    replayed = lifecycle.replay(call, TOOL, resume)
    if replayed is not None:
        return replayed
    gateway = _load_gateway(call, data.gateway_id)
    authorize(call, GATEWAY, gateway)
    if gateway["status"] != "ACTIVE" or not gateway_agentcore_id(gateway):
        raise ConflictError(
            f"gateway {data.gateway_id} is {gateway.get('status')}; "
            "tools are added to ACTIVE gateways"
        )
    kind = targets.for_source(data.source)
    _allow_credentials(kind, data.credentials)
    live = call.runtime.records.count_live_tools(data.gateway_id)
    if live >= MAX_TARGETS_PER_GATEWAY:
        raise ConflictError(
            f"gateway {data.gateway_id} has {live} tools; AgentCore serves at most "
            f"{MAX_TARGETS_PER_GATEWAY} targets per gateway"
        )
    prepared = kind.prepare(call, data.source, target_name=data.name, existing_targets=live)
    assert prepared is not None  # noqa: S101 - without `current` there is always one

    tool_id = tool_id_for(call.rid)
    now = call.now_iso()
    assert call.actor is not None  # noqa: S101 - the dispatcher requires an actor
    record: ToolRecord = {
        "tool_id": tool_id,
        "gateway_id": data.gateway_id,
        "record_type": "tool",
        "name": data.name,
        "description": data.description,
        "status": "PENDING",
        "team": gateway["team"],
        "created_by": call.actor.user,
        "updated_by": call.actor.user,
        "created_at": now,
        "updated_at": now,
        "synced_at": None,
        "request_id": call.rid,
        "version": 1,
        "metadata": data.metadata or {},
        "credentials": describe(data.credentials, None, None),
        "agentcore": None,
        "last_error": None,
        "lease": new_lease(call),
        "audit": [audit.entry(call, "create-started", version=1, status="PENDING")],
        "target": {"kind": kind.name},
        "tools": list(prepared.tools),
        # Refreshed from its URL on the reconcile schedule (issue 15).
        "auto_refresh": data.auto_refresh,
    }
    # What the target will serve, under its kind's attribute.
    record = kind.with_description(record, prepared.describe())
    table = TOOL.table(call)
    try:
        call.runtime.records.write(
            [
                ledger.start(call, lifecycle.ledger_table(call), "tool", TOOL.key(record)),
                dynamo.put(table, record, Condition().absent("tool_id")),
                dynamo.put(
                    table,
                    {**tool_name_key(data.gateway_id, data.name), "claimed_by": tool_id},
                    Condition().absent("tool_id"),
                ),
            ]
        )
    except WriteCancelled as cancelled:
        if cancelled.failed(0):
            replayed = lifecycle.replay(call, TOOL, resume)
            if replayed is not None:
                return replayed
        if cancelled.failed(2):
            raise ConflictError(
                f"gateway {data.gateway_id} already has a tool named {data.name!r}",
                [{"field": "data.name", "message": "tool names are unique within a gateway"}],
            ) from None
        raise ConflictError("the tool is being changed concurrently; retry") from None
    log_step("create-started", "ok", tool_id=tool_id, status="PENDING")
    return _drive_create(call, record, prepared, data.credentials, resumed=False, gateway=gateway)


def _put_credentials(call: Call, tool_id: str, credentials: Any) -> dict[str, Any]:
    if credentials.type not in _SECRET_KINDS:
        return describe(credentials, None, None)
    name = provider_name(tool_id)
    arn = call.runtime.providers.put_provider(name, credentials)
    return describe(credentials, arn, name)


def _drive_create(
    call: Call,
    record: ToolRecord,
    prepared: Prepared,
    credentials: Any,
    *,
    resumed: bool,
    gateway: GatewayRecord | None = None,
) -> Result:
    kind = targets.for_record(record)
    agentcore_targets = call.runtime.targets
    gateway = gateway or _load_gateway(call, record["gateway_id"])
    gateway_ac = str(gateway_agentcore_id(gateway))
    made: dict[str, Any] = {"artifacts": kind.planned(record, prepared)}
    step = kind.stage_step
    try:
        staged = kind.stage(call, record, prepared)
        step = "CreateCredentialProvider"
        described = _put_credentials(call, record["tool_id"], credentials)
        made["credentials"] = described
        step = "CreateGatewayTarget"
        target = (
            agentcore_targets.find_target_by_name(gateway_ac, record["name"]) if resumed else None
        )
        if target is None:
            target = agentcore_targets.create_gateway_target(
                gateway_ac,
                name=record["name"],
                description=record.get("description"),
                configuration=kind.configuration(staged.description),
                credentials=target_credentials(described),
                token=client_token("tool", record["tool_id"]),
            )
        made["target_id"] = target["targetId"]
        log_step(step, "ok", tool_id=record["tool_id"], target_id=target["targetId"])
        step = "GetGatewayTarget"
        settled = settle(call, gateway_ac, str(target["targetId"]), target)
    except UpstreamUnavailableError as exc:
        if exc.maybe_applied or step == "GetGatewayTarget":
            lifecycle.pause(call, TOOL, record, exc, step)
        else:
            _fail_create(call, record, exc, step, made=made, gateway_ac=gateway_ac)
        raise
    except RegistryError as exc:
        _fail_create(call, record, exc, step, made=made, gateway_ac=gateway_ac)
        raise

    agentcore = tools_service.summarize(settled, gateway_ac)
    status = settled.get("status")
    if status == "READY":
        version = _publication(call, record, kind, staged.description, action="create")
        final = _transition(
            call,
            record,
            outcome="create-succeeded",
            set_={
                "status": "ACTIVE",
                kind.attribute: staged.description,
                "credentials": made["credentials"],
                "agentcore": agentcore,
                "synced_at": call.now_iso(),
                "last_error": None,
                **version.fields,
            },
            remove=("lease",),
            expect=Condition().equals("lease.request_id", call.rid),
            extra=(ledger.complete(call, lifecycle.ledger_table(call), 201), *version.extra),
        )
        return Result(201, public_view(final))
    if status in tools_service.SETTLED:
        # FAILED or gone; or settled elsewhere than READY: an MCP server's
        # first listing failed (SYNCHRONIZE_UNSUCCESSFUL), or the target waits
        # for a user's OAuth consent (CREATE_PENDING_AUTH), neither of which
        # this request can finish.
        reasons = tools_service.not_ready_reason(settled)
        code = "Target" + "".join(word.title() for word in status.split("_"))
        error = UpstreamError(
            f"AgentCore could not create the target: {reasons}",
            [{"service": "AgentCore", "code": code, "message": reasons}],
        )
        _fail_create(call, record, error, "GetGatewayTarget", made=made, gateway_ac=gateway_ac)
        raise error
    busy = UpstreamUnavailableError(
        f"AgentCore is still creating the target ({status}); send the same request again to resume"
    )
    lifecycle.pause(call, TOOL, record, busy, "GetGatewayTarget", agentcore=agentcore)
    raise busy


def _cleanup(call: Call, record: ToolRecord, made: dict[str, Any], gateway_ac: str) -> list[str]:
    """Remove what a failed request made (`target_id`, `credentials`, the
    kind's `artifacts`); returns what could not be removed."""
    kind = targets.for_record(record)
    tool_id = record["tool_id"]
    left: list[str] = []
    steps: list[tuple[str, Any]] = []
    if made.get("target_id"):
        steps.append(
            (
                "target",
                lambda: call.runtime.targets.delete_gateway_target(
                    gateway_ac, str(made["target_id"])
                ),
            )
        )
    described = made.get("credentials") or {}
    if described.get("provider_name"):
        steps.append(
            (
                "credential provider",
                lambda: call.runtime.providers.delete_provider(
                    described["provider_name"], described["type"]
                ),
            )
        )
    for ref in made.get("artifacts") or ():
        steps.append((kind.artifact_noun, lambda ref=ref: kind.remove(call, ref)))
    for what, undo in steps:
        try:
            undo()
        except RegistryError as exc:
            log_step("cleanup", "failed", tool_id=tool_id, what=what, error=exc.code)
            left.append(what)
    return left


def _fail_create(
    call: Call,
    record: ToolRecord,
    error: RegistryError,
    step: str,
    *,
    made: dict[str, Any],
    gateway_ac: str,
) -> None:
    """FAILED with last_error, what was made removed, the name released, and
    the ledger answering this failure to any replay."""
    left = _cleanup(call, record, made, gateway_ac)
    last_error = error_record(call, error, step)
    if left:
        last_error["message"] += f" (could not remove: {', '.join(left)}; reconcile will)"
    # A target that could not be deleted stays named, for reconcile.
    kept: TargetRef | None = None
    if "target" in left:
        kept = {"target_id": made["target_id"], "gateway_id": gateway_ac}
    _transition(
        call,
        record,
        outcome="create-failed",
        set_={
            "status": "FAILED",
            "last_error": last_error,
            "agentcore": kept,
        },
        remove=("lease",),
        expect=Condition().equals("lease.request_id", call.rid),
        extra=(
            dynamo.delete(TOOL.table(call), tool_name_key(record["gateway_id"], record["name"])),
            ledger.complete(call, lifecycle.ledger_table(call), error.status, error),
        ),
        detail=error.message,
    )


# ---------------------------------------------------------------- reads


def get_tool(call: Call, data: GetToolData) -> Result:
    return Result(200, public_view(load_tool(call, data.tool_id, data.gateway_id)))


def list_tools(call: Call, data: ListToolsData) -> Result:
    names = sorted(kind.name for kind in targets.KINDS)
    if data.kind is not None and data.kind not in names:
        raise RequestValidationError(
            f"unknown kind of tool {data.kind[:64]!r}",
            [{"field": "data.kind", "message": "one of " + ", ".join(names)}],
        )
    items, token = call.runtime.records.tools_page(
        data.gateway_id,
        status=data.status,
        limit=data.limit,
        next_token=data.next_token,
        kind=data.kind,
        unmarked_kind=targets.UNMARKED_KIND,
    )
    return Result(200, {"items": [public_view(i) for i in items], "next_token": token})


# ---------------------------------------------------------------- update


def _prepare_update(call: Call, record: ToolRecord, data: UpdateToolData) -> Prepared | None:
    """The new source, checked, or None when there is none or it is the one
    published (then it is not validated again)."""
    if data.source is None:
        return None
    kind = targets.for_record(record)
    if targets.for_source(data.source) is not kind:
        raise RequestValidationError(
            f"tool {record['tool_id']} is a {kind.name} tool; its kind cannot change",
            [
                {
                    "field": "data.source.type",
                    "message": "one of " + ", ".join(sorted(kind.source_types)),
                }
            ],
        )
    return kind.prepare(
        call,
        data.source,
        target_name=record["name"],
        existing_targets=0,
        current=kind.description(record),
    )


def _gate(
    call: Call, record: ToolRecord, kind: TargetKind, checked: Prepared, *, allow_breaking: bool
) -> dict[str, Any] | None:
    """An OpenAPI spec's diff from the published one, or 409 BreakingChange."""
    if kind is not OPENAPI:
        return None
    # Imported here: the diff and the spec pipeline are the update's, not a read's.
    from services.tools import spec_gate
    from services.tools.spec_pipeline import PreparedSpec

    assert isinstance(checked, PreparedSpec)  # noqa: S101 - the OpenAPI kind prepares these
    return spec_gate.checked(call, record, checked, allow_breaking=allow_breaking)


def update_tool(
    call: Call,
    data: UpdateToolData,
    *,
    action: str = "update",
    prepare: Callable[[ToolRecord], Prepared | None] | None = None,
    record: ToolRecord | None = None,
) -> Result:
    """An update; also the flow of what publishes a spec like one (a
    rollback: `action`, and `prepare`, which loads the spec to publish
    instead of `data.source`, on the first try and on a resume)."""
    record = record or load_tool(call, data.tool_id, data.gateway_id)
    authorize(call, TOOL, record)
    kind = targets.for_record(record)
    _allow_credentials(kind, data.credentials, dict(record["credentials"] or {}))
    prepared: list[Prepared | None] = [None]
    load = prepare or (lambda current: _prepare_update(call, current, data))

    def pending() -> dict[str, Any]:
        # After the state checks: a new spec is loaded and validated here.
        prepared[0] = load(record)
        changes: dict[str, Any] = {}
        if data.description is not None:
            changes["description"] = data.description
        if data.metadata is not None:
            changes["metadata"] = data.metadata
        checked = prepared[0]
        if checked is not None and checked.changes(kind.description(record)):
            changes[kind.attribute] = checked.describe()
            changes["tools"] = list(checked.tools)
            # The version it becomes, written with the update's last write,
            # and its diff from the current one: refused here when breaking.
            changes["publication"] = {
                "action": action,
                "diff": _gate(call, record, kind, checked, allow_breaking=data.allow_breaking),
            }
        if data.credentials is not None:
            changes["credentials"] = describe(data.credentials, None, None)
        return changes

    started = lifecycle.begin_update(
        call,
        TOOL,
        record,
        expected_version=data.expected_version,
        pending=pending,
        resume=_resume_with(data, load),
    )
    if isinstance(started, Result):
        return started
    return _drive_update(call, started, prepared[0], data.credentials)


def _drive_update(
    call: Call, record: ToolRecord, prepared: Prepared | None, credentials: Any
) -> Result:
    kind = targets.for_record(record)
    pending = dict(record.get("pending") or {})
    agentcore = record["agentcore"]
    gateway_ac, target_id = target_address(record)
    serves = dict(kind.description(record) or {})
    described = dict(record["credentials"] or {})
    new_artifacts: tuple[str, ...] = ()
    step = kind.stage_step
    sent = False
    try:
        if kind.attribute in pending and prepared is not None:
            new_artifacts = kind.planned(record, prepared)
            serves = kind.stage(call, record, prepared).description
        if "credentials" in pending:
            step = "UpdateCredentialProvider"
            described = _put_credentials(call, record["tool_id"], credentials)
        if any(f in pending for f in ("description", kind.attribute, "credentials")):
            step = "UpdateGatewayTarget"
            answer = _put_target(
                call,
                record,
                description=pending.get("description", record["description"]),
                configuration=kind.configuration(serves),
                described=described,
            )
            sent = True
            step = "GetGatewayTarget"
            answer = settle(call, gateway_ac, target_id, answer)
            if answer.get("status") != "READY":
                sent = False  # AgentCore says the update did not apply
                reasons = tools_service.not_ready_reason(answer)
                raise UpstreamError(
                    f"AgentCore did not apply the update: {reasons}",
                    [
                        {
                            "service": "AgentCore",
                            "code": str(answer.get("status")),
                            "message": reasons,
                        }
                    ],
                )
            agentcore = tools_service.summarize(answer, gateway_ac)
    except RegistryError as exc:
        maybe = isinstance(exc, UpstreamUnavailableError) and exc.maybe_applied
        if sent or (maybe and step == "UpdateGatewayTarget"):
            # The target may already read the new spec: keep it, and the
            # pending change, for the same request to finish.
            lifecycle.pause(call, TOOL, record, exc, step)
            raise
        published = kind.artifacts(record, pending=False)
        fresh = tuple(ref for ref in new_artifacts if ref not in published)
        if fresh:
            _cleanup(call, record, {"artifacts": fresh}, gateway_ac)
        lifecycle.fail_update(call, TOOL, record, exc, step)
        raise
    return _finish_update(
        call,
        record,
        prepared,
        serves=serves,
        described=described,
        agentcore=agentcore,
        new_artifacts=new_artifacts,
    )


def _diff_summary(publishing: dict[str, Any] | None) -> str | None:
    diff = (publishing or {}).get("diff")
    if diff is None:
        return None
    counts = diff["counts"]
    breaking = "breaking, allowed" if diff["breaking"] else "not breaking"
    return (
        f"spec: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed ({breaking})"
    )


def _finish_update(
    call: Call,
    record: ToolRecord,
    prepared: Prepared | None,
    *,
    serves: dict[str, Any],
    described: dict[str, Any],
    agentcore: Any,
    new_artifacts: tuple[str, ...],
) -> Result:
    """The update's last write (with the spec version it publishes), then
    the removal of what it replaced."""
    kind = targets.for_record(record)
    pending = dict(record.get("pending") or {})
    old = dict(record["credentials"] or {})
    publishing = pending.get("publication")
    version = (
        _publication(
            call,
            record,
            kind,
            serves,
            action=publishing["action"],
            diff=publishing.get("diff"),
        )
        if publishing and kind.attribute in pending
        else spec_versions.NO_PUBLICATION
    )
    unchanged = (kind.attribute, "credentials", "publication")
    result = lifecycle.finish(
        call,
        TOOL,
        record,
        outcome="update-succeeded",
        status_code=200,
        set_={
            **{k: v for k, v in pending.items() if k not in unchanged},
            kind.attribute: serves,
            "credentials": described,
            "agentcore": agentcore,
            **version.fields,
            # A spec published: a refresh held before no longer applies.
            **({"refresh_pending": None} if version.number else {}),
        },
        remove=("lease", "pending"),
        extra=version.extra,
        detail=_diff_summary(publishing),
    )
    if publishing and publishing.get("diff") is not None:
        # The answer shows what changed (the version keeps it too).
        result = Result(result.status, {**result.data, "diff": publishing["diff"]})
    # What the update replaced, once nothing points at it any more.
    leftovers: dict[str, Any] = {}
    if kind.attribute in pending and prepared is not None:
        # What the old description used and the new one does not (an MCP
        # server dropping its static list stages nothing new), nor a kept
        # version: past the retention, `prune` removes it.
        kept = {v["s3_key"] for v in version.fields.get("spec_versions", [])}
        leftovers["artifacts"] = tuple(
            sorted(kind.artifacts(record, pending=False) - set(new_artifacts) - kept)
        )
        if version.number:
            spec_versions.prune(call, record["tool_id"], version.number, frozenset(kept))
    if old.get("provider_name") and not described.get("provider_name"):
        leftovers["credentials"] = old
    _cleanup(call, record, leftovers, target_address(record)[0])
    return result


# ---------------------------------------------------------------- delete


def delete_tool(call: Call, data: DeleteToolData) -> Result:
    try:
        record = _load_for_delete(call, data.tool_id, data.gateway_id, data)
    except ReplayResult as replayed:
        return replayed.result
    if isinstance(record, Result):
        return record
    return start_delete(call, record, data)


def _load_for_delete(
    call: Call, tool_id: str, gateway_id: str | None, data: Any
) -> ToolRecord | Result:
    record = _find_tool(call, tool_id, gateway_id)
    if record is None:
        raise NotFoundError(f"no tool {tool_id}")
    if record.get("status") == "DELETED":
        replayed = lifecycle.replay(call, TOOL, _resume_with(data))
        if replayed is not None:
            return replayed
        raise NotFoundError(f"no tool {tool_id}")
    return record


def start_delete(call: Call, record: ToolRecord, data: Any) -> Result:
    """DELETING -> target, provider and spec removed -> DELETED (also used by
    a gateway's cascade delete)."""
    authorize(call, TOOL, record)
    started = lifecycle.begin_delete(call, TOOL, record, resume=_resume_with(data))
    if isinstance(started, Result):
        return started
    return _drive_delete(call, started)


def _drive_delete(call: Call, record: ToolRecord) -> Result:
    kind = targets.for_record(record)
    agentcore_targets = call.runtime.targets
    agentcore = record["agentcore"]
    target_id = agentcore["target_id"] if agentcore else None
    gateway_ac = agentcore["gateway_id"] if agentcore else None
    step = "ListGatewayTargets"
    sent = False
    try:
        if not target_id and record.get("prev_status") == "PENDING":
            gateway_ac = gateway_agentcore_id(_load_gateway_any(call, record["gateway_id"]))
            found = (
                agentcore_targets.find_target_by_name(str(gateway_ac), record["name"])
                if gateway_ac
                else None
            )
            target_id = found.get("targetId") if found else None
        if target_id and gateway_ac:
            step = "DeleteGatewayTarget"
            agentcore_targets.delete_gateway_target(str(gateway_ac), str(target_id))
            sent = True
            step = "GetGatewayTarget"
            if not agentcore_targets.wait_until_deleted(
                str(gateway_ac),
                str(target_id),
                deadline=call.poll_deadline,
                clock=call.runtime.clock,
                sleep=call.runtime.sleep,
            ):
                raise UpstreamUnavailableError(
                    "AgentCore is still deleting the target; send the same request again",
                    maybe_applied=True,
                )
        described = dict(record["credentials"] or {})
        if described.get("type") in _SECRET_KINDS:
            step = "DeleteCredentialProvider"
            call.runtime.providers.delete_provider(
                described.get("provider_name") or provider_name(record["tool_id"]),
                described["type"],
            )
        for ref in sorted(kind.artifacts(record, pending=False)):
            step = kind.remove_step
            kind.remove(call, ref)
    except UpstreamUnavailableError as exc:
        lifecycle.pause(call, TOOL, record, exc, step)
        raise
    except RegistryError as exc:
        if sent:  # the target delete was taken: stay DELETING for a resume
            lifecycle.pause(call, TOOL, record, exc, step)
        else:
            lifecycle.fail_delete(call, TOOL, record, exc, step)
        raise
    return lifecycle.finish_delete(
        call, TOOL, record, tool_name_key(record["gateway_id"], record["name"])
    )


def _load_gateway_any(call: Call, gateway_id: str) -> GatewayRecord | None:
    """The gateway record of any status, or None."""
    return call.runtime.records.get_gateway(gateway_id)


# ---------------------------------------------------------------- reconcile


def remote(call: Call, record: ToolRecord) -> dict[str, Any] | None:
    """The target an ACTIVE tool record names, as AgentCore has it (None: gone)."""
    return call.runtime.targets.get_gateway_target(*target_address(record))


def drift(
    call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
) -> str | None:
    """Why an ACTIVE tool's target no longer serves what its record says, or
    None (`target` None: listed as unchanged; see `TargetKind.drift`)."""
    return targets.for_record(record).drift(call, record, target, listing)


def unchanged(record: ToolRecord, summary: dict[str, Any]) -> bool:
    """Whether ListGatewayTargets shows the tool's target as the registry
    last confirmed it: not FAILED, and the `updatedAt` the record kept
    (AgentCore's own clock, so no skew). A record from before it was kept
    is never taken as unchanged: GetGatewayTarget looks."""
    ref = record.get("agentcore")
    kept = ref.get("updated_at") if ref else None
    return (
        summary.get("status") != "FAILED"
        and kept is not None
        and tools_service.timestamp(summary.get("updatedAt")) == kept
    )
