"""The layer AUTH_MODE=jwt needs (registry_local/package.py's JWT_LAYER,
terraform's aws_lambda_layer_version.jwt): what it holds, and that the
function's zip with it verifies a real token, as Lambda would load them."""

from __future__ import annotations

import subprocess
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from packaging.requirements import Requirement

from registry_local import package as pkg
from registry_local.bootstrap import bootstrap
from registry_local.identity_provider import id_token
from registry_local.moto_server import MotoServer
from tests.iac.test_package import function_env, invoke_package, tree


def test_jwt_lock_satisfies_the_jwt_extra_and_shares_nothing_with_the_function() -> None:
    pins = pkg.locked_versions(pkg.JWT_LOCK)
    for line in pkg.project_extra("jwt"):
        requirement = Requirement(line)
        name = pkg.canonical(requirement.name)
        assert name in pins, f"{name} is in the jwt extra but not in JWT_LOCK"
        assert requirement.specifier.contains(pins[name], prereleases=True), (line, pins[name])
    # /var/task is before /opt/python on sys.path: a shared distribution
    # would load the function's copy, whatever the layer pins.
    assert set(pins).isdisjoint(pkg.locked_versions())


def test_layer_holds_its_lock_under_python_and_no_code_of_ours(
    jwt_layer: pkg.BuildReport,
) -> None:
    with zipfile.ZipFile(jwt_layer.path) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]

    assert jwt_layer.distributions == dict(sorted(pkg.locked_versions(pkg.JWT_LOCK).items()))
    assert names == sorted(names)
    assert {n.split("/", 1)[0] for n in names} == {"python"}
    assert {"python/jwt/__init__.pyc", "python/cryptography/__init__.pyc"} <= set(names)
    assert not [n for n in names if n.endswith(".py")]  # sourceless, as the function's deps
    assert not [n for n in names if n.split("/")[1] in {"handlers", "services", "app.py", "bin"}]
    assert {i.date_time for i in infos} == {pkg.ZIP_DATE}
    assert jwt_layer.zipped_bytes <= pkg.TARGET_ZIPPED, jwt_layer.lines()


def test_layer_bytecode_names_the_path_lambda_loads_it_from(
    jwt_layer: pkg.BuildReport, runtime_python: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(jwt_layer.path) as archive:
        (tmp_path / "api_jwt.pyc").write_bytes(archive.read("python/jwt/api_jwt.pyc"))
    recorded = subprocess.run(
        [
            runtime_python,
            "-c",
            "import marshal, sys; print(marshal.loads(open(sys.argv[1], 'rb').read()[16:])"
            ".co_filename)",
            str(tmp_path / "api_jwt.pyc"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert recorded == "/opt/python/jwt/api_jwt.py"


def test_layer_build_is_reproducible(
    jwt_layer: pkg.BuildReport, tmp_path: Path, runtime_python: str
) -> None:
    again = pkg.build(tmp_path / "again.zip", artifact=pkg.JWT_LAYER, python=runtime_python)

    assert Path(again.path).read_bytes() == Path(jwt_layer.path).read_bytes()


@pytest.mark.integration
def test_function_with_the_layer_verifies_a_cognito_token_and_without_it_says_why(
    package: pkg.BuildReport,
    jwt_layer: pkg.BuildReport,
    runtime_python: str,
    moto_server: MotoServer,
    tmp_path: Path,
) -> None:
    task, opt = tmp_path / "task", tmp_path / "opt"
    for report, folder in ((package, task), (jwt_layer, opt)):
        with zipfile.ZipFile(report.path) as archive:
            archive.extractall(folder)
    shipped = tree(opt)
    moto_server.reset()
    env = bootstrap(moto_server.endpoint_url, prefix=f"lyr-{uuid.uuid4().hex[:8]}", auth=True)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=env["AWS_REGION"]
    )
    cognito = session.client("cognito-idp", endpoint_url=moto_server.endpoint_url)
    alice = id_token(cognito, env, "alice@example.com")
    sub_env = function_env(env)
    create = {
        "action": "create_gateway",
        "request_id": f"lyr-create-{uuid.uuid4()}",
        "auth": {"token": alice},
        "data": {"name": "layered-tools"},
    }
    forged = {**create, "request_id": f"lyr-forged-{uuid.uuid4()}", "auth": {"token": alice[:-4]}}

    # Lambda's order: the function's zip, then the layer's python/ folder.
    with_layer = invoke_package(runtime_python, [task, opt / "python"], [create, forged], sub_env)
    without = invoke_package(runtime_python, [task], [create], sub_env)

    created, refused = with_layer["responses"]
    assert (created["status"], created["data"]["team"]) == (201, "payments"), created
    assert created["data"]["created_by"] == "alice@example.com"
    assert (refused["status"], refused["error"]["code"]) == (401, "Unauthenticated")
    (misconfigured,) = without["responses"]
    assert (misconfigured["status"], misconfigured["error"]["code"]) == (500, "ConfigurationError")
    assert "PyJWT" in misconfigured["error"]["message"]
    # Only the first run's create is in AgentCore and DynamoDB.
    agentcore = session.client("bedrock-agentcore-control", endpoint_url=moto_server.endpoint_url)
    assert [g["name"] for g in agentcore.list_gateways()["items"]] == ["layered-tools"]
    items = session.client("dynamodb", endpoint_url=moto_server.endpoint_url).scan(
        TableName=env["GATEWAYS_TABLE_NAME"]
    )["Items"]
    records = [i for i in items if i.get("record_type") == {"S": "gateway"}]
    assert [(i["name"]["S"], i["status"]["S"]) for i in records] == [("layered-tools", "ACTIVE")]
    # jwt and cryptography loaded from the layer's bytecode, nothing else from outside.
    assert with_layer["foreign_modules"] == []
    assert tree(opt) == shipped
