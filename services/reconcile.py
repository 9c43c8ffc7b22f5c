"""`reconcile`: find where DynamoDB and AgentCore disagree, and repair it.

Pages through the gateway records (and each gateway's tools), then through
AgentCore's gateways and targets, and for each difference decides:

- a record PENDING, DELETING, or ACTIVE with a pending update, whose
  request died (its lease expired) more than `older_than_seconds` ago:
  finish it on behalf of that request (its ledger entry gets the outcome).
  Gateways keep everything they need on the record, so a create is adopted
  (by id, else by name) or made again with the same clientToken. Tools do
  not keep their spec or secrets, so a create is adopted only if AgentCore
  made the target, else it is marked FAILED and its leftovers removed; an
  interrupted tool update is rolled back.
- ACTIVE whose AgentCore resource is gone or FAILED: marked FAILED with the
  reason in last_error.
- a tool whose S3 spec no longer matches the record's sha256, or whose
  target serves another spec: reported as drift (never changed).
- an AgentCore gateway or target that no record knows: reported as an
  orphan; deleted only with `delete_orphans: true` (and not a dry run).
- a spec object or credential provider of the registry's that no live
  record uses: a *leftover* of a FAILED or DELETED tool (or a spec an
  update replaced) is removed; one no record knows is an orphan, as above.
- an ACTIVE tool created with `auto_refresh` (issue 15): refreshed from its
  URL (not in a dry run), as its own request for the tool's team; a
  breaking change is held on the record, never applied, and named in the
  report (`refresh-held`) on every run until a spec is published.

`dry_run` (the default) changes nothing and says what it would do. Every
repair goes through the same conditional, leased writes as the actions, so
reconcile racing a request (or another reconcile) cannot corrupt a record.
It stops before the Lambda's deadline and returns a `next_token` to resume.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic

from services.context import Call
from services.credentials.credentials_service import PROVIDER_PREFIX
from services.errors import RegistryError, RequestValidationError, UpstreamError
from services.gateway import gateway_flow
from services.models import Actor
from services.records import dynamo, kinds, lifecycle
from services.records.dynamo import Condition
from services.records.lifecycle import Kind, R, Result
from services.records.record_store import gateway_name_key, tool_name_key
from services.records.types import GatewayRecord, ToolRecord, gateway_agentcore_id, lease_holder
from services.tools import targets, tool_flow

_RECONCILER = "reconcile"
# Time kept back to write the report's last repair before the deadline.
_STOP_MARGIN_SECONDS = 10.0


@dataclass(frozen=True)
class Subject(Generic[R]):
    """What reconcile asks of each kind of record, so it never branches on
    which kind it holds: how to finish a dead request's work, how to read
    the AgentCore resource an ACTIVE record names, (tools) whether it
    still serves what the record says, and whether an ACTIVE record found
    in step is counted (`in-step` counts tools: a gateway has nothing to
    drift from)."""

    kind: Kind[R]
    recover: Callable[[Call, R], Result]
    remote: Callable[[Call, R], dict[str, Any] | None]
    drift: Callable[[Call, R, dict[str, Any]], str | None]
    counts_in_step: bool


def _no_drift(call: Call, record: GatewayRecord, remote: dict[str, Any]) -> str | None:
    return None  # a gateway record describes nothing the resource could serve differently


GATEWAYS: Subject[GatewayRecord] = Subject(
    kinds.GATEWAY, gateway_flow.resume, gateway_flow.remote, _no_drift, counts_in_step=False
)
TOOLS: Subject[ToolRecord] = Subject(
    kinds.TOOL, tool_flow.recover, tool_flow.remote, tool_flow.drift, counts_in_step=True
)


@dataclass
class Report:
    dry_run: bool
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, kind: str, ident: str, finding: str, action: str, *, done: bool, detail: str = ""
    ) -> None:
        self.counts[finding] += 1
        if done:
            self.counts["repaired"] += 1
        self.findings.append(
            {
                "kind": kind,
                "id": ident,
                "finding": finding,
                "action": action,
                "done": done,
                "detail": detail,
            }
        )


def reconcile(
    call: Call,
    *,
    dry_run: bool,
    older_than_seconds: int,
    delete_orphans: bool,
    next_token: str | None,
) -> dict[str, Any]:
    report = Report(dry_run=dry_run)
    store = call.runtime.records
    start_key = _decode(next_token)
    stopped_at: dict[str, Any] | None = None
    while True:
        items, last = store.gateway_page(limit=25, start_key=start_key)
        for gateway in items:
            if gateway.get("status") == "DELETED":
                continue
            _check_record(call, report, GATEWAYS, gateway, older_than_seconds)
            for tool in store.live_tools(gateway["gateway_id"]):
                _check_record(call, report, TOOLS, tool, older_than_seconds)
                if tool.get("auto_refresh") or tool.get("refresh_pending"):
                    _refresh(call, report, tool)
            if call.now() > call.deadline - _STOP_MARGIN_SECONDS:
                # Resume right after this gateway, whatever the page held.
                position = {
                    "gateway_id": gateway["gateway_id"],
                    "record_type": gateway["record_type"],
                    "created_at": gateway["created_at"],
                }
                stopped_at = {"key": dynamo.serialize(position)}
                break
        if stopped_at is not None or last is None:
            break
        start_key = last
    if stopped_at is None:
        _check_orphans(call, report, delete_orphans)
        _sweep_leftovers(call, report, delete_orphans)
    token = _encode(stopped_at["key"]) if stopped_at else None
    return {
        "dry_run": dry_run,
        "counts": dict(sorted(report.counts.items())),
        "findings": report.findings,
        "next_token": token,
    }


def _encode(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def _decode(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if (
        not isinstance(key, dict)
        or set(key) != {"gateway_id", "record_type", "created_at"}
        or not all(
            isinstance(v, dict) and isinstance(v.get("S"), str) and len(v) == 1
            for v in key.values()
        )
    ):
        raise RequestValidationError(
            "next_token is not a reconcile token",
            [{"field": "data.next_token", "message": "pass it back unchanged"}],
        )
    return key


def _on_behalf(call: Call, record: R) -> Call | None:
    """A Call that acts for the request that left `record` half done, so its
    ledger entry gets the outcome; None if that request is unknown."""
    request_id = lease_holder(record) or record.get("request_id")
    entry = call.runtime.records.get_ledger(str(request_id)) if request_id else None
    if entry is None:
        return None
    actor = Actor(user=_RECONCILER, team=str(record.get("team")), roles=["admin"])
    return replace(
        call,
        action=str(entry["ledger_action"]),
        request_id=str(request_id),
        request_hash=str(entry["request_hash"]),
        actor=actor,
    )


def _check_record(
    call: Call, report: Report, subject: Subject[R], record: R, older_than: int
) -> None:
    kind = subject.kind
    ident = kind.ident(record)
    status = record.get("status")
    half_done = status in ("PENDING", "DELETING") or record.get("pending") is not None
    if half_done:
        lease = record.get("lease")
        idle_since = float(lease["until"] if lease else 0) or _epoch(record.get("updated_at"))
        if lifecycle.live_lease(call, record) is not None or call.now() - idle_since < older_than:
            report.add(kind.name, ident, "in-progress", "none: too recent", done=False)
            return
        action = {"PENDING": "finish the create", "DELETING": "finish the delete"}.get(
            str(status), "finish the update"
        )
        if report.dry_run:
            report.add(kind.name, ident, "interrupted", f"would {action}", done=False)
            return
        _repair(call, report, subject, record, action)
        return
    if status == "ACTIVE":
        _check_active(call, report, subject, record)


def _repair(call: Call, report: Report, subject: Subject[R], record: R, action: str) -> None:
    kind = subject.kind
    ident = kind.ident(record)
    acting = _on_behalf(call, record)
    if acting is None:
        report.add(
            kind.name,
            ident,
            "interrupted",
            action,
            done=False,
            detail="its request is no longer in the ledger",
        )
        return
    try:
        taken = lifecycle.take_over(acting, kind, record)
        result = subject.recover(acting, taken)
        report.add(
            kind.name,
            ident,
            "interrupted",
            action,
            done=True,
            detail=f"now {result.data.get('status')}",
        )
    except RegistryError as exc:
        report.add(
            kind.name, ident, "interrupted", action, done=False, detail=f"{exc.code}: {exc.message}"
        )


def _check_active(call: Call, report: Report, subject: Subject[R], record: R) -> None:
    kind = subject.kind
    ident = kind.ident(record)
    try:
        remote = subject.remote(call, record)
    except RegistryError as exc:
        report.add(
            kind.name, ident, "unchecked", "none", done=False, detail=f"{exc.code}: {exc.message}"
        )
        return
    remote_status = (remote or {}).get("status")
    if remote is None or remote_status == "FAILED":
        finding = "missing-in-agentcore" if remote is None else "failed-in-agentcore"
        reasons = (
            "; ".join((remote or {}).get("statusReasons") or []) or "AgentCore no longer has it"
        )
        if report.dry_run:
            report.add(kind.name, ident, finding, "would mark FAILED", done=False, detail=reasons)
            return
        _mark_failed(call, kind, record, finding, reasons)
        report.add(kind.name, ident, finding, "marked FAILED", done=True, detail=reasons)
        return
    assert remote is not None  # noqa: S101 - None was handled above
    detail = subject.drift(call, record, remote)
    if detail is not None:
        report.add(kind.name, ident, "drift", "none: reported", done=False, detail=detail)
        return
    if subject.counts_in_step:
        report.counts["in-step"] += 1


def _refresh(call: Call, report: Report, tool: ToolRecord) -> None:
    """An `auto_refresh` tool refreshed from its URL (not in a dry run); a
    breaking change held on the record is reported on every run."""
    # Imported here: the refresh's machinery (the fetch, the pipeline, the
    # diff) is this step's, not every reconcile's.
    from services.tools import version_flow

    ident = tool["tool_id"]
    record = call.runtime.records.get_tool(ident, tool["gateway_id"])
    if record is None or record.get("status") != "ACTIVE" or record.get("pending") is not None:
        return
    # A fetch and a validation take seconds: only with time to spare (the
    # next run refreshes what this one could not).
    time_left = call.deadline - call.now() > 3 * _STOP_MARGIN_SECONDS
    if record.get("auto_refresh") and not report.dry_run and time_left:
        actor = Actor(user=_RECONCILER, team=str(record.get("team")), roles=["admin"])
        try:
            outcome, detail = version_flow.scheduled_refresh(call, record, actor=actor)
        except RegistryError as exc:
            report.add("tool", ident, "refresh-failed", "none", done=False, detail=exc.message)
            return
        if outcome == "refreshed":
            report.add("tool", ident, "refreshed", "published", done=True, detail=detail)
            return
        record = call.runtime.records.get_tool(ident, tool["gateway_id"]) or record
    held = record.get("refresh_pending")
    if held:
        report.add(
            "tool",
            ident,
            "refresh-held",
            "none: held (send refresh_tool with allow_breaking, or update_tool)",
            done=False,
            detail=f"a breaking change found {held.get('found_at')}",
        )


def _mark_failed(call: Call, kind: Kind[R], record: R, finding: str, reasons: str) -> None:
    error = UpstreamError(reasons, [{"service": "AgentCore", "code": finding, "message": reasons}])
    claim = kind.name_claim(record)
    actor = Actor(user=_RECONCILER, team=str(record.get("team")), roles=["admin"])
    lifecycle.transition(
        replace(call, actor=actor),
        kind,
        record,
        outcome="marked-failed",
        set_={"status": "FAILED", "last_error": lifecycle.error_record(call, error, "reconcile")},
        expect=Condition().equals("status", "ACTIVE").lease_free(call.now()),
        extra=(_delete(kind.table(call), claim),),
        detail=reasons,
    )


def _delete(table: str, key: dict[str, Any]) -> dict[str, Any]:
    return dynamo.delete(table, key)


def _check_orphans(call: Call, report: Report, delete_orphans: bool) -> None:
    store = call.runtime.records
    settings = call.runtime.settings
    gateways = call.runtime.gateways
    agentcore_targets = call.runtime.targets
    for summary in gateways.list_gateways():
        agentcore_id, name = str(summary["gatewayId"]), str(summary.get("name"))
        claim = store.get(settings.gateways_table_name, gateway_name_key(name))
        owner = store.get_gateway(str(claim["claimed_by"])) if claim else None
        if owner is None or gateway_agentcore_id(owner) not in (None, agentcore_id):
            _orphan(
                report,
                "gateway",
                agentcore_id,
                name,
                delete=delete_orphans,
                remove=lambda gateway=agentcore_id: gateways.delete_gateway(gateway),
            )
            continue
        for target in agentcore_targets.list_gateway_targets(agentcore_id):
            target_id, target_name = str(target["targetId"]), str(target.get("name"))
            tool_claim = store.get(
                settings.tools_table_name, tool_name_key(owner["gateway_id"], target_name)
            )
            if tool_claim is None:
                _orphan(
                    report,
                    "target",
                    target_id,
                    f"{name}/{target_name}",
                    delete=delete_orphans,
                    remove=lambda g=agentcore_id, t=target_id: (
                        agentcore_targets.delete_gateway_target(g, t)
                    ),
                )


def _sweep_leftovers(call: Call, report: Report, delete_orphans: bool) -> None:
    """The artifacts each kind of target stores (OpenAPI: spec objects under
    the registry's own key prefix) and the credential providers the registry
    made (its own provider names) that no live record uses.

    A *leftover* belongs to a tool whose record says it no longer uses it: a
    FAILED or DELETED tool (a cleanup that failed), or an ACTIVE tool's spec
    that an update replaced but could not remove. It is the registry's own
    and nothing reads it, so it is removed (unless this is a dry run). An
    *orphan* is one no record knows at all: reported, and removed only with
    `delete_orphans`, like an orphan gateway. A tool that is PENDING,
    DELETING, or held by a live request is left to its own repair."""
    store = call.runtime.records
    # Each decision reads its record right before it, never from a cache: a
    # request may start meanwhile (a record read earlier would not show its
    # lease, and its new spec object or provider would look unused).
    for target_kind in targets.KINDS:
        for artifact in target_kind.stored(call):
            if _out_of_time(call, report):
                return
            record = store.get_tool(artifact.tool_id, artifact.gateway_id)
            # The artifacts a tool record uses: its own, and those of a
            # paused update (its target may already read them).
            used = record is not None and artifact.ref in targets.for_record(record).artifacts(
                record, pending=True
            )
            _settle(
                call,
                report,
                target_kind.artifact_finding,
                artifact.ref,
                record,
                used=used,
                delete_orphans=delete_orphans,
                remove=lambda k=target_kind, ref=artifact.ref: k.remove(call, ref),
            )
    providers = call.runtime.providers
    for name, kind in providers.list_providers(PROVIDER_PREFIX):
        if _out_of_time(call, report):
            return
        record = store.find_tool(name.removeprefix(PROVIDER_PREFIX))
        used = record is not None and (record["credentials"] or {}).get("provider_name") == name
        _settle(
            call,
            report,
            "credential-provider",
            name,
            record,
            used=used,
            delete_orphans=delete_orphans,
            remove=lambda n=name, k=kind: providers.delete_provider(n, k),
        )


def _out_of_time(call: Call, report: Report) -> bool:
    """The sweep stops before the Lambda's deadline; the next run sweeps again
    (it holds no position: each run looks at everything)."""
    if call.now() <= call.deadline - _STOP_MARGIN_SECONDS:
        return False
    report.add("sweep", "-", "incomplete", "none: stopped before the deadline", done=False)
    return True


def _settle(
    call: Call,
    report: Report,
    kind: str,
    ident: str,
    record: ToolRecord | None,
    *,
    used: bool,
    delete_orphans: bool,
    remove: Any,
) -> None:
    if record is None:
        _orphan(report, kind, ident, "no tool record", delete=delete_orphans, remove=remove)
        return
    status = record.get("status")
    if status in ("PENDING", "DELETING") or lifecycle.live_lease(call, record) is not None:
        return  # its own repair (or the request holding it) decides
    if status == "ACTIVE" and used:
        return
    detail = f"tool {record['tool_id']} is {status} and no longer uses it"
    if report.dry_run:
        report.add(kind, ident, "leftover", "would delete", done=False, detail=detail)
        return
    try:
        remove()
        report.add(kind, ident, "leftover", "deleted", done=True, detail=detail)
    except RegistryError as exc:
        report.add(
            kind, ident, "leftover", "delete failed", done=False, detail=f"{detail}: {exc.code}"
        )


def _orphan(report: Report, kind: str, ident: str, name: str, *, delete: bool, remove: Any) -> None:
    if not delete or report.dry_run:
        action = (
            "would delete" if delete else "none: reported (send delete_orphans: true to remove)"
        )
        report.add(kind, ident, "orphan", action, done=False, detail=name)
        return
    try:
        remove()
        report.add(kind, ident, "orphan", "deleted", done=True, detail=name)
    except RegistryError as exc:
        report.add(kind, ident, "orphan", "delete failed", done=False, detail=f"{name}: {exc.code}")


def _epoch(iso_text: Any) -> float:
    from datetime import datetime

    if not iso_text:
        return 0.0
    return datetime.fromisoformat(str(iso_text).replace("Z", "+00:00")).timestamp()
