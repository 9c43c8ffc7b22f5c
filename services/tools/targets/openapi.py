"""OpenAPI targets: a spec, checked by the spec pipeline, served from S3.

The spec (normalized, only the operations served, canonical JSON) is stored
at `specs/<gateway_id>/<tool_id>/<sha256>.json` (services/s3/s3_service.py)
and the target reads it from there (`mcp.openApiSchema.s3.uri`). A key
derived from the content makes a retried or resumed put harmless, and lets
an update write its spec beside the one the target still serves. The
record's `spec` attribute describes it (docs/api.md, "Tool record").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.s3.s3_service import SPECS_PREFIX, spec_key
from services.tools import spec_pipeline
from services.tools.spec_pipeline import PreparedSpec
from services.tools.targets.base import Prepared, Staged, StoredArtifact


class OpenApiKind:
    name = "openapi"
    attribute = "spec"
    source_types = frozenset({"inline", "file", "url", "s3", "api_info"})
    credential_types = frozenset({"none", "gateway_iam_role", "api_key", "oauth2"})
    stage_step = "PutObject"
    remove_step = "DeleteObject"
    artifact_noun = "spec object"
    artifact_finding = "spec-object"

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

    def planned(self, record: ToolRecord, prepared: Prepared) -> tuple[str, ...]:
        """The artifacts `stage` will make, known before it runs (a put that
        times out may still have stored the object)."""
        return (spec_key(record["gateway_id"], record["tool_id"], prepared.digest),)

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        assert isinstance(prepared, PreparedSpec)  # noqa: S101 - this kind's own prepare made it
        bucket = call.runtime.spec_bucket
        (key,) = self.planned(record, prepared)
        bucket.put_spec(key, prepared.body)
        return Staged(prepared.record(bucket.uri(key), key), (key,))

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        return {"mcp": {"openApiSchema": {"s3": {"uri": str(description.get("s3_uri"))}}}}

    def adopted(self, call: Call, record: ToolRecord) -> Staged:
        spec = dict(self.description(record) or {})
        key = spec_key(record["gateway_id"], record["tool_id"], str(spec.get("sha256")))
        return Staged({**spec, "s3_key": key, "s3_uri": call.runtime.spec_bucket.uri(key)}, (key,))

    def artifacts(self, record: ToolRecord, *, pending: bool) -> frozenset[str]:
        keys = {(self.description(record) or {}).get("s3_key")}
        change = (record.get("pending") or {}).get(self.attribute) if pending else None
        if change:
            keys.add(spec_key(str(record["gateway_id"]), str(record["tool_id"]), change["sha256"]))
        return frozenset(str(key) for key in keys if key)

    def remove(self, call: Call, ref: str) -> None:
        call.runtime.spec_bucket.delete(ref)

    def stored(self, call: Call) -> Iterator[StoredArtifact]:
        for key in call.runtime.spec_bucket.spec_keys():
            parts = key.removeprefix(SPECS_PREFIX).split("/")
            if len(parts) == 3:  # else not a key the registry writes
                yield StoredArtifact(key, gateway_id=parts[0], tool_id=parts[1])

    def drift(self, call: Call, record: ToolRecord, target: dict[str, Any]) -> str | None:
        spec = self.description(record) or {}
        served = (
            ((target.get("targetConfiguration") or {}).get("mcp") or {}).get("openApiSchema") or {}
        ).get("s3") or {}
        if served.get("uri") != spec.get("s3_uri"):
            return f"the target serves {served.get('uri')}"
        stored = call.runtime.spec_bucket.sha256_of(str(spec.get("s3_key")))
        if stored != spec.get("sha256"):
            return "the spec object is missing" if stored is None else "the spec object changed"
        return None


OPENAPI = OpenApiKind()
