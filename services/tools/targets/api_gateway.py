"""API Gateway targets: a stage of a REST API, filtered into tools.

The request names the REST API and its stage, the operations to serve
(`tool_filters`: a path, exact or `/prefix/*`, and its methods) and, if it
wants, other names or descriptions for some of them (`tool_overrides`);
api_gateway_forms.py and api_gateway_checks.py check all of it before any
write (its forms, then
the API as API Gateway has it). Nothing is stored: AgentCore reads the API
itself (it calls API Gateway's GetExport of the stage when the target is
created or updated), so the record's `target` attribute is the whole
description (`kind`, `rest_api_id`, `stage`, `tool_filters`,
`tool_overrides`, `sha256` of its canonical JSON) and the target's
configuration is built from it alone; drift is a target whose
`apiGateway` configuration is not the record's.

AgentCore's pages: the API Gateway target
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-api-gateway.html),
the tool names (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-tool-naming.html),
the credentials (none, the gateway's IAM role or an API key:
https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-outbound-auth.html),
the API's shapes
(https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_ApiGatewayTargetConfiguration.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.tools.targets.api_gateway_checks import PreparedStage, checked
from services.tools.targets.api_gateway_forms import KIND
from services.tools.targets.base import (
    DescribedInTarget,
    Listing,
    Prepared,
    Staged,
    StoredArtifact,
    checked_or_refused,
)
from services.tools.tool_names import full_name


def _tool_configuration(description: dict[str, Any]) -> dict[str, Any]:
    tool_configuration: dict[str, Any] = {
        "toolFilters": [
            {"filterPath": str(f["path"]), "methods": list(f["methods"])}
            for f in description.get("tool_filters") or []
        ]
    }
    overrides = description.get("tool_overrides") or []
    if overrides:
        tool_configuration["toolOverrides"] = [dict(o) for o in overrides]
    return tool_configuration


class ApiGatewayKind(DescribedInTarget):
    name = KIND
    source_types = frozenset({"api_gateway"})
    # AgentCore's outbound authorization for API Gateway stages: none, the
    # gateway's IAM role or an API key (gateway-outbound-auth.html, cited above).
    credential_types = frozenset({"none", "gateway_iam_role", "api_key"})
    # GATEWAY_IAM_ROLE without iamCredentialProvider: AgentCore knows the
    # service it signs for (gateway-building-adding-targets-authorization.html,
    # "For Lambda, API Gateway, Smithy and Connector targets").
    iam_signing_service = False
    # Nothing is stored, so nothing is staged or removed: `stage` only turns
    # the checked source into the record's description, and `remove` is
    # never called (no artifacts). The names say so where a step or an
    # artifact would be named.
    stage_step = "DescribeTarget"
    remove_step = "NothingToRemove"
    artifact_noun = "target description (nothing stored)"
    artifact_finding = "api-gateway-nothing-stored"

    def prepare(
        self,
        call: Call,
        source: Any,
        *,
        target_name: str,
        existing_targets: int,
        current: dict[str, Any] | None = None,
    ) -> PreparedStage | None:
        prepared, check = checked(call, source, target_name)
        return checked_or_refused(
            prepared, check.findings, source="API Gateway source", current=current
        )

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer: the operations served and their tools, or the findings."""
        prepared, check = checked(call, source, target_name)
        return {
            "ok": prepared is not None,
            "kind": self.name,
            "rest_api_id": source.rest_api_id,
            "stage": source.stage,
            "operations": list(prepared.operations) if prepared else [],
            "tools": list(prepared.tools) if prepared else [],
            "tool_names": [full_name(target_name, n) for n in prepared.tools] if prepared else [],
            "errors": check.findings,
        }

    def planned(self, record: ToolRecord, prepared: Prepared) -> tuple[str, ...]:
        return ()

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        return Staged(prepared.describe(), ())

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        return {
            "mcp": {
                "apiGateway": {
                    "restApiId": str(description.get("rest_api_id")),
                    "stage": str(description.get("stage")),
                    "apiGatewayToolConfiguration": _tool_configuration(description),
                }
            }
        }

    def adopted(self, call: Call, record: ToolRecord) -> Staged:
        return Staged(dict(self.description(record) or {}), ())

    def artifacts(self, record: ToolRecord, *, pending: bool) -> frozenset[str]:
        return frozenset()

    def remove(self, call: Call, ref: str) -> None:
        return None  # never called: this kind has no artifacts

    def stored(self, listing: Listing) -> Iterator[StoredArtifact]:
        return iter(())

    def drift(
        self, call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
    ) -> str | None:
        if target is None:
            return None  # unchanged since confirmed, and nothing is stored beside it
        served = ((target.get("targetConfiguration") or {}).get("mcp") or {}).get("apiGateway")
        expected = self.configuration(self.description(record) or {})["mcp"]["apiGateway"]
        if not isinstance(served, dict):
            return "the target does not serve an API Gateway stage"
        for key, what in (("restApiId", "REST API"), ("stage", "stage")):
            if served.get(key) != expected[key]:
                return f"the target serves {what} {served.get(key)}"
        tools = dict(served.get("apiGatewayToolConfiguration") or {})
        if (tools.get("toolFilters") or []) != expected["apiGatewayToolConfiguration"][
            "toolFilters"
        ]:
            return "the target's tool filters differ from the record's"
        if (tools.get("toolOverrides") or []) != expected["apiGatewayToolConfiguration"].get(
            "toolOverrides", []
        ):
            return "the target's tool overrides differ from the record's"
        return None


API_GATEWAY = ApiGatewayKind()
