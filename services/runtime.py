"""Per-process runtime: settings, boto3 clients, clock.

Built once per Lambda container (on the first invoke, not at import, so a
misconfigured function still answers with a clean `ConfigurationError`).
Clients are created on first use: a gateway action never pays for an S3
client. Tests and the local runner hand in their own clock and sleep.

`fetch_policy` is for tests only (services/tools/url_fetch.py says why): a
test sets it to fetch specs from its own HTTPS server on 127.0.0.1. Nothing
else sets it: no request field, no setting or environment variable, not
`build_runtime`. None means the production rule, no exceptions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from services.config import Settings, load_settings

if TYPE_CHECKING:
    from services.tools.url_fetch import FetchPolicy

# botocore's standard retry mode: exponential backoff with jitter on throttling
# and 5xx, 3 attempts in all. Timeouts are short enough that a stuck call
# leaves time in the Lambda budget to record what happened.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=20,
    user_agent_extra="agentcore-tool-registry/0.1",
)


@dataclass
class Runtime:
    settings: Settings
    session: boto3.session.Session
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    # Seconds to hold a lease (and to poll) when there is no Lambda context
    # telling how much time is left, as in the local runner.
    default_budget_seconds: float = 120.0
    # Test-only exceptions to the spec URL rules (see the module doc).
    fetch_policy: FetchPolicy | None = None
    _extra_clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._extra_clients:
            self._extra_clients[service] = self.session.client(service, config=CLIENT_CONFIG)
        return self._extra_clients[service]

    @cached_property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def agentcore(self) -> Any:
        return self.client("bedrock-agentcore-control")

    @cached_property
    def s3(self) -> Any:
        return self.client("s3")


def build_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    return Runtime(settings=settings, session=boto3.session.Session(region_name=settings.region))
