"""The mutating flows of the fault matrix (tests/unit/test_fault_matrix.py)
and the crash matrix (tests/integration/test_crash_matrix.py), in one table,
`FLOWS`: each flow's action, what it sets up first, the data it sends and
every AWS call its handler sends. Each request makes every call its flow
can: an update changes a description, tags (one added, one dropped), a spec
and a secret; tools carry an API key or OAuth2 secret.

Each matrix takes its cases from the table: the crash matrix a crash before
and after every call (`Flow.points`), the fault matrix each fault on the
first call of every operation (`Flow.operations`, the flows in
`FAULT_FLOWS`). Both check the call lists against what a run sends, so the
table cannot go stale; tests/unit/test_flows.py checks that it covers every
mutating action the dispatcher registers, or names why one is left out
(`NOT_IN_THE_MATRICES`)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests import fake_web
from tests.support import Registry, event, make_rest_api

AGENTCORE = "bedrock-agentcore-control"
DDB = "dynamodb"
S3 = "s3"
APIGW = "apigateway"

OLD_KEY = "matrix-old-key-1"
NEW_KEY = "matrix-new-key-2"
OAUTH_SECRET = "matrix-oauth-secret"

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}}}
    },
}


def spec(version: str = "1.0.0") -> dict[str, Any]:
    document = copy.deepcopy(SPEC)
    document["info"]["version"] = version
    return {"type": "inline", "spec": document}


def api_key(secret: str) -> dict[str, Any]:
    return {"type": "api_key", "api_key": secret, "parameter_name": "X-API-Key"}


OAUTH2: dict[str, Any] = {
    "type": "oauth2",
    "client_id": "agent",
    "client_secret": OAUTH_SECRET,
    "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
    "scopes": ["pets.read"],
}


@dataclass
class Ctx:
    """What a flow's setup made (in this process, before the crash)."""

    registry: Registry
    gateway: dict[str, Any] = field(default_factory=dict)
    tool: dict[str, Any] = field(default_factory=dict)
    rest_api_id: str = ""


# --- the set-ups ------------------------------------------------------------------


def make_gateway(ctx: Ctx) -> None:
    response = ctx.registry.invoke(
        event(
            "create_gateway",
            {"name": "payments-tools", "description": "v1", "tags": {"env": "prod", "owner": "a"}},
        )
    )
    assert response["status"] == 201, response
    ctx.gateway = response["data"]


def make_gateway_and_tool(ctx: Ctx) -> None:
    make_gateway(ctx)
    response = ctx.registry.invoke(event("create_tool", create_tool(ctx)))
    assert response["status"] == 201, response
    ctx.tool = response["data"]


def make_gateway_and_updated_tool(ctx: Ctx) -> None:
    """A tool with two spec versions: the second published, the first kept."""
    make_gateway_and_tool(ctx)
    response = ctx.registry.invoke(event("update_tool", update_tool(ctx)))
    assert response["status"] == 200, response
    ctx.tool = response["data"]


SPEC_URL = "https://specs.example.com/pets.json"


def make_gateway_and_url_tool(ctx: Ctx) -> None:
    """A tool from a URL, whose URL then serves a changed spec (the matrices
    serve it from tests/fake_web.py's PAGES)."""
    make_gateway(ctx)
    fake_web.PAGES.clear()
    fake_web.PAGES[SPEC_URL] = json.dumps(spec()["spec"]).encode()
    data = {**create_tool(ctx), "source": {"type": "url", "url": SPEC_URL}}
    response = ctx.registry.invoke(event("create_tool", data))
    assert response["status"] == 201, response
    ctx.tool = response["data"]
    fake_web.PAGES[SPEC_URL] = json.dumps(spec("2.0.0")["spec"]).encode()


def make_gateway_and_lambda_tool(ctx: Ctx) -> None:
    make_gateway(ctx)
    response = ctx.registry.invoke(event("create_tool", create_tool_lambda(ctx)))
    assert response["status"] == 201, response
    ctx.tool = response["data"]


def make_gateway_and_mcp_tool(ctx: Ctx) -> None:
    make_gateway(ctx)
    response = ctx.registry.invoke(event("create_tool", create_tool_mcp(ctx)))
    assert response["status"] == 201, response
    ctx.tool = response["data"]


def make_gateway_and_rest_api(ctx: Ctx) -> None:
    make_gateway(ctx)
    ctx.rest_api_id = make_rest_api(ctx.registry)


def make_gateway_and_api_gateway_tool(ctx: Ctx) -> None:
    make_gateway_and_rest_api(ctx)
    response = ctx.registry.invoke(event("create_tool", create_tool_api_gateway(ctx)))
    assert response["status"] == 201, response
    ctx.tool = response["data"]


def no_setup(ctx: Ctx) -> None:
    return None


# --- the data each flow sends ------------------------------------------------------


def create_gateway(ctx: Ctx) -> dict[str, Any]:
    return {"name": "payments-tools", "description": "v1", "tags": {"env": "prod"}}


def update_gateway(ctx: Ctx) -> dict[str, Any]:
    # A description (UpdateGateway + its poll) and tags: TagResource for the
    # new value, UntagResource for the dropped key.
    return {
        "gateway_id": ctx.gateway["gateway_id"],
        "description": "v2",
        "tags": {"env": "staging"},
    }


def delete_gateway(ctx: Ctx) -> dict[str, Any]:
    return {"gateway_id": ctx.gateway["gateway_id"]}


def delete_gateway_cascade(ctx: Ctx) -> dict[str, Any]:
    return {"gateway_id": ctx.gateway["gateway_id"], "cascade": True}


def create_tool(ctx: Ctx) -> dict[str, Any]:
    return {
        "gateway_id": ctx.gateway["gateway_id"],
        "name": "pets",
        "description": "v1",
        "source": spec(),
        "credentials": api_key(OLD_KEY),
    }


def create_tool_oauth2(ctx: Ctx) -> dict[str, Any]:
    return {**create_tool(ctx), "credentials": OAUTH2}


def update_tool(ctx: Ctx) -> dict[str, Any]:
    # A new spec (a new object, the old one removed after), a new secret (the
    # provider is updated in place) and a description.
    return {
        "tool_id": ctx.tool["tool_id"],
        "gateway_id": ctx.gateway["gateway_id"],
        "description": "v2",
        "source": spec("2.0.0"),
        "credentials": api_key(NEW_KEY),
    }


def delete_tool(ctx: Ctx) -> dict[str, Any]:
    return {"tool_id": ctx.tool["tool_id"], "gateway_id": ctx.gateway["gateway_id"]}


def refresh_tool(ctx: Ctx) -> dict[str, Any]:
    # The URL serves 2.0.0 now (issue 15): an update through the gate.
    return {"tool_id": ctx.tool["tool_id"], "gateway_id": ctx.gateway["gateway_id"]}


def rollback_tool(ctx: Ctx) -> dict[str, Any]:
    # Version 1's spec published again (issue 15): its kept object.
    return {"tool_id": ctx.tool["tool_id"], "gateway_id": ctx.gateway["gateway_id"], "version": 1}


LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:pets-tools"


def lambda_tools(*names: str) -> dict[str, Any]:
    return {
        "type": "lambda",
        "lambda_arn": LAMBDA_ARN,
        "tools": [
            {
                "name": name,
                "description": f"{name} of the pets",
                "input_schema": {"type": "object", "properties": {"id": {"type": "string"}}},
            }
            for name in names
        ],
    }


def create_tool_lambda(ctx: Ctx) -> dict[str, Any]:
    # No credentials: a Lambda tool gets the gateway's IAM role (no provider).
    return {
        "gateway_id": ctx.gateway["gateway_id"],
        "name": "pets",
        "description": "v1",
        "source": lambda_tools("get_pet"),
    }


def update_tool_lambda(ctx: Ctx) -> dict[str, Any]:
    # New tools (a new object, the old one removed after) and a description.
    return {
        "tool_id": ctx.tool["tool_id"],
        "gateway_id": ctx.gateway["gateway_id"],
        "description": "v2",
        "source": lambda_tools("get_pet", "list_pets"),
    }


def create_tool_mcp(ctx: Ctx) -> dict[str, Any]:
    # An MCP server whose tools AgentCore lists (no static list: nothing in
    # S3), without outbound authorization (no provider).
    return {
        "gateway_id": ctx.gateway["gateway_id"],
        "name": "pets",
        "description": "v1",
        "source": {"type": "mcp_server", "endpoint": "https://mcp.example.com/mcp"},
    }


def sync_tool(ctx: Ctx) -> dict[str, Any]:
    return {"tool_id": ctx.tool["tool_id"], "gateway_id": ctx.gateway["gateway_id"]}


W = "example.weather#"


def weather_model(*extra_operations: str) -> dict[str, Any]:
    """A small Smithy model in JSON AST (https://smithy.io/2.0/spec/json-ast.html):
    a RestJson weather service with an operation of its own and one reached
    through its City resource, each bound to HTTP; `extra_operations` adds
    operations of the service (GET /<name>, no input)."""
    shapes: dict[str, Any] = {
        f"{W}Weather": {
            "type": "service",
            "version": "2006-03-01",
            "operations": [{"target": f"{W}GetCurrentTime"}],
            "resources": [{"target": f"{W}City"}],
            "traits": {
                "aws.protocols#restJson1": {},
                "smithy.api#documentation": "Weather forecasts for cities",
            },
        },
        f"{W}City": {
            "type": "resource",
            "identifiers": {"cityId": {"target": f"{W}CityId"}},
            "read": {"target": f"{W}GetCity"},
        },
        f"{W}CityId": {"type": "string", "traits": {"smithy.api#pattern": "^[A-Za-z0-9 ]+$"}},
        f"{W}GetCity": {
            "type": "operation",
            "input": {"target": f"{W}GetCityInput"},
            "output": {"target": f"{W}GetCityOutput"},
            "errors": [{"target": f"{W}NoSuchResource"}],
            "traits": {
                "smithy.api#readonly": {},
                "smithy.api#http": {"method": "GET", "uri": "/cities/{cityId}"},
                "smithy.api#documentation": "A city's name and coordinates",
            },
        },
        f"{W}GetCityInput": {
            "type": "structure",
            "members": {
                "cityId": {
                    "target": f"{W}CityId",
                    "traits": {"smithy.api#required": {}, "smithy.api#httpLabel": {}},
                }
            },
            "traits": {"smithy.api#input": {}},
        },
        f"{W}GetCityOutput": {
            "type": "structure",
            "members": {
                "name": {"target": "smithy.api#String", "traits": {"smithy.api#required": {}}},
                "coordinates": {"target": f"{W}CityCoordinates"},
            },
            "traits": {"smithy.api#output": {}},
        },
        f"{W}CityCoordinates": {
            "type": "structure",
            "members": {
                "latitude": {"target": "smithy.api#Float"},
                "longitude": {"target": "smithy.api#Float"},
            },
        },
        f"{W}NoSuchResource": {
            "type": "structure",
            "members": {"resourceType": {"target": "smithy.api#String"}},
            "traits": {"smithy.api#error": "client", "smithy.api#httpError": 404},
        },
        f"{W}GetCurrentTime": {
            "type": "operation",
            "input": {"target": "smithy.api#Unit"},
            "output": {"target": f"{W}GetCurrentTimeOutput"},
            "traits": {
                "smithy.api#readonly": {},
                "smithy.api#http": {"method": "GET", "uri": "/current-time"},
            },
        },
        f"{W}GetCurrentTimeOutput": {
            "type": "structure",
            "members": {
                "time": {"target": "smithy.api#Timestamp", "traits": {"smithy.api#required": {}}}
            },
        },
    }
    for name in extra_operations:
        shapes[f"{W}Weather"]["operations"].append({"target": f"{W}{name}"})
        shapes[f"{W}{name}"] = {
            "type": "operation",
            "output": {"target": f"{W}GetCurrentTimeOutput"},
            "traits": {"smithy.api#http": {"method": "GET", "uri": f"/{name.lower()}"}},
        }
    return {"smithy": "2.0", "shapes": shapes}


def smithy_source(*extra_operations: str) -> dict[str, Any]:
    return {"type": "smithy", "model": weather_model(*extra_operations)}


def make_gateway_and_smithy_tool(ctx: Ctx) -> None:
    make_gateway(ctx)
    response = ctx.registry.invoke(event("create_tool", create_tool_smithy(ctx)))
    assert response["status"] == 201, response
    ctx.tool = response["data"]


def create_tool_smithy(ctx: Ctx) -> dict[str, Any]:
    # OAuth2, the other credentials a Smithy target takes besides the
    # gateway's role: a provider is made, updated and deleted with it.
    return {
        "gateway_id": ctx.gateway["gateway_id"],
        "name": "weather",
        "description": "v1",
        "source": smithy_source(),
        "credentials": OAUTH2,
    }


def update_tool_smithy(ctx: Ctx) -> dict[str, Any]:
    # A new model (a new object, the old one removed after) and a description.
    return {
        "tool_id": ctx.tool["tool_id"],
        "gateway_id": ctx.gateway["gateway_id"],
        "description": "v2",
        "source": smithy_source("GetForecast"),
    }


def api_gateway_stage(ctx: Ctx, *paths: str) -> dict[str, Any]:
    return {
        "type": "api_gateway",
        "rest_api_id": ctx.rest_api_id,
        "stage": "prod",
        "tool_filters": [{"path": path, "methods": ["GET"]} for path in paths],
    }


def create_tool_api_gateway(ctx: Ctx) -> dict[str, Any]:
    # An API key: nothing is stored for this kind, the provider is its only
    # artifact besides the target.
    return {
        "gateway_id": ctx.gateway["gateway_id"],
        "name": "pets",
        "description": "v1",
        "source": api_gateway_stage(ctx, "/pets"),
        "credentials": api_key(OLD_KEY),
    }


def update_tool_api_gateway(ctx: Ctx) -> dict[str, Any]:
    # Another filter, a new secret and a description.
    return {
        "tool_id": ctx.tool["tool_id"],
        "gateway_id": ctx.gateway["gateway_id"],
        "description": "v2",
        "source": api_gateway_stage(ctx, "/pets", "/pets/*"),
        "credentials": api_key(NEW_KEY),
    }


# --- the table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """The n-th call of one AWS operation inside a flow."""

    operation: str  # "service.Operation"
    occurrence: int

    @property
    def label(self) -> str:
        return f"{self.operation.split('.', 1)[1]}#{self.occurrence}"


_GET_ITEM = f"{DDB}.GetItem"
_QUERY = f"{DDB}.Query"
_TRANSACT = f"{DDB}.TransactWriteItems"


@dataclass(frozen=True)
class Flow:
    action: str  # <kind>_<subject>: create_gateway, delete_tool, ...
    setup: Callable[[Ctx], None]
    data: Callable[[Ctx], dict[str, Any]]
    # Every AWS call the flow's handler sends, in order, as a run without a
    # fault or crash sends them (each matrix checks it against a real run).
    calls: tuple[str, ...]
    # The index in `calls` of the first write of the record under test: a
    # fault before it leaves the record untouched. None: the first
    # TransactWriteItems (a cascade's first writes are its tools' own).
    first_write: int | None = None
    # Whether the fault matrix runs it too (the crash matrix runs them all).
    faults: bool = True

    @property
    def kind(self) -> str:  # create, update, delete
        verb = self.action.split("_", 1)[0]
        # sync_tool, rollback_tool and refresh_tool take the record as an
        # update does (a pending change under a lease), and fail or pause as one.
        return "update" if verb in ("sync", "rollback", "refresh") else verb

    @property
    def subject(self) -> str:  # gateway, tool
        return self.action.split("_", 1)[1]

    def request(self, ctx: Ctx) -> dict[str, Any]:
        return event(self.action, self.data(ctx))

    @property
    def operations(self) -> tuple[str, ...]:
        """Every operation the flow sends, in the order of their first call."""
        return tuple(dict.fromkeys(self.calls))

    @property
    def untouched(self) -> int:
        """How many of `operations` come before the first write of the
        record under test."""
        first_write = self.calls.index(_TRANSACT) if self.first_write is None else self.first_write
        return len(dict.fromkeys(self.calls[:first_write]))

    def points(self) -> list[Point]:
        """Every call as a point: the n-th call of its operation."""
        seen: Counter[str] = Counter()
        points = []
        for operation in self.calls:
            seen[operation] += 1
            points.append(Point(operation, seen[operation]))
        return points


def _create_tool_calls(provider: str) -> tuple[str, ...]:
    return (
        _GET_ITEM,  # the ledger: is this a replay?
        _GET_ITEM,  # the gateway
        _QUERY,  # how many tools it has
        _TRANSACT,  # PENDING, name claim, ledger
        f"{S3}.PutObject",  # the spec
        f"{AGENTCORE}.Create{provider}CredentialProvider",
        f"{AGENTCORE}.CreateGatewayTarget",
        f"{AGENTCORE}.GetGatewayTarget",
        _TRANSACT,  # ACTIVE, ledger completed
    )


def _create_lambda_tool_calls() -> tuple[str, ...]:
    return (
        _GET_ITEM,  # the ledger: is this a replay?
        _GET_ITEM,  # the gateway
        _QUERY,  # how many tools it has
        _TRANSACT,  # PENDING, name claim, ledger
        f"{S3}.PutObject",  # the tool definitions
        f"{AGENTCORE}.CreateGatewayTarget",
        f"{AGENTCORE}.GetGatewayTarget",
        _TRANSACT,  # ACTIVE, ledger completed
    )


# The API Gateway kind reads the REST API, its stage and its resources
# before any write (services/tools/targets/api_gateway.py).
_API_GATEWAY_READS = (
    f"{APIGW}.GetRestApi",
    f"{APIGW}.GetStage",
    f"{APIGW}.GetResources",
)


# The calls of a run without faults. No flow sends PutItem (every put is in a
# TransactWriteItems) or UpdateItem (only a flow that pauses writes one), nor
# HeadObject (only reconcile's drift check): the call-list tests prove it.
FLOWS: dict[str, Flow] = {
    "create_gateway": Flow(
        "create_gateway",
        no_setup,
        create_gateway,
        (
            _TRANSACT,  # PENDING, name claim, ledger
            f"{AGENTCORE}.CreateGateway",
            f"{AGENTCORE}.GetGateway",
            _TRANSACT,  # ACTIVE, ledger completed
        ),
    ),
    "update_gateway": Flow(
        "update_gateway",
        make_gateway,
        update_gateway,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # lease + pending change, ledger
            f"{AGENTCORE}.UpdateGateway",
            f"{AGENTCORE}.GetGateway",
            f"{AGENTCORE}.TagResource",
            f"{AGENTCORE}.UntagResource",
            _TRANSACT,  # the change applied, ledger completed
        ),
    ),
    "delete_gateway": Flow(
        "delete_gateway",
        make_gateway,
        delete_gateway,
        (
            _GET_ITEM,  # the record
            _QUERY,  # its live tools
            _TRANSACT,  # DELETING, ledger
            f"{AGENTCORE}.DeleteGateway",
            f"{AGENTCORE}.GetGateway",
            _TRANSACT,  # DELETED, name released, ledger completed
        ),
    ),
    "delete_gateway_cascade": Flow(
        "delete_gateway",
        make_gateway_and_tool,
        delete_gateway_cascade,
        (
            _GET_ITEM,  # the gateway
            _QUERY,  # how many live tools
            _QUERY,  # the live tools
            _GET_ITEM,  # the tool
            _TRANSACT,  # the tool DELETING (its own request id), ledger
            f"{AGENTCORE}.DeleteGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            f"{AGENTCORE}.DeleteApiKeyCredentialProvider",
            f"{S3}.DeleteObject",
            _TRANSACT,  # the tool DELETED
            f"{AGENTCORE}.ListGatewayTargets",
            _TRANSACT,  # the gateway DELETING, ledger: its first write
            f"{AGENTCORE}.DeleteGateway",
            f"{AGENTCORE}.GetGateway",
            _TRANSACT,  # the gateway DELETED
        ),
        first_write=11,
    ),
    "create_tool": Flow("create_tool", make_gateway, create_tool, _create_tool_calls("ApiKey")),
    # The crash matrix's only: its calls are create_tool's with the other
    # kind of credential provider, whose refusals take the same path
    # (services/credentials): the fault matrix faults them with the API key.
    "create_tool_oauth2": Flow(
        "create_tool",
        make_gateway,
        create_tool_oauth2,
        _create_tool_calls("Oauth2"),
        faults=False,
    ),
    "update_tool": Flow(
        "update_tool",
        make_gateway_and_tool,
        update_tool,
        (
            _GET_ITEM,  # the record
            f"{S3}.GetObject",  # the published spec, diffed with the new one (the gate)
            _TRANSACT,  # lease + pending change, ledger
            f"{S3}.PutObject",  # the new spec, beside the old one
            # The provider exists: its create answers ConflictException and
            # the flow updates it in place.
            f"{AGENTCORE}.CreateApiKeyCredentialProvider",
            f"{AGENTCORE}.UpdateApiKeyCredentialProvider",
            f"{AGENTCORE}.UpdateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            # The change applied, version 2 written, ledger completed; the
            # replaced spec stays: it is version 1.
            _TRANSACT,
        ),
    ),
    # The spec its URL serves now (tests/fake_web.py), published as an update.
    "refresh_tool": Flow(
        "refresh_tool",
        make_gateway_and_url_tool,
        refresh_tool,
        (
            _GET_ITEM,  # the record (then the URL is fetched: no AWS call)
            f"{S3}.GetObject",  # the published spec, diffed with the fetched one (the gate)
            _TRANSACT,  # lease + pending change, ledger
            f"{S3}.PutObject",  # the new spec, beside the old one
            f"{AGENTCORE}.UpdateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # version 2 published, ledger completed
        ),
    ),
    "rollback_tool": Flow(
        "rollback_tool",
        make_gateway_and_updated_tool,
        rollback_tool,
        (
            _GET_ITEM,  # the record
            _GET_ITEM,  # the version
            f"{S3}.GetObject",  # its object, checked against its sha256
            f"{S3}.GetObject",  # the published spec, diffed with it (the gate)
            _TRANSACT,  # lease + pending change, ledger
            f"{S3}.PutObject",  # the same object again (stored by content)
            f"{AGENTCORE}.UpdateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # version 3 published, ledger completed
        ),
        first_write=4,
    ),
    "delete_tool": Flow(
        "delete_tool",
        make_gateway_and_tool,
        delete_tool,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # DELETING, ledger
            f"{AGENTCORE}.DeleteGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            f"{AGENTCORE}.DeleteApiKeyCredentialProvider",
            f"{S3}.DeleteObject",
            _TRANSACT,  # DELETED, name released, ledger completed
        ),
    ),
    # The Lambda kind (issue 12): the same flows without a credential
    # provider (its targets use the gateway's IAM role).
    "create_tool_lambda": Flow(
        "create_tool", make_gateway, create_tool_lambda, _create_lambda_tool_calls()
    ),
    "update_tool_lambda": Flow(
        "update_tool",
        make_gateway_and_lambda_tool,
        update_tool_lambda,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # lease + pending change, ledger
            f"{S3}.PutObject",  # the new tool definitions, beside the old ones
            f"{AGENTCORE}.UpdateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # the change applied, ledger completed
            f"{S3}.DeleteObject",  # the replaced definitions
        ),
    ),
    "delete_tool_lambda": Flow(
        "delete_tool",
        make_gateway_and_lambda_tool,
        delete_tool,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # DELETING, ledger
            f"{AGENTCORE}.DeleteGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            f"{S3}.DeleteObject",
            _TRANSACT,  # DELETED, name released, ledger completed
        ),
    ),
    # The MCP server kind: a create with nothing to stage, and sync_tool
    # (an update that changes no configuration: SynchronizeGatewayTargets
    # and its poll under the record's lease).
    "create_tool_mcp": Flow(
        "create_tool",
        make_gateway,
        create_tool_mcp,
        (
            _GET_ITEM,  # the ledger: is this a replay?
            _GET_ITEM,  # the gateway
            _QUERY,  # how many tools it has
            _TRANSACT,  # PENDING, name claim, ledger
            f"{AGENTCORE}.CreateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # ACTIVE, ledger completed
        ),
    ),
    "sync_tool": Flow(
        "sync_tool",
        make_gateway_and_mcp_tool,
        sync_tool,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # lease + pending synchronize, ledger
            f"{AGENTCORE}.SynchronizeGatewayTargets",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # the target's state, ledger completed
        ),
    ),
    # The Smithy kind (issue 12): a model object, and an OAuth2 provider.
    "create_tool_smithy": Flow(
        "create_tool", make_gateway, create_tool_smithy, _create_tool_calls("Oauth2")
    ),
    "update_tool_smithy": Flow(
        "update_tool",
        make_gateway_and_smithy_tool,
        update_tool_smithy,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # lease + pending change, ledger
            f"{S3}.PutObject",  # the new model, beside the old one
            f"{AGENTCORE}.UpdateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # the change applied, ledger completed
            f"{S3}.DeleteObject",  # the replaced model
        ),
    ),
    "delete_tool_smithy": Flow(
        "delete_tool",
        make_gateway_and_smithy_tool,
        delete_tool,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # DELETING, ledger
            f"{AGENTCORE}.DeleteGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            f"{AGENTCORE}.DeleteOauth2CredentialProvider",
            f"{S3}.DeleteObject",
            _TRANSACT,  # DELETED, name released, ledger completed
        ),
    ),
    # The API Gateway kind (issue 12): API Gateway's reads before the first
    # write, nothing stored, an API key provider.
    "create_tool_api_gateway": Flow(
        "create_tool",
        make_gateway_and_rest_api,
        create_tool_api_gateway,
        (
            _GET_ITEM,  # the ledger: is this a replay?
            _GET_ITEM,  # the gateway
            _QUERY,  # how many tools it has
            *_API_GATEWAY_READS,
            _TRANSACT,  # PENDING, name claim, ledger
            f"{AGENTCORE}.CreateApiKeyCredentialProvider",
            f"{AGENTCORE}.CreateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # ACTIVE, ledger completed
        ),
    ),
    "update_tool_api_gateway": Flow(
        "update_tool",
        make_gateway_and_api_gateway_tool,
        update_tool_api_gateway,
        (
            _GET_ITEM,  # the record
            *_API_GATEWAY_READS,  # the new source, checked after the state checks
            _TRANSACT,  # lease + pending change, ledger
            f"{AGENTCORE}.CreateApiKeyCredentialProvider",
            f"{AGENTCORE}.UpdateApiKeyCredentialProvider",
            f"{AGENTCORE}.UpdateGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            _TRANSACT,  # the change applied, ledger completed
        ),
    ),
    "delete_tool_api_gateway": Flow(
        "delete_tool",
        make_gateway_and_api_gateway_tool,
        delete_tool,
        (
            _GET_ITEM,  # the record
            _TRANSACT,  # DELETING, ledger
            f"{AGENTCORE}.DeleteGatewayTarget",
            f"{AGENTCORE}.GetGatewayTarget",
            f"{AGENTCORE}.DeleteApiKeyCredentialProvider",
            _TRANSACT,  # DELETED, name released, ledger completed
        ),
    ),
}

# The flows of the fault matrix.
FAULT_FLOWS: dict[str, Flow] = {name: flow for name, flow in FLOWS.items() if flow.faults}

# Mutating actions (`@action(..., mutating=True)`) neither matrix runs, each
# with the reason. A new mutating action fails tests/unit/test_flows.py until
# it has flows in the table or a line here.
NOT_IN_THE_MATRICES: dict[str, str] = {}
