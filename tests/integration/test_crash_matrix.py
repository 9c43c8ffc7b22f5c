"""The crash matrix (issue 5, item 2): a handler process killed around every
AWS call of every mutating flow, then repaired.

Each flow of `tests.flows.FLOWS` lists every AWS call its handler sends, in
order; `test_the_lists_are_every_call_a_flow_sends` runs each flow without a
crash in the same kind of process and compares, so the matrix cannot go
stale. A point is the n-th call of one operation (the second UpdateItem is
not the first), at `before-call` (the call is not sent) or `after-call` (AWS
applied it and answered; nobody heard the answer). At the point the process
ends with os._exit: no exception, no cleanup, no finally block runs.

The processes come from a zygote (tests/integration/crash_invoke.py): one
pre-warmed process per test worker that forks a child per crash, so a crash
costs a fork rather than a Python start. The prerequisites (a gateway, a
tool) are made in this process first, against the same moto_server.

From the state the crash left, one of two repairs (two cases per point):

- `replay`: the same request is sent again (it answers 409 InProgress while
  the dead process's lease runs; the test clock then moves past it) and must
  succeed; then reconcile (dry_run false, older_than_seconds 0), which may
  only remove leftovers (a spec object the update replaced).
- `reconcile`: no replay; reconcile finishes, adopts, fails or rolls back
  what the dead request left and removes its leftovers.

Either way a further reconcile must find nothing at all to do.

Then, whichever the repair (`settled_problems`): every record ACTIVE, DELETED
or FAILED (FAILED with its reason), no lease, no pending change, no request
IN_PROGRESS in the ledger; one AgentCore gateway or target per ACTIVE record
and none for the others (never two of one name); every credential provider
and spec object used by an ACTIVE tool, none left over; name claims held by
live records only. And the record's own outcome and audit trail: a record
the dead request held shows `resumed` by that request, then the outcome of
the repair (`expected_outcome`).

Cases that break these promises are bugs in the product: each is listed in
`BUGS` and runs as a strict xfail that says what is left.

The matrix is marked `slow` (`-m "not slow"` skips it; CI runs it); the
check of the call lists is not, so a stale list fails every run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from registry_local.bootstrap import bootstrap
from registry_local.moto_server import MotoServer
from tests import fake_web
from tests.conftest import settings_for
from tests.flows import FLOWS, Ctx, Flow, Point
from tests.integration.crash_invoke import CRASH_EXIT_CODE, DONE_EXIT_CODE
from tests.integration.crash_points import (
    MOMENTS,
    World,
    Zygote,
    create_subject_id,
    settled_problems,
    wipe,
    world,
)
from tests.support import ADMIN, FakeClock, Registry, described, event, make_runtime

pytestmark = pytest.mark.integration

SCENARIOS = ("replay", "reconcile")
SUCCESS = {"create": 201, "update": 200, "delete": 200}


@pytest.fixture(autouse=True)
def _spec_urls() -> Iterator[None]:
    """The spec URLs a flow serves from memory (refresh_tool's; tests/fake_web.py)."""
    with fake_web.serving():
        yield


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    process = Zygote(tmp_path_factory.mktemp("zygote"))
    yield process
    process.close()


@pytest.fixture(scope="module")
def arena() -> Iterator[tuple[dict[str, str], Registry]]:
    """A moto_server of this module's own (the shared one is reset by the
    other modules' tests) with the tables, bucket and role made once, and
    one runtime: each case wipes what the last one made instead."""
    with MotoServer() as server, pytest.MonkeyPatch.context() as patch:
        env = bootstrap(server.endpoint_url, prefix="crash")
        for key, value in env.items():
            patch.setenv(key, value)
        clock = FakeClock(now=time.time())
        yield env, Registry(runtime=make_runtime(settings_for(env), clock), clock=clock)


@pytest.fixture
def registry(arena: tuple[dict[str, str], Registry], monkeypatch: pytest.MonkeyPatch) -> Registry:
    """This module's `registry`: the arena's, wiped, its clock at real time
    (the zygote's children run on real time too)."""
    env, registry = arena
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    wipe(registry)
    registry.clock.now = time.time()
    return registry


# --- the bugs the matrix finds ------------------------------------------------------

# (flow, moment, point label, scenario) -> what the case finds left, as
# `bug(...)` pins it. Empty: every case passes. (The matrix found one bug,
# fixed in f9f4823: an update_tool that died after UpdateGatewayTarget was
# rolled back by reconcile on the record only, and the sweep then deleted
# the spec object the target read.)
BUGS: dict[tuple[str, str, str, str], str] = {}


def bug(  # a pin for the next bug the matrix finds
    flow: str,
    moments: tuple[str, ...],
    labels: tuple[str, ...],
    scenarios: tuple[str, ...],
    reason: str,
) -> None:
    known = {p.label for p in FLOWS[flow].points()}
    for label in labels:
        assert label in known, (flow, label)
        for moment in moments:
            for scenario in scenarios:
                BUGS[(flow, moment, label, scenario)] = reason


@dataclass(frozen=True)
class Case:
    flow: str
    moment: str  # before-call, after-call
    point: Point
    scenario: str  # replay, reconcile

    @property
    def id(self) -> str:
        return f"{self.flow}-{self.moment.split('-', 1)[0]}-{self.point.label}-{self.scenario}"

    @property
    def bug(self) -> str | None:
        return BUGS.get((self.flow, self.moment, self.point.label, self.scenario))


def _case(case: Case) -> Any:
    marks: list[Any] = [pytest.mark.slow]
    if case.bug:
        marks.append(pytest.mark.xfail(strict=True, reason=case.bug))
    return pytest.param(case, id=case.id, marks=marks)


CASES = [
    _case(Case(name, moment, point, scenario))
    for name, flow in FLOWS.items()
    for point in flow.points()
    for moment in MOMENTS
    for scenario in SCENARIOS
]


# --- helpers ---------------------------------------------------------------------


def past_every_lease(registry: Registry, w: World) -> None:
    """Move the test clock past the leases the dead process took (its own
    clock started at its real start, with the full default budget)."""
    leases = [float(r["lease"]["until"]) for r in w.records() if r.get("lease")]
    registry.clock.now = max([*leases, time.time() + registry.runtime.default_budget_seconds]) + 1


def reconcile(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(
        event("reconcile", {"dry_run": False, "older_than_seconds": 0}, actor=ADMIN)
    )
    assert response["status"] == 200, response
    report: dict[str, Any] = response["data"]
    return report


def subject_of(flow: Flow, ctx: Ctx, evt: dict[str, Any]) -> str:
    created = create_subject_id(flow, evt)
    if created is not None:
        return created
    return str((ctx.gateway if flow.subject == "gateway" else ctx.tool)[f"{flow.subject}_id"])


def records_of(w: World) -> dict[str, dict[str, Any]]:
    return {**w.gateways, **w.tools}


def target_named(w: World, gateway_ac: str, name: str) -> dict[str, Any] | None:
    return next(
        (t for (gid, _), t in w.targets.items() if gid == gateway_ac and t.get("name") == name),
        None,
    )


def expected_outcome(scenario: str, record: dict[str, Any], crashed: World) -> tuple[str, str]:
    """(status, last audit outcome) of a record the dead request held, once
    repaired. A replay finishes the work. Reconcile finishes a gateway's
    work (the record keeps all it needs); a tool does not keep its spec or
    secrets, so reconcile adopts a tool create whose target AgentCore made
    and fails the others (TODO.md, Known issues), and rolls a tool update
    back."""
    status = record["status"]
    kind = {"PENDING": "create", "DELETING": "delete"}.get(status, "update")
    if kind == "delete":
        return "DELETED", "delete-succeeded"
    if scenario == "replay" or "tool_id" not in record:
        # sync_tool is an update whose change is a listing (its own outcome).
        syncing = "synchronize" in (record.get("pending") or {})
        return ("ACTIVE", f"{'sync' if syncing else kind}-succeeded")
    if kind == "update":
        return "ACTIVE", "update-rolled-back"
    gateway = crashed.gateways.get(str(record["gateway_id"])) or {}
    gateway_ac = str((gateway.get("agentcore") or {}).get("gateway_id"))
    target = target_named(crashed, gateway_ac, str(record["name"]))
    if target is not None and target.get("status") == "READY":
        return "ACTIVE", "create-adopted"
    return "FAILED", "create-failed"


# --- the matrix -------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_crash(registry: Registry, zygote: Zygote, case: Case) -> None:  # noqa: PLR0912
    """One point, one moment, one repair (see the module's docstring)."""
    flow, scenario = FLOWS[case.flow], case.scenario
    ctx = Ctx(registry)
    flow.setup(ctx)
    evt = flow.request(ctx)
    request_id = str(evt["request_id"])
    subject = subject_of(flow, ctx, evt)

    died = zygote.run(evt, (case.moment, case.point))
    assert died.exit_code == CRASH_EXIT_CODE, (
        f"the child did not die at {case.moment} {case.point.label} (exit {died.exit_code}; "
        f"a stale call list?)\n{died.log[-3000:]}"
    )
    crashed = world(registry)
    # What the dead request held when it died: record id -> its request id
    # (a cascade deletes each tool under a request id derived from its own).
    held = {
        ident: str(record["lease"]["request_id"])
        for ident, record in records_of(crashed).items()
        if record.get("lease")
    }
    assert all(r == request_id or r.startswith("cascade-") for r in held.values()), held

    if scenario == "replay":
        if held:
            busy = registry.invoke(evt)
            assert busy["error"] is not None, busy
            assert busy["error"]["code"] == "InProgress", busy
        past_every_lease(registry, crashed)
        again = registry.invoke(evt)
        assert again["status"] == SUCCESS[flow.kind], again
        repaired = reconcile(registry)
    else:
        past_every_lease(registry, crashed)
        repaired = reconcile(registry)
        interrupted = sorted(f["id"] for f in repaired["findings"] if f["finding"] == "interrupted")
        assert interrupted == sorted(held), repaired
    # Reconcile repairs what is left (a leftover spec object or provider
    # is removed), and then has nothing more to do.
    assert all(f["done"] for f in repaired["findings"]), repaired
    assert {f["finding"] for f in repaired["findings"]} <= {"interrupted", "leftover"}, repaired
    if repaired["findings"]:
        assert reconcile(registry)["findings"] == []

    final = world(registry)
    assert settled_problems(final) == []
    records = records_of(final)

    # Each record the dead request held: resumed by that request, then the
    # repair's outcome.
    for ident, holder in held.items():
        repaired_record, was = records[ident], records_of(crashed)[ident]
        status, outcome = expected_outcome(scenario, was, crashed)
        trail = [(e["outcome"], e["request_id"]) for e in repaired_record["audit"]]
        assert ("resumed", holder) in trail, trail
        assert trail[-1] == (outcome, holder), trail
        error = repaired_record.get("last_error")
        assert repaired_record["status"] == status, (repaired_record["status"], error)
        if status == "FAILED":
            assert error is not None
            assert error["code"] == "CreateAbandoned", error
            assert error["step"] == "reconcile"
        if outcome == "update-rolled-back":
            assert error is not None
            assert error["code"] == "UpdateInterrupted", error
        resumed = repaired_record["audit"][trail.index(("resumed", holder))]
        assert resumed["actor"] == ("reconcile" if scenario == "reconcile" else "alice@example.com")

    # The subject's end, whoever finished it: the change applied, or (the
    # dead request never took the record, or reconcile rolled it back) the
    # record as it was.
    record = records.get(subject)
    if flow.kind == "create":
        if scenario == "replay" or (record is not None and subject not in held):
            assert record is not None  # (or it died before its first write)
            assert record["status"] == "ACTIVE"
            assert [e["outcome"] for e in record["audit"]][-1].startswith("create-")
        return
    assert record is not None
    was = ctx.gateway if flow.subject == "gateway" else ctx.tool
    applied = _finished_by(record, request_id)
    assert applied or scenario == "reconcile", record["audit"]
    if flow.kind == "delete":
        assert record["status"] == ("DELETED" if applied else was["status"])
    elif applied and flow.action == "sync_tool":
        # A listing changes no attribute: AgentCore says when it listed.
        assert record["agentcore"]["last_synchronized_at"]
        for attr in ("description", "target", "tools", "credentials"):
            assert record.get(attr) == was.get(attr), attr
    elif applied and flow.action in ("refresh_tool", "rollback_tool"):
        # A spec published again or fetched again: only the spec changes.
        assert described(record)["sha256"] != described(was)["sha256"]
        assert record["description"] == was["description"]
    elif applied:
        assert record["description"] == "v2"
        if flow.subject == "gateway":
            assert record["tags"] == {"env": "staging"}
        else:
            assert described(record)["sha256"] != described(was)["sha256"]
    else:
        for attr in ("description", "tags", "spec", "target", "tools", "credentials"):
            assert record.get(attr) == was.get(attr), attr
    if case.flow == "delete_gateway_cascade" and scenario == "replay":
        assert records[str(ctx.tool["tool_id"])]["status"] == "DELETED"


def _finished_by(record: dict[str, Any], request_id: str) -> bool:
    return any(
        e["request_id"] == request_id and e["outcome"].endswith("-succeeded")
        for e in record.get("audit", [])
    )


# --- the lists are the flows' real calls ------------------------------------------------


@pytest.mark.parametrize("flow_name", list(FLOWS))
def test_the_lists_are_every_call_a_flow_sends(
    registry: Registry, zygote: Zygote, flow_name: str
) -> None:
    """A run without a crash, in a zygote child like the crashes, sends
    exactly the flow's list of calls: a flow that gains a call gains its
    points in the matrix."""
    flow = FLOWS[flow_name]
    ctx = Ctx(registry)
    flow.setup(ctx)
    ran = zygote.run(flow.request(ctx))

    assert ran.exit_code == DONE_EXIT_CODE, ran.log[-3000:]
    assert ran.response is not None
    assert ran.response["status"] == SUCCESS[flow.kind], ran.response
    assert tuple(ran.calls) == flow.calls
    assert settled_problems(world(registry)) == []
