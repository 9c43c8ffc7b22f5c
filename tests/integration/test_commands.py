"""`registry gateway|tool|reconcile ...` (issue 14, points 1-3) against the
real handler behind `registry local serve` and a real moto_server: each
command does what its help says, prints people's output or the envelope,
exits 0/1/2, and keeps secrets out of argv and output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_local import cli
from registry_local.serve import LambdaInvokeServer
from tests.support import PETS, Registry, targets, tool_record

ALICE = "alice@example.com:payments"


@pytest.fixture
def endpoint(server_env: dict[str, str]) -> Iterator[str]:
    with LambdaInvokeServer("registry") as server:
        yield server.endpoint_url


def registry_cmd(
    endpoint: str, capsys: pytest.CaptureFixture[str], *argv: str, output: str = "json"
) -> tuple[int, str, str]:
    code = cli.main(
        [
            "--function-name",
            "registry",
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--actor",
            ALICE,
            "--output",
            output,
            *argv,
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_gateway_and_a_tool_from_the_shell(
    endpoint: str, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = registry_cmd(
        endpoint, capsys, "gateway", "create", "--name", "payments-tools", "--tag", "env=prod"
    )
    assert code == 0, out
    gateway = json.loads(out)["data"]
    assert gateway["tags"] == {"env": "prod"}
    spec = tmp_path / "pets.json"
    spec.write_text(json.dumps(PETS))
    code, out, _ = registry_cmd(
        endpoint,
        capsys,
        "tool",
        "create",
        "--gateway-id",
        gateway["gateway_id"],
        "--name",
        "pets",
        "--spec",
        str(spec),
    )
    assert code == 0, out
    tool = json.loads(out)["data"]
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert len(targets(registry, gateway)) == 1
    code, out, _ = registry_cmd(
        endpoint, capsys, "tool", "list", "--gateway-id", gateway["gateway_id"], output="table"
    )
    assert code == 0
    header, row = out.splitlines()[:2]
    assert header.split() == ["TOOL_ID", "NAME", "STATUS", "VERSION"]
    assert row.split()[:3] == [tool["tool_id"], "pets", "ACTIVE"]
    code, out, _ = registry_cmd(
        endpoint,
        capsys,
        "gateway",
        "delete",
        "--gateway-id",
        gateway["gateway_id"],
        "--cascade",
        output="table",
    )
    assert code == 0
    assert "status: DELETED" in out
    assert registry.runtime.agentcore.list_gateways()["items"] == []


def test_an_error_answer_is_one_line_and_exit_one(
    endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = registry_cmd(
        endpoint,
        capsys,
        "gateway",
        "get",
        "--gateway-id",
        "gw-00000000000000000000",
        output="table",
    )
    assert code == 1
    assert out == ""
    # (The function's own log lines share stderr here: it runs in this process.)
    assert err.splitlines()[-1] == "error NotFound (404): no gateway gw-00000000000000000000"


def test_an_api_key_comes_from_the_environment_and_is_never_printed(
    endpoint: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, _ = registry_cmd(endpoint, capsys, "gateway", "create", "--name", "keys")
    gateway = json.loads(out)["data"]
    spec = tmp_path / "pets.json"
    spec.write_text(json.dumps(PETS))
    monkeypatch.setenv("PETS_KEY", "secret-from-env-9c1f")
    argv = [
        "tool",
        "create",
        "--gateway-id",
        gateway["gateway_id"],
        "--name",
        "pets",
        "--spec",
        str(spec),
        "--credentials",
        "api_key",
        "--api-key-env",
        "PETS_KEY",
    ]
    code, out, err = registry_cmd(endpoint, capsys, *argv)
    assert code == 0, out
    assert json.loads(out)["data"]["credentials"]["type"] == "api_key"
    assert "secret-from-env-9c1f" not in out + err + " ".join(argv)


def test_usage_errors_exit_two(
    endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = registry_cmd(
        endpoint, capsys, "gateway", "create", "--name", "x", "--tag", "bad"
    )
    assert code == 2
    assert err.splitlines()[-1] == "registry: --tag takes KEY=VALUE"
    code, _, err = registry_cmd(
        endpoint,
        capsys,
        "tool",
        "create",
        "--gateway-id",
        "gw-00000000000000000000",
        "--name",
        "pets",
        "--spec",
        str(tmp_path / "missing.json"),
    )
    assert code == 2
    assert "no file" in err
    with pytest.raises(SystemExit) as info:
        cli.main(["gateway", "frobnicate"])
    assert info.value.code == 2
