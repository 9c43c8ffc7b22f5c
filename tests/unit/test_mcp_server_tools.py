"""MCP server tools (issue 12): the source's checks, the safe flow, the
record's `target` and `tools`, `sync_tool`, and the target in AgentCore
after each step."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.support import (
    ACTOR,
    OTHER_TEAM,
    Registry,
    event,
    scan_everything,
    spec_keys,
    targets,
    tool_record,
)

ENDPOINT = "https://mcp.example.com/mcp"
TOOLS: list[dict[str, Any]] = [
    {
        "name": "get_pet",
        "description": "One pet by id",
        "input_schema": {
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "required": ["id"],
        },
    }
]


def mcp_source(**extra: Any) -> dict[str, Any]:
    return {"type": "mcp_server", "endpoint": ENDPOINT, **copy.deepcopy(extra)}


def create_event(gateway: dict[str, Any], **data: Any) -> dict[str, Any]:
    return event(
        "create_tool",
        {"gateway_id": gateway["gateway_id"], "name": "pets", "source": mcp_source(), **data},
    )


def remote(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    [listed] = targets(registry, gateway)
    return dict(
        registry.runtime.agentcore.get_gateway_target(
            gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=listed["targetId"]
        )
    )


def record_of(registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]) -> dict[str, Any]:
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    return record


@pytest.fixture
def tool(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    response = registry.invoke(create_event(gateway))
    assert response["status"] == 201, response
    return dict(response["data"])


def test_create_makes_an_mcp_server_target_that_agentcore_lists(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    record = record_of(registry, gateway, tool)
    assert record["status"] == "ACTIVE"
    target = record["target"]
    assert target["kind"] == "mcp_server"
    assert target["endpoint"] == ENDPOINT
    assert target["listing_mode"] == "DEFAULT"
    assert target["static_tools"] is False
    assert target["s3_key"] is None
    # AgentCore discovers the server's tools; its control plane lists none.
    assert record["tools"] == []
    assert record["credentials"] == {"type": "none"}
    assert spec_keys(registry) == []
    answer = remote(registry, gateway)
    assert answer["targetConfiguration"] == {
        "mcp": {"mcpServer": {"endpoint": ENDPOINT, "listingMode": "DEFAULT"}}
    }
    assert answer["credentialProviderConfigurations"] == []
    # Implicit synchronization at create (the devguide's MCP server page).
    assert "lastSynchronizedAt" in answer
    assert record["agentcore"]["last_synchronized_at"]
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE"]


def test_a_static_tool_list_is_stored_and_served_as_the_target_schema(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = registry.invoke(create_event(gateway, source=mcp_source(tools=TOOLS)))
    assert response["status"] == 201, response
    record = record_of(registry, gateway, response["data"])
    target = record["target"]
    assert target["static_tools"] is True
    assert record["tools"] == ["get_pet"]
    assert spec_keys(registry) == [target["s3_key"]]
    body = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=target["s3_key"]
    )["Body"].read()
    assert json.loads(body) == [
        {
            "name": "get_pet",
            "description": "One pet by id",
            "inputSchema": TOOLS[0]["input_schema"],
        }
    ]
    assert remote(registry, gateway)["targetConfiguration"]["mcp"]["mcpServer"] == {
        "endpoint": ENDPOINT,
        "listingMode": "DEFAULT",
        "mcpToolSchema": {"s3": {"uri": target["s3_uri"]}},
    }


def test_credentials_follow_the_outbound_auth_table(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    signing = {"type": "gateway_iam_role", "service": "bedrock-agentcore"}
    response = registry.invoke(create_event(gateway, credentials=signing))
    assert response["status"] == 201, response
    assert remote(registry, gateway)["credentialProviderConfigurations"] == [
        {
            "credentialProviderType": "GATEWAY_IAM_ROLE",
            "credentialProvider": {"iamCredentialProvider": {"service": "bedrock-agentcore"}},
        }
    ]


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "http": (mcp_source(endpoint="http://mcp.example.com/mcp"), "data.source.endpoint"),
    "loopback": (mcp_source(endpoint="https://127.0.0.1/mcp"), "data.source.endpoint"),
    "metadata": (mcp_source(endpoint="https://169.254.169.254/latest"), "data.source.endpoint"),
    "private-name": (mcp_source(endpoint="https://mcp.internal/mcp"), "data.source.endpoint"),
    "templated-host": (
        mcp_source(endpoint="https://{tenant}.example.com/mcp"),
        "data.source.endpoint",
    ),
    "decimal-ip": (mcp_source(endpoint="https://2130706433/mcp"), "data.source.endpoint"),
    "static-and-dynamic": (
        mcp_source(tools=TOOLS, listing_mode="DYNAMIC"),
        "data.source.listing_mode",
    ),
    "empty-static-list": (mcp_source(tools=[]), "data.source.tools"),
    "tool-enum": (
        mcp_source(
            tools=[{**TOOLS[0], "input_schema": {"type": "object", "enum": [1]}}],
        ),
        "data.source.tools[0].input_schema.enum",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_source_is_refused_with_its_path_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], case: str
) -> None:
    source, field = BAD[case]
    before = scan_everything(registry)
    calls: list[str] = []
    for service in ("s3", "bedrock-agentcore-control"):
        registry.on(f"before-call.{service}", lambda model, **_: calls.append(model.name))
    response = registry.invoke(create_event(gateway, source=source))
    assert response["status"] == 422, response
    assert field in [d["field"] for d in response["error"]["details"]], response["error"]
    assert calls == []
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []


def test_update_moves_the_target_to_another_endpoint_and_mode(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    other = "https://tools.example.org/mcp"
    response = registry.invoke(
        event(
            "update_tool",
            {
                "tool_id": tool["tool_id"],
                "source": mcp_source(endpoint=other, listing_mode="DYNAMIC"),
            },
        )
    )
    assert response["status"] == 200, response
    record = record_of(registry, gateway, tool)
    assert record["target"]["endpoint"] == other
    assert record["target"]["listing_mode"] == "DYNAMIC"
    assert remote(registry, gateway)["targetConfiguration"] == {
        "mcp": {"mcpServer": {"endpoint": other, "listingMode": "DYNAMIC"}}
    }


def test_update_to_a_static_list_and_back_stores_then_removes_it(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": mcp_source(tools=TOOLS)})
    )
    assert response["status"] == 200, response
    record = record_of(registry, gateway, tool)
    assert record["tools"] == ["get_pet"]
    assert spec_keys(registry) == [record["target"]["s3_key"]]
    back = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": mcp_source()})
    )
    assert back["status"] == 200, back
    record = record_of(registry, gateway, tool)
    assert record["tools"] == []
    assert (
        "mcpToolSchema" not in remote(registry, gateway)["targetConfiguration"]["mcp"]["mcpServer"]
    )
    assert spec_keys(registry) == []


def test_a_tool_keeps_its_kind_on_update(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = registry.invoke(
        event(
            "update_tool",
            {
                "tool_id": tool["tool_id"],
                "source": {
                    "type": "lambda",
                    "lambda_arn": "arn:aws:lambda:us-east-1:123456789012:function:x",
                    "tools": TOOLS,
                },
            },
        )
    )
    assert response["status"] == 422, response
    assert scan_everything(registry) == before


def test_delete_removes_the_target_and_the_static_list(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    created = registry.invoke(create_event(gateway, source=mcp_source(tools=TOOLS)))
    assert created["status"] == 201, created
    response = registry.invoke(event("delete_tool", {"tool_id": created["data"]["tool_id"]}))
    assert response["status"] == 200, response
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == []
    assert record_of(registry, gateway, created["data"])["status"] == "DELETED"


# --- sync_tool ----------------------------------------------------------------------


def sync(registry: Registry, tool: dict[str, Any], **data: Any) -> dict[str, Any]:
    return registry.invoke(event("sync_tool", {"tool_id": tool["tool_id"], **data}))


def test_sync_asks_agentcore_to_list_again_and_records_when(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    before = record_of(registry, gateway, tool)
    calls: list[str] = []
    registry.on(
        "before-call.bedrock-agentcore-control", lambda model, **_: calls.append(model.name)
    )
    response = sync(registry, tool)
    assert response["status"] == 200, response
    assert calls == ["SynchronizeGatewayTargets", "GetGatewayTarget"]
    record = record_of(registry, gateway, tool)
    assert record["version"] == before["version"] + 2  # taken, then done
    assert record["agentcore"]["status"] == "READY"
    assert record["agentcore"]["last_synchronized_at"]
    assert "pending" not in record
    assert "lease" not in record
    assert record["audit"][-1]["outcome"] == "sync-succeeded"
    assert record["target"] == before["target"]
    assert remote(registry, gateway)["status"] == "READY"


def test_the_same_sync_request_twice_syncs_once(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    first = registry.invoke(
        event("sync_tool", {"tool_id": tool["tool_id"]}, request_id="sync-once-0001")
    )
    calls: list[str] = []
    registry.on(
        "before-call.bedrock-agentcore-control", lambda model, **_: calls.append(model.name)
    )
    again = registry.invoke(
        event("sync_tool", {"tool_id": tool["tool_id"]}, request_id="sync-once-0001")
    )
    assert again["status"] == first["status"] == 200
    assert calls == []


def test_a_failed_listing_is_recorded_and_keeps_the_tool_active(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    created = registry.invoke(
        create_event(
            gateway, source=mcp_source(endpoint="https://emulator-sync-fail.example.com/mcp")
        )
    )
    assert created["status"] == 201, created
    response = sync(registry, created["data"])
    assert response["status"] == 502, response
    assert "tools/list failed" in response["error"]["message"]
    record = record_of(registry, gateway, created["data"])
    assert record["status"] == "ACTIVE"
    assert record["last_error"]["step"] == "GetGatewayTarget"
    assert "pending" not in record
    assert "lease" not in record
    assert remote(registry, gateway)["status"] == "SYNCHRONIZE_UNSUCCESSFUL"


@pytest.mark.parametrize(
    ("source", "why"),
    [
        (mcp_source(tools=TOOLS), "static tool list"),
        (mcp_source(listing_mode="DYNAMIC"), "DYNAMIC"),
    ],
)
def test_sync_is_refused_where_agentcore_lists_nothing(
    registry: Registry, gateway: dict[str, Any], source: dict[str, Any], why: str
) -> None:
    created = registry.invoke(create_event(gateway, source=source))
    assert created["status"] == 201, created
    before = scan_everything(registry)
    calls: list[str] = []
    registry.on(
        "before-call.bedrock-agentcore-control", lambda model, **_: calls.append(model.name)
    )
    response = sync(registry, created["data"])
    assert response["status"] == 422, response
    assert why in response["error"]["message"]
    assert calls == []
    assert scan_everything(registry) == before


def test_sync_of_another_kind_of_tool_is_refused(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    from tests.support import create_tool

    created = create_tool(registry, gateway)
    assert created["status"] == 201, created
    response = sync(registry, created["data"])
    assert response["status"] == 422, response
    assert "only an MCP server tool synchronizes" in response["error"]["message"]


def test_only_the_owning_team_may_sync(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = registry.invoke(event("sync_tool", {"tool_id": tool["tool_id"]}, actor=OTHER_TEAM))
    assert response["status"] == 403, response
    assert scan_everything(registry) == before
    assert ACTOR["team"] == record_of(registry, gateway, tool)["team"]


def test_validate_spec_answers_for_an_mcp_server(registry: Registry) -> None:
    response = registry.invoke(
        event("validate_spec", {"source": mcp_source(tools=TOOLS), "target_name": "pets"})
    )
    assert response["status"] == 200, response
    answer = response["data"]
    assert answer["ok"] is True
    assert answer["kind"] == "mcp_server"
    assert answer["tool_names"] == ["pets___get_pet"]
    refused = registry.invoke(
        event("validate_spec", {"source": mcp_source(endpoint="https://10.0.0.1/mcp")})
    )
    assert refused["status"] == 200, refused
    assert refused["data"]["ok"] is False
    assert refused["data"]["errors"][0]["field"] == "data.source.endpoint"


def test_list_tools_by_kind_finds_mcp_servers(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    response = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "mcp_server"})
    )
    assert response["status"] == 200, response
    assert [t["tool_id"] for t in response["data"]["items"]] == [tool["tool_id"]]
    none = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "lambda"})
    )
    assert none["data"]["items"] == []


def test_a_target_waiting_for_a_users_oauth_consent_fails_the_create(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    # AgentCore's CREATE_PENDING_AUTH (three-legged OAuth): no poll within a
    # Lambda's time ends it, so the create fails and removes its target.
    def pending_auth(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("status") == "READY":
            parsed["status"] = "CREATE_PENDING_AUTH"
            parsed["authorizationData"] = {
                "oauth2": {"authorizationUrl": "https://idp.example.com/authorize?session=s"}
            }

    registry.on("after-call.bedrock-agentcore-control.GetGatewayTarget", pending_auth)
    response = registry.invoke(create_event(gateway))
    registry.clear_hooks()
    assert response["status"] == 502, response
    assert "waits for a user's OAuth authorization" in response["error"]["message"]
    assert "session=s" not in json.dumps(response)
    assert targets(registry, gateway) == []
    listed = registry.invoke(event("list_tools", {"gateway_id": gateway["gateway_id"]}))
    assert [t["status"] for t in listed["data"]["items"]] == ["FAILED"]
    # The record keeps AgentCore's state as the code, never the session URL.
    assert listed["data"]["items"][0]["last_error"]["code"] == "TargetCreatePendingAuth"
    assert "session=s" not in json.dumps(listed)
