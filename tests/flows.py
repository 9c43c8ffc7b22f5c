"""The mutating flows the fault matrix (tests/unit/test_fault_matrix.py)
and the crash matrix (tests/integration/test_crash_matrix.py) drive: what
each sets up first, and the request it sends. Each request makes every call
its flow can: an update changes a description, tags (one added, one
dropped), a spec and a secret; tools carry an API key or OAuth2 secret."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from tests.support import Registry, event

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
    response = ctx.registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": ctx.gateway["gateway_id"],
                "name": "pets",
                "description": "v1",
                "source": spec(),
                "credentials": api_key(OLD_KEY),
            },
        )
    )
    assert response["status"] == 201, response
    ctx.tool = response["data"]


def no_setup(ctx: Ctx) -> None:
    return None


def req_create_gateway(ctx: Ctx) -> dict[str, Any]:
    return event(
        "create_gateway",
        {"name": "payments-tools", "description": "v1", "tags": {"env": "prod"}},
    )


def req_update_gateway(ctx: Ctx) -> dict[str, Any]:
    # A description (UpdateGateway + its poll) and tags: TagResource for the
    # new value, UntagResource for the dropped key.
    return event(
        "update_gateway",
        {"gateway_id": ctx.gateway["gateway_id"], "description": "v2", "tags": {"env": "staging"}},
    )


def req_delete_gateway(ctx: Ctx) -> dict[str, Any]:
    return event("delete_gateway", {"gateway_id": ctx.gateway["gateway_id"]})


def req_delete_gateway_cascade(ctx: Ctx) -> dict[str, Any]:
    return event("delete_gateway", {"gateway_id": ctx.gateway["gateway_id"], "cascade": True})


def req_create_tool(ctx: Ctx) -> dict[str, Any]:
    return event(
        "create_tool",
        {
            "gateway_id": ctx.gateway["gateway_id"],
            "name": "pets",
            "description": "v1",
            "source": spec(),
            "credentials": api_key(OLD_KEY),
        },
    )


def req_create_tool_oauth2(ctx: Ctx) -> dict[str, Any]:
    return event(
        "create_tool",
        {
            "gateway_id": ctx.gateway["gateway_id"],
            "name": "pets",
            "description": "v1",
            "source": spec(),
            "credentials": OAUTH2,
        },
    )


def req_update_tool(ctx: Ctx) -> dict[str, Any]:
    # A new spec (a new object, the old one removed after), a new secret (the
    # provider is updated in place) and a description.
    return event(
        "update_tool",
        {
            "tool_id": ctx.tool["tool_id"],
            "gateway_id": ctx.gateway["gateway_id"],
            "description": "v2",
            "source": spec("2.0.0"),
            "credentials": api_key(NEW_KEY),
        },
    )


def req_delete_tool(ctx: Ctx) -> dict[str, Any]:
    return event(
        "delete_tool", {"tool_id": ctx.tool["tool_id"], "gateway_id": ctx.gateway["gateway_id"]}
    )
