"""Where a resuming `reconcile` stopped (issue 16): one item in the gateways
table per mode (`reconcile#cursor#repair`, `reconcile#cursor#dry-run`), so
a run given too little time for the whole registry is taken up by the next
scheduled one where it stopped, and every record is looked at within a
bounded number of runs instead of the first page again and again.

The item holds the position (the run's own `next_token`: a key of the
gateway index, which new or deleted gateways do not shift, or the account
phase), when its pass started and when the last pass completed. It is
written with a condition on its version: two runs that overlap (a slow
scheduled run and the next one) cannot move it backwards; the one whose
write is refused says so, and the other's position stands. A repair never
depends on the cursor: each is a conditional write on the record itself,
so a gateway looked at twice is never repaired twice.

The item has no `record_type` or `team`, so no index and no listing of
gateways ever sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.context import Call
from services.records import dynamo
from services.records.dynamo import Condition, WriteCancelled


@dataclass(frozen=True)
class Cursor:
    key: dict[str, str]
    # The token to resume from; None: the next run starts a new pass.
    position: str | None
    started_at: str | None
    last_completed_at: str | None
    version: int


def _key(dry_run: bool) -> dict[str, str]:
    return {"gateway_id": f"reconcile#cursor#{'dry-run' if dry_run else 'repair'}"}


def load(call: Call, *, dry_run: bool) -> Cursor:
    key = _key(dry_run)
    item = call.runtime.records.get(call.runtime.settings.gateways_table_name, key) or {}
    return Cursor(
        key=key,
        position=item.get("position"),
        started_at=item.get("pass_started_at"),
        last_completed_at=item.get("last_completed_at"),
        version=int(item.get("version", 0)),
    )


def save(call: Call, before: Cursor, *, position: str | None, started_at: str) -> dict[str, Any]:
    """Leave the cursor at `position` (None: this run completed the pass);
    the answer's `pass`."""
    now = call.now_iso()
    completed_at = now if position is None else None
    item = {
        **before.key,
        "position": position,
        "pass_started_at": None if position is None else started_at,
        "last_completed_at": completed_at or before.last_completed_at,
        "updated_at": now,
        "version": before.version + 1,
    }
    condition = (
        Condition().absent("gateway_id")
        if before.version == 0
        else Condition().equals("version", before.version)
    )
    try:
        call.runtime.records.write(
            [dynamo.put(call.runtime.settings.gateways_table_name, item, condition)]
        )
        saved = True
    except WriteCancelled:
        saved = False  # another run moved it meanwhile: its position stands
    return {
        "started_at": started_at,
        "completed_at": completed_at,
        "last_completed_at": item["last_completed_at"],
        "cursor_saved": saved,
    }
