"""`registry gateway|tool|reconcile ...` (issue 14, points 1-3 and 7)
against the real handler behind `registry local serve` and a real
moto_server: each command does what its help says, prints people's output
or the envelope, exits 0/1/2, uploads a spec over Lambda's 6 MB payload by
itself, resumes an interrupted command with its request id, and keeps
secrets out of argv and output."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from registry_local import cli
from registry_local.client import RegistryClient
from registry_local.serve import LambdaInvokeServer
from registry_local.uploads import UploadFailed, post_upload
from tests.support import CANARY_SECRET, PETS, Registry, spec_keys, targets, tool_record

ALICE = "alice@example.com:payments"


@pytest.fixture
def endpoint(
    server_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    # The commands remember uploads in the user's state directory: this test's.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with LambdaInvokeServer("registry") as server:
        yield server.endpoint_url


def big_pets(path: Path) -> Path:
    """PETS in a file over Lambda's 6 MB payload once base64-encoded, as
    specs with long prose are (the text is what makes it big, so
    validating it stays quick)."""
    spec = json.loads(json.dumps(PETS))
    spec["info"]["description"] = "The pets API. " * 350_000
    path.write_text(json.dumps(spec))
    assert path.stat().st_size * 4 / 3 > 6 * 1024 * 1024
    return path


def make_gateway(endpoint: str, capsys: pytest.CaptureFixture[str], name: str) -> dict[str, Any]:
    code, out, _ = registry_cmd(endpoint, capsys, "gateway", "create", "--name", name)
    assert code == 0, out
    gateway: dict[str, Any] = json.loads(out)["data"]
    return gateway


def make_pets_tool(
    endpoint: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, gateway: dict[str, Any]
) -> dict[str, Any]:
    """PETS registered from a file by `tool create`."""
    spec = tmp_path / "pets.json"
    spec.write_text(json.dumps(PETS))
    code, out, err = registry_cmd(
        endpoint,
        capsys,
        *("tool", "create", "--gateway-id", gateway["gateway_id"]),
        *("--name", "pets", "--spec", str(spec)),
    )
    assert code == 0, err
    tool: dict[str, Any] = json.loads(out)["data"]
    return tool


def uploads(registry: Registry) -> list[str]:
    return [key for key in spec_keys(registry) if key.startswith("uploads/")]


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


def test_a_spec_over_six_megabytes_is_uploaded_by_itself(
    endpoint: str, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = make_gateway(endpoint, capsys, "big-specs")
    spec = big_pets(tmp_path / "big-pets.json")
    code, out, err = registry_cmd(
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
        "--include",
        "listPets",
    )
    assert code == 0, err
    assert re.search(r"^registry: uploaded big-pets\.json \(4\.\d MB\)$", err, re.MULTILINE)
    tool = json.loads(out)["data"]
    # One upload, under the team's prefix, read back as the tool's source.
    (key,) = uploads(registry)
    assert key.startswith("uploads/payments/")
    assert key.endswith("/big-pets.json")
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["spec"]["source"]["type"] == "s3"
    assert record["spec"]["operations"] == ["listPets"]
    assert record["spec"]["s3_key"] in spec_keys(registry)
    assert [t["targetId"] for t in targets(registry, gateway)] == [record["agentcore"]["target_id"]]


def test_an_interrupted_upload_command_resumes_with_its_request_id(
    endpoint: str,
    registry: Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = make_gateway(endpoint, capsys, "resumed")
    spec = big_pets(tmp_path / "big-pets.json")
    argv = ["tool", "create", "--gateway-id", gateway["gateway_id"], "--name", "pets"]
    argv += ["--spec", str(spec)]
    real_invoke = RegistryClient._invoke

    def lost_answer(self: RegistryClient, event: dict[str, Any]) -> dict[str, Any]:
        answer = real_invoke(self, event)
        if event["action"] == "create_tool":
            # The function did the work; the caller never read the answer.
            raise KeyboardInterrupt
        return answer

    monkeypatch.setattr(RegistryClient, "_invoke", lost_answer)
    code, _, err = registry_cmd(endpoint, capsys, *argv)
    assert code == 130
    hint = re.search(r"interrupted; send the same command with --request-id (\S+)$", err)
    assert hint is not None, err
    (created,) = registry.runtime.agentcore.list_gateway_targets(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"]
    )["items"]
    monkeypatch.setattr(RegistryClient, "_invoke", real_invoke)

    code, out, err = registry_cmd(endpoint, capsys, "--request-id", hint.group(1), *argv)
    assert code == 0, err
    # The same request: no second upload, the first answer replayed, one target.
    assert "uploaded" not in err
    assert len(uploads(registry)) == 1
    answer = json.loads(out)
    assert answer["request_id"] == hint.group(1)
    record = tool_record(registry, answer["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["agentcore"]["target_id"] == created["targetId"]
    assert len(targets(registry, gateway)) == 1


def test_tool_update_sends_a_new_spec_and_a_source_takes_any_kind(
    endpoint: str, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = make_gateway(endpoint, capsys, "kinds")
    tool = make_pets_tool(endpoint, capsys, tmp_path, gateway)
    base = ["--gateway-id", gateway["gateway_id"]]
    code, out, err = registry_cmd(
        endpoint,
        capsys,
        "tool",
        "update",
        "--tool-id",
        tool["tool_id"],
        *base,
        "--spec",
        str(tmp_path / "pets.json"),
        "--exclude",
        "getPet",
        "--allow-breaking",  # getPet left out: a breaking change (issue 15)
        "--expected-version",
        str(tool["version"]),
    )
    assert code == 0, err
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["version"] > tool["version"]
    assert record["spec"]["operations"] == ["listPets"]
    mcp = json.dumps(
        {"type": "mcp_server", "endpoint": "https://mcp.example.com/mcp", "listing_mode": "DYNAMIC"}
    )
    code, out, err = registry_cmd(
        endpoint, capsys, "tool", "create", *base, "--name", "docs", "--source", mcp
    )
    assert code == 0, err
    record = tool_record(registry, json.loads(out)["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["target"]["endpoint"] == "https://mcp.example.com/mcp"
    assert len(targets(registry, gateway)) == 2


def test_oauth2_and_gateway_flags_reach_the_records_and_the_secret_nowhere(
    endpoint: str,
    registry: Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = registry_cmd(
        endpoint,
        capsys,
        "gateway",
        "create",
        "--name",
        "jwt-gateway",
        "--authorizer-type",
        "CUSTOM_JWT",
        "--discovery-url",
        "https://idp.example.com/.well-known/openid-configuration",
        "--allowed-audience",
        "agents",
        "--exception-level",
        "DEBUG",
    )
    assert code == 0, err
    gateway = json.loads(out)["data"]
    stored = registry.gateway_record(gateway["gateway_id"])
    assert stored is not None
    assert stored["authorizer"]["allowed_audience"] == ["agents"]
    configured = registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])
    assert configured["authorizerType"] == "CUSTOM_JWT"
    spec = tmp_path / "pets.json"
    spec.write_text(json.dumps(PETS))
    monkeypatch.setenv("PETS_SECRET", CANARY_SECRET)
    argv = ["tool", "create", "--gateway-id", gateway["gateway_id"], "--name", "pets"]
    argv += ["--spec", str(spec), "--credentials", "oauth2", "--client-id", "registry-client"]
    argv += ["--client-secret-env", "PETS_SECRET", "--token-endpoint", "https://idp.example.com/t"]
    argv += ["--authorization-endpoint", "https://idp.example.com/a", "--scope", "pets.read"]
    code, out, err = registry_cmd(endpoint, capsys, *argv)
    assert code == 0, err
    credentials = json.loads(out)["data"]["credentials"]
    assert (credentials["type"], credentials["scopes"]) == ("oauth2", ["pets.read"])
    assert CANARY_SECRET not in out + err + " ".join(argv)


class _S3Refusal(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b"<Error><Code>EntityTooLarge</Code><Message>too big</Message></Error>"
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def refusing_s3() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _S3Refusal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/bucket"
    server.shutdown()
    server.server_close()


def test_an_upload_s3_refuses_says_why(refusing_s3: str) -> None:
    upload = {"url": refusing_s3, "fields": {"key": "uploads/payments/u/s.json"}}
    with pytest.raises(UploadFailed, match=r"^S3 refused the upload: 400 EntityTooLarge$"):
        post_upload(upload, b"{}", "s.json")
    with pytest.raises(UploadFailed, match="did not reach S3: ConnectionError"):
        post_upload({**upload, "url": "http://127.0.0.1:9/bucket"}, b"{}", "s.json")


def test_every_other_command_does_what_its_help_says(
    endpoint: str, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = make_gateway(endpoint, capsys, "every-command")
    gateway_id = ["--gateway-id", gateway["gateway_id"]]
    code, out, _ = registry_cmd(endpoint, capsys, "gateway", "list", output="table")
    assert code == 0
    assert [line.split()[:3] for line in out.splitlines()[1:]] == [
        [gateway["gateway_id"], "every-command", "ACTIVE"]
    ]
    code, out, err = registry_cmd(
        endpoint, capsys, "gateway", "update", *gateway_id, "--description", "for agents"
    )
    assert code == 0, err
    stored = registry.gateway_record(gateway["gateway_id"])
    assert stored is not None
    assert stored["description"] == "for agents"
    mcp = json.dumps({"type": "mcp_server", "endpoint": "https://mcp.example.com/mcp"})
    code, out, err = registry_cmd(
        endpoint, capsys, "tool", "create", *gateway_id, "--name", "docs", "--source", mcp
    )
    assert code == 0, err
    tool_id = ["--tool-id", json.loads(out)["data"]["tool_id"]]
    code, out, _ = registry_cmd(endpoint, capsys, "tool", "get", *tool_id, output="table")
    assert code == 0
    assert "status: ACTIVE" in out.splitlines()
    code, out, err = registry_cmd(endpoint, capsys, "tool", "sync", *tool_id, *gateway_id)
    assert code == 0, err
    record = tool_record(registry, tool_id[1], gateway["gateway_id"])
    assert record is not None
    assert record["agentcore"]["last_synchronized_at"]
    code, out, _ = registry_cmd(endpoint, capsys, "reconcile", output="table")
    assert code == 0
    assert out.splitlines()[0].startswith("dry run: ")
    # (`in-step` counts tools: services/reconcile.py.)
    assert out.splitlines() == ["dry run: in-step 1"]
    code, out, err = registry_cmd(endpoint, capsys, "tool", "delete", *tool_id, *gateway_id)
    assert code == 0, err
    record = tool_record(registry, tool_id[1], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "DELETED"
    assert targets(registry, gateway) == []
    # Repairs need an admin: alice's --apply is refused and nothing is looked at.
    code, _, err = registry_cmd(endpoint, capsys, "reconcile", "--apply", output="table")
    assert code == 1
    assert err.splitlines()[-1].startswith("error Forbidden (403)")


def test_versions_diff_and_rollback_from_the_shell(
    endpoint: str, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gateway = make_gateway(endpoint, capsys, "versions")
    tool = ["--tool-id", make_pets_tool(endpoint, capsys, tmp_path, gateway)["tool_id"]]
    smaller = json.loads(json.dumps(PETS))
    del smaller["paths"]["/pets/{id}"]
    (tmp_path / "smaller.json").write_text(json.dumps(smaller))
    smaller_spec = ["--spec", str(tmp_path / "smaller.json")]
    code, out, _ = registry_cmd(
        endpoint, capsys, "tool", "diff", *tool, *smaller_spec, output="table"
    )
    assert code == 0
    assert out.splitlines() == ["breaking: 0 added, 1 removed, 0 changed", "- getPet"]
    code, out, err = registry_cmd(
        endpoint, capsys, "tool", "update", *tool, *smaller_spec, output="table"
    )
    assert code == 1
    assert out == ""
    assert err.splitlines()[-1].startswith("error BreakingChange (409): ")
    assert "[data.source: breaking: 0 added, 1 removed, 0 changed (removed: getPet)]" in err
    code, out, err = registry_cmd(
        endpoint, capsys, "tool", "update", *tool, *smaller_spec, "--allow-breaking"
    )
    assert code == 0, err
    assert json.loads(out)["data"]["diff"]["removed"] == ["getPet"]
    code, out, _ = registry_cmd(endpoint, capsys, "tool", "versions", *tool, output="table")
    assert code == 0
    rows = [line.split()[:3] for line in out.splitlines()]
    assert rows == [
        ["VERSION", "ACTION", "BREAKING"],
        ["2", "update", "True"],
        ["1", "create", "False"],
    ]
    code, out, err = registry_cmd(
        endpoint, capsys, "tool", "rollback", *tool, "--version", "1", output="table"
    )
    assert code == 0, err
    assert "spec_version: 3" in out.splitlines()
    assert "diff: not breaking: 1 added, 0 removed, 0 changed" in out.splitlines()
    record = tool_record(registry, tool[1], gateway["gateway_id"])
    assert record is not None
    assert (record["spec_version"], record["spec"]["operations"]) == (3, ["listPets", "getPet"])
