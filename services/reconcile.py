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
from dataclasses import dataclass, field, replace
from typing import Any

from services.context import Call
from services.credentials.credentials_service import PROVIDER_PREFIX, CredentialsService
from services.errors import RegistryError, RequestValidationError, UpstreamError
from services.gateway import gateway_flow
from services.gateway.gateway_service import GatewayService
from services.models import Actor
from services.records import dynamo, kinds, lifecycle
from services.records.dynamo import Condition
from services.records.lifecycle import GATEWAY_KIND_NAME, Kind
from services.records.record_store import RECORD_TYPE_INDEX, gateway_name_key
from services.s3.s3_service import SPECS_PREFIX, spec_key
from services.tools import tool_flow
from services.tools.spec_pipeline import spec_bucket
from services.tools.tools_service import ToolsService

_RECONCILER = "reconcile"
# Time kept back to write the report's last repair before the deadline.
_STOP_MARGIN_SECONDS = 10.0


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
    store = lifecycle.store(call)
    settings = call.runtime.settings
    start_key = _decode(next_token)
    stopped_at: dict[str, Any] | None = None
    while True:
        items, last = store.query_raw_page(
            table=settings.gateways_table_name,
            index=RECORD_TYPE_INDEX,
            key_name="record_type",
            key_value="gateway",
            limit=25,
            start_key=start_key,
        )
        for gateway in items:
            if gateway.get("status") == "DELETED":
                continue
            _check_record(call, report, kinds.GATEWAY, gateway, older_than_seconds)
            for tool in store.live_tools(gateway["gateway_id"]):
                _check_record(call, report, kinds.TOOL, tool, older_than_seconds)
            if call.now() > call.deadline - _STOP_MARGIN_SECONDS:
                # Resume right after this gateway, whatever the page held.
                position = {k: gateway[k] for k in ("gateway_id", "record_type", "created_at")}
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


def _on_behalf(call: Call, record: dict[str, Any]) -> Call | None:
    """A Call that acts for the request that left `record` half done, so its
    ledger entry gets the outcome; None if that request is unknown."""
    request_id = (record.get("lease") or {}).get("request_id") or record.get("request_id")
    entry = lifecycle.store(call).get_ledger(str(request_id)) if request_id else None
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
    call: Call, report: Report, kind: Kind, record: dict[str, Any], older_than: int
) -> None:
    ident = kind.ident(record)
    status = record.get("status")
    half_done = status in ("PENDING", "DELETING") or record.get("pending") is not None
    if half_done:
        lease = record.get("lease") or {}
        idle_since = float(lease.get("until") or 0) or _epoch(record.get("updated_at"))
        if lifecycle.live_lease(call, record) is not None or call.now() - idle_since < older_than:
            report.add(kind.name, ident, "in-progress", "none: too recent", done=False)
            return
        action = {"PENDING": "finish the create", "DELETING": "finish the delete"}.get(
            str(status), "finish the update"
        )
        if report.dry_run:
            report.add(kind.name, ident, "interrupted", f"would {action}", done=False)
            return
        _repair(call, report, kind, record, action)
        return
    if status == "ACTIVE":
        _check_active(call, report, kind, record)


def _repair(call: Call, report: Report, kind: Kind, record: dict[str, Any], action: str) -> None:
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
        result = (gateway_flow.resume if kind.name == GATEWAY_KIND_NAME else tool_flow.recover)(
            acting, taken
        )
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


def _check_active(call: Call, report: Report, kind: Kind, record: dict[str, Any]) -> None:
    ident = kind.ident(record)
    agentcore = record.get("agentcore") or {}
    try:
        if kind.name == GATEWAY_KIND_NAME:
            remote = GatewayService(call.runtime.agentcore, "").get_gateway(
                str(agentcore.get("gateway_id"))
            )
        else:
            remote = ToolsService(call.runtime.agentcore).get_gateway_target(
                str(agentcore.get("gateway_id")), str(agentcore.get("target_id"))
            )
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
    if kind.name != GATEWAY_KIND_NAME:
        _check_spec(call, report, record, remote)


def _mark_failed(
    call: Call, kind: Kind, record: dict[str, Any], finding: str, reasons: str
) -> None:
    error = UpstreamError(reasons, [{"service": "AgentCore", "code": finding, "message": reasons}])
    claim = (
        gateway_name_key(record["name"])
        if kind.name == GATEWAY_KIND_NAME
        else tool_flow.tool_name_key(record["gateway_id"], record["name"])
    )
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


def _check_spec(call: Call, report: Report, record: dict[str, Any], target: dict[str, Any]) -> None:
    spec = record.get("spec") or {}
    served = (
        ((target.get("targetConfiguration") or {}).get("mcp") or {}).get("openApiSchema") or {}
    ).get("s3") or {}
    if served.get("uri") != spec.get("s3_uri"):
        report.add(
            "tool",
            record["tool_id"],
            "drift",
            "none: reported",
            done=False,
            detail=f"the target serves {served.get('uri')}",
        )
        return
    stored = spec_bucket(call).sha256_of(str(spec.get("s3_key")))
    if stored != spec.get("sha256"):
        detail = "the spec object is missing" if stored is None else "the spec object changed"
        report.add("tool", record["tool_id"], "drift", "none: reported", done=False, detail=detail)
        return
    report.counts["in-step"] += 1


def _check_orphans(call: Call, report: Report, delete_orphans: bool) -> None:
    store = lifecycle.store(call)
    settings = call.runtime.settings
    gateways = GatewayService(call.runtime.agentcore, settings.gateway_role_arn)
    targets = ToolsService(call.runtime.agentcore)
    for summary in gateways.list_gateways():
        agentcore_id, name = str(summary["gatewayId"]), str(summary.get("name"))
        claim = store.get(settings.gateways_table_name, gateway_name_key(name))
        owner = store.get_gateway(str(claim["claimed_by"])) if claim else None
        if owner is None or (owner.get("agentcore") or {}).get("gateway_id") not in (
            None,
            agentcore_id,
        ):
            _orphan(
                report,
                "gateway",
                agentcore_id,
                name,
                delete=delete_orphans,
                remove=lambda gateway=agentcore_id: gateways.delete_gateway(gateway),
            )
            continue
        for target in targets.list_gateway_targets(agentcore_id):
            target_id, target_name = str(target["targetId"]), str(target.get("name"))
            tool_claim = store.get(
                settings.tools_table_name, tool_flow.tool_name_key(owner["gateway_id"], target_name)
            )
            if tool_claim is None:
                _orphan(
                    report,
                    "target",
                    target_id,
                    f"{name}/{target_name}",
                    delete=delete_orphans,
                    remove=lambda g=agentcore_id, t=target_id: targets.delete_gateway_target(g, t),
                )


def _sweep_leftovers(call: Call, report: Report, delete_orphans: bool) -> None:
    """Spec objects and credential providers the registry made (its own key
    prefix and provider names) that no live record uses.

    A *leftover* belongs to a tool whose record says it no longer uses it: a
    FAILED or DELETED tool (a cleanup that failed), or an ACTIVE tool's spec
    that an update replaced but could not remove. It is the registry's own
    and nothing reads it, so it is removed (unless this is a dry run). An
    *orphan* is one no record knows at all: reported, and removed only with
    `delete_orphans`, like an orphan gateway. A tool that is PENDING,
    DELETING, or held by a live request is left to its own repair."""
    store = lifecycle.store(call)
    table = kinds.TOOL.table(call)
    bucket = spec_bucket(call)
    # Each decision reads its record right before it, never from a cache: a
    # request may start meanwhile (a record read earlier would not show its
    # lease, and its new spec object or provider would look unused).
    for key in bucket.spec_keys():
        if _out_of_time(call, report):
            return
        parts = key.removeprefix(SPECS_PREFIX).split("/")
        if len(parts) != 3:
            continue  # not a key the registry writes
        gateway_id, tool_id, _ = parts
        record = store.get(table, {"tool_id": tool_id, "gateway_id": gateway_id})
        _settle(
            call,
            report,
            "spec-object",
            key,
            record,
            used=key in _spec_keys_used(record),
            delete_orphans=delete_orphans,
            remove=lambda k=key: bucket.delete(k),
        )
    providers = CredentialsService(call.runtime.agentcore)
    for name, kind in providers.list_providers(PROVIDER_PREFIX):
        if _out_of_time(call, report):
            return
        record = store.get_by_partition(table, "tool_id", name.removeprefix(PROVIDER_PREFIX))
        used = ((record or {}).get("credentials") or {}).get("provider_name") == name
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


def _spec_keys_used(record: dict[str, Any] | None) -> set[str]:
    """The spec objects a tool record points at: its spec, and the one a
    paused update wrote (its target may already read it)."""
    if record is None:
        return set()
    used = {str((record.get("spec") or {}).get("s3_key"))}
    pending = (record.get("pending") or {}).get("spec")
    if pending:
        used.add(
            spec_key(str(record["gateway_id"]), str(record["tool_id"]), str(pending["sha256"]))
        )
    return used


def _settle(
    call: Call,
    report: Report,
    kind: str,
    ident: str,
    record: dict[str, Any] | None,
    *,
    used: bool,
    delete_orphans: bool,
    remove: Any,
) -> None:
    status = (record or {}).get("status")
    if record is None:
        _orphan(report, kind, ident, "no tool record", delete=delete_orphans, remove=remove)
        return
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
