"""Integration tests: a real moto_server process on 127.0.0.1 (with the
AgentCore rules layer), started and stopped by the tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry_local.bootstrap import bootstrap
from registry_local.moto_server import MotoServer
from tests.conftest import settings_for
from tests.support import FakeClock, Registry, make_runtime

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is marked `integration` (a `pytestmark` in a
    conftest marks nothing), so `-m "not integration"` leaves them all out."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def server_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    moto_server.reset()
    env = bootstrap(moto_server.endpoint_url, prefix=f"it-{uuid.uuid4().hex[:8]}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=time.time())


@pytest.fixture
def registry(server_env: dict[str, str], clock: FakeClock) -> Registry:
    return Registry(runtime=make_runtime(settings_for(server_env), clock), clock=clock)
