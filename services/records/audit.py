"""The audit trail kept on every record.

An entry per step of every mutation (who, what, when, request id, outcome),
newest last. It lives on the record itself, so it survives deletion (records
are marked DELETED, never removed) and costs no extra write. It is capped so
a record stays far from DynamoDB's 400 KB item limit; CloudWatch keeps the
full log line of every step.
"""

from __future__ import annotations

from services.context import Call
from services.records.types import AuditEntry, GatewayRecord, ToolRecord

MAX_AUDIT_ENTRIES = 100


def entry(
    call: Call, outcome: str, *, version: int, status: str | None, detail: str | None = None
) -> AuditEntry:
    item: AuditEntry = {
        "at": call.now_iso(),
        "action": call.action,
        "request_id": call.request_id,
        "actor": call.who,
        "team": call.actor.team if call.actor else None,
        "outcome": outcome,
        "status": status,
        "version": version,
    }
    if call.identity is not None:
        # jwt mode: the verified caller (for a repair, the admin who ran it).
        item["issuer"] = call.identity.issuer
        item["subject"] = call.identity.subject
    if detail:
        item["detail"] = detail[:300]
    return item


def appended(record: GatewayRecord | ToolRecord, new_entry: AuditEntry) -> list[AuditEntry]:
    trail = [*record.get("audit", []), new_entry]
    return trail[-MAX_AUDIT_ENTRIES:]
