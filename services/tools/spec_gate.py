"""The breaking-change gate (issue 15): a spec about to replace a tool's
published one is diffed against it (services/tools/spec_diff.py), and a
breaking diff is refused with `409 BreakingChange` and the diff in
`details`, before anything is written or sent to AWS, unless the request
says `allow_breaking: true`. The current document is the published object
itself (one S3 GetObject), so the diff compares what AgentCore reads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from services.context import Call
from services.errors import BreakingChangeError
from services.records.types import ToolRecord
from services.tools.models import MAX_SPEC_BYTES
from services.tools.spec_diff import SpecDiff, diff_specs

if TYPE_CHECKING:
    from services.tools.spec_pipeline import PreparedSpec


def diff_from_current(call: Call, record: ToolRecord, candidate: PreparedSpec) -> SpecDiff | None:
    """The diff from the tool's published spec to `candidate`'s, or None
    when the published object is gone (reconcile reports that as drift)."""
    key = (record.get("spec") or {}).get("s3_key")
    body = call.runtime.spec_bucket.read(str(key), MAX_SPEC_BYTES) if key else None
    if body is None:
        return None
    return diff_specs(json.loads(body), json.loads(candidate.body))


def checked(
    call: Call, record: ToolRecord, candidate: PreparedSpec, *, allow_breaking: bool
) -> dict[str, Any] | None:
    """The diff as the version keeps it; raises BreakingChange for a
    breaking one that is not allowed. A published object that is gone
    cannot be compared: that too needs `allow_breaking`."""
    diff = diff_from_current(call, record, candidate)
    if diff is None:
        if not allow_breaking:
            raise BreakingChangeError(
                "the published spec is missing, so the change cannot be checked; "
                "send allow_breaking: true to publish it anyway",
                [{"field": "data.allow_breaking", "message": "the current spec is missing"}],
            )
        return None
    shown = diff.to_dict()
    if diff.breaking and not allow_breaking:
        counts = shown["counts"]
        raise BreakingChangeError(
            "the new spec breaks agents that call the current one: "
            f"{counts['removed']} operation(s) removed and {counts['breaking_findings']} "
            "breaking change(s) in the others; send allow_breaking: true to publish it anyway",
            [{"field": "data.source", "message": "breaking changes", "diff": shown}],
        )
    return shown
