"""What is asked to be published, and the limits on what is.

include_operations/exclude_operations choose among the spec's operations by
operationId; a name that is no operationId of the spec is an error. What is
then published must fit AgentCore Gateway's quotas, and the spec the
registry's size bound; a tool name longer than the models take is a
warning.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.tools.json_pointer import ROOT, child
from services.tools.models import MAX_SPEC_BYTES, MAX_TARGETS_PER_GATEWAY
from services.tools.spec_validation.document import Operation
from services.tools.spec_validation.report import Finding, doc_error, short
from services.tools.tool_names import MODEL_TOOL_NAME, full_name

# Limits. 1,000 tools per target and 100 targets per gateway are the
# AgentCore Gateway quotas the project works to; they live on the AgentCore
# quotas page (bedrock-agentcore-limits.html) and may be raised there. The
# targets quota lives with the request models (the create checks it first).
# MAX_SPEC_BYTES (10 MB) is the registry's own bound, see services.tools.models.
MAX_OPERATIONS_PER_TARGET = 1000


def select(
    ops: Sequence[Operation], include: list[str] | None, exclude: list[str] | None
) -> tuple[list[Finding], list[Operation]]:
    """The operations include/exclude select, and an error per unknown name."""
    known = {op.operation_id for op in ops if op.operation_id}
    errors: list[Finding] = []
    for field_name, names in (("include_operations", include), ("exclude_operations", exclude)):
        for i, name in enumerate(names or []):
            if name not in known:
                errors.append(
                    Finding(
                        "error",
                        "unknown-operation",
                        f"{field_name}[{i}]",
                        name,
                        f"{field_name} names {short(repr(name))}, which is no operationId "
                        "of the spec",
                        (name,),
                    )
                )
    selected = [
        op
        for op in ops
        if (include is None or op.operation_id in include)
        and (exclude is None or op.operation_id not in exclude)
    ]
    return errors, selected


def limit_findings(published: Sequence[Operation], existing_targets: int) -> list[Finding]:
    findings = []
    if not published:
        findings.append(
            doc_error("no-operations", "paths", "the spec has no operation left to publish")
        )
    if len(published) > MAX_OPERATIONS_PER_TARGET:
        findings.append(
            doc_error(
                "too-many-operations",
                "paths",
                f"{len(published)} operations to publish; AgentCore Gateway takes at most "
                f"{MAX_OPERATIONS_PER_TARGET} tools per target: split the spec or use "
                "include_operations",
            )
        )
    if existing_targets + 1 > MAX_TARGETS_PER_GATEWAY:
        findings.append(
            doc_error(
                "too-many-targets",
                ROOT,
                f"the gateway already has {existing_targets} targets; AgentCore Gateway "
                f"takes at most {MAX_TARGETS_PER_GATEWAY} per gateway",
            )
        )
    return findings


def model_limit_findings(published: Sequence[Operation], target_name: str) -> list[Finding]:
    """A warning for each published tool whose name is longer than the
    models' tool specs take (tool_names.MODEL_TOOL_NAME): AgentCore serves
    it, but an agent on Bedrock's Converse API (or OpenAI's) is refused
    its whole tool list."""
    findings = []
    for op in published:
        name = full_name(target_name, op.operation_id)
        if op.operation_id and not op.issues and len(name) > MODEL_TOOL_NAME:
            findings.append(
                Finding(
                    "warning",
                    "tool-name-over-model-limit",
                    child(op.base, "operationId"),
                    op.key,
                    f"the tool name {short(name, 80)!r} is {len(name)} characters: Bedrock's "
                    f"Converse API and OpenAI take at most {MODEL_TOOL_NAME}, and refuse a "
                    "request whose tool list holds a longer one (a shorter target name or "
                    "operationId avoids it)",
                    (op.key,),
                )
            )
    return findings


def size_finding(size_bytes: int) -> Finding:
    # Not validated further: openapi-spec-validator would take tens of
    # seconds on it, for a spec that is refused anyway.
    return doc_error(
        "spec-too-large",
        ROOT,
        f"the spec is {size_bytes} bytes; at most {MAX_SPEC_BYTES} ({MAX_SPEC_BYTES // 2**20} MB)",
    )
