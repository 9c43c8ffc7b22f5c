"""`validate_spec`: every rule over one document, then one report.

The order matters: the version is checked first (a spec that is not OpenAPI
3.0/3.1 gets that one finding); then every operation's rules, the
document's, the `$ref`s; then include/exclude choose, the OpenAPI validator
runs on what was chosen, on_unsupported decides what is published, and the
limits apply to that. A malformed document that trips a rule (or the
validator library) becomes a finding, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from services.logging import logger
from services.tools.json_pointer import ROOT
from services.tools.models import MAX_SPEC_BYTES
from services.tools.spec_validation.document import Operation, Spec
from services.tools.spec_validation.hidden_text import flag_hidden_text
from services.tools.spec_validation.openapi_validator import openapi_validator_findings
from services.tools.spec_validation.operations import flag_duplicate_ids, operation_issues
from services.tools.spec_validation.refs import ref_findings
from services.tools.spec_validation.report import (
    Finding,
    OperationReport,
    Severity,
    SpecReport,
    doc_error,
    merge_shared,
)
from services.tools.spec_validation.selection import (
    limit_findings,
    model_limit_findings,
    select,
    size_finding,
)
from services.tools.spec_validation.servers import server_findings
from services.tools.spec_validation.values import as_dict

OnUnsupported = Literal["fail", "exclude"]

_SUPPORTED_VERSION = re.compile(r"^3\.[01]\.\d+")


def validate_spec(
    document: dict[str, Any],
    *,
    target_name: str,
    include_operations: list[str] | None = None,
    exclude_operations: list[str] | None = None,
    on_unsupported: OnUnsupported = "fail",
    existing_targets: int = 0,
    size_bytes: int | None = None,
    resolver: Callable[[str], list[str]] | None = None,
) -> SpecReport:
    """Check `document` (a parsed spec) as the target `target_name`.

    `existing_targets`: the gateway's targets besides this one.
    `size_bytes`: the spec's size as received, when known.
    `resolver`: given a host name, its addresses; only then are server names
    resolved (never by default: validation does no network I/O).
    """
    refused = _version_finding(document)
    if refused is not None:
        return _refused_report(document, refused)
    try:
        return _validate(
            document,
            target_name=target_name,
            include_operations=include_operations,
            exclude_operations=exclude_operations,
            on_unsupported=on_unsupported,
            existing_targets=existing_targets,
            size_bytes=size_bytes,
            resolver=resolver,
        )
    except (TypeError, AttributeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        # A document malformed in a way the rules (or the validator library)
        # do not expect, e.g. a parameter whose `in` is a list or a `$ref` at
        # the root: a finding for the caller, never a 500.
        logger.warning("spec validation crashed", extra={"error": type(exc).__name__})
        finding = Finding(
            "error",
            "openapi-invalid",
            "",
            None,
            f"the spec is malformed in a way that could not be checked ({type(exc).__name__}); "
            "validate it with an OpenAPI validator",
        )
        return _refused_report(document, finding)


def _validate(
    document: dict[str, Any],
    *,
    target_name: str,
    include_operations: list[str] | None,
    exclude_operations: list[str] | None,
    on_unsupported: OnUnsupported,
    existing_targets: int,
    size_bytes: int | None,
    resolver: Callable[[str], list[str]] | None,
) -> SpecReport:
    spec = Spec(document)
    ops = spec.operations
    for op in ops:
        op.issues.extend(operation_issues(op, spec, target_name, resolver))
    flag_duplicate_ids(ops)
    flag_hidden_text(spec, ops)
    doc_findings = server_findings(document, resolver)
    doc_findings += _webhook_findings(document)
    doc_findings += ref_findings(spec, ops)

    selection_errors, selected = select(ops, include_operations, exclude_operations)
    too_large = size_bytes is not None and size_bytes > MAX_SPEC_BYTES
    if too_large:
        doc_findings.append(size_finding(size_bytes or 0))
    else:
        # Only the selected operations are validated (plus every component,
        # which is published whole): see openapi_validator_findings.
        validated = spec.filtered({op.ident for op in selected})
        doc_findings += openapi_validator_findings(validated, spec, selected)

    published = [op for op in selected if on_unsupported == "fail" or not op.issues]
    doc_findings += limit_findings(published, existing_targets)
    doc_findings += model_limit_findings(published, target_name)
    severity: Severity = "error" if on_unsupported == "fail" else "warning"
    reports = {op.ident: op.report(target_name, severity, published=op in published) for op in ops}
    return _assemble(
        spec,
        reports=reports,
        selected=selected,
        published=published,
        doc_findings=selection_errors + doc_findings,
        severity=severity,
    )


def _assemble(
    spec: Spec,
    *,
    reports: dict[tuple[str, str], OperationReport],
    selected: Sequence[Operation],
    published: Sequence[Operation],
    doc_findings: list[Finding],
    severity: Severity,
) -> SpecReport:
    # An operation's own findings block publishing only while it is published
    # under "fail"; under "exclude" it is left out and they stay warnings.
    # A place several operations share is one finding listing them all.
    op_findings = merge_shared([f for op in selected for f in reports[op.ident].findings])
    errors = [f for f in doc_findings if f.severity == "error"]
    warnings = [f for f in doc_findings if f.severity == "warning"]
    (errors if severity == "error" else warnings).extend(op_findings)
    return SpecReport(
        openapi_version=str(spec.document.get("openapi")),
        operations=tuple(reports.values()),
        errors=tuple(errors),
        warnings=tuple(warnings),
        published_operations=tuple(op.operation_id for op in published if op.operation_id),
        document=spec.filtered({op.ident for op in published}),
        left_out=tuple(reports[op.ident] for op in selected if op not in published),
    )


def _version_finding(document: dict[str, Any]) -> Finding | None:
    # The OpenAPI page: "OpenAPI versions 3.0 and 3.1 are supported (Swagger
    # 2.0 is not supported)".
    if "swagger" in document:
        return doc_error(
            "swagger-unsupported",
            "swagger",
            f"Swagger {document['swagger']} is not supported: AgentCore Gateway supports only "
            "OpenAPI 3.0 and 3.1. Convert the spec to OpenAPI 3 (for example with "
            "swagger2openapi or the Swagger Editor) and send it again",
        )
    version = document.get("openapi")
    if not isinstance(version, str) or not _SUPPORTED_VERSION.match(version):
        return doc_error(
            "unsupported-openapi-version",
            "openapi" if "openapi" in document else ROOT,
            f"openapi is {version!r}: AgentCore Gateway supports only OpenAPI 3.0.x and 3.1.x "
            "(a string such as '3.0.3')",
        )
    return None


def _refused_report(document: dict[str, Any], finding: Finding) -> SpecReport:
    version = document.get("swagger", document.get("openapi", ""))
    return SpecReport(
        openapi_version=str(version),
        operations=(),
        errors=(finding,),
        warnings=(),
        published_operations=(),
        document=document,
    )


def _webhook_findings(document: dict[str, Any]) -> list[Finding]:
    if as_dict(document.get("webhooks")):
        return [
            Finding(
                "warning",
                "webhooks-ignored",
                "webhooks",
                None,
                "webhooks are not operations the gateway can call: they are not published",
            )
        ]
    return []
