"""From a tool's `source` to the spec a target serves, checked before any write.

Every source form goes through one pipeline: intake (parse safely, fetch
safely), validation (openapi-spec-validator, then AgentCore Gateway's own
rules), then the published document (only the operations that will be
served) as canonical JSON bytes with their sha256. The spec machinery is
imported here, lazily: gateway actions never load it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.context import Call
from services.errors import ForbiddenError
from services.s3.s3_service import S3Service
from services.tools.models import MAX_SPEC_BYTES, S3Source

if TYPE_CHECKING:
    from services.tools.spec_intake import LoadedSpec
    from services.tools.spec_validation import SpecReport


@dataclass(frozen=True)
class PreparedSpec:
    body: bytes
    sha256: str
    source_sha256: str
    report: SpecReport
    description: dict[str, Any]
    options: dict[str, Any]

    def record(self, s3_uri: str | None, s3_key: str | None) -> dict[str, Any]:
        """The record's `spec` attribute."""
        return {
            "source": self.description,
            "s3_uri": s3_uri,
            "s3_key": s3_key,
            "sha256": self.sha256,
            "source_sha256": self.source_sha256,
            "options": self.options,
            "openapi_version": self.report.openapi_version,
            "operations": list(self.report.published_operations),
            "size_bytes": len(self.body),
        }


def spec_bucket(call: Call) -> S3Service:
    return S3Service(call.runtime.s3, call.runtime.settings.spec_bucket_name)


def options(source: Any) -> dict[str, Any]:
    """The source options that shape the published document."""
    return {
        "include_operations": source.include_operations,
        "exclude_operations": source.exclude_operations,
        "on_unsupported": source.on_unsupported,
    }


def prepare(
    call: Call,
    source: Any,
    *,
    target_name: str,
    existing_targets: int,
    current: dict[str, Any] | None = None,
) -> PreparedSpec | None:
    """Load and validate `source`; raise the contract's 4xx if it cannot serve.

    With `current` (a tool's spec record): None when the source's bytes and
    options are the ones already published, without validating again
    (validation costs seconds on a large spec).
    """
    loaded = _load(call, source)
    if (
        current is not None
        and hashlib.sha256(loaded.raw).hexdigest() == current.get("source_sha256")
        and options(source) == current.get("options")
    ):
        return None
    report = _validate(loaded, source, target_name=target_name, existing_targets=existing_targets)
    report.raise_for_errors()
    body = json.dumps(report.document, sort_keys=True, separators=(",", ":")).encode()
    return PreparedSpec(
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        source_sha256=hashlib.sha256(loaded.raw).hexdigest(),
        report=report,
        description=loaded.description,
        options=options(source),
    )


def inspect(
    call: Call, source: Any, *, target_name: str, existing_targets: int
) -> tuple[LoadedSpec, SpecReport]:
    """Load `source` and report what AgentCore Gateway can serve of it."""
    loaded = _load(call, source)
    return loaded, _validate(
        loaded, source, target_name=target_name, existing_targets=existing_targets
    )


def _load(call: Call, source: Any) -> LoadedSpec:
    from services.tools.spec_intake import load_spec

    team = call.actor.team if call.actor else None

    def read_upload(key: str) -> bytes:
        # A team reads only what it uploaded (create_upload_url's prefix).
        if team is None or not key.startswith(f"uploads/{team}/"):
            raise ForbiddenError(f"the upload {key} does not belong to team {team!r}")
        return spec_bucket(call).read_upload(key, MAX_SPEC_BYTES)

    return load_spec(source, s3_reader=read_upload if isinstance(source, S3Source) else None)


def _validate(
    loaded: LoadedSpec, source: Any, *, target_name: str, existing_targets: int
) -> SpecReport:
    from services.tools.spec_validation import validate_spec

    return validate_spec(
        loaded.document,
        target_name=target_name,
        include_operations=source.include_operations,
        exclude_operations=source.exclude_operations,
        on_unsupported=source.on_unsupported,
        existing_targets=existing_targets,
        size_bytes=len(loaded.raw),
    )
