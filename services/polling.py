"""Polling inside a time budget, for AgentCore's asynchronous operations.

botocore ships no waiter for gateways or targets, so we poll with a backoff
and stop before the Lambda's deadline (the caller passes the deadline and
its clock, so tests control time without sleeping).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_INTERVALS = (0.5, 1.0, 2.0, 4.0, 8.0)
_MAX_INTERVAL = 10.0


def intervals() -> Iterator[float]:
    yield from _INTERVALS
    while True:
        yield _MAX_INTERVAL


def poll(
    first: T,
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> T:
    """Fetch until `done`, or until the next wait would pass `deadline`.

    Returns the last answer, which the caller checks: it is not done when
    the budget ran out.
    """
    current = first
    for interval in intervals():
        if done(current) or clock() + interval > deadline:
            return current
        sleep(interval)
        current = fetch()
    raise AssertionError("unreachable")  # pragma: no cover - intervals() is endless
