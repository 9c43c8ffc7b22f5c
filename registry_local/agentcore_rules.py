"""AgentCore Gateway's documented behaviour, on top of moto 5.2.

moto serves gateways and targets but is more lenient than AgentCore. This
layer adds the rules below, so the registry is tested against AgentCore's
behaviour rather than moto's leniency. It patches moto's backend and
response classes in this process; `install()` is idempotent. The tests,
`registry local moto-server` and `registry demo` all install it.

Rules (API reference: https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/):

1. clientToken (API_CreateGateway.html, "clientToken"): "If this token
   matches a previous request, the service ignores the request, but doesn't
   return an error." The same token returns the gateway it created. moto
   ignores the token. (The same token with other parameters is not
   documented; we answer ConflictException as most AWS APIs do.)
2. Unique names (API_CreateGateway.html, "name": "The name must be unique
   within your account"; API_CreateGatewayTarget.html: "unique within the
   gateway"): a duplicate is ConflictException (409). moto accepts it.
3. DeleteGateway with targets: AgentCore refuses with ValidationException
   ("Gateway has targets associated with it. Delete all targets before
   deleting the gateway."); moto deletes the targets with the gateway.
4. Statuses (API_GetGateway.html, GatewayStatus: CREATING | UPDATING |
   UPDATE_UNSUCCESSFUL | DELETING | READY | FAILED, with statusReasons):
   moto never reaches FAILED and leaves an updated gateway UPDATING. Here an
   update settles to READY, and a gateway created with the tag
   `emulator:fail` = <reason> ends FAILED with that reason: the way tests
   make AgentCore fail across a process boundary.
5. CreateGatewayTarget on a gateway that is not READY is refused with
   ValidationException (AgentCore only accepts targets on a READY gateway).
7. Credential providers (AgentCore Identity; API_CreateApiKeyCredentialProvider.html,
   API_CreateOauth2CredentialProvider.html and their Get/Update/Delete):
   moto has none. Here they exist with AgentCore's shapes: names are unique
   in the account ("must be unique within your account": ConflictException),
   a missing one is ResourceNotFoundException, and the secret is kept out of
   every answer (AgentCore stores it in Secrets Manager); the emulator keeps
   it in memory so tests can check it reached the provider and nowhere else.
   List*CredentialProviders page through them with nextToken/maxResults.
8. CreateGatewayTarget's clientToken, as rule 1 for gateways.
6. UpdateGateway cannot rename (API_UpdateGateway.html, "name": it must be
   the same as the one when the gateway was created): ValidationException.
   moto renames, even onto another gateway's name.
9. Outbound authorization by target type: the devguide's table
   (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-outbound-auth.html)
   and "Specify the authorization type"
   (gateway-building-adding-targets-authorization.html): a Lambda target
   takes GATEWAY_IAM_ROLE only; a Smithy model GATEWAY_IAM_ROLE or OAUTH;
   an API Gateway stage none, GATEWAY_IAM_ROLE or API_KEY; OpenAPI and MCP
   server targets none, GATEWAY_IAM_ROLE, OAUTH or API_KEY. "No
   authorization" is no credentialProviderConfigurations at all. For OpenAPI
   and MCP server targets GATEWAY_IAM_ROLE must carry
   `iamCredentialProvider.service` (the SigV4 signing name); for the others
   the bare type ("the target service name is already known"). Create and
   update that break this are a ValidationException here; moto takes any.
10. UpdateGateway replaces the whole configuration (API_UpdateGateway.html:
   an optional field left out is reset, not kept): here description,
   protocolConfiguration, authorizerConfiguration, kmsKeyArn,
   interceptorConfigurations, policyEngineConfiguration and exceptionLevel
   left out of an update are cleared; moto keeps what was omitted. And
   semantic search is enabled only at create (devguide gateway-create.html,
   "You can only enable semantic search when you create the gateway"): an
   update asking for `searchType` SEMANTIC on a gateway without it is a
   ValidationException here; moto takes it.
11. SynchronizeGatewayTargets (API_SynchronizeGatewayTargets.html; devguide
   gateway-target-MCPservers.html): moto lacks it. Here it takes one target
   id, answers at once (202) with the target SYNCHRONIZING, which a later
   GetGatewayTarget finds READY with `lastSynchronizedAt` set, as the page
   says ("returns a 202 response immediately and processes synchronization
   asynchronously. Monitor the target status through GetGatewayTarget").
   Refused with ValidationException: a target that is not an MCP server,
   and one with a static tool schema ("You cannot synchronize a target that
   has a static tool schema (mcpToolSchema) configured"); with
   ConflictException: a target neither READY nor SYNCHRONIZE_UNSUCCESSFUL
   (a failed listing may be retried; the page forbids a
   pending-authorization one; a busy one is undocumented, answered as most
   AWS APIs do). An MCP server in DEFAULT listing mode without a static
   schema is also synchronized by CreateGatewayTarget and
   UpdateGatewayTarget ("Implicit synchronization"): `lastSynchronizedAt`
   is set then. An endpoint whose host starts with `emulator-sync-fail`
   ends SYNCHRONIZE_UNSUCCESSFUL with a reason: the way tests make a
   server's listing fail across a process boundary.
13. A Smithy target's model (`mcp.smithyModel`) is at most 10MB (devguide
   https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-building-smithy-targets.html,
   "Maximum model size: 10MB"): an `inlinePayload` over it is a
   ValidationException here; moto takes any size. (An S3-held model is read
   by AgentCore, not by this layer: the registry checks its size itself.)
16. An API Gateway target (`mcp.apiGateway`) serves a stage of a REST API in
   the gateway's own account and Region, and AgentCore calls API Gateway's
   GetExport of that stage when the target is created or updated
   (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-api-gateway.html,
   "Key considerations and limitations"). Create and update naming a REST
   API or a stage that moto's API Gateway (same account and Region) does
   not have are a ValidationException here; moto stores any. (Whether
   AgentCore refuses the call or fails the target is not documented; the
   registry checks both before it calls, so only a race reaches this.)
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.bedrockagentcorecontrol import models, responses
from moto.bedrockagentcorecontrol.exceptions import (
    BedrockAgentCoreControlClientError,
    ConflictException,
    ResourceNotFoundException,
)
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

FAIL_TAG = "emulator:fail"
SYNC_FAIL_HOST = "emulator-sync-fail"

_lock = threading.RLock()
_installed = False


class ValidationException(BedrockAgentCoreControlClientError):
    code = "ValidationException"


# Rule 10: Gateway attributes an UpdateGateway that leaves them out resets.
_REPLACED_ON_UPDATE = (
    "description",
    "protocol_configuration",
    "authorizer_configuration",
    "kms_key_arn",
    "interceptor_configurations",
    "policy_engine_configuration",
    "exception_level",
)


def _tokens(backend: Any) -> dict[str, tuple[str, str]]:
    # clientToken -> (gateway id, fingerprint of the request parameters)
    return backend.__dict__.setdefault("_emulator_client_tokens", {})  # type: ignore[no-any-return]


def install() -> None:  # noqa: PLR0915 - one closure per rule, kept together
    global _installed  # noqa: PLW0603
    with _lock:
        if _installed:
            return
        _installed = True

    original_create_response = responses.BedrockAgentCoreControlResponse.create_gateway
    original_create = models.BedrockAgentCoreControlBackend.create_gateway
    original_delete = models.BedrockAgentCoreControlBackend.delete_gateway
    original_update = models.BedrockAgentCoreControlBackend.update_gateway
    original_create_target = models.BedrockAgentCoreControlBackend.create_gateway_target
    original_update_target = models.BedrockAgentCoreControlBackend.update_gateway_target
    original_to_dict = models.Gateway.to_dict
    original_gateway_update = models.Gateway.update
    original_target_update = models.GatewayTarget.update

    def create_gateway_response(self: Any) -> ActionResult:
        params = self._get_params()
        token = params.get("clientToken")
        fingerprint = json.dumps(
            {k: v for k, v in params.items() if k != "clientToken"}, sort_keys=True, default=str
        )
        with _lock:
            known = _tokens(self.backend).get(token) if token else None
            if known is not None:
                gateway_id, seen = known
                if seen != fingerprint:
                    raise ConflictException("clientToken was already used with other parameters")
                gateway = self.backend.gateways.get(gateway_id)
                if gateway is not None:
                    return ActionResult(gateway.to_dict())
            result = original_create_response(self)
            if token:
                created = next(
                    g for g in self.backend.gateways.values() if g.name == params["name"]
                )
                _tokens(self.backend)[token] = (created.gateway_id, fingerprint)
            return result

    def create_gateway(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"]
        with _lock:
            if any(g.name == name for g in self.gateways.values()):
                raise ConflictException(f"A gateway with name {name} already exists")
            gateway = original_create(self, *args, **kwargs)
        reason = (kwargs.get("tags") or {}).get(FAIL_TAG)
        if reason:
            gateway._transitions = [("CREATING", "FAILED")]
            gateway.emulator_status_reasons = [reason]  # type: ignore[attr-defined]
        return gateway

    def delete_gateway(self: Any, gateway_identifier: str) -> Any:
        with _lock:
            gateway = self._get_gateway(gateway_identifier)
            if any(gid == gateway.gateway_id for gid, _ in self.gateway_targets):
                raise ValidationException(
                    "Gateway has targets associated with it. "
                    "Delete all targets before deleting the gateway."
                )
            return original_delete(self, gateway_identifier)

    def update_gateway(
        self: Any, gateway_identifier: str, name: str, *args: Any, **kwargs: Any
    ) -> Any:
        gateway = self._get_gateway(gateway_identifier)
        if name != gateway.name:
            raise ValidationException("The gateway name must be the same as when it was created")
        return original_update(self, gateway_identifier, name, *args, **kwargs)

    def gateway_to_dict(self: Any) -> dict[str, Any]:
        result = original_to_dict(self)
        reasons = getattr(self, "emulator_status_reasons", None)
        if reasons and result.get("status") == "FAILED":
            result["statusReasons"] = list(reasons)
        return result

    def gateway_update(self: Any, *args: Any, **kwargs: Any) -> None:
        wanted = ((kwargs.get("protocol_configuration") or {}).get("mcp") or {}).get("searchType")
        had = ((self.protocol_configuration or {}).get("mcp") or {}).get("searchType")
        if wanted == "SEMANTIC" and had != "SEMANTIC":
            raise ValidationException("Semantic search can only be enabled when creating a gateway")
        original_gateway_update(self, *args, **kwargs)
        for field in _REPLACED_ON_UPDATE:
            if kwargs.get(field) is None:
                setattr(self, field, None)
        self._transitions = [("CREATING", "READY"), ("UPDATING", "READY")]

    def target_update(self: Any, *args: Any, **kwargs: Any) -> None:
        original_target_update(self, *args, **kwargs)
        self._transitions = [("CREATING", "READY"), ("UPDATING", "READY")]

    def create_gateway_target(
        self: Any, gateway_identifier: str, name: str, *args: Any, **kwargs: Any
    ) -> Any:
        _outbound_auth(kwargs)
        _smithy_model_size(kwargs)
        _api_gateway_stage(self, kwargs)
        with _lock:
            gateway = self._get_gateway(gateway_identifier)
            if gateway.status != "READY":
                raise ValidationException(
                    f"Gateway {gateway.gateway_id} is {gateway.status}, not READY"
                )
            if any(
                t.name == name
                for (gid, _), t in self.gateway_targets.items()
                if gid == gateway.gateway_id
            ):
                raise ConflictException(f"A target with name {name} already exists in this gateway")
            return original_create_target(self, gateway_identifier, name, *args, **kwargs)

    def update_gateway_target(
        self: Any, gateway_identifier: str, target_id: str, name: str, *args: Any, **kwargs: Any
    ) -> Any:
        _outbound_auth(kwargs)
        _smithy_model_size(kwargs)
        _api_gateway_stage(self, kwargs)
        with _lock:
            gateway = self._get_gateway(gateway_identifier)
            clash = any(
                t.name == name and tid != target_id
                for (gid, tid), t in self.gateway_targets.items()
                if gid == gateway.gateway_id
            )
            if clash:
                raise ConflictException(f"A target with name {name} already exists in this gateway")
            return original_update_target(
                self, gateway_identifier, target_id, name, *args, **kwargs
            )

    _install_credential_providers()
    _install_target_tokens()
    responses.BedrockAgentCoreControlResponse.create_gateway = create_gateway_response  # type: ignore[method-assign]
    models.BedrockAgentCoreControlBackend.create_gateway = create_gateway  # type: ignore[method-assign]
    models.BedrockAgentCoreControlBackend.delete_gateway = delete_gateway  # type: ignore[method-assign]
    models.BedrockAgentCoreControlBackend.update_gateway = update_gateway  # type: ignore[method-assign]
    models.BedrockAgentCoreControlBackend.create_gateway_target = create_gateway_target  # type: ignore[method-assign]
    models.BedrockAgentCoreControlBackend.update_gateway_target = update_gateway_target  # type: ignore[method-assign]
    models.Gateway.to_dict = gateway_to_dict  # type: ignore[method-assign]
    models.Gateway.update = gateway_update  # type: ignore[method-assign]
    models.GatewayTarget.update = target_update  # type: ignore[method-assign]
    # Last: it wraps the rules above (create and update of a target).
    _install_synchronization()


# Rule 9: the outbound authorization each target type takes (by its
# `targetConfiguration.mcp` member), and whether GATEWAY_IAM_ROLE names the
# service to sign for there. None: no credential provider configuration.
_OUTBOUND_AUTH: dict[str, frozenset[str | None]] = {
    "openApiSchema": frozenset({None, "GATEWAY_IAM_ROLE", "OAUTH", "API_KEY"}),
    "mcpServer": frozenset({None, "GATEWAY_IAM_ROLE", "OAUTH", "API_KEY"}),
    "smithyModel": frozenset({"GATEWAY_IAM_ROLE", "OAUTH"}),
    "lambda": frozenset({"GATEWAY_IAM_ROLE"}),
    "apiGateway": frozenset({None, "GATEWAY_IAM_ROLE", "API_KEY"}),
}
_SIGNS_FOR_NAMED_SERVICE = frozenset({"openApiSchema", "mcpServer"})


def _outbound_auth(params: dict[str, Any]) -> None:
    """Rule 9 (moto's responses pass the backend keyword arguments)."""
    mcp = (params.get("target_configuration") or {}).get("mcp") or {}
    member = next((m for m in _OUTBOUND_AUTH if m in mcp), None)
    if member is None:
        return
    configs = params.get("credential_provider_configurations") or []
    kind = configs[0].get("credentialProviderType") if configs else None
    if kind not in _OUTBOUND_AUTH[member]:
        raise ValidationException(
            f"{member} targets do not support {kind or 'no'} outbound authorization"
        )
    if kind == "GATEWAY_IAM_ROLE":
        signing = (configs[0].get("credentialProvider") or {}).get("iamCredentialProvider")
        named = bool((signing or {}).get("service"))
        if named != (member in _SIGNS_FOR_NAMED_SERVICE):
            raise ValidationException(
                f"{member} targets using GATEWAY_IAM_ROLE "
                + (
                    "require iamCredentialProvider.service"
                    if not named
                    else "take no iamCredentialProvider"
                )
            )


# Rule 13's bound, in bytes of the model's UTF-8 text.
MAX_SMITHY_MODEL_BYTES = 10 * 1024 * 1024


def _smithy_model_size(params: dict[str, Any]) -> None:
    """Rule 13: an inline Smithy model within AgentCore's 10MB."""
    mcp = (params.get("target_configuration") or {}).get("mcp") or {}
    inline = (mcp.get("smithyModel") or {}).get("inlinePayload")
    if isinstance(inline, str) and len(inline.encode()) > MAX_SMITHY_MODEL_BYTES:
        raise ValidationException("The Smithy model exceeds the maximum size of 10MB")


def _api_gateway_stage(backend: Any, params: dict[str, Any]) -> None:
    """Rule 16: an API Gateway target's REST API and stage exist in the
    gateway's account and Region (moto's API Gateway there)."""
    served = ((params.get("target_configuration") or {}).get("mcp") or {}).get("apiGateway")
    if not isinstance(served, dict):
        return
    from moto.apigateway.models import apigateway_backends

    apis = apigateway_backends[backend.account_id][backend.region_name].apis
    api = apis.get(str(served.get("restApiId")))
    if api is None:
        raise ValidationException(f"REST API {served.get('restApiId')} was not found")
    if str(served.get("stage")) not in api.stages:
        raise ValidationException(
            f"Stage {served.get('stage')} was not found in REST API {served.get('restApiId')}"
        )


def _providers(backend: Any) -> dict[tuple[str, str], dict[str, Any]]:
    # (kind, name) -> provider; kind is "apikey" or "oauth2"
    return backend.__dict__.setdefault("_emulator_credential_providers", {})  # type: ignore[no-any-return]


def stored_secrets(backend: Any) -> dict[tuple[str, str], str]:
    """What each credential provider holds as its secret (for tests)."""
    return {key: str(p["secret"]) for key, p in _providers(backend).items()}


def _provider_arn(backend: Any, kind: str, name: str) -> str:
    return (
        f"arn:aws:acps:{backend.region_name}:{backend.account_id}:token-vault/default/"
        f"{kind}credentialprovider/{name}"
    )


def _secret_arn(backend: Any, name: str) -> str:
    return (
        f"arn:aws:secretsmanager:{backend.region_name}:{backend.account_id}:secret:"
        f"bedrock-agentcore-identity!default/{name}-abc123"
    )


def _install_credential_providers() -> None:  # noqa: PLR0915 - one handler per operation
    cls = responses.BedrockAgentCoreControlResponse

    def answer(self: Any, kind: str, provider: dict[str, Any]) -> ActionResult:
        name = provider["name"]
        result: dict[str, Any] = {"name": name, "credentialProviderArn": provider["arn"]}
        secret = {"secretArn": _secret_arn(self.backend, name)}
        if kind == "apikey":
            result["apiKeySecretArn"] = secret
        else:
            result["clientSecretArn"] = secret
            result["callbackUrl"] = (
                f"https://bedrock-agentcore.{self.backend.region_name}.amazonaws.com/identities/oauth2/callback"
            )
            result["oauth2ProviderConfigOutput"] = provider["config_output"]
        return ActionResult(result)

    def lookup(self: Any, kind: str) -> dict[str, Any]:
        name = self._get_params()["name"]
        provider = _providers(self.backend).get((kind, name))
        if provider is None:
            raise ResourceNotFoundException(f"Credential provider {name} not found")
        return provider

    def oauth_secret(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        config = params["oauth2ProviderConfigInput"]
        ((config_name, body),) = config.items()
        secret = str(body.get("clientSecret", ""))
        output = {
            config_name.replace("Input", ""): {k: v for k, v in body.items() if k != "clientSecret"}
        }
        return secret, output

    def create(kind: str) -> Any:
        def handler(self: Any) -> ActionResult:
            params = self._get_params()
            name = params["name"]
            with _lock:
                store = _providers(self.backend)
                if any(n == name for _, n in store):
                    raise ConflictException(f"A credential provider named {name} already exists")
                provider: dict[str, Any] = {
                    "name": name,
                    "arn": _provider_arn(self.backend, kind, name),
                }
                if kind == "apikey":
                    provider["secret"] = params.get("apiKey", "")
                else:
                    provider["secret"], provider["config_output"] = oauth_secret(params)
                    provider["vendor"] = params["credentialProviderVendor"]
                store[(kind, name)] = provider
            return answer(self, kind, provider)

        return handler

    def get(kind: str) -> Any:
        def handler(self: Any) -> ActionResult:
            return answer(self, kind, lookup(self, kind))

        return handler

    def update(kind: str) -> Any:
        def handler(self: Any) -> ActionResult:
            params = self._get_params()
            with _lock:
                provider = lookup(self, kind)
                if kind == "apikey":
                    provider["secret"] = params.get("apiKey", "")
                else:
                    provider["secret"], provider["config_output"] = oauth_secret(params)
            return answer(self, kind, provider)

        return handler

    def delete(kind: str) -> Any:
        def handler(self: Any) -> ActionResult:
            with _lock:
                provider = lookup(self, kind)
                _providers(self.backend).pop((kind, provider["name"]))
            return EmptyResult()

        return handler

    def listing(kind: str) -> Any:
        def handler(self: Any) -> ActionResult:
            params = self._get_params()
            start = int(params.get("nextToken") or 0)
            size = int(params.get("maxResults") or 10)
            with _lock:
                mine = sorted(
                    p["name"] for (k, _), p in _providers(self.backend).items() if k == kind
                )
            page: list[dict[str, Any]] = []
            for name in mine[start : start + size]:
                provider = _providers(self.backend)[(kind, name)]
                item = {
                    "name": name,
                    "credentialProviderArn": provider["arn"],
                    "createdTime": 0,
                    "lastUpdatedTime": 0,
                }
                if kind == "oauth2":
                    item["credentialProviderVendor"] = provider["vendor"]
                page.append(item)
            result: dict[str, Any] = {"credentialProviders": page}
            if start + size < len(mine):
                result["nextToken"] = str(start + size)
            return ActionResult(result)

        return handler

    for kind, api in (("apikey", "api_key"), ("oauth2", "oauth2")):
        setattr(cls, f"list_{api}_credential_providers", listing(kind))
        setattr(cls, f"create_{api}_credential_provider", create(kind))
        setattr(cls, f"get_{api}_credential_provider", get(kind))
        setattr(cls, f"update_{api}_credential_provider", update(kind))
        setattr(cls, f"delete_{api}_credential_provider", delete(kind))


def _install_target_tokens() -> None:
    cls = responses.BedrockAgentCoreControlResponse
    original = cls.create_gateway_target

    def create_gateway_target(self: Any) -> ActionResult:
        params = self._get_params()
        token = params.get("clientToken")
        gateway_id = self._get_param("gatewayIdentifier")
        tokens: dict[str, tuple[str, str]] = self.backend.__dict__.setdefault(
            "_emulator_target_tokens", {}
        )
        with _lock:
            known = tokens.get(token) if token else None
            if known is not None:
                target = self.backend.gateway_targets.get(known)
                if target is not None:
                    return ActionResult(target.to_dict())
            result = original(self)
            if token:
                created = next(
                    key
                    for key, t in self.backend.gateway_targets.items()
                    if key[0] == gateway_id and t.name == params["name"]
                )
                tokens[token] = created
            return result

    cls.create_gateway_target = create_gateway_target  # type: ignore[method-assign]


def _listed_by_sync(target: Any) -> bool:
    """An MCP server target whose tools AgentCore lists (rule 11)."""
    server = (target.target_configuration.get("mcp") or {}).get("mcpServer")
    return (
        server is not None
        and "mcpToolSchema" not in server
        and server.get("listingMode", "DEFAULT") == "DEFAULT"
    )


def _synchronize(target: Any) -> None:
    """Start a listing: SYNCHRONIZING, then READY (or, for the failing host,
    SYNCHRONIZE_UNSUCCESSFUL) on a later GetGatewayTarget."""
    endpoint = str(target.target_configuration["mcp"]["mcpServer"].get("endpoint", ""))
    fails = endpoint.removeprefix("https://").startswith(SYNC_FAIL_HOST)
    target.status = "SYNCHRONIZING"
    ends = "SYNCHRONIZE_UNSUCCESSFUL" if fails else "READY"
    target._transitions = [("CREATING", "READY"), ("UPDATING", "READY"), ("SYNCHRONIZING", ends)]
    target.emulator_status_reasons = (
        ["tools/list failed: the MCP server did not answer"] if fails else []
    )
    if not fails:
        target.emulator_synchronized_at = utcnow()


def _install_synchronization() -> None:
    cls = responses.BedrockAgentCoreControlResponse
    original_to_dict = models.GatewayTarget.to_dict
    original_create = models.BedrockAgentCoreControlBackend.create_gateway_target
    original_update = models.GatewayTarget.update

    def to_dict(self: Any) -> dict[str, Any]:
        result = original_to_dict(self)
        synchronized = getattr(self, "emulator_synchronized_at", None)
        if synchronized is not None and result.get("status") != "SYNCHRONIZING":
            result["lastSynchronizedAt"] = synchronized
        reasons = getattr(self, "emulator_status_reasons", None)
        if reasons and result.get("status") == "SYNCHRONIZE_UNSUCCESSFUL":
            result["statusReasons"] = list(reasons)
        return result

    def create_gateway_target(self: Any, *args: Any, **kwargs: Any) -> Any:
        target: Any = original_create(self, *args, **kwargs)
        if _listed_by_sync(target):
            target.emulator_synchronized_at = utcnow()
        return target

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        original_update(self, *args, **kwargs)
        if _listed_by_sync(self):
            self.emulator_synchronized_at = utcnow()

    def synchronize_gateway_targets(self: Any) -> ActionResult:
        params = self._get_params()
        gateway = self.backend._get_gateway(self._get_param("gatewayIdentifier"))
        (target_id,) = params["targetIdList"]  # botocore allows exactly one
        with _lock:
            target = self.backend._get_gateway_target(gateway.gateway_id, target_id)
            server = (target.target_configuration.get("mcp") or {}).get("mcpServer")
            if server is None:
                raise ValidationException("Only MCP server targets can be synchronized")
            if "mcpToolSchema" in server:
                raise ValidationException(
                    "You cannot synchronize a target that has a static tool schema "
                    "(mcpToolSchema) configured"
                )
            # A failed listing may be retried; a target in flight may not.
            if target.status not in ("READY", "SYNCHRONIZE_UNSUCCESSFUL"):
                raise ConflictException(f"Target {target_id} is {target.status}")
            _synchronize(target)
            answer = target.to_dict()
        # The answer comes before the listing, whatever moto's state manager
        # (immediate in the unit tests) moves the model to.
        answer["status"] = "SYNCHRONIZING"
        answer.pop("lastSynchronizedAt", None)
        answer.pop("statusReasons", None)
        return ActionResult({"targets": [answer]})

    models.GatewayTarget.to_dict = to_dict  # type: ignore[method-assign]
    models.BedrockAgentCoreControlBackend.create_gateway_target = create_gateway_target  # type: ignore[method-assign]
    models.GatewayTarget.update = update  # type: ignore[method-assign]
    cls.synchronize_gateway_targets = synchronize_gateway_targets  # type: ignore[attr-defined]
