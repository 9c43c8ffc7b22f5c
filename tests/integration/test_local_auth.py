"""AUTH_MODE=jwt against moto's Cognito on a real moto_server: the pool
`registry local bootstrap --auth` makes, tokens from `registry local token`,
sent by `registry invoke --token`, verified against the pool's real
discovery document and JWKS over http on 127.0.0.1. The state in DynamoDB
and AgentCore is checked after each step."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest

from registry_local import cli
from registry_local.bootstrap import bootstrap
from registry_local.demo import summary
from registry_local.identity_provider import USERS, id_token
from registry_local.moto_server import MotoServer
from services.auth import keys

pytestmark = pytest.mark.integration

ALICE, BOB, ADMIN = "alice@example.com", "bob@example.com", "admin@example.com"


@pytest.fixture
def auth_env(
    moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, str]]:
    moto_server.reset()
    keys.forget_sources()  # each test's pool is a new issuer
    env = bootstrap(moto_server.endpoint_url, prefix=f"auth-{uuid.uuid4().hex[:8]}", auth=True)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "env.json").write_text(json.dumps(env))
    yield env
    keys.forget_sources()


def client(env: dict[str, str], service: str) -> Any:
    return boto3.session.Session(region_name=env["AWS_REGION"]).client(
        service, endpoint_url=env["AWS_ENDPOINT_URL"]
    )


def token(env: dict[str, str], user: str) -> str:
    return id_token(client(env, "cognito-idp"), env, user)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(argv)
    return code, capsys.readouterr().out


def invoke(
    capsys: pytest.CaptureFixture[str],
    env_file: Path,
    action: str,
    data: dict[str, Any],
    *extra: str,
) -> dict[str, Any]:
    code, out = run_cli(
        ["invoke", action, "--data", json.dumps(data), "--env", str(env_file), *extra], capsys
    )
    response = dict(json.loads(out))
    assert code == (0 if response["ok"] else 1)
    return response


def gateway_item(env: dict[str, str], gateway_id: str) -> dict[str, Any]:
    return dict(
        client(env, "dynamodb").get_item(
            TableName=env["GATEWAYS_TABLE_NAME"], Key={"gateway_id": {"S": gateway_id}}
        )["Item"]
    )


def test_bootstrap_auth_makes_a_pool_whose_tokens_name_the_user_and_teams(
    auth_env: dict[str, str],
) -> None:
    assert auth_env["AUTH_MODE"] == "jwt"
    assert auth_env["AUTH_TEAMS_CLAIM"] == "cognito:groups"
    assert auth_env["AUTH_OIDC_DISCOVERY_URL"].startswith(auth_env["AWS_ENDPOINT_URL"] + "/")
    cognito = client(auth_env, "cognito-idp")
    pool_id = auth_env["AUTH_OIDC_DISCOVERY_URL"].split("/")[3]
    groups = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]}
    assert groups == {"payments", "search", "registry-admins"}

    for user, teams in USERS.items():
        claims = jwt.decode(token(auth_env, user), options={"verify_signature": False})
        assert (claims["email"], claims["cognito:groups"]) == (user, list(teams))
        assert claims["aud"] == auth_env["AUTH_AUDIENCES"]
        assert claims["token_use"] == "id"


def test_alice_acts_for_payments_only_and_an_admin_for_everyone(
    auth_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "env.json"
    code, out = run_cli(["local", "token", ALICE, "--env", str(env_file)], capsys)
    assert code == 0
    alice = out.strip()
    (tmp_path / "alice.jwt").write_text(alice + "\n")
    bob, admin = token(auth_env, BOB), token(auth_env, ADMIN)

    created = invoke(
        capsys,
        env_file,
        "create_gateway",
        {"name": "payments-tools"},
        "--token",
        "@" + str(tmp_path / "alice.jwt"),
    )
    assert created["status"] == 201, created
    gateway_id = created["data"]["gateway_id"]
    item = gateway_item(auth_env, gateway_id)
    assert (item["team"]["S"], item["created_by"]["S"], item["status"]["S"]) == (
        "payments",
        ALICE,
        "ACTIVE",
    )
    # The verified issuer and subject are on every audit entry.
    claims = jwt.decode(alice, options={"verify_signature": False})
    issuer = claims["iss"]
    audit = item["audit"]["L"]
    assert {(e["M"]["issuer"]["S"], e["M"]["subject"]["S"]) for e in audit} == {
        (issuer, claims["sub"])
    }
    agentcore = client(auth_env, "bedrock-agentcore-control")
    assert [g["name"] for g in agentcore.list_gateways()["items"]] == ["payments-tools"]

    update = {"gateway_id": gateway_id, "description": "bob was here"}
    claimed = invoke(
        capsys, env_file, "update_gateway", update, "--token", bob, "--team", "payments"
    )
    as_search = invoke(capsys, env_file, "update_gateway", update, "--token", bob)
    spoofed = invoke(
        capsys,
        env_file,
        "update_gateway",
        update,
        "--token",
        alice,
        "--actor",
        f"{ADMIN}:payments:admin",
    )
    no_token = invoke(capsys, env_file, "delete_gateway", {"gateway_id": gateway_id})
    repair = invoke(capsys, env_file, "reconcile", {"dry_run": False}, "--token", alice)
    assert [summary(r)["status"] for r in (claimed, as_search, spoofed, no_token, repair)] == [
        403,
        403,
        400,
        401,
        403,
    ]
    assert gateway_item(auth_env, gateway_id) == item  # nothing written

    repaired = invoke(capsys, env_file, "reconcile", {"dry_run": False}, "--token", admin)
    deleted = invoke(
        capsys, env_file, "delete_gateway", {"gateway_id": gateway_id}, "--token", admin
    )
    assert (repaired["status"], deleted["status"]) == (200, 200), (repaired, deleted)
    after = gateway_item(auth_env, gateway_id)
    assert after["status"]["S"] == "DELETED"
    last = after["audit"]["L"][-1]["M"]
    assert (last["actor"]["S"], last["team"]["S"]) == (ADMIN, "registry-admins")
    assert agentcore.list_gateways()["items"] == []


def test_a_token_of_another_pool_on_the_same_emulator_is_refused(
    auth_env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # moto signs every pool's tokens with one key: only the issuer tells them apart.
    other = bootstrap(
        auth_env["AWS_ENDPOINT_URL"], prefix=f"other-{uuid.uuid4().hex[:8]}", auth=True
    )
    foreign = token(other, ALICE)

    refused = invoke(capsys, tmp_path / "env.json", "list_gateways", {}, "--token", foreign)

    assert (refused["status"], refused["error"]["code"]) == (401, "Unauthenticated")
    assert "issuer" in refused["error"]["message"]
    assert foreign not in json.dumps(refused)


def test_token_command_says_what_is_missing(
    auth_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "env.json"
    unknown = cli.main(["local", "token", "carol@example.com", "--env", str(env_file)])
    unknown_err = capsys.readouterr().err
    trusted = tmp_path / "trusted.json"
    trusted.write_text(json.dumps({k: v for k, v in auth_env.items() if not k.startswith("AUTH_")}))
    no_pool = cli.main(["local", "token", ALICE, "--env", str(trusted)])
    no_pool_err = capsys.readouterr().err

    assert (unknown, no_pool) == (1, 2)
    assert "no user carol@example.com" in unknown_err
    assert "bootstrap --auth" in no_pool_err
    assert os.environ["AUTH_MODE"] == "jwt"  # the token command changes no environment
