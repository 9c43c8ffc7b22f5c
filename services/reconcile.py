"""`reconcile`: find where DynamoDB and AgentCore disagree, and repair it.

Looks at each gateway record (with its tools), then at what only the
account as a whole can show, and for each difference decides:

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

Inventory by listing (issue 16): a gateway is one ListGatewayTargets, one
Query of its tools and one ListObjectsV2 of its objects (plus one
ListGateways page per 1,000 gateways for the run), whatever its number of
tools. A record is read again, or its AgentCore resource or object read,
only where the listings disagree with it (a closer look): a target whose
`updatedAt` is not the one the record kept, an object whose ETag is not
the one its put answered, a listed resource no record in hand explains.
Every deletion reads its record right before deciding.

Scopes: `all` (every gateway, then the account-wide checks: AgentCore
gateways no record knows, objects under gateways with no live record,
credential providers no live tool uses); `gateway` (one gateway: a unit of
a fan-out engine, docs/deploy.md); `account` (the account-wide checks
alone); `plan` (the gateways a fan-out maps over). `resume` keeps the
position of an `all` run in a cursor item (services/reconcile_cursor.py).

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Generic

from services import reconcile_cursor
from services.context import Call
from services.credentials.credentials_service import PROVIDER_PREFIX
from services.errors import NotFoundError, RegistryError, RequestValidationError, UpstreamError
from services.gateway import gateway_flow
from services.models import Actor
from services.records import dynamo, kinds, lifecycle
from services.records.dynamo import Condition
from services.records.lifecycle import Kind, R, Result
from services.records.record_store import gateway_name_key, tool_name_key
from services.records.types import GatewayRecord, ToolRecord, gateway_agentcore_id, lease_holder
from services.s3.s3_service import SPECS_PREFIX, ListedObject, gateway_prefix
from services.tools import targets, tool_flow
from services.tools.targets import Listing

_RECONCILER = "reconcile"
# Time kept back to write the report's last repair before the deadline.
_STOP_MARGIN_SECONDS = 10.0
# A run over every gateway lists the whole spec prefix once when it holds
# at most this many pages of objects (1,000 a page), else each gateway's
# prefix: one call per gateway would cost more than the pages for a
# registry of small gateways, and a few thousand keys is little memory.
_WHOLE_LISTING_PAGES = 10


@dataclass(frozen=True)
class Subject(Generic[R]):
    """What reconcile asks of each kind of record, so it never branches on
    which kind it holds: how to finish a dead request's work, how to read
    the AgentCore resource an ACTIVE record names, whether a listing's
    summary shows that resource as the record last saw it (then it is not
    read), (tools) whether it still serves what the record says, and
    whether an ACTIVE record found in step is counted (`in-step` counts
    tools: a gateway has nothing to drift from)."""

    kind: Kind[R]
    recover: Callable[[Call, R], Result]
    remote: Callable[[Call, R], dict[str, Any] | None]
    unchanged: Callable[[R, dict[str, Any]], bool]
    drift: Callable[[Call, R, dict[str, Any] | None, Listing | None], str | None]
    counts_in_step: bool


def _gateway_unchanged(record: GatewayRecord, summary: dict[str, Any]) -> bool:
    # Only a FAILED gateway is a finding, and its reasons need GetGateway.
    return summary.get("status") != "FAILED"


def _no_drift(
    call: Call, record: GatewayRecord, remote: dict[str, Any] | None, listing: Listing | None
) -> str | None:
    return None  # a gateway record describes nothing the resource could serve differently


GATEWAYS: Subject[GatewayRecord] = Subject(
    kinds.GATEWAY,
    gateway_flow.resume,
    gateway_flow.remote,
    _gateway_unchanged,
    _no_drift,
    counts_in_step=False,
)
TOOLS: Subject[ToolRecord] = Subject(
    kinds.TOOL,
    tool_flow.recover,
    tool_flow.remote,
    tool_flow.unchanged,
    tool_flow.drift,
    counts_in_step=True,
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
    scope: str = "all",
    gateway_id: str | None = None,
    resume: bool = False,
) -> dict[str, Any]:
    report = Report(dry_run=dry_run)
    run = Run(call, report, older_than_seconds, delete_orphans)
    extra: dict[str, Any] = {}
    token: str | None = None
    if scope == "plan":
        extra["gateway_ids"] = [
            g["gateway_id"] for g in run.gateway_records() if g.get("status") != "DELETED"
        ]
    elif scope == "gateway":
        record = call.runtime.records.get_gateway(str(gateway_id))
        if record is None:
            raise NotFoundError(f"gateway {gateway_id} not found")
        if record.get("status") != "DELETED":  # its leftovers are the account's
            run.gateway(record)
    elif scope == "account":
        run.account()
    else:
        cursor = reconcile_cursor.load(call, dry_run=dry_run) if resume else None
        position = next_token or (cursor.position if cursor else None)
        stopped = run.everything(_decode(position))
        token = _encode(stopped) if stopped else None
        if cursor is not None:
            started = (cursor.started_at if cursor.position else None) or call.now_iso()
            extra["pass"] = reconcile_cursor.save(call, cursor, position=token, started_at=started)
    return {
        "dry_run": dry_run,
        "scope": scope,
        "counts": dict(sorted(report.counts.items())),
        "findings": report.findings,
        "next_token": token,
        **extra,
    }


class Run:
    """One reconcile: what it lists once and looks up many times, and the
    units of work (a gateway; the account) every scope is made of."""

    def __init__(
        self, call: Call, report: Report, older_than_seconds: int, delete_orphans: bool
    ) -> None:
        self.call = call
        self.report = report
        self.older_than = older_than_seconds
        self.delete_orphans = delete_orphans
        self._agentcore_gateways: dict[str, dict[str, Any]] | None = None
        # Scope all: the spec prefix listed once, by gateway id (None: not
        # listed, or too large: each gateway lists its own prefix).
        self._objects: dict[str, dict[str, ListedObject]] | None = None
        self._whole_listing = False

    def out_of_time(self) -> bool:
        return _late(self.call)

    def gateway_records(self) -> Iterator[GatewayRecord]:
        """Every gateway record, any status, in the gateway index's order."""
        start_key: dict[str, Any] | None = None
        while True:
            items, start_key = self.call.runtime.records.gateway_page(
                limit=100, start_key=start_key
            )
            yield from items
            if start_key is None:
                return

    def objects(self, gateway_id: str) -> Listing:
        """The gateway's stored objects: from the run's one listing of the
        spec prefix when it made one, else its own prefix's."""
        if self._whole_listing and self._objects is None:
            self._whole_listing = False  # tried once per run
            whole = self.call.runtime.spec_bucket.listing(
                SPECS_PREFIX, max_pages=_WHOLE_LISTING_PAGES
            )
            if whole is not None:
                self._objects = {}
                for key, listed in whole.items():
                    owner = key.removeprefix(SPECS_PREFIX).split("/", 1)[0]
                    self._objects.setdefault(owner, {})[key] = listed
        if self._objects is not None:
            return self._objects.get(gateway_id, {})
        return self.call.runtime.spec_bucket.listing(gateway_prefix(gateway_id)) or {}

    def agentcore_gateways(self) -> dict[str, dict[str, Any]]:
        """AgentCore's gateways by id: ListGateways, once per run."""
        if self._agentcore_gateways is None:
            self._agentcore_gateways = {
                str(g["gatewayId"]): g for g in self.call.runtime.gateways.list_gateways()
            }
        return self._agentcore_gateways

    # ------------------------------------------------------------ scope all

    def everything(self, position: dict[str, Any] | None) -> dict[str, Any] | None:
        """Every gateway from `position` on, then the account; where it
        stopped (None: it covered everything)."""
        store = self.call.runtime.records
        self._whole_listing = True
        if position is None or position["phase"] == "gateways":
            start_key = position["key"] if position else None
            # Where the next run starts: right after the last gateway this
            # run completed (a key of the index, which gateways made or
            # deleted meanwhile do not shift).
            done_key = start_key
            first = True
            while True:
                items, last = store.gateway_page(limit=100, start_key=start_key)
                for gateway in items:
                    if gateway.get("status") == "DELETED":
                        continue
                    completed = self.gateway(gateway, listed=True)
                    # A gateway cut short is looked at again by the next
                    # run, unless it was this run's first: a gateway that
                    # outlasts a whole run must not hold the pass up.
                    if completed or first:
                        key = {k: gateway[k] for k in ("gateway_id", "record_type", "created_at")}
                        done_key = dynamo.serialize(key)
                    first = False
                    if not completed or self.out_of_time():
                        return {"phase": "gateways", "key": done_key}
                if last is None:
                    break
                start_key = last
        if not self.account():
            return {"phase": "account"}
        return None

    # ------------------------------------------------------------ a gateway

    def gateway(self, gateway: GatewayRecord, *, listed: bool = False) -> bool:
        """One gateway: its record, its tools and their targets, the targets
        of its AgentCore gateway no record knows, and its objects.
        `listed`: judge the AgentCore gateway by the run's ListGateways
        (scope all) rather than one GetGateway. False: it stopped before the
        deadline (reported `incomplete`)."""
        call, store = self.call, self.call.runtime.records
        agentcore_id = gateway_agentcore_id(gateway)
        summary = None
        if listed and agentcore_id:
            summary = self.agentcore_gateways().get(agentcore_id)
        _check_record(call, self.report, GATEWAYS, gateway, self.older_than, summary, None)
        tools = store.live_tools(gateway["gateway_id"])
        listed_targets = self._targets(agentcore_id) if agentcore_id else None
        listing = self.objects(gateway["gateway_id"])
        # The records as paged, unless this run changed them: the sweep
        # judges the objects of the others by their record read again.
        in_hand: dict[str, ToolRecord] = {}
        for tool in tools:
            if self.out_of_time():
                self.report.add(
                    "gateway",
                    gateway["gateway_id"],
                    "incomplete",
                    "none: stopped before the deadline",
                    done=False,
                    detail="the next run looks at it again",
                )
                return False
            ref = tool.get("agentcore")
            target_id = ref.get("target_id") if ref else None
            target = listed_targets.get(str(target_id)) if listed_targets is not None else None
            if not _check_record(call, self.report, TOOLS, tool, self.older_than, target, listing):
                in_hand[tool["tool_id"]] = tool
            if tool.get("auto_refresh") or tool.get("refresh_pending"):
                in_hand.pop(tool["tool_id"], None)
                _refresh(call, self.report, tool)
        if listed_targets is not None:
            self._unknown_targets(gateway, tools, listed_targets)
        return self._sweep(listing, in_hand)

    def _targets(self, agentcore_id: str) -> dict[str, dict[str, Any]] | None:
        """The gateway's targets by id (None: AgentCore could not list them,
        e.g. the gateway is gone; each tool's target is then read)."""
        try:
            return {
                str(t["targetId"]): t
                for t in self.call.runtime.targets.list_gateway_targets(agentcore_id)
            }
        except RegistryError:
            return None

    def _unknown_targets(
        self,
        gateway: GatewayRecord,
        tools: list[ToolRecord],
        listed: dict[str, dict[str, Any]],
    ) -> None:
        """Targets of the gateway that no tool claims. A name a live tool
        holds (not FAILED: a failed tool gives its name back) is claimed;
        any other is looked up by its claim, as a request would see it."""
        store, settings = self.call.runtime.records, self.call.runtime.settings
        named = {t["name"] for t in tools if t.get("status") != "FAILED"}
        agentcore_id = str(gateway_agentcore_id(gateway))
        for target_id, target in listed.items():
            target_name = str(target.get("name"))
            if target_name in named:
                continue
            claim = store.get(
                settings.tools_table_name, tool_name_key(gateway["gateway_id"], target_name)
            )
            if claim is None:
                _orphan(
                    self.report,
                    "target",
                    target_id,
                    f"{gateway['name']}/{target_name}",
                    delete=self.delete_orphans,
                    remove=lambda t=target_id: self.call.runtime.targets.delete_gateway_target(
                        agentcore_id, t
                    ),
                )

    def _sweep(self, listing: Listing, tools: dict[str, ToolRecord]) -> bool:
        """The objects of a listing that no live record uses (see
        `_settle`). A record in hand that uses an object (or is being worked
        on) keeps it without another read; any other object's record is read
        right before deciding: a request may have started meanwhile, and its
        new object would look unused in a record read earlier."""
        store = self.call.runtime.records
        for target_kind in targets.KINDS:
            for artifact in target_kind.stored(listing):
                if _out_of_time(self.call, self.report):
                    return False
                in_hand = tools.get(artifact.tool_id)
                if in_hand is not None and _keeps(self.call, in_hand, artifact.ref):
                    continue
                record = store.get_tool(artifact.tool_id, artifact.gateway_id)
                used = record is not None and artifact.ref in targets.for_record(record).artifacts(
                    record, pending=True
                )
                _settle(
                    self.call,
                    self.report,
                    target_kind.artifact_finding,
                    artifact.ref,
                    record,
                    used=used,
                    delete_orphans=self.delete_orphans,
                    remove=lambda k=target_kind, ref=artifact.ref: k.remove(self.call, ref),
                )
        return True

    # ------------------------------------------------------------ the account

    def account(self) -> bool:
        """What no single gateway shows: AgentCore gateways no record knows,
        objects under gateways with no live record, and credential providers
        no live tool uses. False: stopped before the deadline."""
        records = list(self.gateway_records())
        live = [g for g in records if g.get("status") != "DELETED"]
        self._unknown_gateways(live)
        bucket = self.call.runtime.spec_bucket
        live_ids = {g["gateway_id"] for g in live}
        for prefix_id in bucket.gateway_prefixes():
            if prefix_id not in live_ids and not self._sweep(
                bucket.listing(gateway_prefix(prefix_id)) or {}, {}
            ):
                return False
        return self._providers(live)

    def _unknown_gateways(self, live: list[GatewayRecord]) -> None:
        store = self.call.runtime.records
        gateways = self.call.runtime.gateways
        # A gateway a live record names (not FAILED: a failed gateway gives
        # its name back) is known; any other is looked up by its name claim.
        known = {(gateway_agentcore_id(g), g["name"]) for g in live if g.get("status") != "FAILED"}
        if self.report.counts["repaired"]:
            # Listed again: this run's repairs may have deleted some.
            self._agentcore_gateways = None
        for agentcore_id, summary in self.agentcore_gateways().items():
            name = str(summary.get("name"))
            if (agentcore_id, name) in known:
                continue
            claim = store.get(
                self.call.runtime.settings.gateways_table_name, gateway_name_key(name)
            )
            owner = store.get_gateway(str(claim["claimed_by"])) if claim else None
            if owner is None or gateway_agentcore_id(owner) not in (None, agentcore_id):
                _orphan(
                    self.report,
                    "gateway",
                    agentcore_id,
                    name,
                    delete=self.delete_orphans,
                    remove=lambda gateway=agentcore_id: gateways.delete_gateway(gateway),
                )

    def _providers(self, live: list[GatewayRecord]) -> bool:
        """The registry's credential providers no live tool uses. The tools
        of the live gateways are queried only if there is a provider to
        judge (one Query per gateway), and a provider no tool in hand uses
        has its tool read before deciding."""
        store = self.call.runtime.records
        providers = self.call.runtime.providers
        in_hand: dict[str, ToolRecord] | None = None
        for name, kind in providers.list_providers(PROVIDER_PREFIX):
            if _out_of_time(self.call, self.report):
                return False
            if in_hand is None:
                in_hand = {
                    str((t.get("credentials") or {}).get("provider_name")): t
                    for g in live
                    for t in store.live_tools(g["gateway_id"])
                }
            tool = in_hand.get(name)
            if tool is not None and _keeps_provider(self.call, tool):
                continue
            record = store.find_tool(name.removeprefix(PROVIDER_PREFIX))
            used = (
                record is not None
                and (record.get("credentials") or {}).get("provider_name") == name
            )
            _settle(
                self.call,
                self.report,
                "credential-provider",
                name,
                record,
                used=used,
                delete_orphans=self.delete_orphans,
                remove=lambda n=name, k=kind: providers.delete_provider(n, k),
            )
        return True


def _worked_on(call: Call, tool: ToolRecord) -> bool:
    """A tool its own repair or a live request decides about, not the sweep."""
    return (
        tool.get("status") in ("PENDING", "DELETING")
        or lifecycle.live_lease(call, tool) is not None
    )


def _keeps(call: Call, tool: ToolRecord, ref: str) -> bool:
    """Whether a record in hand keeps an object without another read: it is
    being worked on, or it is ACTIVE and uses it."""
    if _worked_on(call, tool):
        return True
    return tool.get("status") == "ACTIVE" and ref in targets.for_record(tool).artifacts(
        tool, pending=True
    )


def _keeps_provider(call: Call, tool: ToolRecord) -> bool:
    return _worked_on(call, tool) or tool.get("status") == "ACTIVE"


def _encode(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, sort_keys=True).encode()).decode()


_KEY_NAMES = {"gateway_id", "record_type", "created_at"}


def _decode(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if isinstance(position, dict) and set(position) == _KEY_NAMES:
        position = {"phase": "gateways", "key": position}  # a token from before phases
    if position == {"phase": "account"}:
        return {"phase": "account"}
    if position == {"phase": "gateways", "key": None}:
        return {"phase": "gateways", "key": None}  # from the first gateway
    key = position.get("key") if isinstance(position, dict) else None
    if (
        not isinstance(position, dict)
        or set(position) != {"phase", "key"}
        or position["phase"] != "gateways"
        or not isinstance(key, dict)
        or set(key) != _KEY_NAMES
        or not all(
            isinstance(v, dict) and isinstance(v.get("S"), str) and len(v) == 1
            for v in key.values()
        )
    ):
        raise RequestValidationError(
            "next_token is not a reconcile token",
            [{"field": "data.next_token", "message": "pass it back unchanged"}],
        )
    return position


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


def _check_record(  # noqa: PLR0917 - one call per record kind, each argument named there
    call: Call,
    report: Report,
    subject: Subject[R],
    record: R,
    older_than: int,
    summary: dict[str, Any] | None,
    listing: Listing | None,
) -> bool:
    """`summary`: the record's AgentCore resource as a listing showed it
    (None: not listed); `listing`: the gateway's objects. True when this
    run wrote the record (or tried to)."""
    kind = subject.kind
    ident = kind.ident(record)
    status = record.get("status")
    if _half_done(record):
        lease = record.get("lease")
        idle_since = float(lease["until"] if lease else 0) or _epoch(record.get("updated_at"))
        if lifecycle.live_lease(call, record) is not None or call.now() - idle_since < older_than:
            report.add(kind.name, ident, "in-progress", "none: too recent", done=False)
            return False
        action = {"PENDING": "finish the create", "DELETING": "finish the delete"}.get(
            str(status), "finish the update"
        )
        if report.dry_run:
            report.add(kind.name, ident, "interrupted", f"would {action}", done=False)
            return False
        _repair(call, report, subject, record, action)
        return True
    if status == "ACTIVE":
        return _check_active(call, report, subject, record, summary, listing)
    return False


def _half_done(record: GatewayRecord | ToolRecord) -> bool:
    return record.get("status") in ("PENDING", "DELETING") or record.get("pending") is not None


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


def _check_active(  # noqa: PLR0917 - called once, from _check_record
    call: Call,
    report: Report,
    subject: Subject[R],
    record: R,
    summary: dict[str, Any] | None,
    listing: Listing | None,
) -> bool:
    """True when the record was marked FAILED."""
    kind = subject.kind
    ident = kind.ident(record)
    if summary is not None and subject.unchanged(record, summary):
        # Listed as the record last saw it: only what is stored beside it
        # is checked.
        _report_drift(report, subject, record, subject.drift(call, record, None, listing))
        return False
    try:
        remote = subject.remote(call, record)  # the closer look
    except RegistryError as exc:
        report.add(
            kind.name, ident, "unchecked", "none", done=False, detail=f"{exc.code}: {exc.message}"
        )
        return False
    remote_status = (remote or {}).get("status")
    if remote is None or remote_status == "FAILED":
        finding = "missing-in-agentcore" if remote is None else "failed-in-agentcore"
        reasons = (
            "; ".join((remote or {}).get("statusReasons") or []) or "AgentCore no longer has it"
        )
        if report.dry_run:
            report.add(kind.name, ident, finding, "would mark FAILED", done=False, detail=reasons)
            return False
        _mark_failed(call, kind, record, finding, reasons)
        report.add(kind.name, ident, finding, "marked FAILED", done=True, detail=reasons)
        return True
    assert remote is not None  # noqa: S101 - None was handled above
    _report_drift(report, subject, record, subject.drift(call, record, remote, listing))
    return False


def _report_drift(report: Report, subject: Subject[R], record: R, detail: str | None) -> None:
    if detail is not None:
        ident = subject.kind.ident(record)
        report.add(subject.kind.name, ident, "drift", "none: reported", done=False, detail=detail)
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


def _late(call: Call) -> bool:
    """Past the point where a run stops to leave time for its last write."""
    return call.now() > call.deadline - _STOP_MARGIN_SECONDS


def _out_of_time(call: Call, report: Report) -> bool:
    """A sweep stops before the Lambda's deadline; the next run sweeps again
    (a gateway's objects with the gateway, the rest with the account)."""
    if not _late(call):
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
    if _worked_on(call, record):
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
