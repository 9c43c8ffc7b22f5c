"""Helpers shared by the unit and integration tests."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse

from handlers import dispatch
from services.config import Settings
from services.records import dynamo
from services.runtime import Runtime

if TYPE_CHECKING:
    import pytest

# Dummy credentials and region: no test can reach a real account. The one
# definition: the unit tests' autouse fixture, the module-scoped worlds (set
# up before any function-scoped fixture runs) and the child processes the
# tests start all take it from here.
DUMMY_AWS_ENV: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
# What a developer's shell may hold that must not reach a test's clients.
FOREIGN_AWS_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN")


def use_dummy_aws_env(patch: pytest.MonkeyPatch) -> None:
    """Drop FOREIGN_AWS_ENV and set DUMMY_AWS_ENV, undone with `patch`."""
    for name in FOREIGN_AWS_ENV:
        patch.delenv(name, raising=False)
    for name, value in DUMMY_AWS_ENV.items():
        patch.setenv(name, value)


ACTOR = {"user": "alice@example.com", "team": "payments", "roles": []}
OTHER_TEAM = {"user": "mallory@example.com", "team": "billing", "roles": []}
ADMIN = {"user": "root@example.com", "team": "platform", "roles": ["admin"]}

# A small spec AgentCore can serve: two GET operations, JSON only.
PETS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "string"}}
                            }
                        },
                    }
                },
            }
        },
        "/pets/{id}": {
            "get": {
                "operationId": "getPet",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


# Secrets whose every trace the tool tests look for.
CANARY_KEY = "CANARY-API-KEY-0b7e4c"
CANARY_SECRET = "CANARY-CLIENT-SECRET-9f31aa"


@dataclass
class FakeClock:
    """Time that moves only when the code sleeps or a test says so."""

    now: float = 1_800_000_000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


# One botocore data loader for every session the tests make: each test gets
# fresh sessions and clients, without parsing the service models again.
_LOADER = botocore.loaders.create_loader()


def new_session(region: str = "us-east-1") -> boto3.session.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core, region_name=region)


def make_runtime(settings: Settings, clock: FakeClock) -> Runtime:
    session = new_session(settings.region)
    return Runtime(settings=settings, session=session, clock=clock, sleep=clock.sleep)


def event(
    action: str,
    data: dict[str, Any],
    *,
    request_id: str | None = None,
    actor: dict[str, Any] | None = ACTOR,
) -> dict[str, Any]:
    result: dict[str, Any] = {"action": action, "data": data}
    if not action.startswith(("get_", "list_")) or request_id:
        result["request_id"] = request_id or f"req-{uuid.uuid4()}"
    if actor is not None and not action.startswith(("get_", "list_")):
        result["actor"] = actor
    return result


class Fault(BaseException):
    """A process death: not an Exception, so nothing in the code can catch it."""


@dataclass
class Registry:
    """The handler, its runtime and direct views of DynamoDB and AgentCore."""

    runtime: Runtime
    clock: FakeClock
    _hooks: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)

    def invoke(self, evt: Any, context: Any = None) -> dict[str, Any]:
        return dispatch(evt, context, self.runtime)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def item(self, key: str) -> dict[str, Any] | None:
        response = self.runtime.dynamodb.get_item(
            TableName=self.settings.gateways_table_name,
            Key=dynamo.serialize({"gateway_id": key}),
            ConsistentRead=True,
        )
        return dynamo.deserialize(response["Item"]) if "Item" in response else None

    def gateway_record(self, gateway_id: str) -> dict[str, Any] | None:
        return self.item(gateway_id)

    def agentcore_gateways(self) -> list[dict[str, Any]]:
        return list(self.runtime.agentcore.list_gateways().get("items", []))

    def agentcore_gateway(self, agentcore_id: str) -> dict[str, Any]:
        return dict(self.runtime.agentcore.get_gateway(gatewayIdentifier=agentcore_id))

    def on(self, hook: str, handler: Callable[..., Any]) -> None:
        """Register a botocore event hook on the client the hook names."""
        service = hook.split(".")[1]
        client = (
            self.runtime.agentcore
            if service == "bedrock-agentcore-control"
            else self.runtime.client(service)
        )
        client.meta.events.register(hook, handler)
        self._hooks.append((hook, handler))

    def clear_hooks(self) -> None:
        """Remove every fault and crash this test registered."""
        for hook, handler in self._hooks:
            self.off(hook, handler)
        self._hooks.clear()

    def off(self, hook: str, handler: Callable[..., Any]) -> None:
        service = hook.split(".")[1]
        client = (
            self.runtime.agentcore
            if service == "bedrock-agentcore-control"
            else self.runtime.client(service)
        )
        client.meta.events.unregister(hook, handler)

    def fail(
        self, service_operation: str, code: str, status: int, *, times: int | None = None
    ) -> None:
        """Make `<service>.<Operation>` answer an AWS error (before it is sent)."""
        remaining = [times]

        def answer(**_: Any) -> Any:
            if remaining[0] is not None:
                if remaining[0] <= 0:
                    return None
                remaining[0] -= 1
            return error_response(code, status)

        self.on(f"before-call.{service_operation}", answer)

    def crash(self, hook: str) -> None:
        """Die (as a process would) at a botocore event."""

        def die(**_: Any) -> None:
            raise Fault(hook)

        self.on(hook, die)


def reconcile(registry: Registry, context: Any = None, **data: Any) -> dict[str, Any]:
    """An admin's reconcile (older_than_seconds 60 unless given); its answer's data."""
    response = registry.invoke(
        {"action": "reconcile", "actor": ADMIN, "data": {"older_than_seconds": 60, **data}},
        context,
    )
    assert response["status"] == 200, response
    return dict(response["data"])


def error_response(code: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    http = AWSResponse("https://aws.example", status, {}, None)
    parsed = {
        "Error": {"Code": code, "Message": f"injected {code}"},
        "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 0},
    }
    return http, parsed


# --- tools: requests, and what DynamoDB, S3, AgentCore and AgentCore Identity hold


def inline(spec: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    return {"type": "inline", "spec": copy.deepcopy(spec or PETS), **options}


def create_tool(
    registry: Registry, gateway: dict[str, Any], name: str = "pets", **data: Any
) -> dict[str, Any]:
    return registry.invoke(
        event(
            "create_tool",
            {"gateway_id": gateway["gateway_id"], "name": name, "source": inline(), **data},
        )
    )


def tool_record(registry: Registry, tool_id: str, gateway_id: str) -> dict[str, Any] | None:
    item = registry.runtime.dynamodb.get_item(
        TableName=registry.settings.tools_table_name,
        Key=dynamo.serialize({"tool_id": tool_id, "gateway_id": gateway_id}),
        ConsistentRead=True,
    ).get("Item")
    return dynamo.deserialize(item) if item else None


def targets(registry: Registry, gateway: dict[str, Any]) -> list[dict[str, Any]]:
    response = registry.runtime.agentcore.list_gateway_targets(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"]
    )
    return list(response["items"])


def spec_keys(registry: Registry) -> list[str]:
    listed = registry.runtime.s3.list_objects_v2(Bucket=registry.settings.spec_bucket_name)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def provider_secrets() -> dict[tuple[str, str], str]:
    """Every credential provider's secret in the in-process moto (unit tests)."""
    # Imported here: the benchmarks import this module without moto.
    from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends

    from registry_local import agentcore_rules

    return agentcore_rules.stored_secrets(
        bedrockagentcorecontrol_backends["123456789012"]["us-east-1"]
    )


def described_by(record: dict[str, Any]) -> str:
    """The attribute where a tool record describes what its target serves
    (services/tools/targets/: `spec` for OpenAPI, `target` for Lambda)."""
    return "spec" if (record.get("target") or {}).get("kind", "openapi") == "openapi" else "target"


def described(record: dict[str, Any]) -> dict[str, Any]:
    return dict(record.get(described_by(record)) or {})


def served_uri(target: dict[str, Any]) -> str | None:
    """The S3 URI an AgentCore target reads a document from (an OpenAPI
    spec, a Smithy model, a Lambda target's tool schema, an MCP server's
    static tool list), or None: it reads nothing from S3."""
    ((member, config),) = target["targetConfiguration"]["mcp"].items()
    schema = {"lambda": "toolSchema", "mcpServer": "mcpToolSchema"}.get(member)
    held = (config.get(schema) if schema else config) or {}
    return str(held["s3"]["uri"]) if "s3" in held else None


def serves_record(
    target: dict[str, Any], record: dict[str, Any], *, pending_ok: bool = False
) -> bool:
    """Whether the target's configuration is the one the record describes
    (with `pending_ok`, or the one its paused update describes): how the
    matrices judge a kind that stores nothing."""
    from services.tools.targets import for_record

    kind = for_record(record)  # type: ignore[arg-type]
    said = [described(record)]
    change = (record.get("pending") or {}).get(kind.attribute)
    if pending_ok and change:
        said.append(dict(change))
    return target.get("targetConfiguration") in [kind.configuration(d) for d in said]


def scan_everything(registry: Registry) -> str:
    dumped = []
    for table in (registry.settings.gateways_table_name, registry.settings.tools_table_name):
        dumped.append(json.dumps(registry.runtime.dynamodb.scan(TableName=table)["Items"]))
    return "".join(dumped)


# A REST API of the pets, in moto's API Gateway (the API Gateway kind reads
# it): each (path, method, operation name; None: the method has none).
PETS_API_METHODS: tuple[tuple[str, str, str | None], ...] = (
    ("/pets", "GET", "listPets"),
    ("/pets", "POST", "createPet"),
    ("/pets/{petId}", "GET", "getPet"),
    ("/pets/{petId}", "DELETE", None),
)


def make_rest_api(
    registry: Registry,
    methods: tuple[tuple[str, str, str | None], ...] = PETS_API_METHODS,
    *,
    stage: str = "prod",
    **api: Any,
) -> str:
    """A deployed REST API with these methods (MOCK integrations); its id."""
    client = registry.runtime.client("apigateway")
    api_id = str(client.create_rest_api(name="pets-api", **api)["id"])
    ids = {r["path"]: r["id"] for r in client.get_resources(restApiId=api_id)["items"]}
    for path, method, operation in methods:
        parent = "/"
        for part in path.strip("/").split("/"):
            here = f"{parent.rstrip('/')}/{part}"
            if here not in ids:
                ids[here] = client.create_resource(
                    restApiId=api_id, parentId=ids[parent], pathPart=part
                )["id"]
            parent = here
        extra = {"operationName": operation} if operation else {}
        client.put_method(
            restApiId=api_id,
            resourceId=ids[path],
            httpMethod=method,
            authorizationType="NONE",
            **extra,
        )
        client.put_integration(
            restApiId=api_id, resourceId=ids[path], httpMethod=method, type="MOCK"
        )
    client.create_deployment(restApiId=api_id, stageName=stage)
    return api_id
