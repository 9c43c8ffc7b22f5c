"""`registry demo` (what ./scripts/demo runs) against its own moto_server:
every step answers what its title says."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

import pytest

from registry_local.auth_demo import run_auth_demo
from registry_local.demo import run_demo

pytestmark = pytest.mark.integration


def run_and_read(
    demo: Callable[[], int], capsys: pytest.CaptureFixture[str]
) -> tuple[str, dict[str, Any]]:
    """The demo's output and its steps' answers, each checked against its
    title: a title that names an error code expects it; the others succeed."""
    saved = dict(os.environ)  # the demo sets the registry's variables
    try:
        assert demo() == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)

    out = capsys.readouterr().out
    steps = re.findall(r"^== ([^\n]+)\n(\{.*?^\})", out, flags=re.M | re.S)
    answers = {title: json.loads(body) for title, body in steps}
    assert len(answers) == len(steps)
    for title, answer in answers.items():
        expected = re.search(r"\b(4\d\d)\b", title)
        status = int(expected.group(1)) if expected else None
        if status is None:
            assert answer["ok"], (title, answer)
        else:
            assert answer["status"] == status, (title, answer)
    return out, answers


def test_the_demo_runs_every_step_as_titled(capsys: pytest.CaptureFixture[str]) -> None:
    out, answers = run_and_read(run_demo, capsys)

    assert len(answers) >= 20
    tools = answers["list_tools"]["items"]
    assert sorted(name for name, _ in tools) == [
        "forecasts",
        "inventory",
        "orders",
        "pets",
        "pets-from-file",
        "pets-uploaded",
        "tickets",
        "weather",
    ]
    assert all(status == "ACTIVE" for _, status in tools)
    assert answers["list_tools of kind lambda"]["items"] == [["orders", "ACTIVE"]]
    assert "demo-key-kept-by-agentcore" not in out


def test_the_auth_demo_refuses_every_forgery_and_writes_nothing_for_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, answers = run_and_read(run_auth_demo, capsys)

    assert len(answers) == 12
    created = answers["alice creates a gateway: her user and team come from her token"]
    unchanged = answers["alice reads her gateway: unchanged by the refused requests"]
    # Seven refused requests between them, and the record is as created.
    assert (unchanged["id"], unchanged["version"]) == (created["id"], created["version"])
    assert "owner: payments, by alice@example.com" in out
    deleted = answers["admin deletes alice's gateway"]
    assert (deleted["record_status"], deleted["agentcore"]) == ("DELETED", "DELETED")
    assert "delete_gateway delete-succeeded: admin@example.com (registry-admins)" in out
    assert "eyJ" not in out  # no token (a JWT's base64 header) is printed
