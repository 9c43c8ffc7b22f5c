"""Tool actions: the safe flow, with the state in DynamoDB, S3, AgentCore and
AgentCore Identity checked after each step."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends

from registry_local import agentcore_rules
from services.tools.tool_flow import tool_id_for
from tests.support import OTHER_TEAM, PETS, Fault, Registry, event

CANARY_KEY = "CANARY-API-KEY-0b7e4c"
CANARY_SECRET = "CANARY-CLIENT-SECRET-9f31aa"


def inline(spec: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
    return {"type": "inline", "spec": copy.deepcopy(spec or PETS), **options}


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    assert response["status"] == 201
    return dict(response["data"])


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
    from services.records import dynamo

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
    return agentcore_rules.stored_secrets(
        bedrockagentcorecontrol_backends["123456789012"]["us-east-1"]
    )


def scan_everything(registry: Registry) -> str:
    dumped = []
    for table in (registry.settings.gateways_table_name, registry.settings.tools_table_name):
        dumped.append(json.dumps(registry.runtime.dynamodb.scan(TableName=table)["Items"]))
    return "".join(dumped)


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
    assert remote["credentialProviderConfigurations"] == [
        {"credentialProviderType": "GATEWAY_IAM_ROLE"}
    ]
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


def test_invalid_spec_is_422_and_writes_nothing(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    broken = copy.deepcopy(PETS)
    del broken["paths"]["/pets"]["get"]["operationId"]
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


def test_get_and_list_tools(registry: Registry, gateway: dict[str, Any]) -> None:
    first = create_tool(registry, gateway, name="pets")["data"]
    registry.clock.advance(1)
    create_tool(registry, gateway, name="owners")
    by_id = registry.invoke(event("get_tool", {"tool_id": first["tool_id"]}))
    assert by_id["status"] == 200
    assert by_id["data"]["name"] == "pets"
    listed = registry.invoke(event("list_tools", {"gateway_id": gateway["gateway_id"]}))
    assert [t["name"] for t in listed["data"]["items"]] == ["owners", "pets"]


def test_update_tool_spec_replaces_the_object_and_the_target_uri(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway)["data"]
    changed = copy.deepcopy(PETS)
    changed["info"]["version"] = "2.0.0"
    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": inline(changed), "description": "v2"},
        )
    )

    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record["spec"]["sha256"] != tool["spec"]["sha256"]
    assert spec_keys(registry) == [record["spec"]["s3_key"]]  # the old object is gone
    remote = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
    )
    assert (
        remote["targetConfiguration"]["mcp"]["openApiSchema"]["s3"]["uri"]
        == record["spec"]["s3_uri"]
    )
    assert remote["description"] == "v2"


def test_update_tool_credentials_updates_the_provider(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway, credentials={"type": "api_key", "api_key": "first-key"})[
        "data"
    ]
    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "credentials": {"type": "api_key", "api_key": CANARY_KEY}},
        )
    )
    assert response["status"] == 200, response
    assert provider_secrets() == {("apikey", f"registry-{tool['tool_id']}"): CANARY_KEY}
    assert CANARY_KEY not in scan_everything(registry)


def test_delete_tool_removes_target_provider_and_spec(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    tool = create_tool(registry, gateway, credentials={"type": "api_key", "api_key": CANARY_KEY})[
        "data"
    ]
    response = registry.invoke(
        event("delete_tool", {"tool_id": tool["tool_id"], "gateway_id": gateway["gateway_id"]})
    )

    assert response["status"] == 200, response
    assert tool_record(registry, tool["tool_id"], gateway["gateway_id"])["status"] == "DELETED"
    assert targets(registry, gateway) == []
    assert provider_secrets() == {}
    assert spec_keys(registry) == []
    assert registry.invoke(event("get_tool", {"tool_id": tool["tool_id"]}))["status"] == 404


def test_cascade_delete_removes_tools_then_the_gateway(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    one = create_tool(
        registry, gateway, name="pets", credentials={"type": "api_key", "api_key": "k"}
    )["data"]
    two = create_tool(registry, gateway, name="owners")["data"]
    refused = registry.invoke(event("delete_gateway", {"gateway_id": gateway["gateway_id"]}))
    assert refused["status"] == 409

    response = registry.invoke(
        event("delete_gateway", {"gateway_id": gateway["gateway_id"], "cascade": True})
    )
    assert response["status"] == 200, response
    for tool in (one, two):
        assert tool_record(registry, tool["tool_id"], gateway["gateway_id"])["status"] == "DELETED"
    assert registry.agentcore_gateways() == []
    assert provider_secrets() == {}
    assert spec_keys(registry) == []


def test_validate_spec_reports_without_changing_anything(registry: Registry) -> None:
    broken = copy.deepcopy(PETS)
    del broken["paths"]["/pets"]["get"]["operationId"]
    response = registry.invoke({"action": "validate_spec", "data": {"source": inline(broken)}})
    assert response["status"] == 200, response
    assert response["data"]["errors"]
    assert (
        registry.runtime.s3.list_objects_v2(Bucket=registry.settings.spec_bucket_name).get(
            "KeyCount", 0
        )
        == 0
    )


def test_upload_url_is_scoped_to_the_team_and_usable_as_a_source(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = registry.invoke(
        event("create_upload_url", {"filename": "pets.json", "size_bytes": 5000})
        | {"actor": {"user": "a", "team": "payments"}}
    )
    assert response["status"] == 200, response
    key = response["data"]["key"]
    assert key.startswith("uploads/payments/")
    assert ["content-length-range", 1, 5000] in json.loads(
        base64.b64decode(response["data"]["fields"]["policy"])
    )["conditions"]
    registry.runtime.s3.put_object(
        Bucket=registry.settings.spec_bucket_name, Key=key, Body=json.dumps(PETS).encode()
    )

    created = create_tool(registry, gateway, source={"type": "s3", "key": key})
    assert created["status"] == 201, created
    stolen = registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": gateway["gateway_id"],
                "name": "other",
                "source": {"type": "s3", "key": key},
            },
            actor=OTHER_TEAM,
        )
    )
    assert stolen["status"] == 403


def test_update_with_the_same_spec_skips_validation_and_writes(
    registry: Registry, gateway: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.tools import spec_validation

    tool = create_tool(registry, gateway)["data"]
    validations: list[str] = []
    original = spec_validation.validate_spec
    monkeypatch.setattr(
        spec_validation,
        "validate_spec",
        lambda *a, **k: validations.append("x") or original(*a, **k),
    )
    puts: list[str] = []
    registry.on("before-call.s3.PutObject", lambda **_: puts.append("put"))

    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": inline(), "description": "same spec"},
        )
    )

    assert response["status"] == 200, response
    assert validations == []
    assert puts == []
    assert response["data"]["spec"]["sha256"] == tool["spec"]["sha256"]
    # Other options are another published document: validated again.
    changed = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": inline(include_operations=["getPet"])},
        )
    )
    assert changed["status"] == 200, changed
    assert validations == ["x"]
    assert puts == ["put"]
    assert changed["data"]["spec"]["operations"] == ["getPet"]
