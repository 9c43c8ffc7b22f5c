"""The registry against a real moto_server process: the product's three
checks, and a process that really dies mid-flow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.gateway.gateway_flow import gateway_id_for
from tests.integration.crash_invoke import CRASH_EXIT_CODE
from tests.support import Registry, event

ROOT = Path(__file__).resolve().parents[2]


def test_create_shows_in_dynamodb_and_agentcore(registry: Registry) -> None:
    evt = event("create_gateway", {"name": "payments-tools", "description": "Payment APIs"})
    response = registry.invoke(evt)

    assert response["status"] == 201
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "ACTIVE"
    [gateway] = registry.agentcore_gateways()
    assert gateway["name"] == "payments-tools"
    assert gateway["status"] == "READY"
    assert record["agentcore"]["gateway_id"] == gateway["gatewayId"]


def test_delete_cleans_up_both(registry: Registry) -> None:
    created = registry.invoke(event("create_gateway", {"name": "payments-tools"}))["data"]
    response = registry.invoke(event("delete_gateway", {"gateway_id": created["gateway_id"]}))

    assert response["status"] == 200
    assert registry.gateway_record(created["gateway_id"])["status"] == "DELETED"
    assert registry.agentcore_gateways() == []
    with pytest.raises(registry.runtime.agentcore.exceptions.ResourceNotFoundException):
        registry.runtime.agentcore.get_gateway(gatewayIdentifier=created["agentcore"]["gateway_id"])


def test_agentcore_failure_shows_in_dynamodb_with_its_error(registry: Registry) -> None:
    evt = event(
        "create_gateway",
        {"name": "payments-tools", "tags": {"emulator:fail": "role not assumable"}},
    )
    response = registry.invoke(evt)

    assert response["status"] == 502
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "FAILED"
    assert "role not assumable" in record["last_error"]["message"]
    assert registry.agentcore_gateways() == []


def past_the_dead_lease(registry: Registry) -> None:
    """Move our clock past the lease the dead subprocess took: it started
    later than our clock, with the full default budget."""
    registry.clock.now = time.time() + registry.runtime.default_budget_seconds + 1


def run_and_die(evt: dict[str, object], hook: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.crash_invoke", json.dumps(evt), hook],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("moment", ["before-call", "after-call"])
def test_process_killed_around_create_leaves_pending_then_replay_ends_with_one_gateway(
    registry: Registry, moment: str
) -> None:
    evt = event("create_gateway", {"name": "payments-tools"})
    died = run_and_die(evt, f"{moment}.bedrock-agentcore-control.CreateGateway")
    assert died.returncode == CRASH_EXIT_CODE, died.stderr[-2000:]

    # What the product promises: DynamoDB shows PENDING.
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "PENDING"
    assert len(registry.agentcore_gateways()) == (1 if moment == "after-call" else 0)

    # The dead invocation's lease lasts until its Lambda deadline: the same
    # request is InProgress until then, and resumes after.
    assert registry.invoke(evt)["error"]["code"] == "InProgress"
    past_the_dead_lease(registry)
    resumed = registry.invoke(evt)

    assert resumed["status"] == 201
    [gateway] = registry.agentcore_gateways()
    record = registry.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["status"] == "ACTIVE"
    assert record["agentcore"]["gateway_id"] == gateway["gatewayId"]
    assert [e["outcome"] for e in record["audit"]] == [
        "create-started",
        "resumed",
        "create-succeeded",
    ]


def test_process_killed_after_delete_call_is_finished_by_replay(registry: Registry) -> None:
    created = registry.invoke(event("create_gateway", {"name": "payments-tools"}))["data"]
    evt = event("delete_gateway", {"gateway_id": created["gateway_id"]})
    died = run_and_die(evt, "after-call.bedrock-agentcore-control.DeleteGateway")
    assert died.returncode == CRASH_EXIT_CODE, died.stderr[-2000:]
    assert registry.gateway_record(created["gateway_id"])["status"] == "DELETING"

    past_the_dead_lease(registry)
    resumed = registry.invoke(evt)
    assert resumed["status"] == 200
    assert registry.gateway_record(created["gateway_id"])["status"] == "DELETED"
    assert registry.agentcore_gateways() == []
