"""Gateway options (issue 12): semantic_search, kms_key_arn, exception_level.

Through the handler; the DynamoDB record and the AgentCore gateway after
each step. UpdateGateway replaces the whole configuration (the emulator's
rule 10, registry_local/agentcore_rules.py), so an update that forgot an
option would turn it off in AgentCore.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Registry, event, scan_everything

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/abcd1234-ab12-cd34-ef56-abcdef123456"
SEMANTIC = {"mcp": {"searchType": "SEMANTIC"}}


def create(registry: Registry, **data: Any) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": "opts", **data}))
    assert response["status"] == 201, response
    return dict(response["data"])


def update(registry: Registry, gateway: dict[str, Any], **data: Any) -> dict[str, Any]:
    return registry.invoke(event("update_gateway", {"gateway_id": gateway["gateway_id"], **data}))


def remote(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    return registry.agentcore_gateway(gateway["agentcore"]["gateway_id"])


def record(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    found = registry.gateway_record(gateway["gateway_id"])
    assert found is not None
    return found


def test_create_without_options_keeps_them_off(registry: Registry) -> None:
    gateway = create(registry)
    kept = record(registry, gateway)
    assert (kept["semantic_search"], kept["kms_key_arn"], kept["exception_level"]) == (
        False,
        None,
        None,
    )
    answer = remote(registry, gateway)
    assert "protocolConfiguration" not in answer
    assert "kmsKeyArn" not in answer
    assert "exceptionLevel" not in answer


@pytest.mark.parametrize(
    ("data", "kept", "sent"),
    [
        ({"semantic_search": True}, ("semantic_search", True), ("protocolConfiguration", SEMANTIC)),
        ({"kms_key_arn": KEY}, ("kms_key_arn", KEY), ("kmsKeyArn", KEY)),
        ({"exception_level": "DEBUG"}, ("exception_level", "DEBUG"), ("exceptionLevel", "DEBUG")),
    ],
    ids=["semantic_search", "kms_key_arn", "exception_level"],
)
def test_create_with_an_option(
    registry: Registry, data: dict[str, Any], kept: tuple[str, Any], sent: tuple[str, Any]
) -> None:
    gateway = create(registry, **data)
    assert record(registry, gateway)[kept[0]] == kept[1]
    answer = remote(registry, gateway)
    assert answer[sent[0]] == sent[1]
    assert answer["status"] == "READY"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"semantic_search": "yes"}, "data.semantic_search"),
        ({"kms_key_arn": "arn:aws:kms:us-east-1:123:key/short"}, "data.kms_key_arn"),
        ({"kms_key_arn": "alias/my-key"}, "data.kms_key_arn"),
        ({"exception_level": "INFO"}, "data.exception_level"),
    ],
)
def test_bad_option_on_create_is_422_with_its_path_and_nothing_written(
    registry: Registry, data: dict[str, Any], field: str
) -> None:
    before = scan_everything(registry)
    response = registry.invoke(event("create_gateway", {"name": "opts", **data}))
    assert response["status"] == 422, response
    assert field in [d["field"] for d in response["error"]["details"]], response["error"]
    assert scan_everything(registry) == before
    assert registry.agentcore_gateways() == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"semantic_search": True}, "data.semantic_search"),
        ({"semantic_search": False}, "data.semantic_search"),
        ({"kms_key_arn": None}, "data.kms_key_arn"),
        ({"kms_key_arn": "not-an-arn"}, "data.kms_key_arn"),
        ({"exception_level": "debug"}, "data.exception_level"),
    ],
)
def test_bad_option_on_update_is_422_with_its_path_and_nothing_written(
    registry: Registry, data: dict[str, Any], field: str
) -> None:
    gateway = create(registry, semantic_search=True, kms_key_arn=KEY)
    before = scan_everything(registry)
    response = update(registry, gateway, **data)
    assert response["status"] == 422, response
    assert field in [d["field"] for d in response["error"]["details"]], response["error"]
    assert scan_everything(registry) == before
    answer = remote(registry, gateway)
    assert answer["protocolConfiguration"] == SEMANTIC
    assert answer["kmsKeyArn"] == KEY


def test_update_of_the_description_keeps_the_options_on(registry: Registry) -> None:
    gateway = create(
        registry, description="v1", semantic_search=True, kms_key_arn=KEY, exception_level="DEBUG"
    )
    response = update(registry, gateway, description="v2")
    assert response["status"] == 200, response

    kept = record(registry, gateway)
    assert kept["description"] == "v2"
    assert kept["semantic_search"] is True
    assert kept["kms_key_arn"] == KEY
    assert kept["exception_level"] == "DEBUG"
    answer = remote(registry, gateway)
    assert answer["description"] == "v2"
    assert answer["protocolConfiguration"] == SEMANTIC
    assert answer["kmsKeyArn"] == KEY
    assert answer["exceptionLevel"] == "DEBUG"


def test_update_turns_debug_errors_on_and_off(registry: Registry) -> None:
    gateway = create(registry, semantic_search=True)

    on = update(registry, gateway, exception_level="DEBUG")
    assert on["status"] == 200, on
    assert record(registry, gateway)["exception_level"] == "DEBUG"
    assert remote(registry, gateway)["exceptionLevel"] == "DEBUG"

    off = update(registry, gateway, exception_level=None)
    assert off["status"] == 200, off
    assert record(registry, gateway)["exception_level"] is None
    answer = remote(registry, gateway)
    assert "exceptionLevel" not in answer
    assert answer["protocolConfiguration"] == SEMANTIC


def test_kms_key_can_be_set_and_changed_but_not_removed(registry: Registry) -> None:
    gateway = create(registry)

    for key in (KEY, OTHER_KEY):
        response = update(registry, gateway, kms_key_arn=key)
        assert response["status"] == 200, response
        assert record(registry, gateway)["kms_key_arn"] == key
        assert remote(registry, gateway)["kmsKeyArn"] == key

    refused = update(registry, gateway, kms_key_arn=None)
    assert refused["status"] == 422
    assert record(registry, gateway)["kms_key_arn"] == OTHER_KEY
    assert remote(registry, gateway)["kmsKeyArn"] == OTHER_KEY


def test_a_record_written_before_the_options_updates_with_them_off(registry: Registry) -> None:
    gateway = create(registry, description="v1")
    registry.runtime.dynamodb.update_item(
        TableName=registry.settings.gateways_table_name,
        Key={"gateway_id": {"S": gateway["gateway_id"]}},
        UpdateExpression="REMOVE semantic_search, kms_key_arn, exception_level",
    )

    response = update(registry, gateway, description="v2")
    assert response["status"] == 200, response
    kept = record(registry, gateway)
    assert kept["description"] == "v2"
    assert "semantic_search" not in kept
    answer = remote(registry, gateway)
    assert answer["description"] == "v2"
    assert "protocolConfiguration" not in answer
    assert "kmsKeyArn" not in answer


def test_agentcore_refuses_semantic_search_after_create(registry: Registry) -> None:
    """The emulator's rule 10, as AgentCore documents it."""
    gateway = create(registry)
    with pytest.raises(registry.runtime.agentcore.exceptions.ValidationException):
        registry.runtime.agentcore.update_gateway(
            gatewayIdentifier=gateway["agentcore"]["gateway_id"],
            name="opts",
            roleArn=remote(registry, gateway)["roleArn"],
            protocolType="MCP",
            authorizerType="AWS_IAM",
            protocolConfiguration=SEMANTIC,
        )
