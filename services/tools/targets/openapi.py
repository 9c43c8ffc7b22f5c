"""OpenAPI targets: a spec, checked by the spec pipeline, served from S3.

The spec (normalized, only the operations served, canonical JSON) is stored
at `specs/<gateway_id>/<tool_id>/<sha256>.json` (stored_document.py, shared
with the Lambda kind) and the target reads it from there
(`mcp.openApiSchema.s3.uri`). The record's `spec` attribute describes it
(docs/api.md, "Tool record").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.tools import spec_pipeline
from services.tools.spec_pipeline import PreparedSpec
from services.tools.targets import stored_document
from services.tools.targets.base import Listing, Prepared, Staged, StoredArtifact


class OpenApiKind(stored_document.StoredDocumentKind):
    name = "openapi"
    attribute = "spec"
    source_types = frozenset({"inline", "file", "url", "s3", "api_info"})
    credential_types = frozenset({"none", "gateway_iam_role", "api_key", "oauth2"})
    # The gateway's role signs for the service the request names
    # (gateway-building-adding-targets-authorization.html, "For MCP server
    # and OpenAPI targets").
    iam_signing_service = True
    artifact_noun = "spec object"

    def prepare(
        self,
        call: Call,
        source: Any,
        *,
        target_name: str,
        existing_targets: int,
        current: dict[str, Any] | None = None,
    ) -> PreparedSpec | None:
        return spec_pipeline.prepare(
            call,
            source,
            target_name=target_name,
            existing_targets=existing_targets,
            current=current,
        )

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer: what AgentCore can serve of `source`."""
        loaded, checked = spec_pipeline.inspect(
            call, source, target_name=target_name, existing_targets=0
        )
        return {**checked.to_dict(), "source": loaded.description, "size_bytes": len(loaded.raw)}

    def description(self, record: ToolRecord) -> dict[str, Any] | None:
        return record.get("spec")

    def with_description(self, record: ToolRecord, description: dict[str, Any]) -> ToolRecord:
        described = record.copy()
        described["spec"] = description
        return described

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        assert isinstance(prepared, PreparedSpec)  # noqa: S101 - this kind's own prepare made it
        return stored_document.stage(call, record, prepared.sha256, prepared.body, prepared.record)

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        return {"mcp": {"openApiSchema": {"s3": {"uri": str(description.get("s3_uri"))}}}}

    def stored(self, listing: Listing) -> Iterator[StoredArtifact]:
        return stored_document.stored(listing)

    def drift(
        self, call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
    ) -> str | None:
        spec = self.description(record) or {}
        if target is not None:
            served = (
                ((target.get("targetConfiguration") or {}).get("mcp") or {}).get("openApiSchema")
                or {}
            ).get("s3") or {}
            if served.get("uri") != spec.get("s3_uri"):
                return f"the target serves {served.get('uri')}"
        return stored_document.object_drift(call, spec, "spec object", listing)


OPENAPI = OpenApiKind()
