"""The request ledger: what makes every mutation idempotent.

One item per mutating `request_id` (in the gateways table, key
`request#<request_id>`), written in the same transaction that starts the
mutation, so a request id can only ever start one thing. It holds the hash
of the action and data, the resource it works on, and, once finished, the
outcome that a replay answers with. Items expire after LEDGER_TTL_DAYS
(DynamoDB TTL on `expires_at`).
"""

from __future__ import annotations

from typing import Any

from services.context import Call
from services.errors import IdempotencyConflictError, RegistryError
from services.records import dynamo
from services.records.record_store import ledger_key

IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
LEDGER_TTL_DAYS = 30


def start(
    call: Call, table: str, resource_type: str, resource_key: dict[str, str]
) -> dict[str, Any]:
    """Put operation: claim the request id (fails if it was used before)."""
    resource_id = next(iter(resource_key.values()))
    item = {
        **ledger_key(call.rid),
        "ledger_action": call.action,
        "request_hash": call.request_hash,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "resource_key": resource_key,
        "state": IN_PROGRESS,
        "requested_at": call.now_iso(),
        "requested_by": call.who,
        "expires_at": int(call.now()) + LEDGER_TTL_DAYS * 86400,
    }
    return dynamo.put(table, item, dynamo.Condition().absent("gateway_id"))


def complete(
    call: Call, table: str, status: int, error: RegistryError | None = None
) -> dict[str, Any]:
    """Update operation: record the outcome a replay will answer with."""
    return finish_other(call, table, call.rid, status, error)


def finish_other(
    call: Call, table: str, request_id: str, status: int, error: RegistryError | None
) -> dict[str, Any]:
    return dynamo.update(
        table,
        ledger_key(request_id),
        {
            "state": COMPLETED,
            "outcome_status": status,
            "outcome_error": error.to_dict() if error else None,
            "completed_at": call.now_iso(),
        },
    )


def check_same_request(call: Call, ledger: dict[str, Any]) -> None:
    """A request id replayed with another action or other data is refused."""
    if (
        ledger.get("ledger_action") != call.action
        or ledger.get("request_hash") != call.request_hash
    ):
        raise IdempotencyConflictError(
            f"request_id {call.rid!r} was already used for another request "
            f"({ledger.get('ledger_action')}); send a new request_id",
            [{"field": "request_id", "message": "reused with another action or other data"}],
        )
