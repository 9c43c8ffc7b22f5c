"""Per-process runtime: settings, boto3 clients, the AWS adapters, clock.

Built once per Lambda container (on the first invoke, not at import, so a
misconfigured function still answers with a clean `ConfigurationError`).
It is where the adapters (the record store, `GatewayService`,
`ToolsService`, `CredentialsService`, the spec bucket) are made, each once
and with its settings, so no flow builds one of its own. Clients and
adapters are created on first use, their modules imported then too: a
gateway action never pays for an S3 client or loads the tool adapters
(tests/unit/test_cold_imports.py). Tests and the local runner hand in their
own clock and sleep.

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
    from services.apigateway.rest_api_reader import RestApiReader
    from services.credentials.credentials_service import CredentialsService
    from services.gateway.gateway_service import GatewayService
    from services.records.record_store import RecordStore
    from services.s3.s3_service import S3Service
    from services.tools.tools_service import ToolsService
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
# AgentCore's control plane: the same, plus botocore's client-side rate
# limiting (adaptive mode): once throttled, the client sends more slowly
# instead of failing the next calls too. AWS advises it for specialised
# cases, not multi-tenant clients (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
# here the rate AgentCore limits is the account's, shared by every team
# anyway, and a reconcile pass sends thousands of calls in a row
# (issue 16).
AGENTCORE_CLIENT_CONFIG = CLIENT_CONFIG.merge(
    Config(retries={"mode": "adaptive", "max_attempts": 3})
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
            config = (
                AGENTCORE_CLIENT_CONFIG if service == "bedrock-agentcore-control" else CLIENT_CONFIG
            )
            self._extra_clients[service] = self.session.client(service, config=config)
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

    # The adapters. Each imports its module here, on first use: the gateway
    # actions' cold start never loads the tool ones.

    @cached_property
    def records(self) -> RecordStore:
        from services.records.record_store import RecordStore

        settings = self.settings
        return RecordStore(self.dynamodb, settings.gateways_table_name, settings.tools_table_name)

    @cached_property
    def gateways(self) -> GatewayService:
        from services.gateway.gateway_service import GatewayService

        return GatewayService(self.agentcore, self.settings.gateway_role_arn)

    @cached_property
    def targets(self) -> ToolsService:
        from services.tools.tools_service import ToolsService

        return ToolsService(self.agentcore)

    @cached_property
    def providers(self) -> CredentialsService:
        from services.credentials.credentials_service import CredentialsService

        return CredentialsService(self.agentcore)

    @cached_property
    def spec_bucket(self) -> S3Service:
        from services.s3.s3_service import S3Service

        return S3Service(self.s3, self.settings.spec_bucket_name)

    @cached_property
    def rest_apis(self) -> RestApiReader:
        # Only the API Gateway kind of tool reads REST APIs.
        from services.apigateway.rest_api_reader import RestApiReader

        return RestApiReader(self.client("apigateway"))


def build_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    return Runtime(settings=settings, session=boto3.session.Session(region_name=settings.region))
