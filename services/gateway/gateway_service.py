"""AgentCore Gateway control plane, over boto3's `bedrock-agentcore-control`.

Methods are named after the API operations they wrap, so each can be found
in the API reference:
https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_Operations.html

CreateGateway, UpdateGateway and DeleteGateway are asynchronous (HTTP 202):
the gateway goes CREATING/UPDATING/DELETING and then READY, FAILED,
UPDATE_UNSUCCESSFUL or away. botocore ships no waiter for gateways, so
`wait_until_settled` and `wait_until_deleted` poll GetGateway with a backoff
inside the caller's time budget.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.agentcore_call import call, call_unless_missing
from services.aws_errors import translate
from services.errors import ConflictError
from services.polling import poll
from services.records.types import GatewayRef

SETTLED = frozenset({"READY", "FAILED", "UPDATE_UNSUCCESSFUL"})
_TOKEN_NAMESPACE = uuid.UUID("8a3c1f5e-2b7d-4e8a-9c61-4f0d2e7b9a13")


def client_token(kind: str, request_id: str) -> str:
    """AgentCore's idempotency token for one request.

    A uuid5 string: 36 characters of `[a-zA-Z0-9](-*[a-zA-Z0-9])*`, inside the
    33..256 the API asks for, and the same for every retry of the request.
    """
    return str(uuid.uuid5(_TOKEN_NAMESPACE, f"{kind}:{request_id}"))


def authorizer_configuration(
    authorizer_type: str, authorizer: dict[str, Any] | None
) -> dict[str, Any] | None:
    if authorizer_type != "CUSTOM_JWT" or not authorizer:
        return None
    jwt: dict[str, Any] = {"discoveryUrl": authorizer["discovery_url"]}
    if authorizer.get("allowed_audience"):
        jwt["allowedAudience"] = list(authorizer["allowed_audience"])
    if authorizer.get("allowed_clients"):
        jwt["allowedClients"] = list(authorizer["allowed_clients"])
    return {"customJWTAuthorizer": jwt}


def options(
    semantic_search: bool | None, kms_key_arn: str | None, exception_level: str | None
) -> dict[str, Any]:
    """The gateway options as CreateGateway/UpdateGateway take them (absent
    when off, as on a record written before the options existed)."""
    kwargs: dict[str, Any] = {}
    if semantic_search:
        kwargs["protocolConfiguration"] = {"mcp": {"searchType": "SEMANTIC"}}
    if kms_key_arn:
        kwargs["kmsKeyArn"] = kms_key_arn
    if exception_level:
        kwargs["exceptionLevel"] = exception_level
    return kwargs


def summarize(gateway: dict[str, Any]) -> GatewayRef:
    """The part of AgentCore's answer that a record keeps."""
    return {
        "gateway_id": gateway.get("gatewayId"),
        "gateway_arn": gateway.get("gatewayArn"),
        "gateway_url": gateway.get("gatewayUrl"),
        "status": gateway.get("status"),
        "status_reasons": list(gateway.get("statusReasons") or []),
    }


class GatewayService:
    def __init__(self, client: Any, role_arn: str) -> None:
        self._client = client
        self._role_arn = role_arn

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return call(self._client, operation, **kwargs)

    def create_gateway(
        self,
        *,
        name: str,
        description: str | None,
        authorizer_type: str,
        authorizer: dict[str, Any] | None,
        tags: dict[str, str] | None,
        token: str,
        semantic_search: bool | None = None,
        kms_key_arn: str | None = None,
        exception_level: str | None = None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "name": name,
            "roleArn": self._role_arn,
            "protocolType": "MCP",
            "authorizerType": authorizer_type,
            "clientToken": token,
            **options(semantic_search, kms_key_arn, exception_level),
        }
        if description:
            kwargs["description"] = description
        if config := authorizer_configuration(authorizer_type, authorizer):
            kwargs["authorizerConfiguration"] = config
        if tags:
            kwargs["tags"] = tags
        # Names are unique per account; a gateway made outside the registry
        # can hold it.
        return call(
            self._client,
            "create_gateway",
            on_conflict=lambda: ConflictError(
                f"AgentCore already has a gateway named {name!r}",
                [{"field": "name", "code": "ConflictException"}],
            ),
            **kwargs,
        )

    def get_gateway(self, gateway_id: str) -> dict[str, Any] | None:
        """GetGateway; None once the gateway is gone."""
        return call_unless_missing(self._client, "get_gateway", gatewayIdentifier=gateway_id)

    def update_gateway(
        self,
        gateway_id: str,
        *,
        name: str,
        description: str | None,
        authorizer_type: str,
        authorizer: dict[str, Any] | None,
        semantic_search: bool | None,
        kms_key_arn: str | None,
        exception_level: str | None,
    ) -> dict[str, Any]:
        # UpdateGateway replaces the whole configuration ("any optional field
        # that you omit ... is reset"), so the full desired state is sent,
        # the options included (semantic search would be lost otherwise).
        kwargs: dict[str, Any] = {
            "gatewayIdentifier": gateway_id,
            "name": name,
            "roleArn": self._role_arn,
            "protocolType": "MCP",
            "authorizerType": authorizer_type,
            **options(semantic_search, kms_key_arn, exception_level),
        }
        if description:
            kwargs["description"] = description
        if config := authorizer_configuration(authorizer_type, authorizer):
            kwargs["authorizerConfiguration"] = config
        return self._call("update_gateway", **kwargs)

    def delete_gateway(self, gateway_id: str) -> bool:
        """DeleteGateway; False if AgentCore no longer has it (that is success)."""
        gone = call_unless_missing(self._client, "delete_gateway", gatewayIdentifier=gateway_id)
        return gone is not None

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        self._call("tag_resource", resourceArn=arn, tags=tags)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        self._call("untag_resource", resourceArn=arn, tagKeys=keys)

    def list_gateways(self) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("list_gateways")
        try:
            # A page as large as AgentCore serves: one call at the quota.
            for page in paginator.paginate(PaginationConfig={"PageSize": 1000}):
                yield from page.get("items", [])
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "AgentCore") from None

    def find_gateway_by_name(self, name: str) -> dict[str, Any] | None:
        for item in self.list_gateways():
            if item.get("name") == name:
                return self.get_gateway(str(item["gatewayId"]))
        return None

    def wait_until_settled(
        self,
        gateway_id: str,
        first: dict[str, Any],
        *,
        deadline: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> dict[str, Any]:
        """Poll GetGateway until a settled status or the deadline.

        Returns the last answer; its status is still CREATING/UPDATING when
        the budget ran out, and DELETED if the gateway vanished. `first` is
        the create or update answer, which may already be settled.
        """

        def fetch() -> dict[str, Any]:
            return self.get_gateway(gateway_id) or {**first, "status": "DELETED"}

        return poll(
            first,
            fetch,
            lambda answer: answer.get("status") in SETTLED or answer.get("status") == "DELETED",
            deadline=deadline,
            clock=clock,
            sleep=sleep,
        )

    def wait_until_deleted(
        self,
        gateway_id: str,
        *,
        deadline: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> bool:
        """Poll GetGateway until AgentCore answers ResourceNotFound."""
        gone = poll(
            self.get_gateway(gateway_id) is None,
            lambda: self.get_gateway(gateway_id) is None,
            bool,
            deadline=deadline,
            clock=clock,
            sleep=sleep,
        )
        return gone
