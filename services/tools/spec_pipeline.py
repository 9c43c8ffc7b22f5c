"""From a tool's `source` to the spec a target serves, checked before any write.

Every source form goes through one pipeline: intake (parse safely, fetch
safely), normalization (spec_normalize: what can be rewritten without
changing the meaning, such as an `allOf` of objects or the spec's own
security), validation of the normalized document (openapi-spec-validator,
then AgentCore Gateway's own rules), then the published document (only the
operations that will be served) as canonical JSON bytes with their sha256.
The spec machinery is imported here, lazily: gateway actions never load it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from services.context import Call
from services.errors import ForbiddenError
from services.tools.models import MAX_SPEC_BYTES, S3Source

if TYPE_CHECKING:
    from services.tools.spec_intake import LoadedSpec
    from services.tools.spec_normalize import Note
    from services.tools.spec_validation import SpecReport

# A tool record keeps at most this many normalization notes (a DynamoDB item
# holds 400 KB; a large spec can have hundreds); validate_spec lists them all.
MAX_RECORDED_NOTES = 100
# Likewise for the operations on_unsupported "exclude" left out.
MAX_RECORDED_EXCLUDED = 300


@dataclass(frozen=True)
class CheckedSpec:
    """The report on the normalized document (its `document` is what would
    be published) and the normalization notes about what it publishes."""

    report: SpecReport
    normalized: tuple[Note, ...]

    @property
    def operation_names(self) -> list[dict[str, Any]]:
        """The operations published under a made name (spec_names), with
        what they had: the record's `operation_names`."""
        return [n.operation_name.to_dict() for n in self.normalized if n.operation_name]

    def to_dict(self) -> dict[str, Any]:
        """The `validate_spec` action's answer, without its source."""
        return {
            **self.report.to_dict(),
            "normalized": [note.to_dict() for note in self.normalized],
            "operation_names": self.operation_names,
        }


@dataclass(frozen=True)
class PreparedSpec:
    body: bytes
    sha256: str
    source_sha256: str
    report: SpecReport
    description: dict[str, Any]
    options: dict[str, Any]
    normalized: tuple[Note, ...] = ()
    operation_names: tuple[dict[str, Any], ...] = ()

    @property
    def digest(self) -> str:
        return self.sha256

    @property
    def tools(self) -> tuple[str, ...]:
        """The record's `tools`: the published operations' names."""
        return tuple(self.report.published_operations)

    def changes(self, current: dict[str, Any] | None) -> bool:
        """Whether it serves something else than the record's `spec`."""
        return self.sha256 != (current or {}).get("sha256")

    def describe(self) -> dict[str, Any]:
        """The record's `spec` before it is stored (services/tools/targets/base.py)."""
        return self.record(None, None)

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
            "normalized": [n.to_dict() for n in self.normalized[:MAX_RECORDED_NOTES]],
            "normalized_count": len(self.normalized),
            # Published under a made name: the original operationId (None when
            # it had none), method and path (services/tools/spec_names.py).
            "operation_names": list(self.operation_names[:MAX_RECORDED_EXCLUDED]),
            # What on_unsupported "exclude" left out, and why (rule names;
            # validate_spec gives each finding in full).
            "excluded": [
                {
                    "operation": op.operation_id or f"{op.method} {op.path}",
                    "rules": sorted({f.rule for f in op.findings}),
                }
                for op in self.report.left_out[:MAX_RECORDED_EXCLUDED]
            ],
            "excluded_count": len(self.report.left_out),
        }


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
        # The same bytes from another URL: their relative servers move with it.
        and _base_url(loaded.description) == _base_url(current.get("source"))
    ):
        return None
    checked = check_loaded(
        loaded, source, target_name=target_name, existing_targets=existing_targets
    )
    checked.report.raise_for_errors()
    # One rule for every hash: `sha256` (the S3 key's, the one reconcile
    # compares with S3's checksum, the one update_tool compares to skip a
    # write) is of exactly the bytes stored and served: the published
    # document, normalized, as canonical JSON. `source_sha256` is of the
    # bytes as received, to skip the whole pipeline when they come again.
    body = json.dumps(checked.report.document, sort_keys=True, separators=(",", ":")).encode()
    return PreparedSpec(
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        source_sha256=hashlib.sha256(loaded.raw).hexdigest(),
        report=checked.report,
        description=loaded.description,
        options=options(source),
        normalized=checked.normalized,
        operation_names=tuple(checked.operation_names),
    )


def inspect(
    call: Call, source: Any, *, target_name: str, existing_targets: int
) -> tuple[LoadedSpec, CheckedSpec]:
    """Load `source` and report what AgentCore Gateway can serve of it."""
    loaded = _load(call, source)
    return loaded, check_loaded(
        loaded, source, target_name=target_name, existing_targets=existing_targets
    )


def _load(call: Call, source: Any) -> LoadedSpec:
    from services.tools.spec_intake import load_spec

    team = call.actor.team if call.actor else None

    def read_upload(key: str) -> bytes:
        # A team reads only what it uploaded (create_upload_url's prefix).
        if team is None or not key.startswith(f"uploads/{team}/"):
            raise ForbiddenError(f"the upload {key} does not belong to team {team!r}")
        return call.runtime.spec_bucket.read_upload(key, MAX_SPEC_BYTES)

    return load_spec(
        source,
        s3_reader=read_upload if isinstance(source, S3Source) else None,
        fetch_policy=call.runtime.fetch_policy,
    )


def check_loaded(
    loaded: LoadedSpec, source: Any, *, target_name: str, existing_targets: int
) -> CheckedSpec:
    """`check` of a loaded source with its options. A spec fetched from a URL
    has a base for relative server URLs: that URL, as registered (OpenAPI:
    a relative server URL is relative to where the document is served)."""
    return check(
        loaded.document,
        base_url=_base_url(loaded.description),
        target_name=target_name,
        include_operations=source.include_operations,
        exclude_operations=source.exclude_operations,
        on_unsupported=source.on_unsupported,
        existing_targets=existing_targets,
        size_bytes=len(loaded.raw),
    )


def _base_url(description: Any) -> str | None:
    """The URL a source description says the spec was fetched from, if any."""
    if isinstance(description, dict) and description.get("type") == "url":
        url = description.get("url")
        return url if isinstance(url, str) else None
    return None


def check(
    document: dict[str, Any],
    *,
    target_name: str,
    include_operations: list[str] | None = None,
    exclude_operations: list[str] | None = None,
    on_unsupported: Literal["fail", "exclude"] = "fail",
    existing_targets: int = 0,
    size_bytes: int | None = None,
    base_url: str | None = None,
) -> CheckedSpec:
    """Normalize a parsed spec, then check it against AgentCore Gateway's rules.

    `base_url`: the URL the spec was fetched from, for its relative server
    URLs (none for a spec sent as bytes: those stay relative, and refused).

    The whole document is normalized (tens of milliseconds on the largest
    specs, against seconds of validation), before include/exclude select
    operations: normalizing changes no meaning, so it does not matter which
    comes first, and the notes kept are those about what is published.
    """
    from services.tools.spec_names import aliases
    from services.tools.spec_normalize import normalize_spec, published_notes
    from services.tools.spec_validation import validate_spec

    normalized, notes = normalize_spec(document, base_url=base_url)
    # include/exclude may name an operation by its made name, its original
    # operationId or "METHOD /path" (spec_names).
    names = aliases([n.operation_name for n in notes if n.operation_name])

    def selected(given: list[str] | None) -> list[str] | None:
        if given is None or not names:
            return given
        return list(dict.fromkeys(made for name in given for made in names.get(name, [name])))

    report = validate_spec(
        normalized,
        target_name=target_name,
        include_operations=selected(include_operations),
        exclude_operations=selected(exclude_operations),
        on_unsupported=on_unsupported,
        existing_targets=existing_targets,
        size_bytes=size_bytes,
    )
    return CheckedSpec(report, tuple(published_notes(notes, report.document, normalized)))
