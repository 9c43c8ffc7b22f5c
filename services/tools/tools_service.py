"""AgentCore Gateway targets, over boto3's `bedrock-agentcore-control`.

Named after the API operations (CreateGatewayTarget, GetGatewayTarget,
UpdateGatewayTarget, DeleteGatewayTarget, ListGatewayTargets,
SynchronizeGatewayTargets). Like
gateways, targets settle asynchronously (CREATING/UPDATING -> READY or
FAILED with statusReasons), so waits poll inside the caller's budget.
What a target serves (`targetConfiguration`) is its kind's to say
(services/tools/targets/); this adapter sends it as given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.agentcore_call import call, call_unless_missing
from services.aws_errors import translate
from services.errors import ConflictError
from services.polling import poll
from services.records.types import TargetRef

# The statuses a poll stops at (API_GatewayTarget.html, TargetStatus). A
# *_PENDING_AUTH target waits for a user to complete three-legged OAuth
# (devguide gateway-target-MCPservers.html, "authorization code flow"): no
# poll within a Lambda's time ends it, so it is settled, and not READY.
# SYNCHRONIZING is a passing state like CREATING and UPDATING.
PENDING_AUTH = frozenset({"CREATE_PENDING_AUTH", "UPDATE_PENDING_AUTH", "SYNCHRONIZE_PENDING_AUTH"})
SETTLED = frozenset(
    {"READY", "FAILED", "UPDATE_UNSUCCESSFUL", "SYNCHRONIZE_UNSUCCESSFUL", "DELETED"} | PENDING_AUTH
)


def summarize(target: dict[str, Any], gateway_agentcore_id: str) -> TargetRef:
    summary: TargetRef = {
        "target_id": target.get("targetId"),
        "gateway_id": gateway_agentcore_id,
        "status": target.get("status"),
        "status_reasons": list(target.get("statusReasons") or []),
    }
    synchronized = timestamp(target.get("lastSynchronizedAt"))
    if synchronized is not None:
        summary["last_synchronized_at"] = synchronized
    updated = target.get("updatedAt")
    if updated is not None:
        # What ListGatewayTargets compares: the target as the registry saw it.
        summary["updated_at"] = timestamp(updated)
    return summary


def timestamp(value: Any) -> str | None:
    """botocore parses AgentCore's timestamps; records keep ISO 8601 text."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def not_ready_reason(target: dict[str, Any]) -> str:
    """Why a settled target is not READY, in words for the record."""
    status = str(target.get("status"))
    reasons = "; ".join(target.get("statusReasons") or [])
    if status in PENDING_AUTH:
        # The registry's oauth2 credentials are client credentials (2LO);
        # only a target changed outside the registry asks a user.
        return f"{status}: the target waits for a user's OAuth authorization" + (
            f" ({reasons})" if reasons else ""
        )
    return reasons or status


class ToolsService:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return call(self._client, operation, **kwargs)

    def create_gateway_target(
        self,
        gateway_id: str,
        *,
        name: str,
        description: str | None,
        configuration: dict[str, Any],
        credentials: list[dict[str, Any]],
        token: str,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "gatewayIdentifier": gateway_id,
            "name": name,
            "targetConfiguration": configuration,
            "clientToken": token,
        }
        if credentials:  # none: no outbound authorization, the field left out
            kwargs["credentialProviderConfigurations"] = credentials
        if description:
            kwargs["description"] = description
        return call(
            self._client,
            "create_gateway_target",
            on_conflict=lambda: ConflictError(
                f"AgentCore already has a target named {name!r} in this gateway"
            ),
            **kwargs,
        )

    def update_gateway_target(
        self,
        gateway_id: str,
        target_id: str,
        *,
        name: str,
        description: str | None,
        configuration: dict[str, Any],
        credentials: list[dict[str, Any]],
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "gatewayIdentifier": gateway_id,
            "targetId": target_id,
            "name": name,
            "targetConfiguration": configuration,
        }
        if credentials:
            kwargs["credentialProviderConfigurations"] = credentials
        if description:
            kwargs["description"] = description
        return self._call("update_gateway_target", **kwargs)

    def synchronize_gateway_target(self, gateway_id: str, target_id: str) -> dict[str, Any]:
        """SynchronizeGatewayTargets for one target (the API takes exactly
        one id per call); AgentCore answers at once and the target is
        SYNCHRONIZING until it has listed the server's tools."""
        answer = self._call(
            "synchronize_gateway_targets", gatewayIdentifier=gateway_id, targetIdList=[target_id]
        )
        listed = answer.get("targets") or [{}]
        return dict(listed[0])

    def get_gateway_target(self, gateway_id: str, target_id: str) -> dict[str, Any] | None:
        return call_unless_missing(
            self._client, "get_gateway_target", gatewayIdentifier=gateway_id, targetId=target_id
        )

    def delete_gateway_target(self, gateway_id: str, target_id: str) -> bool:
        """DeleteGatewayTarget; False if it was already gone (that is success)."""
        answer = call_unless_missing(
            self._client, "delete_gateway_target", gatewayIdentifier=gateway_id, targetId=target_id
        )
        return answer is not None

    def list_gateway_targets(self, gateway_id: str) -> Iterator[dict[str, Any]]:
        paginator = self._client.get_paginator("list_gateway_targets")
        try:
            # A page as large as AgentCore serves: one call per gateway
            # at its quota of targets (reconcile's inventory).
            for page in paginator.paginate(
                gatewayIdentifier=gateway_id, PaginationConfig={"PageSize": 1000}
            ):
                yield from page.get("items", [])
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "AgentCore") from None

    def find_target_by_name(self, gateway_id: str, name: str) -> dict[str, Any] | None:
        for item in self.list_gateway_targets(gateway_id):
            if item.get("name") == name:
                return self.get_gateway_target(gateway_id, str(item["targetId"]))
        return None

    def wait_until_settled(
        self,
        gateway_id: str,
        target_id: str,
        first: dict[str, Any],
        *,
        deadline: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> dict[str, Any]:
        def fetch() -> dict[str, Any]:
            return self.get_gateway_target(gateway_id, target_id) or {**first, "status": "DELETED"}

        return poll(
            first,
            fetch,
            lambda answer: answer.get("status") in SETTLED,
            deadline=deadline,
            clock=clock,
            sleep=sleep,
        )

    def wait_until_deleted(
        self,
        gateway_id: str,
        target_id: str,
        *,
        deadline: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> bool:
        return poll(
            self.get_gateway_target(gateway_id, target_id) is None,
            lambda: self.get_gateway_target(gateway_id, target_id) is None,
            bool,
            deadline=deadline,
            clock=clock,
            sleep=sleep,
        )
