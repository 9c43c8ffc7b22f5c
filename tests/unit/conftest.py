"""Unit tests: in-process moto (with the AgentCore rules layer), no network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from pytest_socket import disable_socket, enable_socket

from registry_local import agentcore_rules
from registry_local.bootstrap import bootstrap
from tests.conftest import settings_for
from tests.support import FakeClock, Registry, event, make_runtime, new_session

agentcore_rules.install()


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket(allow_unix_socket=True)
    yield
    enable_socket()


@pytest.fixture
def aws() -> Iterator[None]:
    # moto starts before any client is made (its docs insist on it).
    with mock_aws():
        yield


@pytest.fixture
def env(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = bootstrap(None, prefix="unit", session=new_session())
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def registry(env: dict[str, str], clock: FakeClock) -> Registry:
    return Registry(runtime=make_runtime(settings_for(env), clock), clock=clock)


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    """An ACTIVE gateway of the payments team (the tool tests' parent)."""
    response = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    assert response["status"] == 201
    return dict(response["data"])
