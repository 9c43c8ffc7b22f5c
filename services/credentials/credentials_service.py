"""Credential providers of AgentCore Identity: where a tool's secret lives.

An API key or OAuth client secret goes to a credential provider
(API_CreateApiKeyCredentialProvider, API_CreateOauth2CredentialProvider),
which AgentCore keeps in Secrets Manager; the registry keeps only the
provider's name and ARN. Secrets travel as pydantic `SecretStr` up to the
boto3 call and are never logged, stored or echoed: error messages from
these calls are replaced by the AWS error code alone.

A tool's provider name is derived from its tool id, so every attempt at one
create (or a resume after a crash) addresses the same provider.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services import redaction
from services.aws_errors import error_code, translate
from services.errors import RegistryError
from services.tools.models import ApiKeyCredentials, OAuth2Credentials

_VENDOR_CONFIG = {
    "CustomOauth2": "customOauth2ProviderConfig",
    "GoogleOauth2": "googleOauth2ProviderConfig",
    "GithubOauth2": "githubOauth2ProviderConfig",
    "SlackOauth2": "slackOauth2ProviderConfig",
    "SalesforceOauth2": "salesforceOauth2ProviderConfig",
    "MicrosoftOauth2": "microsoftOauth2ProviderConfig",
    "AtlassianOauth2": "atlassianOauth2ProviderConfig",
}


PROVIDER_PREFIX = "registry-"


def provider_name(tool_id: str) -> str:
    return f"{PROVIDER_PREFIX}{tool_id}"


def _scrubbed(exc: ClientError | BotoCoreError) -> RegistryError:
    """AWS's message may quote the request; keep only the error code."""
    error = translate(exc, "AgentCore Identity")
    error.message = error.message.split(":", 1)[0]
    for detail in error.details:
        detail["message"] = ""
    return error


def _name_taken(exc: ClientError) -> bool:
    """A provider of that name exists. The API reference documents
    ConflictException; AgentCore Identity has also been seen answering a
    400 ValidationException "... already exists" for a taken name. Any
    other ValidationException is a real refusal and is not retried as an
    update."""
    code = error_code(exc)
    message = str(exc.response.get("Error", {}).get("Message", "")).lower()
    return code == "ConflictException" or (
        code == "ValidationException" and "already exists" in message
    )


def _guard(credentials: ApiKeyCredentials | OAuth2Credentials) -> None:
    """The secret is about to go into a boto3 call: keep it out of its logs."""
    if isinstance(credentials, ApiKeyCredentials):
        redaction.register(credentials.api_key.get_secret_value())
    else:
        redaction.register(credentials.client_secret.get_secret_value())


def _oauth2_input(credentials: OAuth2Credentials) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clientId": credentials.client_id,
        "clientSecret": credentials.client_secret.get_secret_value(),
    }
    if credentials.provider == "CustomOauth2":
        if credentials.discovery_url:
            body["oauthDiscovery"] = {"discoveryUrl": credentials.discovery_url}
        else:
            body["oauthDiscovery"] = {
                "authorizationServerMetadata": {
                    "issuer": credentials.authorization_endpoint,
                    "authorizationEndpoint": credentials.authorization_endpoint,
                    "tokenEndpoint": credentials.token_endpoint,
                }
            }
    return {_VENDOR_CONFIG[credentials.provider]: body}


class CredentialsService:
    def __init__(self, client: Any) -> None:
        self._client = client

    def put_provider(self, name: str, credentials: ApiKeyCredentials | OAuth2Credentials) -> str:
        """Create the provider, or update it if it exists (a resumed or
        repeated create). Returns its ARN."""
        _guard(credentials)
        try:
            return self._create(name, credentials)
        except ClientError as exc:
            if not _name_taken(exc):
                raise _scrubbed(exc) from None
        except BotoCoreError as exc:
            raise _scrubbed(exc) from None
        return self.update_provider(name, credentials)

    def _create(self, name: str, credentials: ApiKeyCredentials | OAuth2Credentials) -> str:
        if isinstance(credentials, ApiKeyCredentials):
            response = self._client.create_api_key_credential_provider(
                name=name, apiKey=credentials.api_key.get_secret_value()
            )
        else:
            response = self._client.create_oauth2_credential_provider(
                name=name,
                credentialProviderVendor=credentials.provider,
                oauth2ProviderConfigInput=_oauth2_input(credentials),
            )
        return str(response["credentialProviderArn"])

    def update_provider(self, name: str, credentials: ApiKeyCredentials | OAuth2Credentials) -> str:
        _guard(credentials)
        try:
            if isinstance(credentials, ApiKeyCredentials):
                response = self._client.update_api_key_credential_provider(
                    name=name, apiKey=credentials.api_key.get_secret_value()
                )
            else:
                response = self._client.update_oauth2_credential_provider(
                    name=name,
                    credentialProviderVendor=credentials.provider,
                    oauth2ProviderConfigInput=_oauth2_input(credentials),
                )
        except (ClientError, BotoCoreError) as exc:
            raise _scrubbed(exc) from None
        return str(response["credentialProviderArn"])

    def list_providers(self, prefix: str) -> Iterator[tuple[str, str]]:
        """(name, kind) of every provider whose name starts with `prefix`
        (kind as `describe` records it: "api_key" or "oauth2")."""
        for kind, operation in (
            ("api_key", "list_api_key_credential_providers"),
            ("oauth2", "list_oauth2_credential_providers"),
        ):
            try:
                for page in self._client.get_paginator(operation).paginate():
                    for provider in page.get("credentialProviders", []):
                        if str(provider.get("name", "")).startswith(prefix):
                            yield str(provider["name"]), kind
            except (ClientError, BotoCoreError) as exc:
                raise _scrubbed(exc) from None

    def delete_provider(self, name: str, kind: str) -> None:
        """Delete; a provider that is already gone counts as deleted."""
        operation = (
            self._client.delete_api_key_credential_provider
            if kind == "api_key"
            else self._client.delete_oauth2_credential_provider
        )
        try:
            operation(name=name)
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise _scrubbed(exc) from None
        except BotoCoreError as exc:
            raise _scrubbed(exc) from None


def target_credentials(credentials: dict[str, Any]) -> list[dict[str, Any]]:
    """AgentCore's credentialProviderConfigurations for a tool's stored
    (secret-free) credentials description."""
    kind = credentials.get("type", "none")
    if kind == "api_key":
        provider: dict[str, Any] = {
            "providerArn": credentials["provider_arn"],
            "credentialParameterName": credentials["parameter_name"],
            "credentialLocation": credentials["location"],
        }
        if credentials.get("prefix"):
            provider["credentialPrefix"] = credentials["prefix"]
        return [
            {
                "credentialProviderType": "API_KEY",
                "credentialProvider": {"apiKeyCredentialProvider": provider},
            }
        ]
    if kind == "oauth2":
        return [
            {
                "credentialProviderType": "OAUTH",
                "credentialProvider": {
                    "oauthCredentialProvider": {
                        "providerArn": credentials["provider_arn"],
                        "scopes": list(credentials.get("scopes") or []),
                    }
                },
            }
        ]
    if kind == "gateway_iam_role":
        # The gateway's own role signs (SigV4). OpenAPI and MCP server targets
        # name the service (and maybe the region) to sign for; the others
        # take the bare type (gateway-building-adding-targets-authorization.html).
        iam: dict[str, Any] = {"credentialProviderType": "GATEWAY_IAM_ROLE"}
        if credentials.get("service"):
            signing = {"service": credentials["service"]}
            if credentials.get("region"):
                signing["region"] = credentials["region"]
            iam["credentialProvider"] = {"iamCredentialProvider": signing}
        return [iam]
    # "none": no outbound authorization, which AgentCore expresses by no
    # credential provider configuration at all (gateway-outbound-auth.html,
    # "No authorization"). Before issue 12 it was sent as GATEWAY_IAM_ROLE.
    return []


def describe(credentials: Any, provider_arn: str | None, name: str | None) -> dict[str, Any]:
    """What the record keeps of credentials: everything but the secret."""
    kind = credentials.type
    described: dict[str, Any] = {"type": kind}
    if kind == "api_key":
        described.update(
            parameter_name=credentials.parameter_name,
            location=credentials.location,
            prefix=credentials.prefix,
        )
    elif kind == "oauth2":
        described.update(
            provider=credentials.provider,
            client_id=credentials.client_id,
            scopes=list(credentials.scopes),
        )
    elif kind == "gateway_iam_role" and credentials.service:
        described.update(service=credentials.service, region=credentials.region)
    if provider_arn:
        described.update(provider_arn=provider_arn, provider_name=name)
    return described
