"""What validation answers: findings, per-operation reports, the spec report.

The `validate_spec` action returns `SpecReport.to_dict()`; `create_tool` and
`update_tool` call `SpecReport.raise_for_errors()` before anything is
created. Every rule module builds its findings with the types here: a
`Finding` about the document, or an `Issue` about one operation, whose
severity is only known once include/exclude/on_unsupported have chosen what
is published.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from services.errors import InvalidSpecError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str  # a short stable code, e.g. "missing-operation-id"
    path: str  # JSON path, e.g. "paths./pets/{id}.get.requestBody" or "servers[0].url"
    # operationId (or "METHOD /path" when it has none) of the one operation
    # the finding concerns; None for the document, or for a shared part
    # (a component, a Path Item's parameters) that `operations` lists.
    operation: str | None
    message: str
    operations: tuple[str, ...] = ()  # every operation it concerns; () for the document

    def to_detail(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "path": self.path,
            "operation": self.operation,
            "operations": list(self.operations),
            "message": self.message,
        }


@dataclass(frozen=True)
class Issue:
    """A finding about one operation, before its severity is known."""

    rule: str
    path: str
    message: str


@dataclass(frozen=True)
class OperationReport:
    operation_id: str | None
    method: str  # upper case, "GET"
    path: str
    tool_name: str | None  # <target_name>___<operationId>
    servable: bool  # no finding of its own
    published: bool  # in the published document
    findings: tuple[Finding, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation_id": self.operation_id,
            "method": self.method,
            "path": self.path,
            "tool_name": self.tool_name,
            "servable": self.servable,
            "published": self.published,
            "findings": [f.to_detail() for f in self.findings],
        }


@dataclass(frozen=True)
class SpecReport:
    openapi_version: str
    operations: tuple[OperationReport, ...]
    # Everything that blocks publishing, after include/exclude/on_unsupported.
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    published_operations: tuple[str, ...]  # operationIds that will be served
    # The spec to publish: the input itself when every operation is published,
    # else a copy with only the published operations. Shares unchanged
    # subtrees with the input: treat it as read-only.
    document: dict[str, Any]
    # Selected operations left out because of their own findings (only under
    # on_unsupported "exclude": under "fail" they are errors instead).
    left_out: tuple[OperationReport, ...] = ()

    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        if self.errors:
            raise InvalidSpecError(
                f"the spec cannot be served by AgentCore Gateway: {len(self.errors)} error(s)",
                details=[f.to_detail() for f in self.errors + self.warnings],
            )

    def to_dict(self) -> dict[str, Any]:
        """The `validate_spec` action's answer."""
        return {
            "ok": self.ok(),
            "openapi_version": self.openapi_version,
            "operations": [op.to_dict() for op in self.operations],
            "errors": [f.to_detail() for f in self.errors],
            "warnings": [f.to_detail() for f in self.warnings],
            "published_operations": list(self.published_operations),
        }


def merge_shared(findings: list[Finding]) -> list[Finding]:
    """One finding per place: the operations' findings about the same value
    (a component several operations use, a Path Item's parameter) become
    one, listing every operation it concerns, so that a bad shared schema
    reads as one fix, not one per operation (issue 13, point 4). The order
    is that of each place's first finding."""
    merged: dict[tuple[str, str, str, str], Finding] = {}
    for f in findings:
        key = (f.severity, f.rule, f.path, f.message)
        seen = merged.get(key)
        if seen is None:
            merged[key] = f
        else:
            operations = seen.operations + tuple(
                o for o in f.operations if o not in seen.operations
            )
            one = seen.operation if len(operations) == 1 else None
            merged[key] = replace(seen, operation=one, operations=operations)
    return list(merged.values())


def doc_error(rule: str, path: str, message: str) -> Finding:
    """An error about the document, not about one operation."""
    return Finding("error", rule, path, None, message)


def short(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters: findings quote what the spec says."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
