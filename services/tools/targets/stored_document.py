"""What the kinds that serve a document from the spec bucket share.

The OpenAPI kind (a spec) and the Lambda kind (its tool schema) both store
canonical JSON under the content key scheme of services/s3/s3_service.py
(`specs/<gateway_id>/<tool_id>/<sha256>.json`), and the target reads it
from there. A key derived from the content makes a retried or resumed put
harmless and lets an update write beside what the target still serves. The
record's description of such a kind holds `sha256`, `s3_key` and `s3_uri`;
these functions are the staging, the cleanup and the stored-object part of
drift for both, so neither keeps a copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.s3.s3_service import SPECS_PREFIX, spec_key
from services.tools.targets.base import StoredArtifact


def key(record: ToolRecord, sha256: str) -> str:
    """The object's key for this record and content."""
    return spec_key(str(record["gateway_id"]), str(record["tool_id"]), sha256)


def put(call: Call, record: ToolRecord, sha256: str, body: bytes) -> tuple[str, str]:
    """Store `body` under its content key; (key, s3 URI)."""
    bucket = call.runtime.spec_bucket
    stored = key(record, sha256)
    bucket.put_spec(stored, body)
    return stored, bucket.uri(stored)


def located(call: Call, record: ToolRecord, description: dict[str, Any]) -> dict[str, Any]:
    """The description with where its object lives (reconcile's adoption of
    a PENDING record, whose description has no key yet)."""
    stored = key(record, str(description.get("sha256")))
    return {**description, "s3_key": stored, "s3_uri": call.runtime.spec_bucket.uri(stored)}


def artifacts(
    record: ToolRecord, description: dict[str, Any] | None, attribute: str, *, pending: bool
) -> frozenset[str]:
    """The object the description uses, and (with `pending`) the one a
    paused update under `attribute` staged."""
    keys = {(description or {}).get("s3_key")}
    change = (record.get("pending") or {}).get(attribute) if pending else None
    if change:
        keys.add(key(record, change["sha256"]))
    return frozenset(str(k) for k in keys if k)


def remove(call: Call, ref: str) -> None:
    call.runtime.spec_bucket.delete(ref)


def stored(call: Call) -> Iterator[StoredArtifact]:
    """Every object under the shared prefix (whichever kind wrote it: the
    sweep judges each by its record's own kind)."""
    for listed in call.runtime.spec_bucket.spec_keys():
        parts = listed.removeprefix(SPECS_PREFIX).split("/")
        if len(parts) == 3:  # else not a key the registry writes
            yield StoredArtifact(listed, gateway_id=parts[0], tool_id=parts[1])


def object_drift(call: Call, description: dict[str, Any], noun: str) -> str | None:
    """Whether the stored object still has the description's sha256."""
    digest = call.runtime.spec_bucket.sha256_of(str(description.get("s3_key")))
    if digest != description.get("sha256"):
        return f"the {noun} is missing" if digest is None else f"the {noun} changed"
    return None
