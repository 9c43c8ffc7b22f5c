"""The safe flow for gateways: DynamoDB and AgentCore kept in step.

CREATE  validate -> PENDING (record, name claim and ledger in one
        transaction) -> CreateGateway with a clientToken -> poll -> ACTIVE.
UPDATE  validate -> check the record -> lease + pending change -> UpdateGateway
        -> poll -> apply the change.
DELETE  check -> DELETING -> DeleteGateway -> poll until gone -> DELETED.

Every write is conditional on the version it read, so two writers never both
win. A lease (the request id and the Lambda's deadline) marks who is working
on a record; a request whose process died leaves its lease to expire, and the
same request sent again (or `reconcile`) resumes from the recorded state.

About 500 lines: the three flows share their private steps and a resume
that crosses them, as in services/tools/tool_flow.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from services.context import Call
from services.errors import (
    ConflictError,
    NotFoundError,
    RegistryError,
    RequestValidationError,
    UpstreamError,
    UpstreamUnavailableError,
)
from services.gateway.gateway_service import GatewayService, client_token, summarize
from services.gateway.models import (
    CreateGatewayData,
    DeleteGatewayData,
    GetGatewayData,
    ListGatewaysData,
    UpdateGatewayData,
)
from services.logging import log_step
from services.records import audit, dynamo, ledger, lifecycle
from services.records.dynamo import Condition, WriteCancelled
from services.records.kinds import GATEWAY
from services.records.lifecycle import (
    ReplayResult,
    Result,
    authorize,
    error_record,
    live_lease,
    new_lease,
    public_view,
)
from services.records.record_store import RECORD_TYPE_INDEX, TEAM_INDEX, gateway_name_key
from services.records.types import GatewayRecord, GatewayRef, gateway_agentcore_id


def gateway_id_for(request_id: str) -> str:
    """A create's record id, derived from its request id: a retried create
    lands on the same key, which is how the store tells a retry from a new
    request."""
    return "gw-" + hashlib.sha256(f"gateway:{request_id}".encode()).hexdigest()[:20]


def _service(call: Call) -> GatewayService:
    return call.runtime.gateways


def _table(call: Call) -> str:
    return GATEWAY.table(call)


def _transition(call: Call, record: GatewayRecord, **kwargs: Any) -> GatewayRecord:
    return lifecycle.transition(call, GATEWAY, record, **kwargs)


def _load(call: Call, gateway_id: str) -> GatewayRecord:
    record = call.runtime.records.get_gateway(gateway_id)
    if record is None or record.get("status") == "DELETED":
        raise NotFoundError(f"no gateway {gateway_id}")
    return record


def _replay(call: Call) -> Result | None:
    return lifecycle.replay(call, GATEWAY, resume)


def _refuse(call: Call, error: RegistryError) -> RegistryError:
    return lifecycle.refuse(call, GATEWAY, resume, error)


def resume(call: Call, taken: GatewayRecord) -> Result:
    """Finish what a dead request left, from the state it recorded (a
    replay of that request, or reconcile)."""
    status = taken.get("status")
    if status == "PENDING":
        return _drive_create(call, taken, resumed=True)
    if status == "DELETING":
        return _drive_delete(call, taken)
    if taken.get("pending") is not None:
        return _drive_update(call, taken)
    released = _transition(call, taken, outcome="resumed-nothing-to-do", remove=("lease",))
    return Result(200, public_view(released))


def remote(call: Call, record: GatewayRecord) -> dict[str, Any] | None:
    """The gateway an ACTIVE record names, as AgentCore has it (None: gone)."""
    return _service(call).get_gateway(str(gateway_agentcore_id(record)))


# ---------------------------------------------------------------- create


def create_gateway(call: Call, data: CreateGatewayData) -> Result:
    gateway_id = gateway_id_for(call.rid)
    now = call.now_iso()
    actor = call.actor
    assert actor is not None  # noqa: S101 - the dispatcher requires an actor for mutations
    record: GatewayRecord = {
        "gateway_id": gateway_id,
        "record_type": "gateway",
        "name": data.name,
        "description": data.description,
        "authorizer_type": data.authorizer_type,
        "authorizer": data.authorizer.model_dump(exclude_none=True) if data.authorizer else None,
        "tags": data.tags or {},
        "metadata": data.metadata or {},
        "semantic_search": data.semantic_search,
        "kms_key_arn": data.kms_key_arn,
        "exception_level": data.exception_level,
        "status": "PENDING",
        "team": actor.team,
        "created_by": actor.user,
        "updated_by": actor.user,
        "created_at": now,
        "updated_at": now,
        "synced_at": None,
        "request_id": call.rid,
        "request_hash": call.request_hash,
        "version": 1,
        "last_error": None,
        "agentcore": None,
        "lease": new_lease(call),
        "audit": [audit.entry(call, "create-started", version=1, status="PENDING")],
    }
    table = _table(call)
    try:
        call.runtime.records.write(
            [
                ledger.start(call, table, "gateway", {"gateway_id": gateway_id}),
                dynamo.put(table, record, Condition().absent("gateway_id")),
                dynamo.put(
                    table,
                    {
                        **gateway_name_key(data.name),
                        "claimed_by": gateway_id,
                        "request_id": call.rid,
                    },
                    Condition().absent("gateway_id"),
                ),
            ]
        )
    except WriteCancelled as cancelled:
        if cancelled.failed(0) or cancelled.failed(1):
            replay = _replay(call)
            if replay is not None:
                return replay
        if cancelled.failed(2):
            raise ConflictError(
                f"a gateway named {data.name!r} already exists",
                [
                    {
                        "field": "name",
                        "message": "names are unique among gateways that are not FAILED or DELETED",
                    }
                ],
            ) from None
        raise ConflictError("the gateway is being changed concurrently; retry") from None
    log_step("create-started", "ok", gateway_id=gateway_id, status="PENDING")
    return _drive_create(call, record, resumed=False)


def _drive_create(call: Call, record: GatewayRecord, *, resumed: bool) -> Result:
    service = _service(call)
    step = "CreateGateway"
    try:
        existing = None
        known_id = gateway_agentcore_id(record)
        if known_id:
            step = "GetGateway"
            existing = service.get_gateway(known_id)
        elif resumed:
            # The process may have died after AgentCore created the gateway
            # but before we recorded its id: adopt it by name, never create
            # a second one.
            step = "ListGateways"
            existing = service.find_gateway_by_name(record["name"])
        if existing is None:
            step = "CreateGateway"
            existing = service.create_gateway(
                name=record["name"],
                description=record.get("description"),
                authorizer_type=record["authorizer_type"],
                authorizer=record.get("authorizer"),
                tags=record.get("tags") or None,
                semantic_search=record.get("semantic_search"),
                kms_key_arn=record.get("kms_key_arn"),
                exception_level=record.get("exception_level"),
                # Derived from the record id, itself derived from the creating
                # request: every attempt at this create sends the same token.
                token=client_token("gateway", str(record["gateway_id"])),
            )
        log_step(
            step, "ok", gateway_id=record["gateway_id"], agentcore_id=existing.get("gatewayId")
        )
        step = "GetGateway"
        settled = service.wait_until_settled(
            str(existing["gatewayId"]),
            existing,
            deadline=call.poll_deadline,
            clock=call.runtime.clock,
            sleep=call.runtime.sleep,
        )
    except UpstreamUnavailableError as exc:
        if exc.maybe_applied or step != "CreateGateway":
            lifecycle.pause(call, GATEWAY, record, exc, step)
        else:
            _fail_create(call, record, exc, step, agentcore=None)
        raise
    except RegistryError as exc:
        if step == "GetGateway":
            # The create was sent (and may have made the gateway): stay
            # PENDING so a resume adopts it, rather than leave an orphan.
            lifecycle.pause(call, GATEWAY, record, exc, step)
        else:
            _fail_create(call, record, exc, step, agentcore=None)
        raise

    status = settled.get("status")
    if status == "READY":
        return lifecycle.finish(
            call,
            GATEWAY,
            record,
            outcome="create-succeeded",
            status_code=201,
            set_={"status": "ACTIVE", "agentcore": summarize(settled)},
        )
    if status in ("FAILED", "DELETED"):
        reasons = "; ".join(settled.get("statusReasons") or []) or f"the gateway ended {status}"
        error = UpstreamError(
            f"AgentCore could not create the gateway: {reasons}",
            [{"service": "AgentCore", "code": f"Gateway{status.title()}", "message": reasons}],
        )
        left = _cleanup_failed(call, str(settled["gatewayId"]))
        _fail_create(
            call, record, error, "GetGateway", agentcore=summarize(settled) if left else None
        )
        raise error
    busy = UpstreamUnavailableError(
        f"AgentCore is still creating the gateway ({status}); send the same request again to resume"
    )
    lifecycle.pause(call, GATEWAY, record, busy, "GetGateway", agentcore=summarize(settled))
    raise busy


def _cleanup_failed(call: Call, agentcore_id: str) -> bool:
    """Delete a gateway that ended FAILED, so nothing is left behind.

    Returns True if it could not be deleted (reconcile will see it on the
    FAILED record)."""
    try:
        _service(call).delete_gateway(agentcore_id)
    except RegistryError as exc:
        log_step("DeleteGateway", "failed", agentcore_id=agentcore_id, error=exc.code)
        return True
    log_step("DeleteGateway", "ok", agentcore_id=agentcore_id)
    return False


def _fail_create(
    call: Call,
    record: GatewayRecord,
    error: RegistryError,
    step: str,
    *,
    agentcore: GatewayRef | None,
) -> None:
    """Record a failed create: FAILED with last_error, name released, and the
    ledger answering this failure to any replay."""
    table = _table(call)
    _transition(
        call,
        record,
        outcome="create-failed",
        set_={
            "status": "FAILED",
            "last_error": error_record(call, error, step),
            "agentcore": agentcore,
        },
        remove=("lease",),
        expect=Condition().equals("lease.request_id", call.rid),
        extra=(
            dynamo.delete(table, gateway_name_key(record["name"])),
            ledger.complete(call, table, error.status, error),
        ),
        detail=error.message,
    )


# ---------------------------------------------------------------- reads


def get_gateway(call: Call, data: GetGatewayData) -> Result:
    return Result(200, public_view(_load(call, data.gateway_id)))


def list_gateways(call: Call, data: ListGatewaysData) -> Result:
    if data.team:
        index, key_name, key_value = TEAM_INDEX, "team", data.team
    else:
        index, key_name, key_value = RECORD_TYPE_INDEX, "record_type", "gateway"
    items, token = call.runtime.records.gateways_page(
        index=index,
        key_name=key_name,
        key_value=key_value,
        status=data.status,
        limit=data.limit,
        next_token=data.next_token,
    )
    return Result(200, {"items": [public_view(i) for i in items], "next_token": token})


# ---------------------------------------------------------------- update


def update_gateway(call: Call, data: UpdateGatewayData) -> Result:
    record = _load(call, data.gateway_id)
    authorize(call, GATEWAY, record)
    started = lifecycle.begin_update(
        call,
        GATEWAY,
        record,
        expected_version=data.expected_version,
        pending=lambda: _desired_changes(record, data),
        resume=resume,
    )
    if isinstance(started, Result):
        return started
    return _drive_update(call, started)


def _desired_changes(record: GatewayRecord, data: UpdateGatewayData) -> dict[str, Any]:
    changes = data.changes()
    if "authorizer_type" in changes and changes["authorizer_type"] != "CUSTOM_JWT":
        changes["authorizer"] = None
    authorizer_type = changes.get("authorizer_type", record.get("authorizer_type"))
    if changes.get("authorizer") is not None and authorizer_type != "CUSTOM_JWT":
        raise RequestValidationError(
            "an authorizer is only used with authorizer_type CUSTOM_JWT",
            [{"field": "data.authorizer", "message": "set authorizer_type to CUSTOM_JWT as well"}],
        )
    return changes


# What UpdateGateway carries; a change of anything else (metadata, tags)
# makes no UpdateGateway call.
AGENTCORE_FIELDS = (
    "description",
    "authorizer_type",
    "authorizer",
    "kms_key_arn",
    "exception_level",
)


def _drive_update(call: Call, record: GatewayRecord) -> Result:
    pending = dict(record.get("pending") or {})
    service = _service(call)
    agentcore_id = str(gateway_agentcore_id(record))
    agentcore = record["agentcore"]
    step = "UpdateGateway"
    # Once AgentCore took a change, a later failure must not hide it: the
    # record keeps the pending change for a resume instead of failing.
    sent = False
    try:
        if any(f in pending for f in AGENTCORE_FIELDS):
            answer = service.update_gateway(
                agentcore_id,
                name=record["name"],
                # The record as the update wants it: its pending change wins.
                description=pending.get("description", record["description"]),
                authorizer_type=pending.get("authorizer_type", record["authorizer_type"]),
                authorizer=pending.get("authorizer", record["authorizer"]),
                # Absent on records written before the options: off.
                semantic_search=record.get("semantic_search"),
                kms_key_arn=pending.get("kms_key_arn", record.get("kms_key_arn")),
                exception_level=pending.get("exception_level", record.get("exception_level")),
            )
            sent = True
            step = "GetGateway"
            answer = service.wait_until_settled(
                agentcore_id,
                answer,
                deadline=call.poll_deadline,
                clock=call.runtime.clock,
                sleep=call.runtime.sleep,
            )
            if answer.get("status") != "READY":
                sent = False  # AgentCore says the update did not apply
                reasons = "; ".join(answer.get("statusReasons") or []) or str(answer.get("status"))
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
            agentcore = summarize(answer)
        if "tags" in pending and agentcore:
            arn, old, new = str(agentcore["gateway_arn"]), record.get("tags") or {}, pending["tags"]
            step = "TagResource"
            if new:
                service.tag_resource(arn, new)
                sent = True
            step = "UntagResource"
            if dropped := sorted(set(old) - set(new)):
                service.untag_resource(arn, dropped)
    except RegistryError as exc:
        maybe = isinstance(exc, UpstreamUnavailableError) and exc.maybe_applied
        if sent or (maybe and step in ("UpdateGateway", "TagResource", "UntagResource")):
            lifecycle.pause(call, GATEWAY, record, exc, step)
        else:
            lifecycle.fail_update(call, GATEWAY, record, exc, step)
        raise
    return lifecycle.finish(
        call,
        GATEWAY,
        record,
        outcome="update-succeeded",
        status_code=200,
        set_={**pending, "agentcore": agentcore},
        remove=("lease", "pending"),
    )


# ---------------------------------------------------------------- delete


# Deletes a gateway's live tools before the gateway (services/cascade.py).
DeleteTools = Callable[[Call, GatewayRecord], None]


def delete_gateway(
    call: Call, data: DeleteGatewayData, *, delete_tools: DeleteTools | None = None
) -> Result:
    """`delete_tools`: how `cascade: true` deletes the tools (the cascade
    passes the tool flow's); without it a cascade over tools is refused."""
    try:
        return _delete_gateway(call, data, delete_tools)
    except ReplayResult as replay:
        return replay.result


def _delete_gateway(
    call: Call, data: DeleteGatewayData, delete_tools: DeleteTools | None
) -> Result:
    store = call.runtime.records
    record = store.get_gateway(data.gateway_id)
    if record is None:
        raise NotFoundError(f"no gateway {data.gateway_id}")
    if record.get("status") == "DELETED":
        # A replayed delete answers its recorded outcome; any other is 404.
        replay = _replay(call)
        if replay is not None:
            return replay
        raise NotFoundError(f"no gateway {data.gateway_id}")
    authorize(call, GATEWAY, record)
    tools = store.count_live_tools(data.gateway_id)
    if tools and not (data.cascade and delete_tools is not None):
        raise _refuse(
            call,
            ConflictError(
                f"gateway {data.gateway_id} still has {tools} tool(s); "
                "delete them first or send cascade: true"
            ),
        )
    if tools and delete_tools is not None and live_lease(call, record) is None:
        delete_tools(call, record)
    started = lifecycle.begin_delete(call, GATEWAY, record, resume=resume)
    if isinstance(started, Result):
        return started
    return _drive_delete(call, started)


def _drive_delete(call: Call, record: GatewayRecord) -> Result:
    service = _service(call)
    sent = False
    agentcore_id = gateway_agentcore_id(record)
    step = "ListGateways"
    try:
        if not agentcore_id and record.get("prev_status") == "PENDING":
            # A create that died before recording AgentCore's id.
            found = service.find_gateway_by_name(record["name"])
            agentcore_id = found.get("gatewayId") if found else None
        if agentcore_id:
            step = "DeleteGateway"
            service.delete_gateway(str(agentcore_id))
            sent = True
            step = "GetGateway"
            gone = service.wait_until_deleted(
                str(agentcore_id),
                deadline=call.poll_deadline,
                clock=call.runtime.clock,
                sleep=call.runtime.sleep,
            )
            if not gone:
                raise UpstreamUnavailableError(
                    "AgentCore is still deleting the gateway; send the same request again",
                    maybe_applied=True,
                )
    except UpstreamUnavailableError as exc:
        lifecycle.pause(call, GATEWAY, record, exc, step)
        raise
    except RegistryError as exc:
        if sent:  # AgentCore took the delete: stay DELETING for a resume
            lifecycle.pause(call, GATEWAY, record, exc, step)
        else:  # AgentCore refused (for example: the gateway still has targets)
            lifecycle.fail_delete(call, GATEWAY, record, exc, step)
        raise
    return lifecycle.finish_delete(call, GATEWAY, record, gateway_name_key(record["name"]))
