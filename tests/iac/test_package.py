"""The deployment package (registry_local/package.py): what goes in, that it
is reproducible, that it ships bytecode for the runtime, and that it runs on
its own, as Lambda runs it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from packaging.requirements import Requirement

from registry_local import package as pkg
from registry_local.bootstrap import bootstrap
from registry_local.moto_server import MotoServer
from tests.iac.conftest import ROOT

# Runs inside `python3.12 -I -S`: no site-packages, no cwd, no PYTHON* variables;
# sys.path is the unpacked zip (then its layers, in Lambda's order) and the
# standard library, as in Lambda minus the runtime's own boto3 (/var/runtime),
# which the package must not need.
RUNNER = r"""
import json, sys
paths, events = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.path[:0] = paths

import app

class Context:
    aws_request_id = "lambda-request-1"
    def get_remaining_time_in_millis(self):
        return 60_000

out = {"responses": [app.handler(event, Context()) for event in events]}

# The pruned botocore still makes (and resolves endpoints for) every client
# the package keeps; s3 and sts make one real call each.
import boto3
session = boto3.session.Session()
clients = {name: session.client(name) for name in json.loads(sys.argv[3])}
clients["sts"].get_caller_identity()
clients["s3"].head_bucket(Bucket=__import__("os").environ["SPEC_BUCKET_NAME"])
out["clients"] = sorted(clients)

out["sys_path"] = sys.path
out["foreign_modules"] = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not module.__file__.startswith((*paths, sys.base_prefix))
)
out["boto3"] = [boto3.__version__, boto3.__file__]
print(json.dumps(out))
"""


SPEC = """\
openapi: 3.0.3
info: {title: Pets, version: "1.0"}
servers: [{url: "https://api.example.com"}]
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200": {description: ok}
"""


def entries(report: pkg.BuildReport) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(report.path) as archive:
        return archive.infolist()


# What is pinned


def test_lock_satisfies_every_pyproject_dependency() -> None:
    pins = pkg.locked_versions()
    for line in pkg.project_dependencies():
        requirement = Requirement(line)
        name = pkg.canonical(requirement.name)
        assert name in pins, f"{name} is a dependency but not in LOCK"
        assert requirement.specifier.contains(pins[name], prereleases=True), (line, pins[name])


def test_boto3_and_botocore_are_bundled_and_pinned_together(package: pkg.BuildReport) -> None:
    # The runtime's own boto3 may predate bedrock-agentcore-control.
    assert package.distributions["boto3"] == pkg.locked_versions()["boto3"]
    assert package.distributions["botocore"] == pkg.locked_versions()["botocore"]
    assert package.distributions == dict(sorted(pkg.locked_versions().items()))


# What goes in


def test_zip_holds_the_entry_point_beside_the_packages_and_their_dependencies(
    package: pkg.BuildReport,
) -> None:
    names = [i.filename for i in entries(package)]
    code = {
        f"{top}/{p.relative_to(ROOT / top).as_posix()}"
        for top in ("handlers", "services")
        for p in (ROOT / top).rglob("*.py")
        if "__pycache__" not in p.parts
    }

    assert "app.py" in names
    assert (ROOT / "lambda" / "app.py").read_bytes() == zipfile.ZipFile(package.path).read("app.py")
    assert code <= set(names)
    assert {
        "boto3/__init__.pyc",
        "pydantic/__init__.pyc",
    } <= set(names)
    assert not [n for n in names if n.split("/")[0] in {"registry_local", "tests", "lambda", "bin"}]


def test_zip_is_normalised(package: pkg.BuildReport) -> None:
    infos = entries(package)
    names = [i.filename for i in infos]

    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert {i.date_time for i in infos} == {pkg.ZIP_DATE}
    assert {i.external_attr >> 16 for i in infos} <= {
        pkg.FILE_MODE,
        pkg.EXECUTABLE_MODE,
        pkg.DIRECTORY_MODE,
    }
    # Bytecode caches are our code's only (the dependencies ship sourceless .pyc).
    caches = {n for n in names if "__pycache__" in n}
    assert {n for n in caches if n.split("/")[0] not in {"handlers", "services"}} == {
        "__pycache__/",
        f"__pycache__/app.cpython-{pkg.PYTHON_VERSION.replace('.', '')}.pyc",
    }
    assert not [n for n in names if n.endswith(".pyo")]
    assert not [
        n for n in names if ".dist-info/" in n and n.rsplit("/", 1)[-1] in {"RECORD", "INSTALLER"}
    ]


def test_every_module_ships_bytecode_for_the_runtime(
    package: pkg.BuildReport, runtime_python: str
) -> None:
    """Our code: its .py and __pycache__/<module>.cpython-312.pyc; the
    dependencies: <module>.pyc in place of their .py. Every .pyc is for the
    runtime's version and checked by nothing (PEP 552 unchecked hash: no
    timestamp, and /var/task is read only anyway)."""
    magic = subprocess.run(
        [runtime_python, "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tag = "cpython-" + pkg.PYTHON_VERSION.replace(".", "")
    with zipfile.ZipFile(package.path) as archive:
        names = archive.namelist()
        headers = {n: archive.read(n)[:8] for n in names if n.endswith(".pyc")}
    code = [
        n
        for n in names
        if n.endswith(".py") and n.split("/")[0] in {"app.py", "handlers", "services"}
    ]

    assert [n for n in names if n.endswith(".py")] == code  # no dependency source
    for name in code:
        folder, _, module = name.rpartition("/")
        cached = f"{folder}/__pycache__/" if folder else "__pycache__/"
        assert f"{cached}{module.removesuffix('.py')}.{tag}.pyc" in names, name
    assert len(headers) > 500
    assert {h[:4].hex() for h in headers.values()} == {magic}
    assert {int.from_bytes(h[4:8], "little") for h in headers.values()} == {0b01}


def test_botocore_data_keeps_only_the_services_the_code_uses(package: pkg.BuildReport) -> None:
    names = [i.filename for i in entries(package)]
    services = {
        n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") >= 4
    }
    top_level = {
        n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") == 2
    }

    assert services == set(pkg.BOTOCORE_SERVICES)
    assert set(pkg.BOTOCORE_DATA_FILES) <= top_level
    # The clients services/runtime.py makes are among them.
    runtime_source = (ROOT / "services" / "runtime.py").read_text()
    for service in ("dynamodb", "s3", "bedrock-agentcore-control"):
        assert f'"{service}"' in runtime_source
        assert service in pkg.BOTOCORE_SERVICES


def test_size_is_within_lambda_limits_and_our_target(package: pkg.BuildReport) -> None:
    assert package.zipped_bytes <= pkg.TARGET_ZIPPED, package.lines()
    assert package.zipped_bytes <= pkg.LAMBDA_ZIPPED_LIMIT
    assert package.unpacked_bytes <= pkg.LAMBDA_UNZIPPED_LIMIT
    assert package.sha256 == hashlib.sha256(Path(package.path).read_bytes()).hexdigest()


def test_build_is_reproducible(
    package: pkg.BuildReport, tmp_path: Path, runtime_python: str
) -> None:
    again = pkg.build(tmp_path / "again.zip", python=runtime_python)

    assert again.sha256 == package.sha256
    assert Path(again.path).read_bytes() == Path(package.path).read_bytes()


def test_scripts_package_is_the_builder() -> None:
    # terraform/variables.tf's lambda_package_path default is checked against
    # DEFAULT_OUTPUT in test_terraform_layout.py.
    assert "-m registry_local.package" in (ROOT / "scripts" / "package").read_text()


# It runs as built


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root: (size, mtime in ns)."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def function_env(env: dict[str, str]) -> dict[str, str]:
    """The function's whole environment: what bootstrap returns (as Terraform
    sets it, plus the local endpoint and credentials) and no more."""
    return {
        **env,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "agentcore-tool-registry",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def invoke_package(
    python: str, paths: list[Path], events: list[dict[str, Any]], env: dict[str, str]
) -> dict[str, Any]:
    """The events through app.handler, in a clean python whose sys.path is
    `paths` (the unpacked zip, then layers) and the standard library."""
    result = subprocess.run(
        [
            python,
            "-I",  # no PYTHON* variables, no user site, no cwd or script dir on sys.path
            "-S",  # no site module: no site-packages at all
            "-c",
            RUNNER,
            json.dumps([str(path) for path in paths]),
            json.dumps(events),
            json.dumps(list(pkg.BOTOCORE_SERVICES)),
        ],
        cwd=paths[0].parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.integration
def test_unpacked_zip_runs_the_gateway_lifecycle_in_a_clean_python(
    package: pkg.BuildReport,
    runtime_python: str,
    moto_server: MotoServer,
    tmp_path: Path,
) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(package.path) as archive:
        archive.extractall(unpacked)
    shipped = tree(unpacked)
    moto_server.reset()
    env = bootstrap(moto_server.endpoint_url, prefix=f"pkg-{uuid.uuid4().hex[:8]}")
    sub_env = function_env(env)
    actor = {"user": "alice@example.com", "team": "payments", "roles": []}
    create = {
        "action": "create_gateway",
        "request_id": f"pkg-create-{uuid.uuid4()}",
        "actor": actor,
        "data": {"name": "packaged-tools", "description": "from the zip"},
    }

    first = invoke_package(
        runtime_python,
        [unpacked],
        [
            {"action": "get_gateway", "data": {"gateway_id": "gw-00000000000000000000"}},
            # The spec pipeline's dependencies (PyYAML, openapi-spec-validator,
            # jsonschema and its compiled rpds) load from the zip too.
            {"action": "validate_spec", "data": {"source": {"type": "inline", "spec": SPEC}}},
            create,
        ],
        sub_env,
    )
    missing, validated, created = first["responses"]
    gateway_id = created["data"]["gateway_id"] if created["ok"] else None
    second = invoke_package(
        runtime_python,
        [unpacked],
        [
            {"action": "get_gateway", "data": {"gateway_id": gateway_id}},
            {
                "action": "delete_gateway",
                "request_id": f"pkg-delete-{uuid.uuid4()}",
                "actor": actor,
                "data": {"gateway_id": gateway_id},
            },
        ],
        sub_env,
    )
    got, deleted = second["responses"]

    assert (missing["ok"], missing["status"], missing["error"]["code"]) == (False, 404, "NotFound")
    assert (validated["status"], validated["data"]["published_operations"]) == (200, ["listPets"])
    assert (created["ok"], created["status"]) == (True, 201), created
    assert created["data"]["status"] == "ACTIVE"
    assert (got["status"], got["data"]["status"]) == (200, "ACTIVE")
    assert got["data"]["agentcore"]["gateway_id"] == created["data"]["agentcore"]["gateway_id"]
    assert (deleted["status"], deleted["data"]["status"]) == (200, "DELETED"), deleted

    # What the zip did is in the (moto) AWS the test process sees.
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=env["AWS_REGION"]
    )
    agentcore = session.client("bedrock-agentcore-control", endpoint_url=moto_server.endpoint_url)
    assert agentcore.list_gateways()["items"] == []
    record = session.client("dynamodb", endpoint_url=moto_server.endpoint_url).get_item(
        TableName=env["GATEWAYS_TABLE_NAME"], Key={"gateway_id": {"S": gateway_id}}
    )["Item"]
    assert record["status"] == {"S": "DELETED"}

    # Nothing came from outside the zip and the standard library.
    for run in (first, second):
        assert run["clients"] == sorted(pkg.BOTOCORE_SERVICES)
        assert run["foreign_modules"] == []
        assert not [p for p in run["sys_path"] if "site-packages" in p]
        assert run["boto3"] == [
            package.distributions["boto3"],
            str(unpacked / "boto3" / "__init__.pyc"),
        ]
    # Every module came from the bytecode shipped: a module compiled from
    # source would have written its __pycache__ file (the runs may write).
    assert tree(unpacked) == shipped


def test_runtime_python_is_found_in_pyenv_when_not_on_path(
    runtime_python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine where python3.12 is installed by pyenv but is not first on
    # PATH (and this interpreter is another version): ./scripts/package
    # must find it as ./scripts/test does.
    root = tmp_path / "pyenv-root"
    interpreter = root / "versions" / f"{pkg.PYTHON_VERSION}.99" / "bin" / "python3"
    interpreter.parent.mkdir(parents=True)
    interpreter.symlink_to(runtime_python)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_pyenv = bin_dir / "pyenv"
    fake_pyenv.write_text(f"#!/bin/sh\necho {root}\n")
    fake_pyenv.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(pkg.sys, "executable", str(tmp_path / "not-a-python"))

    assert pkg.runtime_python() == str(interpreter)

    fake_pyenv.unlink()
    with pytest.raises(pkg.PackageError, match="install it with pyenv"):
        pkg.runtime_python()
