"""Throughput worker: BENCH_CYCLES create_gateway + delete_gateway cycles
through the function's dispatcher against the moto_server (BENCH_* and the
function's environment come from the parent).

Polls do not sleep (a clock that moves only when the code sleeps, as in the
tests), so the figure is our code plus moto, not AgentCore's waiting. Time
inside botocore's HTTP exchange (moto serving it) is summed with two public
botocore events: `before-send` (the request is about to go out) and
`before-parse` (its response has arrived). One warm-up cycle runs before
the start signal; the result goes to BENCH_RESULT.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any


def main() -> None:
    from benchmarks.common import event, make_runtime
    from handlers import dispatch

    worker = os.environ["BENCH_WORKER"]
    cycles = int(os.environ["BENCH_CYCLES"])
    prefix = os.environ["BENCH_PREFIX"]
    runtime = make_runtime(os.environ)
    http = {"seconds": 0.0, "requests": 0, "sent": 0.0}

    def before_send(**_: Any) -> None:
        http["sent"] = time.perf_counter()

    def before_parse(**_: Any) -> None:
        http["seconds"] += time.perf_counter() - http["sent"]
        http["requests"] += 1

    runtime.session.events.register("before-send", before_send)
    runtime.session.events.register("before-parse", before_parse)

    failures: list[str] = []

    def cycle(name: str) -> tuple[float, int]:
        """Seconds in the handler and actions that succeeded. An action that
        fails (moto_server answers 500 now and then under concurrent
        writers; the function answers 503) is counted, not fatal."""
        start = time.perf_counter()
        created = dispatch(event("create_gateway", {"name": name}), None, runtime)
        spent = time.perf_counter() - start
        if created["status"] != 201:
            failures.append(f"create_gateway: {created['status']} {created['error']['message']}")
            return spent, 0
        start = time.perf_counter()
        deleted = dispatch(
            event("delete_gateway", {"gateway_id": created["data"]["gateway_id"]}), None, runtime
        )
        spent += time.perf_counter() - start
        if deleted["status"] != 200:
            failures.append(f"delete_gateway: {deleted['status']} {deleted['error']['message']}")
            return spent, 1
        return spent, 2

    cycle(f"{prefix}-w{worker}-warm-{uuid.uuid4().hex[:6]}")
    http.update(seconds=0.0, requests=0)
    Path(os.environ["BENCH_READY"]).touch()
    go = Path(os.environ["BENCH_GO"])
    deadline = time.monotonic() + 300
    while not go.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no start signal")
        time.sleep(0.005)  # waiting for the start signal, not timing

    failures.clear()
    started = time.monotonic()
    handler = 0.0
    succeeded = 0
    for c in range(cycles):
        spent, done = cycle(f"{prefix}-w{worker}-c{c}")
        handler += spent
        succeeded += done
    ended = time.monotonic()
    Path(os.environ["BENCH_RESULT"]).write_text(
        json.dumps(
            {
                "worker": worker,
                "started": started,
                "ended": ended,
                "actions": 2 * cycles,
                "succeeded": succeeded,
                "failures": failures,
                "handler_seconds": handler,
                "http_seconds": http["seconds"],
                "http_requests": http["requests"],
            }
        )
    )


if __name__ == "__main__":
    main()
