"""`registry demo` (what ./scripts/demo runs) against its own moto_server:
every step answers what its title says."""

from __future__ import annotations

import json
import os
import re

import pytest

from registry_local.demo import run_demo

pytestmark = pytest.mark.integration


def test_the_demo_runs_every_step_as_titled(capsys: pytest.CaptureFixture[str]) -> None:
    saved = dict(os.environ)  # the demo sets the registry's variables
    try:
        assert run_demo() == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)

    out = capsys.readouterr().out
    steps = re.findall(r"^== ([^\n]+)\n(\{.*?^\})", out, flags=re.M | re.S)
    answers = {title: json.loads(body) for title, body in steps}
    assert len(answers) == len(steps) >= 20
    for title, answer in answers.items():
        # A title that names an error code expects it; the others succeed.
        expected = re.search(r"\b(4\d\d)\b", title)
        status = int(expected.group(1)) if expected else None
        if status is None:
            assert answer["ok"], (title, answer)
        else:
            assert answer["status"] == status, (title, answer)
    tools = answers["list_tools"]["items"]
    assert sorted(name for name, _ in tools) == [
        "pets",
        "pets-from-file",
        "pets-uploaded",
        "weather",
    ]
    assert all(status == "ACTIVE" for _, status in tools)
    assert "demo-key-kept-by-agentcore" not in out
