"""Unit tests: in-process moto (with the AgentCore rules layer), no network."""

from __future__ import annotations

import functools
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

# The session `env` bootstraps through, with its clients made once per
# process (a session and three clients are ~40 ms of the ~60 ms a bootstrap
# costs, and 565 tests bootstrap). Each test still starts from nothing: its
# own mock_aws starts empty (moto resets every backend on start) and gets
# new tables, bucket and role; the test's runtime makes its own session and
# clients. These clients hold no data and no hooks of a test, and moto
# answers them under whichever mock_aws is active (its hook is on every
# botocore client made after moto's import; with the socket disabled, a
# call it did not answer would fail).
_BOOTSTRAP_SESSION = new_session()
_BOOTSTRAP_SESSION.client = functools.cache(_BOOTSTRAP_SESSION.client)


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
    values = bootstrap(None, prefix="unit", session=_BOOTSTRAP_SESSION)
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
