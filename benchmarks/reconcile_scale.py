"""Reconcile at scale (issue 16, point 4): a dry-run `reconcile` over a
consistent registry of growing size, against the run's moto_server, with
every AWS call it sends counted (botocore's `before-call` on the runtime's
session) and its wall time.

Each size is a fresh registry on a reset moto_server (AgentCore holds
only its gateways, so the run finds no orphans): `gateways` gateways with
`tools` OpenAPI tools each, made through the real handler, so the records,
targets and spec objects are what production has. The figures: AWS calls
per record (gateways and tools both count as records) and milliseconds
per record, and how both grow from the smallest size to the largest.
Issue 16's goal is at most 0.5 calls per record; the "before" run
measures where the current per-record reads stand.

Not in the default run (`python -m benchmarks --only reconcile`): making a
thousand records takes a few minutes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from benchmarks.common import (
    SMALL_SPEC,
    SectionResult,
    bootstrap_env,
    environ,
    event,
    make_runtime,
)

# (gateways, tools per gateway): 30 gateways as in the measurement.
# The issue asks for 1,000 records; (100, 9) makes them, but moto_server
# does not hold up there: its TransactWriteItems copies every table, so
# after some 700 records a write takes tens of seconds and its connection
# fails (EndpointConnectionError, measured 2026-12-05). Until the
# inventory stops writing per record, the sizes stay where moto answers.
SIZES = ((30, 3), (50, 5))
QUICK_SIZES = ((3, 3), (6, 3))
GOAL_CALLS_PER_RECORD = 0.5
ADMIN = {"user": "bench-admin@example.com", "team": "platform", "roles": ["admin"]}


def _create(runtime: Any, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """One create through the handler, sent again as a client would while
    it answers 409 InProgress, 500 or 503. moto_server under load can take
    longer than the runtime's 20 s read timeout to apply a transaction;
    botocore then sends it again with the same ClientRequestToken, which
    DynamoDB answers as the first (TransactWriteItems is idempotent for 10
    minutes) but moto ignores, so its conditions fail on the request's own
    write (a 500 here, replayed as a success when sent again)."""
    from handlers import dispatch

    evt = event(action, data)
    for _ in range(5):
        answer = dispatch(evt, None, runtime)
        if answer["status"] == 201:
            return dict(answer["data"])
        if answer["status"] not in (409, 500, 503) or answer["error"]["code"] == "Conflict":
            break
        runtime.clock.advance(300)  # past the lease the request left
    raise RuntimeError(f"{action} answered {answer['status']}: {answer['error']}")


def _fill(runtime: Any, gateways: int, tools: int) -> int:
    """Gateways and tools through the handler; the number of records."""
    made = 0
    for g in range(gateways):
        gateway_id = _create(runtime, "create_gateway", {"name": f"bench-{g:04d}"})["gateway_id"]
        made += 1
        for t in range(tools):
            data = {
                "gateway_id": gateway_id,
                "name": f"tool-{t:03d}",
                "source": {"type": "inline", "spec": SMALL_SPEC},
            }
            _create(runtime, "create_tool", data)
            made += 1
    return made


def _patient_clients() -> Any:
    """The runtime's clients with a read timeout moto_server can meet: its
    TransactWriteItems copies every table first (to roll back), so at a
    thousand records a write can take longer than the function's 20 s, and
    moto does not honour the ClientRequestToken botocore's retry carries.
    What is counted (the calls) does not change."""
    from botocore.config import Config

    from services import runtime

    saved = runtime.CLIENT_CONFIG
    runtime.CLIENT_CONFIG = saved.merge(Config(read_timeout=900))
    return saved


def _measure(env: Mapping[str, str], gateways: int, tools: int) -> dict[str, Any]:
    from handlers import dispatch
    from services import runtime as runtime_module

    saved = _patient_clients()
    try:
        return _measured(env, gateways, tools, dispatch)
    finally:
        runtime_module.CLIENT_CONFIG = saved


def _measured(env: Mapping[str, str], gateways: int, tools: int, dispatch: Any) -> dict[str, Any]:
    with environ(env):
        runtime = make_runtime(env)
        calls: Counter[str] = Counter()
        counting = [False]

        def count(model: Any, **_: Any) -> None:
            if counting[0]:
                calls[f"{model.service_model.service_name}.{model.name}"] += 1

        # On the session before any client exists: every client copies it.
        runtime.session.events.register("before-call", count)
        records = _fill(runtime, gateways, tools)
        counting[0] = True
        pages = 0
        token: str | None = None
        started = time.perf_counter()
        while True:
            data: dict[str, Any] = {"dry_run": True}
            if token:
                data["next_token"] = token
            answer = dispatch({"action": "reconcile", "actor": ADMIN, "data": data}, None, runtime)
            if answer["status"] != 200:
                raise RuntimeError(f"reconcile answered {answer['status']}: {answer['error']}")
            pages += 1
            token = answer["data"]["next_token"]
            if not token:
                break
        seconds = time.perf_counter() - started
    findings = Counter(f["finding"] for f in answer["data"]["findings"])
    total = sum(calls.values())
    return {
        "gateways": gateways,
        "tools_per_gateway": tools,
        "records": records,
        "calls": dict(sorted(calls.items())),
        "calls_total": total,
        "calls_per_record": total / records,
        "ms_per_record": seconds * 1000 / records,
        "seconds": seconds,
        "runs": pages,
        "findings": dict(findings),
    }


def run(server: Any, *, quick: bool = False) -> SectionResult:
    result = SectionResult("reconcile at scale")
    measured = []
    for gateways, tools in QUICK_SIZES if quick else SIZES:
        server.reset()
        env = bootstrap_env(server.endpoint_url)
        point = _measure(env, gateways, tools)
        measured.append(point)
        result.raw[f"{point['records']} records"] = point
        result.add(
            name=f"dry run, {point['records']} records: AWS calls per record",
            value=point["calls_per_record"],
            unit="calls",
            goal=f"<= {GOAL_CALLS_PER_RECORD}",
            met=point["calls_per_record"] <= GOAL_CALLS_PER_RECORD,
            note=", ".join(f"{op} {n}" for op, n in point["calls"].items()),
            runs=point["runs"],
        )
        result.add(
            name=f"dry run, {point['records']} records: time per record",
            value=point["ms_per_record"] / 1000,
            unit="s",
            note=f"{point['seconds']:.1f} s in all; findings {point['findings']}",
            runs=point["runs"],
        )
    first, last = measured[0], measured[-1]
    growth = last["records"] / first["records"]
    result.notes.append(
        f"from {first['records']} to {last['records']} records ({growth:.1f}x): calls "
        f"{last['calls_total'] / first['calls_total']:.1f}x, time "
        f"{last['seconds'] / first['seconds']:.1f}x (linear growth is {growth:.1f}x)"
    )
    return result
