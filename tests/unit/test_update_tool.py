"""update_tool: a new spec, new credentials or a description, with the state
in DynamoDB, S3, AgentCore and AgentCore Identity checked after each step."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support import (
    CANARY_KEY,
    PETS,
    Registry,
    create_tool,
    event,
    inline,
    provider_secrets,
    scan_everything,
    spec_keys,
    tool_record,
)


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
    # The old object stays: it is version 1 (tests/unit/test_tool_versions.py).
    assert spec_keys(registry) == sorted([tool["spec"]["s3_key"], record["spec"]["s3_key"]])
    assert [v["number"] for v in record["spec_versions"]] == [2, 1]
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
    # The provider changed in place: the record and the target still name it.
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record["version"] > tool["version"]
    assert record["credentials"]["provider_arn"] == tool["credentials"]["provider_arn"]


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
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record["description"] == "same spec"
    assert record["spec"] == tool["spec"]
    remote = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
    )
    assert remote["description"] == "same spec"
    # Other options are another published document: validated again (and,
    # leaving listPets out, a breaking change that must be allowed).
    changed = registry.invoke(
        event(
            "update_tool",
            {
                "tool_id": tool["tool_id"],
                "source": inline(include_operations=["getPet"]),
                "allow_breaking": True,
            },
        )
    )
    assert changed["status"] == 200, changed
    assert validations == ["x"]
    assert puts == ["put"]
    assert changed["data"]["spec"]["operations"] == ["getPet"]
