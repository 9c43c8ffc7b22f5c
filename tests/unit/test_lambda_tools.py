"""Lambda function tools (issue 12): the source's checks, the safe flow, the
record's `target` and `tools`, and the target in AgentCore after each step."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from services.tools.targets.tool_definitions import MAX_SCHEMA_DEPTH, MAX_TOOLS_BYTES
from tests.support import (
    Registry,
    event,
    reconcile,
    scan_everything,
    spec_keys,
    targets,
    tool_record,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:pets-tools"
TOOLS: list[dict[str, Any]] = [
    {
        "name": "get_pet",
        "description": "One pet by id",
        "input_schema": {
            "type": "object",
            "properties": {"id": {"type": "string", "description": "the pet's id"}},
            "required": ["id"],
        },
        "output_schema": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    {
        "name": "list_pets",
        "description": "Every pet",
        "input_schema": {"type": "object", "properties": {"limit": {"type": "integer"}}},
    },
]
# What AgentCore reads from S3: its camelCase ToolDefinition list.
STORED = [
    {
        "name": "get_pet",
        "description": "One pet by id",
        "inputSchema": TOOLS[0]["input_schema"],
        "outputSchema": TOOLS[0]["output_schema"],
    },
    {
        "name": "list_pets",
        "description": "Every pet",
        "inputSchema": TOOLS[1]["input_schema"],
    },
]


def lambda_source(tools: list[Any] | None = None, arn: str = ARN) -> dict[str, Any]:
    return {
        "type": "lambda",
        "lambda_arn": arn,
        "tools": copy.deepcopy(TOOLS if tools is None else tools),
    }


def create_event(gateway: dict[str, Any], **data: Any) -> dict[str, Any]:
    return event(
        "create_tool",
        {"gateway_id": gateway["gateway_id"], "name": "pets", "source": lambda_source(), **data},
    )


def remote(registry: Registry, gateway: dict[str, Any], target_id: str) -> dict[str, Any]:
    return dict(
        registry.runtime.agentcore.get_gateway_target(
            gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target_id
        )
    )


def stored(registry: Registry, key: str) -> Any:
    body = registry.runtime.s3.get_object(Bucket=registry.settings.spec_bucket_name, Key=key)
    return json.loads(body["Body"].read())


@pytest.fixture
def tool(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    response = registry.invoke(create_event(gateway))
    assert response["status"] == 201, response
    return dict(response["data"])


def test_create_makes_a_lambda_target_reading_the_stored_tools(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["tools"] == ["get_pet", "list_pets"]
    assert "spec" not in record
    target = record["target"]
    assert target["kind"] == "lambda"
    assert target["lambda_arn"] == ARN
    assert record["credentials"] == {"type": "gateway_iam_role"}
    assert spec_keys(registry) == [target["s3_key"]]
    assert target["s3_key"].endswith(f"/{tool['tool_id']}/{target['sha256']}.json")
    assert stored(registry, target["s3_key"]) == STORED
    assert target["size_bytes"] == len(json.dumps(STORED, sort_keys=True, separators=(",", ":")))
    [listed] = targets(registry, gateway)
    answer = remote(registry, gateway, listed["targetId"])
    assert answer["targetConfiguration"] == {
        "mcp": {"lambda": {"lambdaArn": ARN, "toolSchema": {"s3": {"uri": target["s3_uri"]}}}}
    }
    assert answer["credentialProviderConfigurations"] == [
        {"credentialProviderType": "GATEWAY_IAM_ROLE"}
    ]
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE"]
    got = registry.invoke(event("get_tool", {"tool_id": tool["tool_id"]}))
    assert got["status"] == 200
    assert got["data"]["target"] == target
    assert got["data"]["tools"] == ["get_pet", "list_pets"]


def test_an_openapi_record_names_its_kind_and_tools(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    from tests.support import create_tool

    response = create_tool(registry, gateway)
    assert response["status"] == 201, response
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["target"] == {"kind": "openapi"}
    assert sorted(record["tools"]) == sorted(record["spec"]["operations"])


def test_replayed_create_answers_the_same_and_makes_nothing_more(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    evt = create_event(gateway)
    first = registry.invoke(evt)
    again = registry.invoke(copy.deepcopy(evt))
    assert first["status"] == again["status"] == 201
    assert again["data"]["tool_id"] == first["data"]["tool_id"]
    assert len(targets(registry, gateway)) == 1
    assert len(spec_keys(registry)) == 1


def test_update_with_new_tools_stores_a_new_object_and_removes_the_old(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    old_key = tool["target"]["s3_key"]
    tools = [*copy.deepcopy(TOOLS), {**TOOLS[1], "name": "count_pets"}]
    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": lambda_source(tools)})
    )
    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["tools"] == ["get_pet", "list_pets", "count_pets"]
    new_key = record["target"]["s3_key"]
    assert new_key != old_key
    assert spec_keys(registry) == [new_key]
    assert [t["name"] for t in stored(registry, new_key)] == record["tools"]
    answer = remote(registry, gateway, tool["agentcore"]["target_id"])
    assert (
        answer["targetConfiguration"]["mcp"]["lambda"]["toolSchema"]["s3"]["uri"]
        == (record["target"]["s3_uri"])
    )


def test_update_to_another_function_changes_the_target(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    other = ARN.replace("pets-tools", "pets-tools-v2") + ":live"
    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": lambda_source(arn=other)})
    )
    assert response["status"] == 200, response
    assert response["data"]["target"]["lambda_arn"] == other
    # Same tools: the same object, kept.
    assert spec_keys(registry) == [tool["target"]["s3_key"]]
    answer = remote(registry, gateway, tool["agentcore"]["target_id"])
    assert answer["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"] == other


def test_update_with_the_same_source_changes_nothing(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": lambda_source()})
    )
    assert response["status"] == 200, response
    assert response["data"]["target"] == tool["target"]


def test_update_cannot_change_the_kind(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    from tests.support import inline

    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": inline()})
    )
    assert response["status"] == 422, response
    assert response["error"]["details"][0]["field"] == "data.source.type"


def test_delete_removes_the_target_and_the_object(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    response = registry.invoke(event("delete_tool", {"tool_id": tool["tool_id"]}))
    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "DELETED"
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == []


def _deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels - 1):
        node = {"type": "object", "properties": {"x": node}}
    return node


def _with(index: int, **changes: Any) -> list[dict[str, Any]]:
    tools = copy.deepcopy(TOOLS)
    tools[index].update(changes)
    return tools


def _schema(**members: Any) -> list[dict[str, Any]]:
    return _with(0, input_schema={"type": "object", "properties": {"x": members}})


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "not-an-arn": (lambda_source(arn="pets-tools"), "data.source.lambda_arn"),
    "not-a-function": (
        lambda_source(arn="arn:aws:lambda:us-east-1:123456789012:layer:pets"),
        "data.source.lambda_arn",
    ),
    "other-partition": (
        lambda_source(arn="arn:aws-cn:lambda:cn-north-1:123456789012:function:pets"),
        "data.source.lambda_arn",
    ),
    "no-tools": (lambda_source([]), "data.source.tools"),
    "duplicate-names": (_with(1, name="get_pet"), "data.source.tools[1].name"),
    "bad-name": (_with(1, name="list pets"), "data.source.tools[1].name"),
    "long-name": (_with(1, name="x" * 260), "data.source.tools[1].name"),
    "no-description": (_with(0, description=""), "data.source.tools[0].description"),
    "no-input-schema": (
        [{"name": "a", "description": "b"}],
        "data.source.tools[0].input_schema",
    ),
    "unknown-tool-member": (_with(0, inputSchema={}), "data.source.tools[0].inputSchema"),
    "oneOf": (
        _schema(oneOf=[{"type": "string"}, {"type": "integer"}]),
        "data.source.tools[0].input_schema.properties.x.oneOf",
    ),
    "enum": (
        _schema(type="string", enum=["a", "b"]),
        "data.source.tools[0].input_schema.properties.x.enum",
    ),
    "$ref": (
        _schema(**{"$ref": "#/defs/x"}),
        "data.source.tools[0].input_schema.properties.x.$ref",
    ),
    "unknown-type": (_schema(type="null"), "data.source.tools[0].input_schema.properties.x.type"),
    "properties-on-a-string": (
        _schema(type="string", properties={"y": {"type": "string"}}),
        "data.source.tools[0].input_schema.properties.x.properties",
    ),
    "items-on-an-object": (
        _schema(type="object", items={"type": "string"}),
        "data.source.tools[0].input_schema.properties.x.items",
    ),
    "required-not-a-property": (
        _with(0, input_schema={"type": "object", "required": ["id"]}),
        "data.source.tools[0].input_schema.required",
    ),
    "input-not-an-object": (
        _with(0, input_schema={"type": "string"}),
        "data.source.tools[0].input_schema.type",
    ),
    "too-deep": (
        _with(0, input_schema={"type": "object", "properties": {"x": _deep(MAX_SCHEMA_DEPTH)}}),
        "data.source.tools[0].input_schema" + ".properties.x" * MAX_SCHEMA_DEPTH,
    ),
    "too-large": (
        _with(0, description="d" * (MAX_TOOLS_BYTES + 1)),
        "data.source.tools",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_lambda_source_is_422_with_its_path_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], case: str
) -> None:
    source, field = BAD[case]
    if "type" not in source:
        source = lambda_source(source)
    before = scan_everything(registry)
    calls: list[str] = []
    for service in ("s3", "bedrock-agentcore-control"):
        registry.on(
            f"before-call.{service}",
            lambda model, **_: calls.append(model.name),
        )
    response = registry.invoke(create_event(gateway, source=source))
    registry.clear_hooks()
    assert response["status"] == 422, response
    assert field in [d["field"] for d in response["error"]["details"]], response["error"]
    assert calls == []
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == []


def test_every_finding_is_given_at_once(registry: Registry, gateway: dict[str, Any]) -> None:
    tools = _with(1, name="get_pet", input_schema={"type": "object", "anyOf": []})
    response = registry.invoke(create_event(gateway, source=lambda_source(tools, arn="x")))
    assert response["status"] == 422
    assert [d["field"] for d in response["error"]["details"]] == [
        "data.source.lambda_arn",
        "data.source.tools[1].name",
        "data.source.tools[1].input_schema.anyOf",
    ]


@pytest.mark.parametrize(
    "credentials",
    [
        {"type": "none"},
        {"type": "api_key", "api_key": "k"},
        {
            "type": "oauth2",
            "client_id": "a",
            "client_secret": "s",
            "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
        },
    ],
)
def test_a_lambda_tool_takes_only_the_gateway_role(
    registry: Registry, gateway: dict[str, Any], credentials: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = registry.invoke(create_event(gateway, credentials=credentials))
    assert response["status"] == 422, response
    assert response["error"]["details"][0]["field"] == "data.credentials.type"
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
    explicit = registry.invoke(create_event(gateway, credentials={"type": "gateway_iam_role"}))
    assert explicit["status"] == 201, explicit


def test_an_openapi_tool_still_defaults_to_no_credentials(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    from tests.support import create_tool

    response = create_tool(registry, gateway)
    assert response["status"] == 201, response
    assert response["data"]["credentials"] == {"type": "none"}


def test_validate_spec_of_a_lambda_source(registry: Registry) -> None:
    good = registry.invoke(
        event("validate_spec", {"source": lambda_source(), "target_name": "pets"})
    )
    assert good["status"] == 200, good
    assert good["data"]["ok"] is True
    assert good["data"]["tools"] == ["get_pet", "list_pets"]
    assert good["data"]["tool_names"] == ["pets___get_pet", "pets___list_pets"]
    bad = registry.invoke(
        event("validate_spec", {"source": lambda_source(_schema(type="string", enum=["a"]))})
    )
    assert bad["status"] == 200, bad
    assert bad["data"]["ok"] is False
    assert [e["field"] for e in bad["data"]["errors"]] == [
        "data.source.tools[0].input_schema.properties.x.enum"
    ]
    assert spec_keys(registry) == []


def test_reconcile_finds_a_lambda_tool_in_step_then_its_drift(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    in_step = reconcile(registry, dry_run=False)
    assert in_step["findings"] == []
    assert in_step["counts"] == {"in-step": 1}
    registry.runtime.s3.put_object(
        Bucket=registry.settings.spec_bucket_name, Key=tool["target"]["s3_key"], Body=b"[]"
    )
    drifted = reconcile(registry, dry_run=False)
    [finding] = drifted["findings"]
    assert finding["finding"] == "drift"
    assert finding["detail"] == "the tool schema object changed"
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"


def test_reconcile_reports_a_target_that_invokes_another_function(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    other = ARN.replace("pets-tools", "intruder")
    registry.runtime.agentcore.update_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
        name="pets",
        targetConfiguration={
            "mcp": {
                "lambda": {
                    "lambdaArn": other,
                    "toolSchema": {"s3": {"uri": tool["target"]["s3_uri"]}},
                }
            }
        },
        credentialProviderConfigurations=[{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
    )
    [finding] = reconcile(registry)["findings"]
    assert finding["finding"] == "drift"
    assert finding["detail"] == f"the target invokes {other}"


def test_reconcile_sweeps_a_replaced_lambda_object_once(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    # A leftover the update could not remove: the sweep removes it, once
    # (both kinds share the bucket's prefix; it is listed once).
    registry.fail("s3.DeleteObject", "InternalError", 500)
    tools = [{**TOOLS[1], "name": "count_pets"}]
    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": lambda_source(tools)})
    )
    registry.clear_hooks()
    assert response["status"] == 200, response
    assert len(spec_keys(registry)) == 2
    report = reconcile(registry, dry_run=False)
    assert [(f["finding"], f["action"], f["id"]) for f in report["findings"]] == [
        ("leftover", "deleted", tool["target"]["s3_key"])
    ]
    assert spec_keys(registry) == [response["data"]["target"]["s3_key"]]


# --- tools_s3_key: the definitions uploaded with create_upload_url -------------------


def upload(registry: Registry, body: bytes, key: str = "uploads/payments/u1/tools.json") -> str:
    registry.runtime.s3.put_object(Bucket=registry.settings.spec_bucket_name, Key=key, Body=body)
    return key


def uploaded_source(key: str) -> dict[str, Any]:
    return {"type": "lambda", "lambda_arn": ARN, "tools_s3_key": key}


def test_create_from_uploaded_tools(registry: Registry, gateway: dict[str, Any]) -> None:
    key = upload(registry, json.dumps(TOOLS).encode())
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    assert response["status"] == 201, response
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["tools"] == ["get_pet", "list_pets"]
    assert stored(registry, record["target"]["s3_key"]) == STORED
    checked = registry.invoke(event("validate_spec", {"source": uploaded_source(key)}))
    assert checked["status"] == 200, checked
    assert checked["data"]["ok"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "data.source.tools_s3_key"),
        (b'{"name": "a"}', "data.source.tools_s3_key"),
        (b"[NaN]", "data.source.tools_s3_key"),
        (b"[" * 100_000 + b"]" * 100_000, "data.source.tools_s3_key"),
        (
            json.dumps(_schema(type="string", enum=["a"])).encode(),
            "data.source.tools_s3_key[0].input_schema.properties.x.enum",
        ),
    ],
)
def test_a_bad_upload_is_422_with_its_path_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], body: bytes, field: str
) -> None:
    key = upload(registry, body)
    before = scan_everything(registry)
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    assert response["status"] == 422, response
    assert [d["field"] for d in response["error"]["details"]] == [field]
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == [key]  # the upload only: nothing stored


def test_another_teams_upload_is_403_and_both_lists_422(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    key = upload(registry, json.dumps(TOOLS).encode(), key="uploads/billing/u1/tools.json")
    before = scan_everything(registry)
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    assert response["status"] == 403, response
    both = {**lambda_source(), "tools_s3_key": "uploads/payments/u1/tools.json"}
    assert registry.invoke(create_event(gateway, source=both))["status"] == 422
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
