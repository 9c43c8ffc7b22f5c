"""Reconcile at scale (issue 16, point 4): a dry-run `reconcile` over a
consistent registry of growing size, against the run's moto_server, with
every AWS call it sends counted (botocore's `before-call` on the runtime's
session) and its wall time.

    python -m benchmarks --only reconcile --output benchmarks/results/reconcile-scale-<date>.json
    python -m benchmarks --only reconcile --quick     # 12 and 24 records: checks that it runs

Each size is a fresh registry on a reset moto_server (AgentCore holds
only its gateways, so the run finds no orphans): `gateways` gateways with
`tools` OpenAPI tools each, made through the real handler, so the records,
targets and spec objects are what production has. The figures: AWS calls
per record (gateways and tools both count as records) and milliseconds
per record, the calls by botocore operation, and how both grow from one
size to the next. Issue 16's goal is at most 0.5 calls per record.

How a thousand records and more get made. moto's TransactWriteItems
(moto/dynamodb/models/__init__.py, `transact_write_items`, moto 5.2) takes
a `copy.deepcopy` of an item's whole table once for every item of the
transaction, to roll back if one fails; the registry's creates and status
transitions are transactions of several items (5.4 copies a transaction
in the profile), so a create copies every item made before it several
times (the request ledger too: it lives in the gateways table, one item
per request; at 1,000 records the tables hold
1,200 and 2,700 items). Measured in-process at 50 to 100 records: half of
a create's time, 12 ms a copy; making n records costs n squared. moto_server
answers one request at a time here (the handler sends them in turn), so
its threads are not the cause; past some 700 records a write took tens of
seconds and the connection failed (an earlier run, not reproduced). So the
registry is made one gateway at a time with DynamoDB holding only that
gateway: after a gateway and its tools are made, every item of both
tables (the records, the name claims, the spec versions, the request
ledger) is read with a Scan and moved aside (BatchWriteItem deletes), and
when every gateway is made they are all put back with BatchWriteItem (no
transaction, so no copy), then read again and compared, item for item and
attribute for attribute, with what was moved aside (a difference fails
the run). AgentCore's gateways and targets and S3's spec objects stay
where the handler made them.

Why this does not change what is measured: the handler makes every item,
through the same flows, transactions and conditions; the items are moved
in DynamoDB's own wire format (the low-level client's attribute values,
never converted to Python types and back), so each comes back with the
same attributes and values, and the run checks it. What the handler does
not see while making a gateway is the other gateways' items, and no create
reads them: a gateway's name claim and a tool's (`name#<gateway>#<tool>`)
are per name, the live-tool count is a Query of the gateway's own tools,
and the ledger key is the request's own id. The reconcile under test runs
after everything is back, over the tables as the handler left them (put
back in the order moto's Scans gave them, gateway by gateway: a Scan
meets them in the order they were made, as it would have). Seeding time is printed per
size; it is not part of the figures.

Not in the default run: the three sizes take about 21 minutes on 2 shared
cores, 17 of them making the registry (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import pairwise
from typing import Any

from benchmarks.common import (
    SMALL_SPEC,
    SectionResult,
    bootstrap_env,
    environ,
    event,
    make_runtime,
)

# (gateways, tools per gateway): 30 gateways with 4 tools each, the issue's
# measurement (the "before" run used 30 x 3),
# then the 1,000 records, then three times that.
SIZES = ((30, 4), (100, 9), (300, 9))
QUICK_SIZES = ((3, 3), (6, 3))
GOAL_CALLS_PER_RECORD = 0.5
ADMIN = {"user": "bench-admin@example.com", "team": "platform", "roles": ["admin"]}
# BatchWriteItem's limit of requests per call.
_BATCH = 25


def _create(runtime: Any, action: str, data: dict[str, Any]) -> dict[str, Any]:
    """One create through the handler, sent again as a client would while
    it answers 409 InProgress, 500 or 503, so that one slow answer of
    moto_server does not lose a run of many minutes."""
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


class Aside:
    """The DynamoDB items moved out of the tables while the registry is
    made (see the module's docstring), in DynamoDB's wire format, in the
    order they were read."""

    def __init__(self, client: Any, tables: list[str]) -> None:
        self.client = client
        self.keys = {
            table: [
                k["AttributeName"]
                for k in client.describe_table(TableName=table)["Table"]["KeySchema"]
            ]
            for table in tables
        }
        self.items: dict[str, list[dict[str, Any]]] = {table: [] for table in tables}

    def _scan(self, table: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
        for page in pages:
            yield from page["Items"]

    def _batch_write(self, table: str, requests: list[dict[str, Any]]) -> None:
        # The low-level client keeps the wire format (boto3's batch_writer
        # would convert every value to Python and back).
        for first in range(0, len(requests), _BATCH):
            pending = {table: requests[first : first + _BATCH]}
            while pending:
                pending = self.client.batch_write_item(RequestItems=pending)["UnprocessedItems"]

    def move(self) -> int:
        """Every item of every table, moved aside; how many."""
        moved = 0
        for table, names in self.keys.items():
            items = list(self._scan(table))
            self.items[table].extend(items)
            deletes = [{"DeleteRequest": {"Key": {n: item[n] for n in names}}} for item in items]
            self._batch_write(table, deletes)
            moved += len(items)
        return moved

    def put_back(self) -> int:
        """Every item moved aside, written back and checked; how many."""
        for table, items in self.items.items():
            self._batch_write(table, [{"PutRequest": {"Item": item}} for item in items])
        for table, items in self.items.items():
            back = sorted(json.dumps(item, sort_keys=True) for item in self._scan(table))
            if back != sorted(json.dumps(item, sort_keys=True) for item in items):
                raise RuntimeError(f"{table}: the items put back differ from those moved aside")
        return sum(len(items) for items in self.items.values())


def _fill(runtime: Any, gateways: int, tools: int, aside: Aside | None = None) -> int:
    """Gateways and tools through the handler; the number of records. With
    `aside`, each gateway's items are moved aside once it and its tools
    are made, and all put back at the end."""
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
        if aside is not None:
            aside.move()
        if gateways >= 50 and (g + 1) % (gateways // 5) == 0:  # a long seeding shows it moves
            print(f"    {made} records made ({time.strftime('%H:%M:%S')})", flush=True)
    if aside is not None:
        aside.put_back()
    return made


def _measure(env: Mapping[str, str], gateways: int, tools: int) -> dict[str, Any]:
    import boto3

    from handlers import dispatch

    with environ(env):
        runtime = make_runtime(env)
        calls: Counter[str] = Counter()
        counting = [False]

        def count(model: Any, **_: Any) -> None:
            if counting[0]:
                calls[f"{model.service_model.service_name}.{model.name}"] += 1

        # On the session before any client exists: every client copies it.
        runtime.session.events.register("before-call", count)
        # The seeding's own client, on a session of its own (never counted).
        dynamodb = boto3.session.Session(region_name=env["AWS_REGION"]).client("dynamodb")
        aside = Aside(dynamodb, [env["GATEWAYS_TABLE_NAME"], env["TOOLS_TABLE_NAME"]])
        started = time.perf_counter()
        records = _fill(runtime, gateways, tools, aside)
        seed_seconds = time.perf_counter() - started
        counting[0] = True
        pages = 0
        findings: Counter[str] = Counter()
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
            findings.update(f["finding"] for f in answer["data"]["findings"])
            token = answer["data"]["next_token"]
            if not token:
                break
        seconds = time.perf_counter() - started
    total = sum(calls.values())
    return {
        "gateways": gateways,
        "tools_per_gateway": tools,
        "records": records,
        "items": sum(len(items) for items in aside.items.values()),
        "seed_seconds": seed_seconds,
        "calls": dict(sorted(calls.items())),
        "calls_total": total,
        "calls_per_record": total / records,
        "ms_per_record": seconds * 1000 / records,
        "seconds": seconds,
        "runs": pages,
        "findings": dict(findings),
    }


def _growth(small: Mapping[str, Any], big: Mapping[str, Any]) -> str:
    records = big["records"] / small["records"]
    return (
        f"from {small['records']} to {big['records']} records ({records:.1f}x): calls "
        f"{big['calls_total'] / small['calls_total']:.2f}x, time "
        f"{big['seconds'] / small['seconds']:.2f}x; calls per record "
        f"{small['calls_per_record']:.2f} -> {big['calls_per_record']:.2f}, ms per record "
        f"{small['ms_per_record']:.1f} -> {big['ms_per_record']:.1f} (linear growth: "
        f"{records:.1f}x in all, the same per record)"
    )


def run(server: Any, *, quick: bool = False) -> SectionResult:
    result = SectionResult("reconcile at scale")
    measured = []
    for gateways, tools in QUICK_SIZES if quick else SIZES:
        server.reset()
        env = bootstrap_env(server.endpoint_url)
        point = _measure(env, gateways, tools)
        measured.append(point)
        print(
            f"  {point['records']} records ({gateways} x (1 + {tools})): seeded in "
            f"{point['seed_seconds']:.0f} s ({point['items']} DynamoDB items), reconciled in "
            f"{point['seconds']:.1f} s: {point['calls_per_record']:.2f} calls and "
            f"{point['ms_per_record']:.1f} ms per record "
            f"(goal <= {GOAL_CALLS_PER_RECORD} calls per record)",
            flush=True,
        )
        result.raw[f"{point['records']} records"] = point
        result.add(
            name=f"dry run, {point['records']} records: AWS calls per record",
            value=point["calls_per_record"],
            unit="calls/record",
            goal=f"<= {GOAL_CALLS_PER_RECORD} (issue 16)",
            met=point["calls_per_record"] <= GOAL_CALLS_PER_RECORD,
            note=", ".join(f"{op} {n}" for op, n in point["calls"].items()),
            runs=point["runs"],
        )
        result.add(
            name=f"dry run, {point['records']} records: time per record",
            value=point["ms_per_record"] / 1000,
            unit="s",
            note=f"{point['seconds']:.1f} s in all (seeding {point['seed_seconds']:.0f} s, "
            f"not measured); findings {point['findings']}",
            runs=point["runs"],
        )
    result.notes.extend(_growth(a, b) for a, b in pairwise(measured))
    if len(measured) > 2:
        result.notes.append(_growth(measured[0], measured[-1]))
    result.notes.append(
        f"goal (issue 16): at most {GOAL_CALLS_PER_RECORD} AWS calls per record for a dry run; "
        + ", ".join(
            f"{p['records']} records {p['calls_per_record']:.2f} "
            f"({'met' if p['calls_per_record'] <= GOAL_CALLS_PER_RECORD else 'NOT met'})"
            for p in measured
        )
    )
    return result
