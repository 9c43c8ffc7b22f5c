"""MCP server targets: an MCP server the team already runs, behind the gateway.

The request names the server's `endpoint` (https, a public host: the same
judgement as a spec's `servers`, services/tools/spec_validation/servers.py,
since AgentCore calls it from inside AWS), its `listing_mode` (DEFAULT: the
gateway indexes the server's tools when the target is created or updated
and on `sync_tool`; DYNAMIC: it asks the server on every listing), and
optionally a static tool list (`tools` or `tools_s3_key`, checked as the
Lambda kind's are, services/tools/targets/tool_definitions.py). A static
list is stored in the spec bucket by content key (stored_document.py) and
the target reads it from there (`mcpToolSchema.s3`); AgentCore then turns
synchronization off ("Dynamic tool discovery/synchronization will be
disabled when a target is configured with mcpToolSchema"), so `sync_tool`
refuses such a tool. The record's `target` attribute describes it
(docs/api.md, "Tool record"); `tools` holds the static list's names, or
is empty: AgentCore discovers the server's tools and its control plane
does not list them.

AgentCore's pages: MCP server targets
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-MCPservers.html),
`McpServerTargetConfiguration`
(https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_McpServerTargetConfiguration.html),
the outbound-auth table
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-outbound-auth.html).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.tools.targets import stored_document
from services.tools.targets.base import (
    DescribedInTarget,
    Listing,
    Prepared,
    Staged,
    StoredArtifact,
    checked_or_refused,
)
from services.tools.targets.tool_definitions import BASE, Findings, checked_definitions
from services.tools.tool_names import full_name


@dataclass(frozen=True)
class PreparedServer:
    """A checked MCP server source: where it is, how it is listed, and its
    static tool definitions if any (`body`)."""

    endpoint: str
    listing_mode: str
    body: bytes | None
    tools: tuple[str, ...]

    @property
    def digest(self) -> str:
        """The stored list's sha256 (its content key); without a list, that
        of the configuration, so that `changes` compares like with like."""
        if self.body is not None:
            return hashlib.sha256(self.body).hexdigest()
        shape = {"endpoint": self.endpoint, "listing_mode": self.listing_mode}
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()

    def changes(self, current: dict[str, Any] | None) -> bool:
        current = current or {}
        return (
            self.digest != current.get("sha256")
            or self.endpoint != current.get("endpoint")
            or self.listing_mode != current.get("listing_mode")
        )

    def describe(self) -> dict[str, Any]:
        return self.record(None, None)

    def record(self, s3_uri: str | None, s3_key: str | None) -> dict[str, Any]:
        """The record's `target` attribute."""
        return {
            "kind": MCP_SERVER.name,
            "endpoint": self.endpoint,
            "listing_mode": self.listing_mode,
            "static_tools": self.body is not None,
            "sha256": self.digest,
            "s3_uri": s3_uri,
            "s3_key": s3_key,
            "size_bytes": len(self.body) if self.body is not None else None,
        }


def _endpoint(endpoint: str, check: Findings) -> None:
    # Loaded here: the spec package is needed only while a source is checked,
    # never by a tool read (tests/unit/test_cold_imports.py).
    from services.tools.spec_validation.servers import server_url_problems

    field = f"{BASE}.endpoint"
    for _rule, _where, message in server_url_problems(endpoint, field, None):
        check.add(field, message.replace("server URL", "the endpoint", 1))


def _checked(call: Call, source: Any, target_name: str) -> tuple[PreparedServer | None, Findings]:
    check = Findings([])
    _endpoint(str(source.endpoint), check)
    body: bytes | None = None
    names: tuple[str, ...] = ()
    static = source.tools is not None or source.tools_s3_key is not None
    if static:
        if source.listing_mode == "DYNAMIC":
            check.add(
                f"{BASE}.listing_mode",
                "a static tool list is served as given: DYNAMIC listing (asking the server on "
                "every listing) cannot apply; leave it DEFAULT or drop the list",
            )
        body, names = checked_definitions(call, source, target_name, check)
    if check.findings:
        return None, check
    return PreparedServer(str(source.endpoint), source.listing_mode, body, names), check


class McpServerKind(DescribedInTarget, stored_document.StoredDocumentKind):
    name = "mcp_server"
    source_types = frozenset({"mcp_server"})
    # The outbound-auth table: no authorization, the gateway's role (signing
    # for a named service), OAuth and API keys.
    credential_types = frozenset({"none", "gateway_iam_role", "api_key", "oauth2"})
    iam_signing_service = True
    artifact_noun = "tool list object"

    def prepare(
        self,
        call: Call,
        source: Any,
        *,
        target_name: str,
        existing_targets: int,
        current: dict[str, Any] | None = None,
    ) -> PreparedServer | None:
        prepared, check = _checked(call, source, target_name)
        return checked_or_refused(
            prepared, check.findings, source="MCP server source", current=current
        )

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer: the checked server, or the findings."""
        prepared, check = _checked(call, source, target_name)
        tools = list(prepared.tools) if prepared else []
        return {
            "ok": prepared is not None,
            "kind": self.name,
            "endpoint": source.endpoint,
            "listing_mode": source.listing_mode,
            "tools": tools,
            "tool_names": [full_name(target_name, n) for n in tools],
            "errors": check.findings,
            "size_bytes": len(prepared.body) if prepared and prepared.body is not None else None,
        }

    def planned(self, record: ToolRecord, prepared: Prepared) -> tuple[str, ...]:
        assert isinstance(prepared, PreparedServer)  # noqa: S101 - this kind's own prepare made it
        return super().planned(record, prepared) if prepared.body is not None else ()

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        assert isinstance(prepared, PreparedServer)  # noqa: S101 - this kind's own prepare made it
        if prepared.body is None:
            return Staged(prepared.record(None, None), ())
        return stored_document.stage(call, record, prepared.digest, prepared.body, prepared.record)

    def adopted(self, call: Call, record: ToolRecord) -> Staged:
        if (self.description(record) or {}).get("static_tools"):
            return super().adopted(call, record)
        return Staged(dict(self.description(record) or {}), ())

    def artifacts(self, record: ToolRecord, *, pending: bool) -> frozenset[str]:
        held = {(self.description(record) or {}).get("s3_key")}
        change = (record.get("pending") or {}).get(self.attribute) if pending else None
        if change and change.get("static_tools"):
            held.add(stored_document.key(record, change["sha256"]))
        return frozenset(str(k) for k in held if k)

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        server: dict[str, Any] = {
            "endpoint": str(description.get("endpoint")),
            "listingMode": str(description.get("listing_mode") or "DEFAULT"),
        }
        if description.get("static_tools"):
            server["mcpToolSchema"] = {"s3": {"uri": str(description.get("s3_uri"))}}
        return {"mcp": {"mcpServer": server}}

    def stored(self, listing: Listing) -> Iterator[StoredArtifact]:
        # The OpenAPI kind lists the shared prefix, these objects included.
        return iter(())

    def drift(
        self, call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
    ) -> str | None:
        described = self.description(record) or {}
        if target is not None:
            config = (target.get("targetConfiguration") or {}).get("mcp") or {}
            served = config.get("mcpServer") or {}
            expected = self.configuration(described)["mcp"]["mcpServer"]
            for key, noun in (("endpoint", "calls"), ("listingMode", "lists in mode")):
                if served.get(key, "DEFAULT" if key == "listingMode" else None) != expected[key]:
                    return f"the target {noun} {served.get(key)}"
            if served.get("mcpToolSchema") != expected.get("mcpToolSchema"):
                return "the target's static tool list is not the record's"
        if described.get("static_tools"):
            return stored_document.object_drift(call, described, self.artifact_noun, listing)
        return None


MCP_SERVER = McpServerKind()
