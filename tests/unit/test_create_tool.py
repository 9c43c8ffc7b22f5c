"""create_tool: the safe flow (PENDING, the spec in S3, the credential
provider, the target, ACTIVE), with the state in DynamoDB, S3, AgentCore and
AgentCore Identity checked after each step."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from services.tools.tool_flow import tool_id_for
from tests.support import (
    CANARY_KEY,
    CANARY_SECRET,
    OTHER_TEAM,
    PETS,
    Fault,
    Registry,
    create_tool,
    event,
    inline,
    provider_secrets,
    scan_everything,
    spec_keys,
    targets,
    tool_record,
)


def test_create_tool_makes_target_spec_and_active_record(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = create_tool(registry, gateway, description="Pet APIs")

    assert response["status"] == 201, response
    tool = response["data"]
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert record["team"] == "payments"
    assert record["spec"]["operations"] == ["listPets", "getPet"] or sorted(
        record["spec"]["operations"]
    ) == ["getPet", "listPets"]
    assert record["spec"]["openapi_version"].startswith("3.0")
    assert spec_keys(registry) == [record["spec"]["s3_key"]]
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=record["spec"]["s3_key"]
    )
    assert json.loads(stored["Body"].read())["paths"].keys() == PETS["paths"].keys()
    [target] = targets(registry, gateway)
    assert target["targetId"] == record["agentcore"]["target_id"]
    remote = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target["targetId"]
    )
    assert (
        remote["targetConfiguration"]["mcp"]["openApiSchema"]["s3"]["uri"]
        == record["spec"]["s3_uri"]
    )
    # No credentials: no outbound authorization, no configuration sent.
    assert remote["credentialProviderConfigurations"] == []
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE"]


def test_api_key_goes_to_a_credential_provider_and_nowhere_else(
    registry: Registry, gateway: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    credentials = {
        "type": "api_key",
        "api_key": CANARY_KEY,
        "parameter_name": "X-API-Key",
        "location": "HEADER",
    }
    response = create_tool(registry, gateway, credentials=credentials)

    assert response["status"] == 201, response
    tool = response["data"]
    assert tool["credentials"]["type"] == "api_key"
    assert tool["credentials"]["provider_arn"].endswith(
        f"apikeycredentialprovider/registry-{tool['tool_id']}"
    )
    assert provider_secrets() == {("apikey", f"registry-{tool['tool_id']}"): CANARY_KEY}
    remote = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
    )
    [config] = remote["credentialProviderConfigurations"]
    assert config["credentialProviderType"] == "API_KEY"
    assert CANARY_KEY not in json.dumps(response)
    assert CANARY_KEY not in scan_everything(registry)
    assert CANARY_KEY not in capsys.readouterr().out


def test_oauth2_secret_goes_to_a_credential_provider(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    credentials = {
        "type": "oauth2",
        "client_id": "agent",
        "client_secret": CANARY_SECRET,
        "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
        "scopes": ["pets.read"],
    }
    response = create_tool(registry, gateway, credentials=credentials)
    assert response["status"] == 201, response
    tool_id = response["data"]["tool_id"]
    assert provider_secrets() == {("oauth2", f"registry-{tool_id}"): CANARY_SECRET}
    assert CANARY_SECRET not in json.dumps(response)
    assert CANARY_SECRET not in scan_everything(registry)

    rotated = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool_id, "credentials": {**credentials, "client_secret": "rotated"}},
        )
    )
    assert rotated["status"] == 200, rotated
    assert provider_secrets() == {("oauth2", f"registry-{tool_id}"): "rotated"}
    deleted = registry.invoke(event("delete_tool", {"tool_id": tool_id}))
    assert deleted["status"] == 200, deleted
    assert provider_secrets() == {}
    assert tool_record(registry, tool_id, gateway["gateway_id"])["status"] == "DELETED"
    assert targets(registry, gateway) == []


def test_invalid_spec_is_422_and_writes_nothing(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    broken = copy.deepcopy(PETS)
    broken["paths"]["/pets"]["get"]["operationId"] = "listPets" + "s" * 300  # too long a name
    del broken["servers"]
    evt = event(
        "create_tool",
        {"gateway_id": gateway["gateway_id"], "name": "pets", "source": inline(broken)},
    )
    response = registry.invoke(evt)

    assert response["status"] == 422
    assert response["error"]["code"] == "InvalidSpec"
    assert len(response["error"]["details"]) >= 2  # every finding, not only the first
    assert tool_record(registry, tool_id_for(evt["request_id"]), gateway["gateway_id"]) is None
    assert registry.item(f"request#{evt['request_id']}") is None
    assert spec_keys(registry) == []
    assert targets(registry, gateway) == []


def test_file_source_with_yaml_content(registry: Registry, gateway: dict[str, Any]) -> None:
    import yaml

    content = base64.b64encode(yaml.safe_dump(PETS).encode()).decode()
    source = {"type": "file", "filename": "pets.yaml", "content_base64": content}
    response = create_tool(registry, gateway, source=source)
    assert response["status"] == 201, response
    assert response["data"]["spec"]["source"]["type"] == "file"
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert record["spec"]["source"]["type"] == "file"
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=record["spec"]["s3_key"]
    )
    assert json.loads(stored["Body"].read())["paths"].keys() == PETS["paths"].keys()
    [target] = targets(registry, gateway)
    assert target["targetId"] == record["agentcore"]["target_id"]


def test_api_info_source_is_generated_into_openapi(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    source = {
        "type": "api_info",
        "api": {
            "title": "Pets",
            "base_url": "https://api.example.com",
            "endpoints": [
                {
                    "method": "GET",
                    "path": "/pets/{id}",
                    "operation_id": "getPet",
                    "summary": "Get a pet",
                }
            ],
        },
    }
    response = create_tool(registry, gateway, source=source)
    assert response["status"] == 201, response
    assert response["data"]["spec"]["operations"] == ["getPet"]
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=record["spec"]["s3_key"]
    )
    generated = json.loads(stored["Body"].read())
    assert generated["openapi"].startswith("3.")
    assert generated["paths"]["/pets/{id}"]["get"]["operationId"] == "getPet"
    assert len(targets(registry, gateway)) == 1


def test_include_operations_publishes_part_of_the_spec(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = create_tool(registry, gateway, source=inline(include_operations=["getPet"]))
    assert response["status"] == 201, response
    record = response["data"]
    assert record["spec"]["operations"] == ["getPet"]
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=record["spec"]["s3_key"]
    )
    assert list(json.loads(stored["Body"].read())["paths"]) == ["/pets/{id}"]


def test_duplicate_tool_name_is_conflict(registry: Registry, gateway: dict[str, Any]) -> None:
    assert create_tool(registry, gateway)["status"] == 201
    again = create_tool(registry, gateway)
    assert again["status"] == 409
    assert len(targets(registry, gateway)) == 1


def test_other_team_cannot_add_tools(registry: Registry, gateway: dict[str, Any]) -> None:
    response = registry.invoke(
        event(
            "create_tool",
            {"gateway_id": gateway["gateway_id"], "name": "pets", "source": inline()},
            actor=OTHER_TEAM,
        )
    )
    assert response["status"] == 403
    assert targets(registry, gateway) == []


def test_unknown_gateway_is_not_found(registry: Registry) -> None:
    response = registry.invoke(
        event(
            "create_tool",
            {"gateway_id": "gw-00000000000000000000", "name": "pets", "source": inline()},
        )
    )
    assert response["status"] == 404


def test_replayed_create_tool_makes_no_second_target(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    evt = event(
        "create_tool", {"gateway_id": gateway["gateway_id"], "name": "pets", "source": inline()}
    )
    first = registry.invoke(evt)
    again = registry.invoke(evt)
    assert again == first
    assert len(targets(registry, gateway)) == 1


def test_target_rejected_marks_failed_and_removes_what_was_made(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.fail(
        "bedrock-agentcore-control.CreateGatewayTarget", "ValidationException", 400, times=1
    )
    credentials = {"type": "api_key", "api_key": CANARY_KEY}
    evt = event(
        "create_tool",
        {
            "gateway_id": gateway["gateway_id"],
            "name": "pets",
            "source": inline(),
            "credentials": credentials,
        },
    )
    response = registry.invoke(evt)

    assert response["status"] == 502
    record = tool_record(registry, tool_id_for(evt["request_id"]), gateway["gateway_id"])
    assert record["status"] == "FAILED"
    assert record["last_error"]["step"] == "CreateGatewayTarget"
    assert spec_keys(registry) == []
    assert provider_secrets() == {}
    assert targets(registry, gateway) == []
    # The name is free again.
    assert create_tool(registry, gateway)["status"] == 201
    assert len(targets(registry, gateway)) == 1


def test_crash_after_target_created_resumes_without_a_second(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    registry.crash("after-call.bedrock-agentcore-control.CreateGatewayTarget")
    evt = event(
        "create_tool", {"gateway_id": gateway["gateway_id"], "name": "pets", "source": inline()}
    )
    with pytest.raises(Fault):
        registry.invoke(evt)
    assert (
        tool_record(registry, tool_id_for(evt["request_id"]), gateway["gateway_id"])["status"]
        == "PENDING"
    )
    registry.clear_hooks()
    registry.clock.advance(registry.runtime.default_budget_seconds + 1)

    resumed = registry.invoke(evt)
    assert resumed["status"] == 201, resumed
    assert len(targets(registry, gateway)) == 1
    assert len(spec_keys(registry)) == 1
    record = tool_record(registry, tool_id_for(evt["request_id"]), gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert "lease" not in record
    assert [target["targetId"] for target in targets(registry, gateway)] == [
        record["agentcore"]["target_id"]
    ]
    assert spec_keys(registry) == [record["spec"]["s3_key"]]
