"""`list_tool_versions`, `diff_tool` and `rollback_tool` (issue 15): a
tool's kept spec versions, what a candidate spec would change, and a kept
version published again.

`diff_tool` checks a candidate source as `update_tool` would (the same
intake, normalization and AgentCore rules: an invalid one is 422) and
answers its diff from the published spec (services/tools/spec_gate.py),
changing nothing.

`refresh_tool` fetches a `url` tool's URL again, with the same fetch
safety: bytes the tool already published from are a no-op (nothing is
written); other bytes are an update (action `refresh`, the gate applies).
`scheduled_refresh` is the reconcile schedule's refresh of a tool created
with `auto_refresh`: a breaking change is never applied there, but held on
the record (`refresh_pending`: when, the candidate's digests, the diff)
until someone publishes a spec.

A rollback is an update whose new spec is a kept version's published
object (services/tools/spec_versions.py), read back from the bucket,
checked against the version's sha256, validated again like any spec, and
published through the same safe flow as `update_tool` (lease, ledger,
pause/resume, audit `update-succeeded`): it becomes a new version (action
`rollback`, `restored_from` the version it restores), and the target reads
that version's object again, since spec objects are stored by content. The
record's `spec.source` and `options` are the version's, so the tool says
where its spec came from, not "inline".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from typing import Any

from services.context import Call, request_hash
from services.errors import BreakingChangeError, ConflictError, RequestValidationError
from services.models import Actor
from services.records import lifecycle
from services.records.dynamo import Condition
from services.records.kinds import TOOL
from services.records.lifecycle import Result, public_view
from services.records.types import ToolRecord
from services.tools import spec_versions, targets
from services.tools.models import (
    MAX_SPEC_BYTES,
    DiffToolData,
    InlineSource,
    ListToolVersionsData,
    RefreshToolData,
    RollbackToolData,
    UpdateToolData,
    UrlSource,
)
from services.tools.targets.openapi import OPENAPI
from services.tools.tool_flow import load_tool, update_tool


def list_tool_versions(call: Call, data: ListToolVersionsData) -> Result:
    # A deleted tool's history stays readable (its objects are gone).
    record = load_tool(call, data.tool_id, data.gateway_id, deleted_ok=True)
    items, token = spec_versions.page(call, record, limit=data.limit, next_token=data.next_token)
    return Result(
        200,
        {
            "tool_id": record["tool_id"],
            "gateway_id": record["gateway_id"],
            "current_version": record.get("spec_version"),
            "items": items,
            "next_token": token,
        },
    )


def _openapi_tool(call: Call, tool_id: str, gateway_id: str | None) -> ToolRecord:
    record = load_tool(call, tool_id, gateway_id)
    if targets.for_record(record) is not OPENAPI:
        why = "only an OpenAPI tool keeps spec versions"
        raise RequestValidationError(why, [{"field": "data.tool_id", "message": why}])
    return record


def diff_tool(call: Call, data: DiffToolData) -> Result:
    # Imported here: the diff is this action's machinery, not a read's.
    from services.tools import spec_gate
    from services.tools.spec_pipeline import PreparedSpec

    record = _openapi_tool(call, data.tool_id, data.gateway_id)
    if targets.for_source(data.source) is not OPENAPI:
        why = "an OpenAPI tool is diffed against an OpenAPI source"
        raise RequestValidationError(why, [{"field": "data.source.type", "message": why}])
    candidate = OPENAPI.prepare(
        call, data.source, target_name=record["name"], existing_targets=0, current=None
    )
    assert isinstance(candidate, PreparedSpec)  # noqa: S101 - without `current` there is one
    diff = spec_gate.diff_from_current(call, record, candidate)
    return Result(
        200,
        {
            "tool_id": record["tool_id"],
            "gateway_id": record["gateway_id"],
            "current_version": record.get("spec_version"),
            "candidate": {
                "sha256": candidate.sha256,
                "operations": list(candidate.report.published_operations),
                "same_as_current": candidate.sha256 == (record.get("spec") or {}).get("sha256"),
            },
            # None: the published object is gone, there is nothing to compare.
            "breaking": diff.breaking if diff is not None else None,
            "diff": diff.to_dict() if diff is not None else None,
        },
    )


def rollback_tool(call: Call, data: RollbackToolData) -> Result:
    record = _openapi_tool(call, data.tool_id, data.gateway_id)
    version = spec_versions.get(call, record, data.version)
    body = call.runtime.spec_bucket.read(str(version["s3_key"]), MAX_SPEC_BYTES)
    if body is None or hashlib.sha256(body).hexdigest() != version["sha256"]:
        raise ConflictError(
            f"version {data.version}'s published spec is no longer in the bucket as it was; "
            "it cannot be restored",
            [{"field": "version", "message": "list_tool_versions lists the kept versions"}],
        )
    restore = UpdateToolData(
        tool_id=record["tool_id"],
        gateway_id=record["gateway_id"],
        expected_version=data.expected_version,
        source=InlineSource(type="inline", spec=json.loads(body)),
        allow_breaking=data.allow_breaking,
    )

    def prepare(current: ToolRecord) -> targets.Prepared | None:
        prepared = OPENAPI.prepare(
            call,
            restore.source,
            target_name=current["name"],
            existing_targets=0,
            current=OPENAPI.description(current),
        )
        if prepared is None:
            return None
        # Where the spec came from is the version's (its url, its options).
        return dataclasses.replace(
            prepared,
            description=version.get("source") or {},
            options=version.get("options") or {},
        )

    return update_tool(call, restore, action="rollback", prepare=prepare, record=record)


def refresh_tool(call: Call, data: RefreshToolData) -> Result:
    record = _openapi_tool(call, data.tool_id, data.gateway_id)
    spec = record.get("spec") or {}
    described = spec.get("source") or {}
    if described.get("type") != "url":
        why = "only a tool whose spec came from a url refreshes; send update_tool with a source"
        raise RequestValidationError(why, [{"field": "data.tool_id", "message": why}])
    options = {k: v for k, v in (spec.get("options") or {}).items() if v is not None}
    # The URL as the record keeps it: without the query, fragment and
    # userinfo it was sent with (docs/api.md, "Sources").
    source = UrlSource(type="url", url=str(described["url"]), **options)
    # A record another request holds goes through the update flow, which
    # refuses or resumes it; otherwise unchanged bytes are a no-op.
    held = record.get("pending") is not None
    prepared = OPENAPI.prepare(
        call,
        source,
        target_name=record["name"],
        existing_targets=0,
        current=None if held else OPENAPI.description(record),
    )
    if prepared is None:
        return Result(200, {**public_view(record), "refreshed": False})
    update = UpdateToolData(
        tool_id=record["tool_id"],
        gateway_id=record["gateway_id"],
        expected_version=data.expected_version,
        source=source,
        allow_breaking=data.allow_breaking,
    )
    result = update_tool(call, update, action="refresh", prepare=lambda _: prepared, record=record)
    return Result(result.status, {**result.data, "refreshed": True})


def scheduled_refresh(call: Call, record: ToolRecord, *, actor: Actor) -> tuple[str, str]:
    """The schedule's refresh of an `auto_refresh` tool, as its own request
    (a new request id, acting for the tool's team): `(outcome, detail)`,
    outcome one of `unchanged`, `refreshed`, `held`. A breaking change is
    held on the record, never applied. Raises what the refresh raises
    otherwise (a fetch refused, AgentCore unavailable)."""
    data = RefreshToolData(tool_id=record["tool_id"], gateway_id=record["gateway_id"])
    rid = f"refresh-{uuid.uuid4()}"
    acting = dataclasses.replace(
        call,
        action="refresh_tool",
        request_id=rid,
        request_hash=request_hash("refresh_tool", data, rid, actor),
        actor=actor,
    )
    try:
        result = refresh_tool(acting, data)
    except BreakingChangeError as exc:
        diff = exc.details[0].get("diff") if exc.details else None
        _hold(acting, record, diff)
        return "held", exc.message
    if not result.data.get("refreshed"):
        return "unchanged", "the URL serves the bytes already published"
    return "refreshed", f"now spec version {result.data.get('spec_version')}"


def _hold(call: Call, record: ToolRecord, diff: dict[str, Any] | None) -> None:
    """Keep what a scheduled refresh found breaking on the record (its last
    finding replaces an older one); the spec served does not change. The
    same finding again is not written again (one audit entry, not one a run)."""
    if (record.get("refresh_pending") or {}).get("diff") == diff:
        return
    lifecycle.transition(
        call,
        TOOL,
        record,
        outcome="refresh-held",
        set_={"refresh_pending": {"found_at": call.now_iso(), "diff": diff}},
        expect=Condition().equals("status", "ACTIVE").lease_free(call.now()),
        detail="a breaking change from the source URL is held, not applied",
    )
