"""registry_local.agentcore_rules: each AgentCore rule the layer adds to moto,
seen through a plain boto3 client (in-process moto, the layer installed by
tests/unit/conftest.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.bedrockagentcorecontrol import models, responses
from moto.moto_api import state_manager

from registry_local import agentcore_rules

GATEWAY_MODEL = "bedrock-agentcore-control::gateway"
TOKEN = "token-0123456789abcdef0123456789abcdef"  # ClientToken: 33 to 256 characters
OTHER_TOKEN = "token-fedcba9876543210fedcba9876543210"

# Every attribute install() replaces, as (owner, attribute name).
PATCHED = (
    (responses.BedrockAgentCoreControlResponse, "create_gateway"),
    (models.BedrockAgentCoreControlBackend, "create_gateway"),
    (models.BedrockAgentCoreControlBackend, "delete_gateway"),
    (models.BedrockAgentCoreControlBackend, "create_gateway_target"),
    (models.BedrockAgentCoreControlBackend, "update_gateway_target"),
    (models.Gateway, "to_dict"),
    (models.Gateway, "update"),
    (models.GatewayTarget, "update"),
    (models.GatewayTarget, "to_dict"),
    (responses.BedrockAgentCoreControlResponse, "synchronize_gateway_targets"),
)


@pytest.fixture
def agentcore(env: dict[str, str]) -> Any:
    return boto3.client("bedrock-agentcore-control", region_name="us-east-1")


def create_gateway(client: Any, env: dict[str, str], name: str, **extra: Any) -> dict[str, Any]:
    return dict(
        client.create_gateway(
            name=name,
            roleArn=env["GATEWAY_ROLE_ARN"],
            protocolType="MCP",
            authorizerType="AWS_IAM",
            **extra,
        )
    )


def update_gateway(
    client: Any, env: dict[str, str], gateway_id: str, name: str, **extra: Any
) -> dict[str, Any]:
    return dict(
        client.update_gateway(
            gatewayIdentifier=gateway_id,
            name=name,
            roleArn=env["GATEWAY_ROLE_ARN"],
            protocolType="MCP",
            authorizerType="AWS_IAM",
            **extra,
        )
    )


def target_arguments(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "targetConfiguration": {"mcp": {"openApiSchema": {"inlinePayload": "{}"}}},
    }


def create_target(client: Any, gateway_id: str, name: str) -> dict[str, Any]:
    return dict(
        client.create_gateway_target(gatewayIdentifier=gateway_id, **target_arguments(name))
    )


def target_names(client: Any, gateway_id: str) -> list[str]:
    items = client.list_gateway_targets(gatewayIdentifier=gateway_id)["items"]
    return sorted(t["name"] for t in items)


def gateway_names(client: Any) -> list[str]:
    return sorted(g["name"] for g in client.list_gateways()["items"])


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# Rule 1: clientToken


def test_same_client_token_twice_returns_the_first_gateway_and_creates_no_second(
    agentcore: Any, env: dict[str, str]
) -> None:
    first = create_gateway(agentcore, env, "payments", clientToken=TOKEN)
    second = create_gateway(agentcore, env, "payments", clientToken=TOKEN)

    assert second["gatewayId"] == first["gatewayId"]
    assert second["gatewayArn"] == first["gatewayArn"]
    assert [g["gatewayId"] for g in agentcore.list_gateways()["items"]] == [first["gatewayId"]]


def test_same_client_token_with_other_parameters_is_a_conflict(
    agentcore: Any, env: dict[str, str]
) -> None:
    first = create_gateway(agentcore, env, "payments", clientToken=TOKEN)

    with pytest.raises(ClientError) as info:
        create_gateway(agentcore, env, "payments", clientToken=TOKEN, description="changed")

    assert error_of(info) == ("ConflictException", 409)
    assert [g["gatewayId"] for g in agentcore.list_gateways()["items"]] == [first["gatewayId"]]
    assert agentcore.get_gateway(gatewayIdentifier=first["gatewayId"])["description"] == ""


def test_same_client_token_with_another_name_is_a_conflict_and_creates_nothing(
    agentcore: Any, env: dict[str, str]
) -> None:
    create_gateway(agentcore, env, "payments", clientToken=TOKEN)

    with pytest.raises(ClientError) as info:
        create_gateway(agentcore, env, "billing", clientToken=TOKEN)

    assert error_of(info) == ("ConflictException", 409)
    assert gateway_names(agentcore) == ["payments"]


# Rule 2: unique names


def test_different_client_tokens_with_the_same_name_are_a_duplicate_name_conflict(
    agentcore: Any, env: dict[str, str]
) -> None:
    first = create_gateway(agentcore, env, "payments", clientToken=TOKEN)

    with pytest.raises(ClientError) as info:
        create_gateway(agentcore, env, "payments", clientToken=OTHER_TOKEN)

    assert error_of(info) == ("ConflictException", 409)
    assert "payments" in info.value.response["Error"]["Message"]
    assert [g["gatewayId"] for g in agentcore.list_gateways()["items"]] == [first["gatewayId"]]


def test_duplicate_name_refused_token_can_be_used_for_another_name(
    agentcore: Any, env: dict[str, str]
) -> None:
    # A refused request records nothing against its token.
    create_gateway(agentcore, env, "payments", clientToken=TOKEN)
    with pytest.raises(ClientError):
        create_gateway(agentcore, env, "payments", clientToken=OTHER_TOKEN)

    created = create_gateway(agentcore, env, "billing", clientToken=OTHER_TOKEN)

    assert agentcore.get_gateway(gatewayIdentifier=created["gatewayId"])["name"] == "billing"
    assert gateway_names(agentcore) == ["billing", "payments"]


def test_duplicate_target_name_in_one_gateway_is_a_conflict(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    create_target(agentcore, gateway_id, "orders")

    with pytest.raises(ClientError) as info:
        create_target(agentcore, gateway_id, "orders")

    assert error_of(info) == ("ConflictException", 409)
    assert target_names(agentcore, gateway_id) == ["orders"]


def test_same_target_name_in_another_gateway_is_accepted(
    agentcore: Any, env: dict[str, str]
) -> None:
    first = create_gateway(agentcore, env, "payments")["gatewayId"]
    second = create_gateway(agentcore, env, "billing")["gatewayId"]
    create_target(agentcore, first, "orders")

    target = create_target(agentcore, second, "orders")

    assert target["name"] == "orders"
    assert target_names(agentcore, first) == ["orders"]
    assert target_names(agentcore, second) == ["orders"]


def test_renaming_a_target_to_a_sibling_name_is_a_conflict(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    create_target(agentcore, gateway_id, "orders")
    refunds = create_target(agentcore, gateway_id, "refunds")

    with pytest.raises(ClientError) as info:
        agentcore.update_gateway_target(
            gatewayIdentifier=gateway_id, targetId=refunds["targetId"], **target_arguments("orders")
        )

    assert error_of(info) == ("ConflictException", 409)
    assert target_names(agentcore, gateway_id) == ["orders", "refunds"]


def test_updating_a_target_under_its_own_name_is_accepted_and_settles_ready(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    target_id = create_target(agentcore, gateway_id, "orders")["targetId"]

    agentcore.update_gateway_target(
        gatewayIdentifier=gateway_id,
        targetId=target_id,
        description="v2",
        **target_arguments("orders"),
    )

    target = agentcore.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)
    assert target["status"] == "READY"
    assert target["description"] == "v2"


def test_update_gateway_refuses_to_take_another_gateways_name(
    agentcore: Any, env: dict[str, str]
) -> None:
    create_gateway(agentcore, env, "payments")
    billing = create_gateway(agentcore, env, "billing")["gatewayId"]

    with pytest.raises(ClientError):
        update_gateway(agentcore, env, billing, "payments")

    assert gateway_names(agentcore) == ["billing", "payments"]


# Rule 3: DeleteGateway with targets


def test_delete_gateway_with_a_target_is_refused_and_keeps_both(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    target_id = create_target(agentcore, gateway_id, "orders")["targetId"]

    with pytest.raises(ClientError) as info:
        agentcore.delete_gateway(gatewayIdentifier=gateway_id)

    assert error_of(info) == ("ValidationException", 400)
    assert "Delete all targets" in info.value.response["Error"]["Message"]
    assert agentcore.get_gateway(gatewayIdentifier=gateway_id)["status"] == "READY"
    target = agentcore.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)
    assert target["name"] == "orders"


def test_delete_gateway_succeeds_once_its_targets_are_deleted(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    target_id = create_target(agentcore, gateway_id, "orders")["targetId"]
    with pytest.raises(ClientError):
        agentcore.delete_gateway(gatewayIdentifier=gateway_id)

    agentcore.delete_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)
    agentcore.delete_gateway(gatewayIdentifier=gateway_id)

    with pytest.raises(ClientError) as info:
        agentcore.get_gateway(gatewayIdentifier=gateway_id)
    assert error_of(info)[0] == "ResourceNotFoundException"
    assert agentcore.list_gateways()["items"] == []


def test_deleting_a_gateway_with_a_target_leaves_other_gateways_deletable(
    agentcore: Any, env: dict[str, str]
) -> None:
    busy = create_gateway(agentcore, env, "payments")["gatewayId"]
    create_target(agentcore, busy, "orders")
    empty = create_gateway(agentcore, env, "billing")["gatewayId"]

    agentcore.delete_gateway(gatewayIdentifier=empty)

    assert gateway_names(agentcore) == ["payments"]


# Rule 4: statuses


def test_gateway_tagged_emulator_fail_reads_failed_with_the_tag_as_reason(
    agentcore: Any, env: dict[str, str]
) -> None:
    created = create_gateway(
        agentcore, env, "payments", tags={agentcore_rules.FAIL_TAG: "reason X"}
    )

    gateway = agentcore.get_gateway(gatewayIdentifier=created["gatewayId"])

    assert agentcore_rules.FAIL_TAG == "emulator:fail"
    assert gateway["status"] == "FAILED"
    assert gateway["statusReasons"] == ["reason X"]
    [summary] = agentcore.list_gateways()["items"]
    assert summary["status"] == "FAILED"


def test_gateway_without_the_fail_tag_reads_ready_without_reasons(
    agentcore: Any, env: dict[str, str]
) -> None:
    created = create_gateway(agentcore, env, "payments", tags={"team": "payments"})

    gateway = agentcore.get_gateway(gatewayIdentifier=created["gatewayId"])

    assert gateway["status"] == "READY"
    assert "statusReasons" not in gateway


def test_updated_gateway_settles_ready(agentcore: Any, env: dict[str, str]) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    assert agentcore.get_gateway(gatewayIdentifier=gateway_id)["status"] == "READY"

    answer = update_gateway(agentcore, env, gateway_id, "payments", description="v2")

    assert answer["status"] == "UPDATING"
    gateway = agentcore.get_gateway(gatewayIdentifier=gateway_id)
    assert gateway["status"] == "READY"
    assert gateway["description"] == "v2"


# Rule 5: targets only on a READY gateway


def test_create_target_on_a_gateway_still_creating_is_a_validation_error(
    agentcore: Any, env: dict[str, str]
) -> None:
    state_manager.set_transition(GATEWAY_MODEL, {"progression": "manual", "times": 1000})
    try:
        gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
        assert agentcore.get_gateway(gatewayIdentifier=gateway_id)["status"] == "CREATING"

        with pytest.raises(ClientError) as info:
            create_target(agentcore, gateway_id, "orders")

        assert error_of(info) == ("ValidationException", 400)
        assert "CREATING" in info.value.response["Error"]["Message"]
        assert target_names(agentcore, gateway_id) == []
    finally:
        state_manager.unset_transition(GATEWAY_MODEL)

    # The same gateway, once READY, takes the target.
    assert agentcore.get_gateway(gatewayIdentifier=gateway_id)["status"] == "READY"
    create_target(agentcore, gateway_id, "orders")
    assert target_names(agentcore, gateway_id) == ["orders"]


def test_create_target_on_a_failed_gateway_is_a_validation_error(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(
        agentcore, env, "payments", tags={agentcore_rules.FAIL_TAG: "boom"}
    )["gatewayId"]

    with pytest.raises(ClientError) as info:
        create_target(agentcore, gateway_id, "orders")

    assert error_of(info) == ("ValidationException", 400)
    assert target_names(agentcore, gateway_id) == []


# install()


def test_install_twice_does_not_wrap_again(agentcore: Any, env: dict[str, str]) -> None:
    before = {(owner, name): owner.__dict__[name] for owner, name in PATCHED}
    assert all(f.__module__ == agentcore_rules.__name__ for f in before.values())

    agentcore_rules.install()

    after = {(owner, name): owner.__dict__[name] for owner, name in PATCHED}
    assert after == before
    create_gateway(agentcore, env, "payments", clientToken=TOKEN)
    with pytest.raises(ClientError) as info:
        create_gateway(agentcore, env, "payments", clientToken=OTHER_TOKEN)
    assert error_of(info) == ("ConflictException", 409)
    assert info.value.response["Error"]["Message"] == "A gateway with name payments already exists"
    create_gateway(agentcore, env, "billing")
    assert gateway_names(agentcore) == ["billing", "payments"]


# Rule 9: the outbound authorization each target type takes

PROVIDER_ARN = (
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/"
    "apikeycredentialprovider/x"
)
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "openApiSchema": {"openApiSchema": {"inlinePayload": "{}"}},
    "mcpServer": {"mcpServer": {"endpoint": "https://mcp.example.com/mcp"}},
    "smithyModel": {"smithyModel": {"s3": {"uri": "s3://bucket/specs/model.json"}}},
    "lambda": {
        "lambda": {
            "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:pets",
            "toolSchema": {"s3": {"uri": "s3://bucket/specs/tools.json"}},
        }
    },
    "apiGateway": {
        "apiGateway": {
            "restApiId": "a1b2c3d4e5",
            "stage": "prod",
            "apiGatewayToolConfiguration": {
                "toolFilters": [{"filterPath": "/pets", "methods": ["GET"]}]
            },
        }
    },
}
CREDENTIALS: dict[str, list[dict[str, Any]] | None] = {
    "none": None,
    "role": [{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
    "role-signing": [
        {
            "credentialProviderType": "GATEWAY_IAM_ROLE",
            "credentialProvider": {"iamCredentialProvider": {"service": "execute-api"}},
        }
    ],
    "oauth": [
        {
            "credentialProviderType": "OAUTH",
            "credentialProvider": {
                "oauthCredentialProvider": {"providerArn": PROVIDER_ARN, "scopes": []}
            },
        }
    ],
    "api-key": [
        {
            "credentialProviderType": "API_KEY",
            "credentialProvider": {"apiKeyCredentialProvider": {"providerArn": PROVIDER_ARN}},
        }
    ],
}
# The devguide's table (gateway-outbound-auth.html), as the rule reads it.
ACCEPTED = {
    "openApiSchema": {"none", "role-signing", "oauth", "api-key"},
    "mcpServer": {"none", "role-signing", "oauth", "api-key"},
    "smithyModel": {"role", "oauth"},
    "lambda": {"role"},
    "apiGateway": {"none", "role", "api-key"},
}


def _deployed_rest_api() -> str:
    client = boto3.client("apigateway", region_name="us-east-1")
    api_id = str(client.create_rest_api(name="pets-api")["id"])
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    client.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    client.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


@pytest.mark.parametrize("member", sorted(CONFIGURATIONS))
@pytest.mark.parametrize("credentials", sorted(CREDENTIALS))
def test_each_target_type_takes_only_its_outbound_authorization(
    agentcore: Any, env: dict[str, str], member: str, credentials: str
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    configuration = copy.deepcopy(CONFIGURATIONS[member])
    if member == "apiGateway":
        # Rule 16: the REST API and its stage exist.
        configuration["apiGateway"]["restApiId"] = _deployed_rest_api()
    arguments: dict[str, Any] = {
        "gatewayIdentifier": gateway_id,
        "name": "pets",
        "targetConfiguration": {"mcp": configuration},
    }
    if CREDENTIALS[credentials] is not None:
        arguments["credentialProviderConfigurations"] = CREDENTIALS[credentials]
    if credentials not in ACCEPTED[member]:
        with pytest.raises(ClientError) as info:
            agentcore.create_gateway_target(**arguments)
        assert error_of(info) == ("ValidationException", 400)
        assert target_names(agentcore, gateway_id) == []
        return
    target = agentcore.create_gateway_target(**arguments)
    assert target_names(agentcore, gateway_id) == ["pets"]
    # An update is held to the same table.
    refused = next(c for c in sorted(CREDENTIALS) if c not in ACCEPTED[member])
    update = {**arguments, "targetId": target["targetId"]}
    update.pop("credentialProviderConfigurations", None)
    if CREDENTIALS[refused] is not None:
        update["credentialProviderConfigurations"] = CREDENTIALS[refused]
    with pytest.raises(ClientError) as info:
        agentcore.update_gateway_target(**update)
    assert error_of(info) == ("ValidationException", 400)


# Rule 11: SynchronizeGatewayTargets


def _target(agentcore: Any, gateway_id: str, server: dict[str, Any]) -> str:
    made = agentcore.create_gateway_target(
        gatewayIdentifier=gateway_id,
        name="pets",
        targetConfiguration={"mcp": {"mcpServer": server}},
    )
    return str(made["targetId"])


def test_sync_answers_synchronizing_then_ready_with_its_time(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    target_id = _target(agentcore, gateway_id, {"endpoint": "https://mcp.example.com/mcp"})
    answer = agentcore.synchronize_gateway_targets(
        gatewayIdentifier=gateway_id, targetIdList=[target_id]
    )
    assert [t["status"] for t in answer["targets"]] == ["SYNCHRONIZING"]
    settled = agentcore.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)
    assert settled["status"] == "READY"
    assert "lastSynchronizedAt" in settled


@pytest.mark.parametrize(
    ("configuration", "code"),
    [
        ({"openApiSchema": {"inlinePayload": "{}"}}, "ValidationException"),
        (
            {
                "mcpServer": {
                    "endpoint": "https://mcp.example.com/mcp",
                    "mcpToolSchema": {"s3": {"uri": "s3://bucket/tools.json"}},
                }
            },
            "ValidationException",
        ),
    ],
)
def test_sync_refuses_what_agentcore_does_not_list(
    agentcore: Any, env: dict[str, str], configuration: dict[str, Any], code: str
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    made = agentcore.create_gateway_target(
        gatewayIdentifier=gateway_id, name="pets", targetConfiguration={"mcp": configuration}
    )
    with pytest.raises(ClientError) as info:
        agentcore.synchronize_gateway_targets(
            gatewayIdentifier=gateway_id, targetIdList=[made["targetId"]]
        )
    assert error_of(info)[0] == code
    settled = agentcore.get_gateway_target(gatewayIdentifier=gateway_id, targetId=made["targetId"])
    assert settled["status"] == "READY"


def test_a_failing_server_ends_synchronize_unsuccessful_with_a_reason(
    agentcore: Any, env: dict[str, str]
) -> None:
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    target_id = _target(
        agentcore,
        gateway_id,
        {"endpoint": f"https://{agentcore_rules.SYNC_FAIL_HOST}.example.com/"},
    )
    agentcore.synchronize_gateway_targets(gatewayIdentifier=gateway_id, targetIdList=[target_id])
    settled = agentcore.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)
    assert settled["status"] == "SYNCHRONIZE_UNSUCCESSFUL"
    assert settled["statusReasons"]
    # A failed listing may be tried again.
    again = agentcore.synchronize_gateway_targets(
        gatewayIdentifier=gateway_id, targetIdList=[target_id]
    )
    assert [t["status"] for t in again["targets"]] == ["SYNCHRONIZING"]


# Rule 13: a Smithy model is at most 10MB


def test_an_inline_smithy_model_over_10mb_is_a_validation_error(
    agentcore: Any, env: dict[str, str]
) -> None:
    from registry_local.agentcore_rules import MAX_SMITHY_MODEL_BYTES

    gateway_id = create_gateway(agentcore, env, "weather")["gatewayId"]
    role = [{"credentialProviderType": "GATEWAY_IAM_ROLE"}]
    model = json.dumps({"smithy": "2.0", "shapes": {}})
    large = model[:-1] + ', "metadata": {"x": "' + "d" * MAX_SMITHY_MODEL_BYTES + '"}}'
    with pytest.raises(ClientError) as info:
        agentcore.create_gateway_target(
            gatewayIdentifier=gateway_id,
            name="weather",
            targetConfiguration={"mcp": {"smithyModel": {"inlinePayload": large}}},
            credentialProviderConfigurations=role,
        )
    assert error_of(info) == ("ValidationException", 400)
    assert target_names(agentcore, gateway_id) == []
    target = agentcore.create_gateway_target(
        gatewayIdentifier=gateway_id,
        name="weather",
        targetConfiguration={"mcp": {"smithyModel": {"inlinePayload": model}}},
        credentialProviderConfigurations=role,
    )
    with pytest.raises(ClientError) as info:
        agentcore.update_gateway_target(
            gatewayIdentifier=gateway_id,
            targetId=target["targetId"],
            name="weather",
            targetConfiguration={"mcp": {"smithyModel": {"inlinePayload": large}}},
            credentialProviderConfigurations=role,
        )
    assert error_of(info) == ("ValidationException", 400)


# Rule 16: an API Gateway target's REST API and stage exist


def _api_gateway_configuration(rest_api_id: str, stage: str) -> dict[str, Any]:
    return {
        "mcp": {
            "apiGateway": {
                "restApiId": rest_api_id,
                "stage": stage,
                "apiGatewayToolConfiguration": {
                    "toolFilters": [{"filterPath": "/pets", "methods": ["GET"]}]
                },
            }
        }
    }


def test_an_api_gateway_target_of_a_missing_api_or_stage_is_a_validation_error(
    agentcore: Any, env: dict[str, str]
) -> None:
    apigateway = boto3.client("apigateway", region_name="us-east-1")
    api_id = apigateway.create_rest_api(name="pets")["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(
        restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigateway.create_deployment(restApiId=api_id, stageName="prod")
    gateway_id = create_gateway(agentcore, env, "payments")["gatewayId"]
    role = [{"credentialProviderType": "GATEWAY_IAM_ROLE"}]
    for rest_api_id, stage in (("abcdefghij", "prod"), (api_id, "staging")):
        with pytest.raises(ClientError) as info:
            agentcore.create_gateway_target(
                gatewayIdentifier=gateway_id,
                name="pets",
                targetConfiguration=_api_gateway_configuration(rest_api_id, stage),
                credentialProviderConfigurations=role,
            )
        assert error_of(info) == ("ValidationException", 400)
    assert target_names(agentcore, gateway_id) == []
    target = agentcore.create_gateway_target(
        gatewayIdentifier=gateway_id,
        name="pets",
        targetConfiguration=_api_gateway_configuration(api_id, "prod"),
        credentialProviderConfigurations=role,
    )
    with pytest.raises(ClientError) as info:
        agentcore.update_gateway_target(
            gatewayIdentifier=gateway_id,
            targetId=target["targetId"],
            name="pets",
            targetConfiguration=_api_gateway_configuration(api_id, "staging"),
            credentialProviderConfigurations=role,
        )
    assert error_of(info) == ("ValidationException", 400)
    answer = agentcore.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target["targetId"])
    assert answer["targetConfiguration"]["mcp"]["apiGateway"]["stage"] == "prod"
