"""Round trips: the AWS calls each action makes, counted with a botocore
`before-call` hook on the runtime's session (so on every client the runtime
makes), against the floor the design promises.

The runtime is built like tests/support.make_runtime, with a clock that
never sleeps, against the run's moto_server. "The polls" are whatever
GetGateway / GetGatewayTarget calls the flow made until AgentCore (moto with
our rules layer) settled: they count toward the floor as observed. An
action above its floor says which calls are extra and why (read from the
flow code); an extra call without a reason here is reported as unexplained.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import SMALL_SPEC, SectionResult, environ, event, make_runtime

DDB = "dynamodb"
AC = "bedrock-agentcore-control"
S3 = "s3"


@dataclass(frozen=True)
class Floor:
    fixed: dict[str, int]
    poll: str | None = None  # the operation the flow polls with, counted as observed
    why: dict[str, str] = field(default_factory=dict)  # extra operation -> reason


def _op(service: str, name: str) -> str:
    return f"{service}.{name}"


GATEWAY_WRITE = _op(DDB, "TransactWriteItems")
WHY_LEDGER_READ = (
    "the ledger is read first (GetItem request#<id>) so a replay answers its recorded "
    "outcome without fetching or validating the spec again"
)

FLOORS: dict[str, Floor] = {
    "get_gateway": Floor({_op(DDB, "GetItem"): 1}),
    "list_gateways": Floor({}),  # one Query per page: filled in per run
    "create_gateway": Floor(
        {GATEWAY_WRITE: 2, _op(AC, "CreateGateway"): 1}, poll=_op(AC, "GetGateway")
    ),
    "update_gateway": Floor(
        {_op(DDB, "GetItem"): 1, GATEWAY_WRITE: 2, _op(AC, "UpdateGateway"): 1},
        poll=_op(AC, "GetGateway"),
    ),
    "delete_gateway": Floor(
        {_op(DDB, "GetItem"): 1, GATEWAY_WRITE: 2, _op(AC, "DeleteGateway"): 1},
        poll=_op(AC, "GetGateway"),
        why={
            _op(DDB, "Query"): "counts the gateway's live tools (gateway-index, Select=COUNT): "
            "a gateway with tools is refused (409) or deleted with cascade",
        },
    ),
    "create_tool": Floor(
        {
            GATEWAY_WRITE: 2,
            _op(AC, "CreateGatewayTarget"): 1,
            _op(S3, "PutObject"): 1,
            _op(AC, "CreateApiKeyCredentialProvider"): 1,
        },
        poll=_op(AC, "GetGatewayTarget"),
        why={
            _op(DDB, "GetItem"): WHY_LEDGER_READ + "; and the gateway record is read for its "
            "owner, status and AgentCore id",
            _op(DDB, "Query"): "counts the gateway's live tools (AgentCore's 100 targets "
            "per gateway, checked before validating)",
        },
    ),
    "get_tool": Floor({_op(DDB, "GetItem"): 1}),
    "get_tool (tool_id only)": Floor({_op(DDB, "Query"): 1}),
    "list_tools": Floor({}),
    "update_tool (same spec)": Floor(
        {_op(DDB, "GetItem"): 1, GATEWAY_WRITE: 2},
        why={},
    ),
    "delete_tool": Floor(
        {
            _op(DDB, "GetItem"): 1,
            GATEWAY_WRITE: 2,
            _op(AC, "DeleteGatewayTarget"): 1,
            _op(AC, "DeleteApiKeyCredentialProvider"): 1,
            _op(S3, "DeleteObject"): 1,
        },
        poll=_op(AC, "GetGatewayTarget"),
    ),
}


class CallCounter:
    """Every API call (before-call) and HTTP request (before-send) of a session."""

    def __init__(self, session: Any) -> None:
        self.calls: Counter[str] = Counter()
        self.sends = 0
        session.events.register("before-call", self._call)
        session.events.register("before-send", self._send)

    def _call(self, model: Any, **_: Any) -> None:
        self.calls[_op(model.service_model.service_name, model.name)] += 1

    def _send(self, **_: Any) -> None:
        self.sends += 1

    def take(self) -> tuple[Counter[str], int]:
        calls, sends = self.calls, self.sends
        self.calls, self.sends = Counter(), 0
        return calls, sends


def run(moto_env: Mapping[str, str]) -> SectionResult:
    from handlers import dispatch

    section = SectionResult("round trips")
    with environ(moto_env):
        runtime = make_runtime(moto_env)
        counter = CallCounter(runtime.session)
        results: dict[str, dict[str, Any]] = {}

        def invoke(label: str, evt: dict[str, Any], expect: int) -> dict[str, Any]:
            counter.take()
            start = time.perf_counter()
            answer = dispatch(evt, None, runtime)
            elapsed = time.perf_counter() - start
            calls, sends = counter.take()
            if answer["status"] != expect:
                raise RuntimeError(f"{label}: {answer['status']} {answer['error']}")
            results[label] = {"calls": dict(calls), "http_requests": sends, "seconds": elapsed}
            return dict(answer["data"])

        gateway = invoke(
            "create_gateway",
            event("create_gateway", {"name": f"bench-rt-{uuid.uuid4().hex[:6]}"}),
            201,
        )
        gid = gateway["gateway_id"]
        for extra in ("a", "b"):  # so that a limit of 2 takes more than one page
            name = f"bench-rt-{extra}-{uuid.uuid4().hex[:6]}"
            invoke(f"create_gateway {extra}", event("create_gateway", {"name": name}), 201)
        invoke("get_gateway", event("get_gateway", {"gateway_id": gid}), 200)
        pages = _list_all(invoke, "list_gateways", {"team": "payments", "limit": 2})
        invoke(
            "update_gateway",
            event("update_gateway", {"gateway_id": gid, "description": "benchmarked"}),
            200,
        )
        source = {"type": "inline", "spec": SMALL_SPEC}
        tool = invoke(
            "create_tool",
            event(
                "create_tool",
                {
                    "gateway_id": gid,
                    "name": "pets",
                    "source": source,
                    "credentials": {
                        "type": "api_key",
                        "api_key": base64.b64encode(uuid.uuid4().bytes).decode(),
                    },
                },
            ),
            201,
        )
        tid = tool["tool_id"]
        invoke("get_tool", event("get_tool", {"tool_id": tid, "gateway_id": gid}), 200)
        invoke("get_tool (tool_id only)", event("get_tool", {"tool_id": tid}), 200)
        tool_pages = _list_all(invoke, "list_tools", {"gateway_id": gid, "limit": 50})
        invoke(
            "update_tool (same spec)",
            event("update_tool", {"tool_id": tid, "gateway_id": gid, "source": source}),
            200,
        )
        invoke("delete_tool", event("delete_tool", {"tool_id": tid, "gateway_id": gid}), 200)
        invoke("delete_gateway", event("delete_gateway", {"gateway_id": gid}), 200)

    for label, floor in FLOORS.items():
        if label.startswith("list_"):
            continue
        _judge(section, label, results[label], floor)
    for label, n in (("list_gateways", pages), ("list_tools", tool_pages)):
        _judge_list(section, label, results, n)
    section.raw = results
    return section


def _list_all(
    invoke: Callable[[str, dict[str, Any], int], dict[str, Any]], action: str, data: dict[str, Any]
) -> int:
    """Page through a list; each page is its own invoke, counted as `action#n`."""
    token = None
    pages = 0
    while True:
        page_data = {**data, **({"next_token": token} if token else {})}
        answer = invoke(f"{action}#{pages + 1}", event(action, page_data), 200)
        pages += 1
        token = answer.get("next_token")
        if not token or pages >= 50:
            return pages


def _judge(section: SectionResult, label: str, result: dict[str, Any], floor: Floor) -> None:
    observed = Counter(result["calls"])
    expected = Counter(floor.fixed)
    polls = observed[floor.poll] if floor.poll else 0
    if floor.poll:
        expected[floor.poll] += polls
    extra = observed - expected
    missing = expected - observed
    reasons = []
    for op, count in sorted(extra.items()):
        why = floor.why.get(op, "UNEXPLAINED")
        reasons.append(f"+{count} {op.split('.', 1)[1]}: {why}")
    for op, count in sorted(missing.items()):
        reasons.append(f"-{count} {op.split('.', 1)[1]} (below the floor)")
    polls_text = f"{polls} poll(s); " if floor.poll else ""
    unexplained = [op for op in extra if op not in floor.why]
    if unexplained or missing:
        verdict = "UNEXPLAINED" if unexplained else "BELOW FLOOR?"
    else:
        verdict = f"+{sum(extra.values())}, why given" if extra else "at floor"
    section.add(
        name=label,
        value=float(sum(observed.values())),
        unit="calls",
        baseline=float(sum(expected.values())),
        baseline_name="floor",
        goal="floor, or why",
        met=not unexplained and not missing,
        verdict=verdict,
        note=polls_text + ("; ".join(reasons) if reasons else "at the floor"),
    )
    result["floor"] = dict(expected)
    result["extra"] = dict(extra)
    result["unexplained"] = unexplained


def _judge_list(
    section: SectionResult, label: str, results: dict[str, dict[str, Any]], pages: int
) -> None:
    observed: Counter[str] = Counter()
    for n in range(1, pages + 1):
        observed.update(results[f"{label}#{n}"]["calls"])
    scans = sum(c for op, c in observed.items() if op.endswith(".Scan"))
    queries = observed[_op(DDB, "Query")]
    section.add(
        name=f"{label} ({pages} page(s))",
        value=float(sum(observed.values())),
        unit="calls",
        baseline=float(pages),
        baseline_name="floor: 1 Query per page",
        goal="1 Query/page, no Scan",
        met=queries == pages and scans == 0 and sum(observed.values()) == pages,
        note=f"{queries} Query, {scans} Scan",
    )
    results[label] = {"pages": pages, "calls": dict(observed)}
