"""credentials_service against the emulated AgentCore Identity: what a
refused create means, and listing what the registry made."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from pydantic import SecretStr

from services.credentials.credentials_service import CredentialsService
from services.errors import UpstreamError
from services.tools.models import ApiKeyCredentials
from tests.support import Registry, provider_secrets


def refuse_create(registry: Registry, message: str) -> list[str]:
    """CreateApiKeyCredentialProvider answers 400 ValidationException."""
    calls: list[str] = []

    def answer(**_: Any) -> Any:
        calls.append(message)
        parsed = {
            "Error": {"Code": "ValidationException", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://aws.example", 400, {}, None), parsed

    registry.on("before-call.bedrock-agentcore-control.CreateApiKeyCredentialProvider", answer)
    return calls


def key(value: str) -> ApiKeyCredentials:
    return ApiKeyCredentials(type="api_key", api_key=SecretStr(value))


def test_a_taken_name_answered_as_validation_error_updates_the_provider(
    registry: Registry,
) -> None:
    service = CredentialsService(registry.runtime.agentcore)
    service.put_provider("registry-tl-1", key("first"))
    calls = refuse_create(registry, "Credential provider with name: registry-tl-1 already exists")

    service.put_provider("registry-tl-1", key("second"))

    assert calls
    assert provider_secrets() == {("apikey", "registry-tl-1"): "second"}


def test_any_other_validation_error_is_a_refusal_not_an_update(registry: Registry) -> None:
    service = CredentialsService(registry.runtime.agentcore)
    service.put_provider("registry-tl-1", key("first"))
    refuse_create(registry, "apiKey failed to satisfy constraint")

    with pytest.raises(UpstreamError) as refused:
        service.put_provider("registry-tl-1", key("second"))

    assert refused.value.details[0]["code"] == "ValidationException"
    assert "constraint" not in refused.value.message  # AWS's text may quote the request
    assert provider_secrets() == {("apikey", "registry-tl-1"): "first"}


def test_list_pages_through_both_kinds_and_keeps_only_the_prefix(registry: Registry) -> None:
    agentcore = registry.runtime.agentcore
    for i in range(12):  # more than one page of the emulator's default 10
        agentcore.create_api_key_credential_provider(name=f"registry-tl-{i:02d}", apiKey="k")
    agentcore.create_api_key_credential_provider(name="someone-else", apiKey="k")
    agentcore.create_oauth2_credential_provider(
        name="registry-tl-oauth",
        credentialProviderVendor="GithubOauth2",
        oauth2ProviderConfigInput={
            "githubOauth2ProviderConfig": {"clientId": "id", "clientSecret": "s"}
        },
    )

    listed = list(CredentialsService(agentcore).list_providers("registry-"))

    assert sorted(listed) == sorted(
        [(f"registry-tl-{i:02d}", "api_key") for i in range(12)] + [("registry-tl-oauth", "oauth2")]
    )
