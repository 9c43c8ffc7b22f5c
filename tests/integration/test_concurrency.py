"""Concurrency (issue 5, point 4): several handler processes at once against
one real moto_server.

The server. moto's TransactWriteItems is not isolated across the threads of
a threaded moto_server: it deep-copies the tables when it starts and, when
the transaction is cancelled, puts that copy back, erasing every write
other threads made meanwhile (moto 5.2.5,
moto/dynamodb/models/__init__.py, `transact_write_items`). Under the load of
these tests that happens every few dozen races: a request whose PENDING
record was erased that way goes on, and the run shows anomalies that real
DynamoDB, whose operations are atomic, never produces. So this module runs
its own moto_server (with the AgentCore rules layer) that serves one request
at a time: each AWS operation is atomic, as in AWS, and the processes still
interleave between operations, which is where the registry's races are.

A pool of worker processes (at most 8) is started once for the module. Each
imports the handler and waits on its stdin; a round writes one request line
to each worker, one right after the other, and reads every answer: the
requests race inside moto_server with no sleep anywhere. Each worker builds
the registry's runtime from the settings sent with the request (the tables
are new for every test), so one pool serves every test.

The promises:

- many copies of the same create (one request id): one outcome, one
  AgentCore gateway; the other copies answer InProgress or replay it;
- many creates of one name (other request ids): one 201, the rest 409, one
  gateway; likewise for tools of one name in a gateway;
- concurrent updates of one record with `expected_version`: exactly one
  wins per version, every loser gets 409, and the final description is the
  last winner's, in DynamoDB and in AgentCore (no lost update);
- a delete racing an update: DELETED with no AgentCore gateway, or ACTIVE
  with the update applied and the delete refused with 409; never DELETED in
  DynamoDB with a gateway still in AgentCore.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry_local.moto_server import MotoServer
from services.gateway.gateway_flow import gateway_id_for
from services.records import dynamo
from tests.support import Registry, event, use_dummy_aws_env

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8
PREFIX = "RESPONSE "

# One worker: import once, then answer request lines until stdin closes.
# The Powertools logger writes its JSON lines to stdout too: answers carry
# a prefix so that the parent reads only them.
WORKER = f"""
import json, sys
import boto3
from handlers import dispatch
from services.config import Settings
from services.runtime import Runtime

runtimes = {{}}
print({PREFIX!r} + "ready", flush=True)
for line in sys.stdin:
    message = json.loads(line)
    key = json.dumps(message["env"], sort_keys=True)
    if key not in runtimes:
        settings = Settings.model_validate(message["env"])
        session = boto3.session.Session(region_name=settings.region)
        runtimes[key] = Runtime(settings=settings, session=session)
    answer = dispatch(message["event"], None, runtimes[key])
    print({PREFIX!r} + json.dumps(answer), flush=True)
"""

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}}}
    },
}


class Pool:
    """Worker processes that each run one request per round."""

    def __init__(self, size: int) -> None:
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT}"}
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            for _ in range(size)
        ]
        for process in self.processes:
            assert self._answer(process) == "ready"

    def _answer(self, process: subprocess.Popen[str]) -> str:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(PREFIX):
                return line[len(PREFIX) :].rstrip("\n")
        raise RuntimeError(f"worker {process.pid} ended with {process.wait()}")

    def race(self, env: dict[str, str], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send events[i] to worker i, all before reading any answer."""
        assert len(events) <= len(self.processes)
        busy = self.processes[: len(events)]
        for process, evt in zip(busy, events, strict=True):
            assert process.stdin is not None
            process.stdin.write(json.dumps({"env": env, "event": evt}) + "\n")
            process.stdin.flush()
        return [json.loads(self._answer(process)) for process in busy]

    def close(self) -> None:
        for process in self.processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


SERIAL_SERVER = """
import os, sys
from registry_local import agentcore_rules
agentcore_rules.install()
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication, MotoRequestHandler, create_backend_app,
)
from werkzeug.serving import make_server
app = DomainDispatcherApplication(create_backend_app)
server = make_server(
    "127.0.0.1", int(sys.argv[1]), app, threaded=False, request_handler=MotoRequestHandler
)
print("listening", flush=True)
sys.stdout = open(os.devnull, "w")  # nobody reads this pipe from now on
server.serve_forever()
"""


class SerialMotoServer(MotoServer):
    """moto_server with the rules layer, one request at a time."""

    def start(self) -> SerialMotoServer:
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERIAL_SERVER, str(self.port)],
            cwd=ROOT,
            env={**os.environ, "MOTO_PORT": str(self.port), "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        # make_server has bound the port before this line is printed.
        if self._process.stdout.readline().strip() != "listening":
            self.stop()
            raise RuntimeError("the serial moto_server did not start")
        return self


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    """This module's moto_server (see the module's docstring): the
    integration fixtures `server_env` and `registry` use it."""
    with SerialMotoServer() as server:
        yield server


@pytest.fixture(scope="module")
def pool(moto_server: MotoServer) -> Iterator[Pool]:
    # The workers inherit AWS_ENDPOINT_URL and the dummy credentials.
    with pytest.MonkeyPatch.context() as patch:
        use_dummy_aws_env(patch)
        patch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
        workers = Pool(WORKERS)
    try:
        yield workers
    finally:
        workers.close()


def statuses(answers: list[dict[str, Any]]) -> list[tuple[int, str | None]]:
    return sorted((a["status"], (a["error"] or {}).get("code")) for a in answers)


def agentcore_gateways(registry: Registry) -> list[dict[str, Any]]:
    return list(registry.runtime.agentcore.list_gateways()["items"])


def create_gateway(registry: Registry, name: str = "payments-tools") -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": name, "description": "v0"}))
    assert response["status"] == 201, response
    return dict(response["data"])


# --- the same request, many times ---------------------------------------------------


def test_copies_of_one_create_make_one_gateway_and_one_outcome(
    registry: Registry, server_env: dict[str, str], pool: Pool
) -> None:
    evt = event("create_gateway", {"name": "payments-tools"})
    answers = pool.race(server_env, [evt] * WORKERS)

    created = [a for a in answers if a["ok"]]
    assert created, statuses(answers)
    assert {a["status"] for a in created} == {201}
    assert {a["data"]["gateway_id"] for a in created} == {gateway_id_for(evt["request_id"])}
    assert all(a["error"]["code"] == "InProgress" for a in answers if not a["ok"]), statuses(
        answers
    )
    [gateway] = agentcore_gateways(registry)
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "ACTIVE"
    assert record["agentcore"]["gateway_id"] == gateway["gatewayId"]
    assert [e["outcome"] for e in record["audit"]] == ["create-started", "create-succeeded"]
    # Once the first has finished, every copy replays the same outcome.
    again = pool.race(server_env, [evt] * WORKERS)
    assert statuses(again) == [(201, None)] * WORKERS
    assert {a["data"]["version"] for a in again} == {record["version"]}
    assert len(agentcore_gateways(registry)) == 1


# --- one name, many requests -----------------------------------------------------------


def test_creates_of_one_name_have_one_winner_and_one_gateway(
    registry: Registry, server_env: dict[str, str], pool: Pool
) -> None:
    events = [event("create_gateway", {"name": "contested"}) for _ in range(WORKERS)]
    answers = pool.race(server_env, events)

    assert statuses(answers) == [(201, None)] + [(409, "Conflict")] * (WORKERS - 1)
    [winner] = [a for a in answers if a["ok"]]
    [gateway] = agentcore_gateways(registry)
    assert gateway["name"] == "contested"
    assert winner["data"]["agentcore"]["gateway_id"] == gateway["gatewayId"]
    assert registry.item("name#contested")["claimed_by"] == winner["data"]["gateway_id"]
    for loser, evt in zip(answers, events, strict=True):
        if not loser["ok"]:
            # A loser wrote nothing: no record, no ledger entry.
            assert registry.gateway_record(gateway_id_for(evt["request_id"])) is None
            assert registry.item(f"request#{evt['request_id']}") is None


def test_tools_of_one_name_have_one_winner_and_one_target(
    registry: Registry, server_env: dict[str, str], pool: Pool
) -> None:
    gateway = create_gateway(registry)
    source = {"type": "inline", "spec": SPEC}
    events = [
        event(
            "create_tool", {"gateway_id": gateway["gateway_id"], "name": "pets", "source": source}
        )
        for _ in range(WORKERS)
    ]
    answers = pool.race(server_env, events)

    assert statuses(answers) == [(201, None)] + [(409, "Conflict")] * (WORKERS - 1)
    targets = registry.runtime.agentcore.list_gateway_targets(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"]
    )["items"]
    assert [t["name"] for t in targets] == ["pets"]
    listed = registry.runtime.s3.list_objects_v2(Bucket=registry.settings.spec_bucket_name)
    assert len(listed.get("Contents", [])) == 1


# --- updates of one record ---------------------------------------------------------------


def test_concurrent_updates_have_one_winner_per_version_and_lose_nothing(
    registry: Registry, server_env: dict[str, str], pool: Pool
) -> None:
    gateway = create_gateway(registry)
    gateway_id = gateway["gateway_id"]
    winners: list[str] = []
    for round_ in range(3):
        version = registry.gateway_record(gateway_id)["version"]
        descriptions = [f"round {round_} writer {i}" for i in range(WORKERS)]
        events = [
            event(
                "update_gateway",
                {"gateway_id": gateway_id, "expected_version": version, "description": d},
            )
            for d in descriptions
        ]
        answers = pool.race(server_env, events)

        assert statuses(answers) == [(200, None)] + [(409, "Conflict")] * (WORKERS - 1)
        [winner] = [d for d, a in zip(descriptions, answers, strict=True) if a["ok"]]
        winners.append(winner)
        record = registry.gateway_record(gateway_id)
        assert record["description"] == winner, "a lost update"
        assert "lease" not in record
        assert "pending" not in record
        remote = registry.agentcore_gateway(record["agentcore"]["gateway_id"])
        assert remote["description"] == winner, "AgentCore serves another update"
        # Each winner's audit entry follows the previous one: nothing interleaved.
        succeeded = [e for e in record["audit"] if e["outcome"] == "update-succeeded"]
        assert len(succeeded) == round_ + 1
    assert len(set(winners)) == 3


# --- a delete racing an update ------------------------------------------------------------


@pytest.mark.parametrize("round_", range(4))
def test_a_delete_racing_an_update_ends_consistent(
    registry: Registry, server_env: dict[str, str], pool: Pool, round_: int
) -> None:
    gateway = create_gateway(registry, name=f"race{round_}")
    gateway_id = gateway["gateway_id"]
    update = event("update_gateway", {"gateway_id": gateway_id, "description": "updated"})
    delete = event("delete_gateway", {"gateway_id": gateway_id})
    # Alternate which process is written to first.
    first, second = (update, delete) if round_ % 2 == 0 else (delete, update)
    answers = dict(zip(("first", "second"), pool.race(server_env, [first, second]), strict=True))
    updated = answers["first" if first is update else "second"]
    deleted = answers["first" if first is delete else "second"]

    record = registry.gateway_record(gateway_id)
    remote = [g for g in agentcore_gateways(registry) if g["name"] == f"race{round_}"]
    assert "lease" not in record, record
    if record["status"] == "DELETED":
        assert remote == [], "DELETED in DynamoDB, still in AgentCore"
        assert deleted["status"] == 200, deleted
        assert updated["status"] in (200, 404, 409), updated
    else:
        assert record["status"] == "ACTIVE", record
        assert len(remote) == 1
        assert (deleted["status"], deleted["error"]["code"]) == (409, "Conflict"), deleted
        assert updated["status"] == 200, updated
        assert record["description"] == "updated"
    assert record["status"] in ("ACTIVE", "DELETED")
    raw = registry.runtime.dynamodb.get_item(
        TableName=registry.settings.gateways_table_name,
        Key=dynamo.serialize({"gateway_id": f"name#race{round_}"}),
        ConsistentRead=True,
    )
    assert ("Item" in raw) == (record["status"] == "ACTIVE"), "the name claim disagrees"


def test_the_pool_runs_requests_in_parallel(server_env: dict[str, str], pool: Pool) -> None:
    """Not vacuous: each worker is its own process, all alive at once."""
    answers = pool.race(server_env, [{"action": "list_gateways", "data": {}}] * WORKERS)
    assert statuses(answers) == [(200, None)] * WORKERS
    assert len({p.pid for p in pool.processes}) == WORKERS
    assert all(p.poll() is None for p in pool.processes)
