"""The iac checks (tox's `iac` env): terraform/ against the code, and the
deployment package as built.

Outside tox a missing prerequisite (python3.12, checkov) skips the test
that needs it, with the reason; with REGISTRY_IAC_STRICT=1 (the iac env) it
fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from registry_local.moto_server import MotoServer
from registry_local.package import JWT_LAYER, PYTHON_VERSION, BuildReport, build

ROOT = Path(__file__).resolve().parents[2]
STRICT = os.environ.get("REGISTRY_IAC_STRICT") == "1"


def unavailable(reason: str) -> NoReturn:
    if STRICT:
        pytest.fail(f"{reason} (REGISTRY_IAC_STRICT: the iac env needs it)")
    pytest.skip(reason)


def _version_of(python: str) -> str | None:
    try:
        result = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


@pytest.fixture(scope="session")
def runtime_python() -> str:
    """An interpreter of the Lambda runtime's version (python3.12)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == PYTHON_VERSION:
        return sys.executable
    candidates = [shutil.which(f"python{PYTHON_VERSION}")]
    if pyenv := shutil.which("pyenv"):  # its shims answer only for the selected versions
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        versions = Path(root.stdout.strip() or "/nonexistent") / "versions"
        candidates += sorted(map(str, versions.glob(f"{PYTHON_VERSION}.*/bin/python3")))
    for candidate in filter(None, candidates):
        if _version_of(candidate) == PYTHON_VERSION:
            return candidate
    unavailable(
        f"no python{PYTHON_VERSION} on PATH (or in pyenv) to run the package as Lambda would"
    )


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory, runtime_python: str) -> BuildReport:
    """The function's package, built once per session (pip needs PyPI), its
    bytecode compiled by the runtime's interpreter (`runtime_python`)."""
    return build(tmp_path_factory.mktemp("package") / "registry-lambda.zip", python=runtime_python)


@pytest.fixture(scope="session")
def jwt_layer(tmp_path_factory: pytest.TempPathFactory, runtime_python: str) -> BuildReport:
    """The layer AUTH_MODE=jwt needs, built once per session."""
    return build(
        tmp_path_factory.mktemp("layer") / "registry-jwt-layer.zip",
        artifact=JWT_LAYER,
        python=runtime_python,
    )


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server
