"""The parts of `registry gateway|tool ...` that need no function: secrets
from a variable or a prompt (never argv), the countdown and the progress bar,
the memory of uploads that lets a resumed command send the same source, the
flags' data (the presigned POST's failures: tests/integration/test_commands.py)."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from registry_local import cli, commands
from registry_local.uploads import UploadMemory


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def parse(*argv: str) -> argparse.Namespace:
    return cli.parser().parse_args(["--function-name", "registry", *argv])


def test_a_secret_comes_from_its_variable_or_a_prompt_never_from_argv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEY_VAR", "from-the-variable")
    args = parse("tool", "update", "--tool-id", "t", "--credentials", "api_key")
    args.api_key_env = "KEY_VAR"
    assert commands._tool_data(args)["credentials"]["api_key"] == "from-the-variable"

    prompts: list[str] = []
    monkeypatch.setattr(commands.sys, "stdin", Terminal())
    monkeypatch.setattr(commands.getpass, "getpass", lambda p: prompts.append(p) or "typed")
    args = parse("tool", "update", "--tool-id", "t", "--credentials", "oauth2")
    args.client_id = "client"
    args.oauth_discovery_url = "https://idp.example.com/.well-known/openid-configuration"
    credentials = commands._tool_data(args)["credentials"]
    assert (credentials["client_secret"], prompts) == ("typed", ["client secret: "])
    assert "discovery_url" in credentials

    # No terminal to prompt at (a pipeline): the variable is the only way.
    monkeypatch.setattr(commands.sys, "stdin", io.StringIO())
    with pytest.raises(commands.UsageError, match="give --client-secret-env VAR"):
        commands._tool_data(args)
    args.client_secret_env = "sk-live-given-by-mistake"
    with pytest.raises(commands.UsageError) as refused:
        commands._tool_data(args)
    assert str(refused.value) == "--client-secret-env: the variable it names is not set"
    # No flag takes a secret's value, not even as an abbreviation of another.
    for flag in ("--api-key", "--client-secret"):
        with pytest.raises(SystemExit):
            parse("tool", "update", "--tool-id", "t", flag, "x")


def test_a_source_is_json_or_a_file_and_spec_options_need_one(tmp_path: Path) -> None:
    source = tmp_path / "lambda.json"
    source.write_text(json.dumps({"type": "lambda", "lambda_arn": "arn"}))
    args = parse("tool", "update", "--tool-id", "t", "--source", f"@{source}", "--include", "a")
    assert commands._tool_data(args)["source"] == {
        "type": "lambda",
        "lambda_arn": "arn",
        "include_operations": ["a"],
    }
    for value, message in (("[1]", "a JSON object"), ("{nope", "not JSON"), ("@/nope", "read")):
        with pytest.raises(commands.UsageError, match=message):
            commands._tool_data(parse("tool", "update", "--tool-id", "t", "--source", value))
    with pytest.raises(commands.UsageError, match="go with --spec or --source"):
        commands._tool_data(parse("tool", "update", "--tool-id", "t", "--exclude", "a"))
    with pytest.raises(SystemExit):
        parse("tool", "create", "--gateway-id", "g", "--name", "n", "--spec", "a", "--source", "{}")


def test_gateway_flags_are_the_contracts_fields() -> None:
    args = parse(
        "gateway",
        "update",
        "--gateway-id",
        "gw-1",
        "--authorizer-type",
        "CUSTOM_JWT",
        "--discovery-url",
        "https://idp.example.com/.well-known/openid-configuration",
        "--allowed-clients",
        "c1",
        "--allowed-clients",
        "c2",
        "--tag",
        "env=prod",
        "--kms-key-arn",
        "arn:k",
    )
    assert commands._gateway_data(args) == {
        "gateway_id": "gw-1",
        "authorizer_type": "CUSTOM_JWT",
        "authorizer": {
            "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
            "allowed_clients": ["c1", "c2"],
        },
        "tags": {"env": "prod"},
        "kms_key_arn": "arn:k",
    }


def test_the_countdown_ticks_at_a_terminal_and_says_it_once_otherwise() -> None:
    slept: list[float] = []
    terminal = Terminal()
    countdown = commands.Countdown(terminal, slept.append)
    countdown.reason(2.5, {"status": 409, "error": {"code": "InProgress"}})
    countdown(2.5)
    assert slept == [1.0, 1.0, 0.5]
    assert terminal.getvalue().split("\r")[1:] == [
        "registry: 409 InProgress: sending the same request again in 2s ",
        "registry: 409 InProgress: sending the same request again in 2s ",
        "registry: 409 InProgress: sending the same request again in 0s \n",
    ]
    piped, slept = io.StringIO(), []
    commands.Countdown(piped, slept.append)(30)
    assert slept == [30]
    assert piped.getvalue() == (
        "registry: the registry asked to wait: sending the same request again in 30s\n"
    )


def test_the_progress_bar_draws_each_percent_once_and_ends_the_line() -> None:
    terminal = Terminal()
    bar = commands.ProgressBar("big.json", terminal)
    for sent in (0, 1, 1, 50, 50, 100):
        bar(sent, 100)
    frames = terminal.getvalue().split("\r")[1:]
    assert [frame.split("]")[1].split("%")[0].strip() for frame in frames] == [
        "0",
        "1",
        "50",
        "100",
    ]
    assert frames[-1].endswith("100% of 0.0 MB\n")
    assert "[" + "#" * 30 + "]" in frames[-1]
    piped = io.StringIO()
    bar = commands.ProgressBar("big.json", piped)
    for sent in (0, 3_000_000, 6_500_000):
        bar(sent, 6_500_000)
    assert piped.getvalue() == "registry: uploaded big.json (6.5 MB)\n"


def test_an_upload_is_remembered_per_request_id_and_content(tmp_path: Path) -> None:
    path = tmp_path / "state" / "registry" / "uploads.json"
    memory = UploadMemory(path)
    assert memory.key_for("req-1", b"spec") is None
    memory.remember("req-1", b"spec", "uploads/payments/u1/spec.json")
    assert UploadMemory(path).key_for("req-1", b"spec") == "uploads/payments/u1/spec.json"
    # Other bytes under the same request id are another upload.
    assert memory.key_for("req-1", b"changed") is None
    stored = json.loads(path.read_text())
    assert set(stored["req-1"]) == {"sha256", "key", "at"}
    # Entries past the ledger's 30 days are dropped on the next write.
    stored["req-0"] = {"sha256": "x", "key": "k", "at": 0}
    path.write_text(json.dumps(stored))
    memory.remember("req-2", b"other", "uploads/payments/u2/o.json")
    assert set(json.loads(path.read_text())) == {"req-1", "req-2"}
    # A damaged file is an empty memory, not a failure.
    path.write_text("{not json")
    assert memory.key_for("req-1", b"spec") is None


def test_the_memory_lives_in_the_users_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    UploadMemory().remember("req-1", b"spec", "k")
    assert (tmp_path / "registry" / "uploads.json").is_file()


def test_a_reconcile_report_is_its_counts_then_a_line_per_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = {
        "dry_run": False,
        "counts": {"drift": 1, "in-step": 4, "repaired": 0},
        "findings": [
            {
                "kind": "tool",
                "id": "tl-1",
                "finding": "drift",
                "action": "report",
                "done": False,
                "detail": "the target serves another spec",
            }
        ],
        "next_token": "abc",
    }
    commands._print({"ok": True, "status": 200, "data": report}, "table")
    assert capsys.readouterr().out.splitlines() == [
        "drift 1, in-step 4, repaired 0",
        "drift tool tl-1: report (not done) the target serves another spec",
        "(stopped before the end: --next-token abc)",
    ]


def test_a_resumed_or_planned_reconcile_says_where_its_pass_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    resumed = {
        "dry_run": True,
        "counts": {"in-step": 2},
        "findings": [],
        "next_token": "abc",
        "pass": {"started_at": "2026-12-05T09:00:00Z", "completed_at": None},
    }
    commands._print({"ok": True, "status": 200, "data": resumed}, "table")
    assert capsys.readouterr().out.splitlines() == [
        "dry run: in-step 2",
        "pass started 2026-12-05T09:00:00Z, last completed never",
        "(stopped before the end: --next-token abc)",
    ]
    planned = {"dry_run": True, "counts": {}, "findings": [], "gateway_ids": ["gw-1", "gw-2"]}
    commands._print({"ok": True, "status": 200, "data": planned}, "table")
    assert capsys.readouterr().out.splitlines() == ["dry run: ", "gw-1", "gw-2"]


def test_reconcile_flags_are_the_actions_fields() -> None:
    args = parse("reconcile", "--scope", "gateway", "--gateway-id", "gw-1")
    assert args.data(args) == {"dry_run": True, "scope": "gateway", "gateway_id": "gw-1"}
    args = parse("reconcile", "--apply", "--resume")
    assert args.data(args) == {"dry_run": False, "resume": True}
