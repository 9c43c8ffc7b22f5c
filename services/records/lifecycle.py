"""The parts of the safe flow that gateways and tools share.

A record is written only through `transition`: the next version,
conditioned on the version read (optimistic locking), with the audit entry
and any other writes (ledger, name claim) in the same transaction. A lease
(`request_id`, `until` = the Lambda's deadline) marks who is working on a
record; `replay` answers a request id seen before, or resumes its work once
the dead invocation's lease expired.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from services.config import Settings
from services.context import Call
from services.errors import (
    ConflictError,
    ForbiddenError,
    InProgressError,
    InternalError,
    RegistryError,
    error_from_dict,
)
from services.logging import log_step
from services.records import audit, dynamo, ledger
from services.records.dynamo import Condition
from services.records.record_store import RecordStore
from services.records.types import (
    GatewayRecord,
    GatewayRef,
    LastError,
    Lease,
    TargetRef,
    ToolRecord,
    lease_holder,
)

# The flow's own bookkeeping: never part of the record a caller sees.
_INTERNAL = ("lease", "pending", "prev_status", "record_type", "request_hash")


@dataclass(frozen=True)
class Result:
    status: int
    data: dict[str, Any]


# A record of either kind; a function over R is checked by mypy once per kind.
R = TypeVar("R", GatewayRecord, ToolRecord)


@dataclass(frozen=True)
class Kind(Generic[R]):
    """Where records of one kind live, how they are keyed, and the key of
    the name claim a live record holds (services/records/kinds.py). The key
    and the id are functions of the typed record: a TypedDict is indexed by
    literal keys only."""

    name: str
    # The attribute that identifies a record in log lines (its id).
    id_field: str
    table_of: Callable[[Settings], str]
    key: Callable[[R], dict[str, str]]
    ident: Callable[[R], str]
    name_claim: Callable[[R], dict[str, str]]
    # The record under a key (a ledger entry's `resource_key`), typed.
    read: Callable[[RecordStore, Mapping[str, Any]], R | None]

    def table(self, call: Call) -> str:
        return self.table_of(call.runtime.settings)


def public_view(record: R) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in _INTERNAL}


def ledger_table(call: Call) -> str:
    """The request ledger lives in the gateways table, for every kind."""
    return call.runtime.settings.gateways_table_name


def error_record(call: Call, error: RegistryError, step: str) -> LastError:
    code = error.details[0].get("code", error.code) if error.details else error.code
    return {"code": code, "message": error.message, "step": step, "at": call.now_iso()}


def live_lease(call: Call, record: R) -> Lease | None:
    lease = record.get("lease")
    if lease and float(lease["until"]) > call.now():
        return lease.copy()
    return None


def new_lease(call: Call) -> Lease:
    return {"request_id": call.rid, "until": call.deadline}


def authorize(call: Call, kind: Kind[R], record: R) -> None:
    """Only the owning team, or an actor with the role admin, may change it."""
    actor = call.actor
    if actor is None or (actor.team != record.get("team") and not actor.is_admin):
        raise ForbiddenError(
            f"team {actor.team if actor else None!r} does not own "
            f"{kind.name} {kind.ident(record)}; only the owning team or an admin may change it"
        )


def transition(
    call: Call,
    kind: Kind[R],
    record: R,
    *,
    outcome: str,
    set_: dict[str, Any] | None = None,
    remove: tuple[str, ...] = (),
    expect: Condition | None = None,
    extra: tuple[dict[str, Any], ...] = (),
    detail: str | None = None,
) -> R:
    """Write the next version of a record, conditioned on the version read,
    with `extra` writes in the same transaction. Returns the new record."""
    version = int(record["version"]) + 1
    status = (set_ or {}).get("status", record.get("status"))
    changes = {
        **(set_ or {}),
        "version": version,
        "updated_at": call.now_iso(),
        "updated_by": call.who,
        "request_id": call.request_id,
        "audit": audit.appended(
            record, audit.entry(call, outcome, version=version, status=status, detail=detail)
        ),
    }
    condition = (expect or Condition()).equals("version", record["version"])
    operation = dynamo.update(kind.table(call), kind.key(record), changes, remove, condition)
    call.runtime.records.write([operation, *extra])
    new = {**record, **changes}
    for attr in remove:
        new.pop(attr, None)
    log_step(outcome, "ok", **{kind.id_field: kind.ident(record)}, version=version, status=status)
    # The record as written: the one read, with the changes the flow chose
    # (the flows set only the record's own attributes, in their shapes).
    return cast(R, new)


def take_over(call: Call, kind: Kind[R], record: R) -> R:
    """Take a record whose lease expired (its holder died)."""
    log_step(
        "resume", "started", **{kind.id_field: kind.ident(record)}, status=record.get("status")
    )
    return transition(
        call,
        kind,
        record,
        outcome="resumed",
        set_={"lease": new_lease(call)},
        expect=Condition().lease_free(call.now()),
    )


Resume = Callable[[Call, R], Result]


def replay(call: Call, kind: Kind[R], resume: Resume[R]) -> Result | None:
    """If this request id was seen before: its outcome, or a resume of its
    work (`resume` gets the record with our lease on it).

    Returns None when the request id is new.
    """
    records = call.runtime.records
    entry = records.get_ledger(call.rid)
    if entry is None:
        return None
    ledger.check_same_request(call, entry)
    record = kind.read(records, entry["resource_key"])
    if entry.get("state") == ledger.COMPLETED:
        log_step("replay", "completed", resource=entry.get("resource_id"))
        if entry.get("outcome_error"):
            raise error_from_dict(entry["outcome_error"])
        if record is None:  # pragma: no cover - records are never removed
            raise InternalError("the record of this request is missing")
        return Result(int(entry["outcome_status"]), public_view(record))
    if record is None:  # pragma: no cover - the ledger and record are written together
        raise InternalError("the record of this request is missing")
    lease = live_lease(call, record)
    if lease is not None:
        if lease.get("request_id") == call.request_id:
            wait = int(lease["until"] - call.now()) + 1
            raise InProgressError(
                f"request {call.rid} is still being worked on; retry after {wait}s"
            )
        raise ConflictError(f"{kind.name} {kind.ident(record)} is being changed by another request")
    return resume(call, take_over(call, kind, record))


class ReplayResult(Exception):
    """Carries a replayed outcome out of a state check (see `refuse`)."""

    def __init__(self, result: Result) -> None:
        self.result = result


def refuse(call: Call, kind: Kind[R], resume: Resume[R], error: RegistryError) -> RegistryError:
    """A state check failed: unless this request id is a replay, refuse with
    `error`. A replay raises ReplayResult, which the action returns."""
    result = replay(call, kind, resume)
    if result is not None:
        raise ReplayResult(result)
    return error


def supersede(call: Call, record: R) -> tuple[dict[str, Any], ...]:
    """Close the ledger of a request whose process died holding the record,
    so replaying it answers Conflict instead of resuming stale work."""
    lease = record.get("lease")
    if not lease or lease.get("request_id") in (None, call.request_id):
        return ()
    error = ConflictError(f"superseded by request {call.rid} after its lease expired")
    return (ledger.finish_other(call, ledger_table(call), str(lease["request_id"]), 409, error),)


def _seen(call: Call, record: R) -> bool:
    """This request id already worked on the record (holds its lease, or is
    in its audit trail): answer as a replay, not as a new request."""
    return lease_holder(record) == call.request_id or any(
        entry.get("request_id") == call.request_id for entry in record.get("audit", [])
    )


def begin_update(
    call: Call,
    kind: Kind[R],
    record: R,
    *,
    expected_version: int | None,
    pending: Callable[[], dict[str, Any]],
    resume: Resume[R],
) -> R | Result:
    """Check the record, then take it with the change as `pending` (the
    ledger entry in the same transaction). Returns the taken record, or the
    Result of a replay. `pending` runs after the state checks: it may cost
    (a spec is validated there) and may refuse."""
    try:
        return _begin_update(
            call, kind, record, expected_version=expected_version, pending=pending, resume=resume
        )
    except ReplayResult as replayed:
        return replayed.result


def _begin_update(
    call: Call,
    kind: Kind[R],
    record: R,
    *,
    expected_version: int | None,
    pending: Callable[[], dict[str, Any]],
    resume: Resume[R],
) -> R | Result:
    ident = f"{kind.name} {kind.ident(record)}"
    if _seen(call, record) and (result := replay(call, kind, resume)) is not None:
        return result
    if record.get("status") != "ACTIVE":
        status = record.get("status")
        raise refuse(
            call, kind, resume, ConflictError(f"{ident} is {status}; only ACTIVE can be updated")
        )
    if expected_version is not None and expected_version != record["version"]:
        raise refuse(
            call,
            kind,
            resume,
            ConflictError(
                f"{ident} is at version {record['version']}, not {expected_version}",
                [
                    {
                        "field": "expected_version",
                        "message": f"current version is {record['version']}",
                    }
                ],
            ),
        )
    if live_lease(call, record) is not None:
        raise refuse(
            call, kind, resume, ConflictError(f"{ident} is being changed by another request")
        )
    try:
        return transition(
            call,
            kind,
            record,
            outcome="update-started",
            set_={"lease": new_lease(call), "pending": pending()},
            expect=Condition().equals("status", "ACTIVE").lease_free(call.now()),
            extra=(
                ledger.start(call, ledger_table(call), kind.name, kind.key(record)),
                *supersede(call, record),
            ),
        )
    except dynamo.WriteCancelled as cancelled:
        if cancelled.failed(1) and (result := replay(call, kind, resume)) is not None:
            return result
        raise ConflictError(f"{ident} changed while we updated it; read it and retry") from None


def begin_delete(call: Call, kind: Kind[R], record: R, *, resume: Resume[R]) -> R | Result:
    """Check the record, then mark it DELETING under our lease (the ledger
    entry in the same transaction). A delete that another request left half
    done (its lease expired) is taken over and finished. Returns the taken
    record, or the Result of a replay."""
    try:
        return _begin_delete(call, kind, record, resume)
    except ReplayResult as replayed:
        return replayed.result


def _begin_delete(call: Call, kind: Kind[R], record: R, resume: Resume[R]) -> R | Result:
    ident = f"{kind.name} {kind.ident(record)}"
    lease = live_lease(call, record)
    if lease is not None:
        if lease.get("request_id") == call.request_id:
            raise InProgressError(f"request {call.rid} is still being worked on")
        raise refuse(
            call, kind, resume, ConflictError(f"{ident} is being changed by another request")
        )
    if (
        lease_holder(record) == call.request_id
        and (result := replay(call, kind, resume)) is not None
    ):
        return result  # this request's own process died: resume it
    before = (
        record.get("prev_status") or record["status"]
        if record["status"] == "DELETING"
        else record["status"]
    )
    try:
        return transition(
            call,
            kind,
            record,
            outcome="delete-started",
            set_={"status": "DELETING", "prev_status": before, "lease": new_lease(call)},
            expect=Condition()
            .one_of("status", ("ACTIVE", "FAILED", "PENDING", "DELETING"))
            .lease_free(call.now()),
            extra=(
                ledger.start(call, ledger_table(call), kind.name, kind.key(record)),
                *supersede(call, record),
            ),
        )
    except dynamo.WriteCancelled as cancelled:
        if cancelled.failed(1) and (result := replay(call, kind, resume)) is not None:
            return result
        raise ConflictError(f"{ident} changed while we deleted it; read it and retry") from None


def _held(call: Call) -> Condition:
    return Condition().equals("lease.request_id", call.rid)


def pause(
    call: Call,
    kind: Kind[R],
    record: R,
    error: RegistryError,
    step: str,
    *,
    agentcore: GatewayRef | TargetRef | None = None,
) -> None:
    """Stop without an outcome: AgentCore may still be working, or may have
    done what we asked. The record keeps its state, the lease is released,
    and the same request sent again (or reconcile) resumes from here."""
    set_: dict[str, Any] = {"last_error": error_record(call, error, step)}
    if agentcore is not None:
        set_["agentcore"] = agentcore
    transition(
        call,
        kind,
        record,
        outcome="paused",
        set_=set_,
        remove=("lease",),
        expect=_held(call),
        detail=error.message,
    )


def fail_update(call: Call, kind: Kind[R], record: R, error: RegistryError, step: str) -> None:
    """A refused update: the resource still serves its previous
    configuration, so the record keeps it (and its status) and says what
    failed; the ledger answers this failure to any replay."""
    transition(
        call,
        kind,
        record,
        outcome="update-failed",
        set_={"last_error": error_record(call, error, step)},
        remove=("lease", "pending"),
        expect=_held(call),
        extra=(ledger.complete(call, ledger_table(call), error.status, error),),
        detail=error.message,
    )


def fail_delete(call: Call, kind: Kind[R], record: R, error: RegistryError, step: str) -> None:
    """AgentCore refused the delete: the resource is untouched, so the record
    goes back to what it was, with last_error."""
    transition(
        call,
        kind,
        record,
        outcome="delete-failed",
        set_={
            "status": record.get("prev_status") or "ACTIVE",
            "last_error": error_record(call, error, step),
        },
        remove=("lease", "prev_status"),
        expect=_held(call),
        extra=(ledger.complete(call, ledger_table(call), error.status, error),),
        detail=error.message,
    )


def finish(
    call: Call,
    kind: Kind[R],
    record: R,
    *,
    outcome: str,
    status_code: int,
    set_: dict[str, Any],
    remove: tuple[str, ...] = ("lease",),
    extra: tuple[dict[str, Any], ...] = (),
    detail: str | None = None,
) -> Result:
    """The last write of a successful flow: the new state, synced now, no
    error, the lease released, the ledger's outcome."""
    final = transition(
        call,
        kind,
        record,
        outcome=outcome,
        set_={**set_, "synced_at": call.now_iso(), "last_error": None},
        remove=remove,
        expect=_held(call),
        extra=(ledger.complete(call, ledger_table(call), status_code), *extra),
        detail=detail,
    )
    return Result(status_code, public_view(final))


def finish_delete(call: Call, kind: Kind[R], record: R, name_claim: dict[str, Any]) -> Result:
    """DELETED: the record (and its audit trail) stays; the name is released
    unless a FAILED record released it already (it may have a new owner)."""
    extra = (
        ()
        if record.get("prev_status") == "FAILED"
        else (dynamo.delete(kind.table(call), name_claim),)
    )
    agentcore = record["agentcore"]
    return finish(
        call,
        kind,
        record,
        outcome="delete-succeeded",
        status_code=200,
        set_={
            "status": "DELETED",
            "agentcore": {**agentcore, "status": "DELETED"} if agentcore else None,
        },
        remove=("lease", "prev_status"),
        extra=extra,
    )
