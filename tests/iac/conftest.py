"""The iac checks (tox's `iac` env): terraform/ against the code, and the
deployment package as built.

Outside tox a missing prerequisite (python3.12, checkov) skips the test
that needs it, with the reason; with REGISTRY_IAC_STRICT=1 (the iac env) it
fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from registry_local.moto_server import MotoServer
from registry_local.package import JWT_LAYER, PYTHON_VERSION, BuildReport, PackageError, build
from registry_local.package import runtime_python as runtime_python_for

ROOT = Path(__file__).resolve().parents[2]
STRICT = os.environ.get("REGISTRY_IAC_STRICT") == "1"


def unavailable(reason: str) -> NoReturn:
    if STRICT:
        pytest.fail(f"{reason} (REGISTRY_IAC_STRICT: the iac env needs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def runtime_python() -> str:
    """An interpreter of the Lambda runtime's version (python3.12), found as
    the package command finds it (this one, PATH, then pyenv)."""
    try:
        return runtime_python_for(PYTHON_VERSION)
    except PackageError:
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
