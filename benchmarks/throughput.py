"""Throughput: create_gateway + delete_gateway cycles against the run's
moto_server from 1, 2 and 4 worker processes (children/throughput_worker.py),
each running the same number of cycles with its own names and request ids.

Reports actions per second (all workers, from the common start signal to the
last worker's end) against one worker, and the share of handler time spent
in our code: handler wall time minus the time inside botocore's HTTP
exchange (moto serving it). Our milliseconds per action is the figure a
regression in our code moves, whatever moto's noise does to the rest.
Every request goes to 127.0.0.1; every loop is bounded.

Each round starts from an empty moto_server (its reset, then the tables
again): moto's TransactWriteItems copies every table for its rollback, so
its cost grows with what earlier rounds left, which is moto's cost, not ours.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.common import CHILDREN, SectionResult, bootstrap_env, median, source_env

WORKERS = (1, 2, 4)


def _round(moto_env: Mapping[str, str], workers: int, cycles: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-tput-") as tmp:
        base = Path(tmp)
        go = base / "go"
        prefix = f"tp{uuid.uuid4().hex[:6]}"
        procs = []
        for w in range(workers):
            env = source_env(
                {
                    **moto_env,
                    "BENCH_WORKER": str(w),
                    "BENCH_CYCLES": str(cycles),
                    "BENCH_PREFIX": prefix,
                    "BENCH_READY": str(base / f"ready-{w}"),
                    "BENCH_GO": str(go),
                    "BENCH_RESULT": str(base / f"result-{w}.json"),
                }
            )
            procs.append(
                subprocess.Popen(  # noqa: S603 - our interpreter, our worker script
                    [sys.executable, str(CHILDREN / "throughput_worker.py")],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
        try:
            deadline = time.monotonic() + 300
            while not all((base / f"ready-{w}").exists() for w in range(workers)):
                failed = [p for p in procs if p.poll() not in (None, 0)]
                if failed or time.monotonic() > deadline:
                    raise RuntimeError(_failure(procs))
                time.sleep(0.01)  # waiting for the workers to warm up
            go.touch()
            for proc in procs:
                proc.wait(timeout=600)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if any(p.returncode != 0 for p in procs):
            raise RuntimeError(_failure(procs))
        results = [json.loads((base / f"result-{w}.json").read_text()) for w in range(workers)]
    span = max(r["ended"] for r in results) - min(r["started"] for r in results)
    actions = sum(r["actions"] for r in results)
    succeeded = sum(r["succeeded"] for r in results)
    handler = sum(r["handler_seconds"] for r in results)
    http = sum(r["http_seconds"] for r in results)
    return {
        "workers": workers,
        "actions": actions,
        "failed": actions - succeeded,
        "seconds": span,
        "actions_per_second": succeeded / span,
        "ours_ms_per_action": 1000 * (handler - http) / actions,
        "http_ms_per_action": 1000 * http / actions,
        "our_share": (handler - http) / handler,
        "http_requests_per_action": sum(r["http_requests"] for r in results) / actions,
        "per_worker": results,
    }


def _failure(procs: list[subprocess.Popen[bytes]]) -> str:
    for proc in procs:
        if proc.poll() not in (None, 0) and proc.stderr is not None:
            return (
                "throughput worker failed: " + proc.stderr.read().decode(errors="replace")[-2000:]
            )
    return "throughput workers did not start in time"


def _failed(rounds: list[dict[str, Any]]) -> str:
    failed = sum(r["failed"] for r in rounds)
    if not failed:
        return ""
    total = sum(r["actions"] for r in rounds)
    return (
        f"; {failed} of {total} actions failed (moto_server answered 500 under concurrent "
        "writers; the function answered 503): not counted as done"
    )


def run(server: Any, *, cycles: int = 20, repeats: int = 3) -> SectionResult:
    """`server`: the run's MotoServer (reset before every round)."""
    section = SectionResult("throughput")
    rounds: dict[int, list[dict[str, Any]]] = {w: [] for w in WORKERS}
    for _ in range(repeats):
        for workers in WORKERS:  # interleaved: drift hits every worker count alike
            server.reset()
            moto_env = bootstrap_env(server.endpoint_url)
            rounds[workers].append(_round(moto_env, workers, cycles))

    def med(workers: int, key: str) -> float:
        return median([r[key] for r in rounds[workers]])

    single = med(1, "actions_per_second")
    for workers in WORKERS:
        section.add(
            name=f"{workers} worker(s), create+delete_gateway",
            value=med(workers, "actions_per_second"),
            unit="actions/s",
            baseline=single,
            baseline_name="1 worker",
            goal="reported",
            runs=repeats,
            note=f"ours {med(workers, 'ours_ms_per_action'):.1f} ms/action "
            f"({100 * med(workers, 'our_share'):.0f}% of handler time), "
            f"HTTP+moto {med(workers, 'http_ms_per_action'):.1f} ms/action, "
            f"{med(workers, 'http_requests_per_action'):.1f} requests/action"
            + _failed(rounds[workers]),
        )
    section.add(
        name="our code per action (1 worker)",
        value=med(1, "ours_ms_per_action") / 1000,
        unit="s",
        baseline=(med(1, "ours_ms_per_action") + med(1, "http_ms_per_action")) / 1000,
        baseline_name="handler wall time per action",
        goal="reported (the regression signal)",
        runs=repeats,
        note="handler time minus botocore's HTTP exchange (before-send -> before-parse)",
    )
    section.raw = {
        "cycles_per_worker": cycles,
        "rounds": {str(w): r for w, r in rounds.items()},
    }
    return section
