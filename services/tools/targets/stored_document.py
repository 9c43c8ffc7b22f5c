"""What the kinds that serve a document from the spec bucket share.

The OpenAPI kind (a spec) and the Lambda kind (its tool schema) both store
canonical JSON under the content key scheme of services/s3/s3_service.py
(`specs/<gateway_id>/<tool_id>/<sha256>.json`), and the target reads it
from there. A key derived from the content makes a retried or resumed put
harmless and lets an update write beside what the target still serves. The
record's description of such a kind holds `sha256`, `s3_key`, `s3_uri` and
`etag` (the one S3 answered to the put; reconcile compares a listing's);
this module (its functions and `StoredDocumentKind`) is the staging, the
cleanup and the stored-object part of drift for both, so neither keeps a
copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from services.context import Call
from services.errors import ForbiddenError
from services.records.types import ToolRecord
from services.s3.s3_service import SPECS_PREFIX, spec_key
from services.tools.targets.base import Listing, Prepared, Staged, StoredArtifact


def key(record: ToolRecord, sha256: str) -> str:
    """The object's key for this record and content."""
    return spec_key(str(record["gateway_id"]), str(record["tool_id"]), sha256)


def stage(
    call: Call,
    record: ToolRecord,
    sha256: str,
    body: bytes,
    describe: Callable[[str, str], dict[str, Any]],
) -> Staged:
    """Store `body` under its content key; the description `describe(uri,
    key)` makes, with the object's ETag."""
    bucket = call.runtime.spec_bucket
    stored = key(record, sha256)
    etag = bucket.put_spec(stored, body)
    return Staged({**describe(bucket.uri(stored), stored), "etag": etag}, (stored,))


def read_team_upload(call: Call, key: str, max_bytes: int) -> bytes:
    """A file the caller's team uploaded with create_upload_url (a team reads
    only its own prefix, as for an OpenAPI `s3` source, spec_pipeline.py),
    refused past `max_bytes` before it is read."""
    team = call.actor.team if call.actor else None
    if team is None or not key.startswith(f"uploads/{team}/"):
        raise ForbiddenError(f"the upload {key} does not belong to team {team!r}")
    return call.runtime.spec_bucket.read_upload(key, max_bytes)


def stored(listing: Listing) -> Iterator[StoredArtifact]:
    """Every object of a listing of the shared prefix (whichever kind wrote
    it: the sweep judges each by its record's own kind)."""
    for listed in listing:
        parts = listed.removeprefix(SPECS_PREFIX).split("/")
        if len(parts) == 3:  # else not a key the registry writes
            yield StoredArtifact(listed, gateway_id=parts[0], tool_id=parts[1])


class StoredDocumentKind:
    """The part of `TargetKind` that a kind serving a stored document shares:
    the steps of its artifact, and where its artifacts are. A subclass gives
    `attribute`, `description`/`with_description` (a literal key of
    `ToolRecord`; `base.DescribedInTarget` for `target`), `prepare`,
    `inspect`, `stage`, `configuration`, `stored` and `drift`."""

    attribute: str
    stage_step = "PutObject"
    remove_step = "DeleteObject"
    # One listing of the shared prefix serves every such kind (`stored`).
    artifact_finding = "spec-object"

    def description(self, record: ToolRecord) -> dict[str, Any] | None:
        """Each kind reads its own attribute (a literal key of `ToolRecord`)."""
        raise NotImplementedError

    def planned(self, record: ToolRecord, prepared: Prepared) -> tuple[str, ...]:
        """The object `stage` will put, known before it runs (a put that
        times out may still have stored it)."""
        return (key(record, prepared.digest),)

    def adopted(self, call: Call, record: ToolRecord) -> Staged:
        """Reconcile's adoption of a PENDING record: its description with
        where the object lives (the description has no key before staging)."""
        described = dict(self.description(record) or {})
        stored_key = key(record, str(described.get("sha256")))
        described.update(s3_key=stored_key, s3_uri=call.runtime.spec_bucket.uri(stored_key))
        return Staged(described, (stored_key,))

    def artifacts(self, record: ToolRecord, *, pending: bool) -> frozenset[str]:
        """The object the description uses, those of the kept versions, and
        (with `pending`) the one a paused update of this kind's attribute
        staged."""
        keys = {(self.description(record) or {}).get("s3_key")}
        # The kept spec versions' objects (services/tools/spec_versions.py).
        keys |= {v.get("s3_key") for v in record.get("spec_versions") or []}
        change = (record.get("pending") or {}).get(self.attribute) if pending else None
        if change:
            keys.add(key(record, change["sha256"]))
        return frozenset(str(k) for k in keys if k)

    def remove(self, call: Call, ref: str) -> None:
        call.runtime.spec_bucket.delete(ref)


def object_drift(
    call: Call,
    description: dict[str, Any],
    noun: str,
    listing: Listing | None,
) -> str | None:
    """Whether the stored object still has the description's sha256.

    A listing that shows the object with the ETag its put answered shows
    it unchanged (a content key is written by the registry only, and
    writing it again gives the object a new ETag unless the bytes are the
    same); otherwise, or for a record from before ETags were kept, S3's
    checksum is read (HeadObject) and decides."""
    listed = listing.get(str(description.get("s3_key"))) if listing is not None else None
    if listed is not None and description.get("etag") and listed.etag == description["etag"]:
        return None
    digest = call.runtime.spec_bucket.sha256_of(str(description.get("s3_key")))
    if digest != description.get("sha256"):
        return f"the {noun} is missing" if digest is None else f"the {noun} changed"
    return None
