"""Can AgentCore Gateway serve this OpenAPI spec? One report, every finding.

`validate_spec` checks a parsed OpenAPI document against what AgentCore
Gateway accepts for an OpenAPI target and returns a `SpecReport`: the
findings of every rule at once (never only the first), each with its JSON
path and operation, a per-operation verdict, and the document to publish.
The `validate_spec` action returns `SpecReport.to_dict()`; `create_tool` and
`update_tool` call `SpecReport.raise_for_errors()` before anything is created.

Two kinds of finding:

- errors: AgentCore refuses the spec or cannot serve it (not OpenAPI 3.0/3.1,
  invalid, remote `$ref`, no `operationId`, unsafe `servers`, limits);
- unsupported: AgentCore documents the feature as unsupported
  (`oneOf`/`anyOf`/`allOf`, non-JSON media types, parameter serializers,
  cookie parameters) but the rest of the spec can still be served.

A finding about one operation makes that operation not servable. With
`on_unsupported="fail"` (the default) every such finding of a published
operation is an error; with `"exclude"` the operation is left out of the
published document and its findings stay warnings.

The rules cite the AgentCore Gateway developer guide:
- OpenAPI targets: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-schema-openapi.html
  ("the OpenAPI page" below);
- tool naming: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-tool-naming.html

Cost. openapi-spec-validator is imported lazily (about 0.4 s) and only here,
so no other action pays for it; it validates at about 0.6 s/MB for 3.0 and
3.5 s/MB for 3.1 on a 2-core machine. Our own checks are linear walks.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast
from urllib.parse import unquote, urlsplit

from services.errors import InvalidSpecError
from services.logging import logger
from services.net.address_policy import is_private_name, is_public
from services.tools.models import MAX_SPEC_BYTES

if TYPE_CHECKING:
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.validation.registries import KeywordValidatorRegistry

Severity = Literal["error", "warning"]
OnUnsupported = Literal["fail", "exclude"]

# The HTTP methods of an OpenAPI 3.0/3.1 Path Item.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Limits. 1,000 tools per target and 100 targets per gateway are the
# AgentCore Gateway quotas the project works to; they live on the AgentCore
# quotas page (bedrock-agentcore-limits.html) and may be raised there.
# MAX_SPEC_BYTES (10 MB) is the registry's own bound, see services.tools.models.
MAX_OPERATIONS_PER_TARGET = 1000
MAX_TARGETS_PER_GATEWAY = 100
# The tool-naming page builds a tool's name as `${target_name}___${tool_name}`
# (three underscores; one rendering of the page shows two). It gives no
# length: 256 is the registry's bound (models.OPERATION_ID). Bedrock's
# Converse API takes tool names of at most 64 characters; that depends on the
# agent's model, so it is not enforced here.
TOOL_NAME_SEPARATOR = "___"
MAX_TOOL_NAME = 256
# The operationId becomes the tool name. The tool-naming page gives only the
# pattern above; the OpenAPI page warns that names the downstream LLM's
# ToolSpec refuses ("unsupported characters") fail in the data plane, and
# Bedrock's ToolSpecification.name is `[a-zA-Z0-9_-]+`.
OPERATION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
# Parameters become properties of the tool's input schema: the same ToolSpec
# bullet of the OpenAPI page ("property names exceeding the allowed length or
# containing unsupported characters"); LLM providers take `[A-Za-z0-9_.-]{1,64}`.
PARAMETER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_ROOT = "$"
_COMPOSITION = ("oneOf", "anyOf", "allOf")
# A parameter's serialization defaults (OpenAPI 3.x Parameter Object):
# writing them out changes nothing, any other style/explode is a serializer.
_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
_MAX_MESSAGE = 300
_MAX_REF_HOPS = 32

_INET_ATON_FORM = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")

# JSON Schema keywords whose values are subschemas (Draft 4 to 2020-12).
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SUBSCHEMA_ONE = (
    "items",
    "additionalItems",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
)
# Keys whose values are data, not spec: a `$ref` in an example is not followed.
_LITERAL_KEYS = frozenset({"example", "default", "enum", "const"})
# Keys whose dict values are keyed by names, where a key "example" is a name.
_NAME_MAPS = frozenset({"properties", "patternProperties"})


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str  # a short stable code, e.g. "missing-operation-id"
    path: str  # JSON path, e.g. "paths./pets/{id}.get.requestBody" or "servers[0].url"
    operation: str | None  # operationId, or "METHOD /path" when it has none
    message: str

    def to_detail(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "path": self.path,
            "operation": self.operation,
            "message": self.message,
        }


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


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


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
    spec = _Spec(document)
    ops = spec.operations
    for op in ops:
        op.issues.extend(_operation_issues(op, spec, target_name, resolver))
    _flag_duplicate_ids(ops)
    doc_findings = _document_findings(spec, resolver)
    doc_findings += _ref_findings(spec, ops)

    selection_errors, selected = _select(ops, include_operations, exclude_operations)
    too_large = size_bytes is not None and size_bytes > MAX_SPEC_BYTES
    if too_large:
        doc_findings.append(_size_finding(size_bytes or 0))
    else:
        # Only the selected operations are validated (plus every component,
        # which is published whole): see _openapi_validator_findings.
        validated = spec.filtered({op.ident for op in selected})
        doc_findings += _openapi_validator_findings(validated, spec, selected)

    published = [op for op in selected if on_unsupported == "fail" or not op.issues]
    doc_findings += _limit_findings(published, existing_targets)
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
    spec: _Spec,
    *,
    reports: dict[tuple[str, str], OperationReport],
    selected: Sequence[_Operation],
    published: Sequence[_Operation],
    doc_findings: list[Finding],
    severity: Severity,
) -> SpecReport:
    # An operation's own findings block publishing only while it is published
    # under "fail"; under "exclude" it is left out and they stay warnings.
    op_findings = [f for op in selected for f in reports[op.ident].findings]
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


# --------------------------------------------------------------------------
# Version
# --------------------------------------------------------------------------

_SUPPORTED_VERSION = re.compile(r"^3\.[01]\.\d+")


def _version_finding(document: dict[str, Any]) -> Finding | None:
    # The OpenAPI page: "OpenAPI versions 3.0 and 3.1 are supported (Swagger
    # 2.0 is not supported)".
    if "swagger" in document:
        return _doc_error(
            "swagger-unsupported",
            "swagger",
            f"Swagger {document['swagger']} is not supported: AgentCore Gateway supports only "
            "OpenAPI 3.0 and 3.1. Convert the spec to OpenAPI 3 (for example with "
            "swagger2openapi or the Swagger Editor) and send it again",
        )
    version = document.get("openapi")
    if not isinstance(version, str) or not _SUPPORTED_VERSION.match(version):
        return _doc_error(
            "unsupported-openapi-version",
            "openapi" if "openapi" in document else _ROOT,
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


# --------------------------------------------------------------------------
# The document and its operations
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Issue:
    """A finding about one operation, before its severity is known."""

    rule: str
    path: str
    message: str


@dataclass(eq=False)
class _Operation:
    url: str
    method: str
    node: dict[str, Any]
    base: str  # JSON path of the operation object
    item: dict[str, Any]  # its Path Item (resolved when it is a $ref)
    item_base: str
    operation_id: str | None  # None unless a non-empty string
    issues: list[_Issue] = field(default_factory=list)

    @property
    def ident(self) -> tuple[str, str]:
        return (self.url, self.method)

    @property
    def key(self) -> str:
        return self.operation_id or f"{self.method.upper()} {self.url}"

    def report(self, target_name: str, severity: Severity, *, published: bool) -> OperationReport:
        findings = tuple(
            Finding(severity, i.rule, i.path, self.key, i.message) for i in self.issues
        )
        return OperationReport(
            operation_id=self.operation_id,
            method=self.method.upper(),
            path=self.url,
            tool_name=(
                f"{target_name}{TOOL_NAME_SEPARATOR}{self.operation_id}"
                if self.operation_id
                else None
            ),
            servable=not self.issues,
            published=published,
            findings=findings,
        )


class _Spec:
    """The document, with local `$ref` resolution memoized."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._resolved: dict[str, tuple[str, Any] | None] = {}
        self._schemas: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}
        # Every non-local or dangling $ref string found (see _ref_problem).
        self.bad_refs: set[str] = set()
        self.operations = self._operations()
        self._all_idents = {op.ident for op in self.operations}

    # -- operations --------------------------------------------------------

    def _operations(self) -> list[_Operation]:
        ops = []
        for url, raw_item in _dict(self.document.get("paths")).items():
            item_base = _child(_child(_ROOT, "paths"), str(url))
            _, item = self.deref(item_base, raw_item)
            for method in METHODS:
                node = _dict(item).get(method)
                if isinstance(node, dict):
                    ops.append(self._operation(str(url), method, node, item, item_base))
        return ops

    @staticmethod
    def _operation(
        url: str, method: str, node: dict[str, Any], item: dict[str, Any], item_base: str
    ) -> _Operation:
        op_id = node.get("operationId")
        return _Operation(
            url=url,
            method=method,
            node=node,
            base=_child(item_base, method),
            item=item,
            item_base=item_base,
            operation_id=op_id if isinstance(op_id, str) and op_id else None,
        )

    def filtered(self, keep: set[tuple[str, str]]) -> dict[str, Any]:
        """The document with only the operations in `keep`, and only the
        components they reach (so publishing ten operations of a large spec
        validates, and ships, ten operations' worth of schemas)."""
        if keep >= self._all_idents:
            return self.document
        paths: dict[str, Any] = {}
        for url, raw_item in _dict(self.document.get("paths")).items():
            _, item = self.deref("", raw_item)
            methods = [m for m in METHODS if isinstance(_dict(item).get(m), dict)]
            kept = [m for m in methods if (url, m) in keep]
            if len(kept) == len(methods):
                paths[url] = raw_item  # untouched, or no operation to begin with
            elif kept:
                paths[url] = {k: v for k, v in item.items() if k not in methods or k in kept}
            # else: no operation left, the path goes
        document = {**self.document, "paths": paths}
        components = self.document.get("components")
        if isinstance(components, dict):
            document["components"] = _used_components(document, components)
        return document

    # -- references --------------------------------------------------------

    def note_bad_ref(self, ref: str) -> None:
        # As written, and in the forms referencing may name it in Unresolvable
        # (the document part, the fragment part).
        document, _, fragment = ref.partition("#")
        self.bad_refs.update(r for r in (ref, document, fragment) if r)

    def resolve(self, ref: str) -> tuple[str, Any] | None:
        """A local `$ref` ("#/a/b") as (JSON path, node), or None."""
        if ref not in self._resolved:
            self._resolved[ref] = _resolve_pointer(self.document, ref)
        return self._resolved[ref]

    def deref(self, path: str, node: Any) -> tuple[str, Any]:
        """Follow `$ref` chains of a Reference Object to the object itself."""
        for _ in range(_MAX_REF_HOPS):
            ref = node.get("$ref") if isinstance(node, dict) else None
            target = self.resolve(ref) if isinstance(ref, str) else None
            if target is None:
                return path, node
            path, node = target
        return path, node

    # -- oneOf / anyOf / allOf ---------------------------------------------

    def composition(self, roots: Iterable[tuple[str, Any]]) -> dict[str, str]:
        """Where oneOf/anyOf/allOf first appear in schemas reachable from `roots`.

        Follows local `$ref`s breadth-first; each referenced schema is scanned
        once per call (cycles end there) and its own findings once per spec.
        """
        found: dict[str, str] = {}
        queue: deque[str] = deque()
        for path, schema in roots:
            direct, refs = _scan_schema(path, schema)
            _merge_first(found, direct)
            queue.extend(refs)
        seen: set[str] = set()
        while queue and len(found) < len(_COMPOSITION):
            ref = queue.popleft()
            if ref in seen:
                continue
            seen.add(ref)
            direct, refs = self._schema_node(ref)
            _merge_first(found, direct)
            queue.extend(refs)
        return found

    def _schema_node(self, ref: str) -> tuple[dict[str, str], tuple[str, ...]]:
        if ref not in self._schemas:
            target = self.resolve(ref)
            self._schemas[ref] = _scan_schema(*target) if target else ({}, ())
        return self._schemas[ref]


def _used_components(document: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The components that the rest of `document` reaches: by local `$ref`,
    transitively, and security schemes by the names its security
    requirements use."""
    keep: dict[str, set[str]] = {}
    seen: set[str] = set()
    stack: list[Any] = [v for k, v in document.items() if k != "components"]
    prefix = "#/components/"
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix) and ref not in seen:
            seen.add(ref)
            parts = [
                unquote(p).replace("~1", "/").replace("~0", "~")
                for p in ref[len(prefix) :].split("/")
            ]
            if len(parts) >= 2:
                keep.setdefault(parts[0], set()).add(parts[1])
                target = _dict(components.get(parts[0])).get(parts[1])
                if target is not None:
                    stack.append(target)
        stack.extend(node.values())
    requirements = list(_list(document.get("security")))
    for item in _dict(document.get("paths")).values():
        for method in METHODS:
            requirements.extend(_list(_dict(_dict(item).get(method)).get("security")))
    for requirement in requirements:
        keep.setdefault("securitySchemes", set()).update(_dict(requirement))
    return {
        section: {k: v for k, v in entries.items() if k in keep.get(section, set())}
        if isinstance(entries, dict)
        else entries
        for section, entries in components.items()
    }


def _resolve_pointer(document: dict[str, Any], ref: str) -> tuple[str, Any] | None:
    if ref == "#":
        return _ROOT, document
    if not ref.startswith("#/"):
        return None  # remote, relative, or a plain-name anchor
    node: Any = document
    path = _ROOT
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node, path = node[part], _child(path, part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node, path = node[int(part)], _child(path, int(part))
        else:
            return None
    return path, node


def _scan_schema(path: str, schema: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """oneOf/anyOf/allOf in a schema's own subtree, and the local $refs it makes."""
    found: dict[str, str] = {}
    refs: list[str] = []
    stack = [(path, schema)]
    while stack:
        here, node = stack.pop()
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            refs.append(ref)
        for keyword in _COMPOSITION:
            if keyword in node and keyword not in found:
                found[keyword] = _child(here, keyword)
        stack.extend(_subschemas(here, node))
    return found, tuple(refs)


def _subschemas(path: str, schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in _SUBSCHEMA_LISTS:
        for i, sub in enumerate(_list(schema.get(key))):
            yield _child(_child(path, key), i), sub
    for key in _SUBSCHEMA_MAPS:
        for name, sub in _dict(schema.get(key)).items():
            yield _child(_child(path, key), str(name)), sub
    for key in _SUBSCHEMA_ONE:
        sub = schema.get(key)
        if isinstance(sub, list):  # Draft 4 tuple `items`
            yield from ((_child(_child(path, key), i), s) for i, s in enumerate(sub))
        elif isinstance(sub, dict):
            yield _child(path, key), sub


def _merge_first(found: dict[str, str], more: Mapping[str, str]) -> None:
    for key, value in more.items():
        found.setdefault(key, value)


# --------------------------------------------------------------------------
# Per-operation rules
# --------------------------------------------------------------------------


def _operation_issues(
    op: _Operation, spec: _Spec, target_name: str, resolver: Callable[[str], list[str]] | None
) -> Iterator[_Issue]:
    yield from _operation_id_issues(op, target_name)
    for servers_path, servers in _operation_servers(op):
        for i, server in enumerate(servers):
            url_path = _child(_child(servers_path, i), "url")
            url = server.get("url") if isinstance(server, dict) else None
            yield from (_Issue(*f) for f in _server_url_problems(url, url_path, resolver))
    roots: list[tuple[str, Any]] = []
    yield from _parameter_issues(op, spec, roots)
    yield from _body_issues(op, spec, roots)
    yield from _composition_issues(spec.composition(roots))


def _operation_id_issues(op: _Operation, target_name: str) -> Iterator[_Issue]:
    # The OpenAPI page: "The OpenAPI specification must include operationId
    # fields for all operations that you want to expose as tools. The
    # operationId is used as the tool name in the MCP interface."
    raw = op.node.get("operationId")
    if raw is None:
        yield _Issue(
            "missing-operation-id",
            op.base,
            "the operation has no operationId: AgentCore Gateway uses it as the tool name",
        )
        return
    path = _child(op.base, "operationId")
    if not isinstance(raw, str) or not OPERATION_ID_PATTERN.match(raw):
        yield _Issue(
            "invalid-operation-id",
            path,
            f"operationId {_short(repr(raw))} must be letters, digits, '_' and '-' only: "
            "it becomes the tool name, and the models' tool specs refuse other characters",
        )
    tool_name = f"{target_name}{TOOL_NAME_SEPARATOR}{raw}"
    if len(tool_name) > MAX_TOOL_NAME:
        yield _Issue(
            "tool-name-too-long",
            path,
            f"the tool name '<target>{TOOL_NAME_SEPARATOR}<operationId>' would be "
            f"{len(tool_name)} characters; at most {MAX_TOOL_NAME}",
        )


def _operation_servers(op: _Operation) -> Iterator[tuple[str, list[Any]]]:
    # Path-level and operation-level `servers` override the document's: the
    # gateway would call them, so they pass the same checks.
    for base, node in ((op.item_base, op.item), (op.base, op.node)):
        servers = node.get("servers")
        if isinstance(servers, list):
            yield _child(base, "servers"), servers


def _flag_duplicate_ids(ops: Sequence[_Operation]) -> None:
    # Two operations with one operationId would be two tools of one name.
    by_id: dict[str, list[_Operation]] = {}
    for op in ops:
        if op.operation_id:
            by_id.setdefault(op.operation_id, []).append(op)
    for op_id, same in by_id.items():
        if len(same) > 1:
            where = ", ".join(f"{o.method.upper()} {o.url}" for o in same)
            for op in same:
                op.issues.append(
                    _Issue(
                        "duplicate-operation-id",
                        _child(op.base, "operationId"),
                        f"operationId '{op_id}' is used by {len(same)} operations ({where}): "
                        "tool names must be unique",
                    )
                )


def _parameters(op: _Operation, spec: _Spec) -> list[tuple[str, dict[str, Any]]]:
    """The operation's parameters (path-level ones it does not override), resolved."""
    merged: dict[tuple[Any, Any], tuple[str, dict[str, Any]]] = {}
    for base, node in ((op.item_base, op.item), (op.base, op.node)):
        params_path = _child(base, "parameters")
        for i, raw in enumerate(_list(node.get("parameters"))):
            path, param = spec.deref(_child(params_path, i), raw)
            if isinstance(param, dict):
                merged[(param.get("name"), param.get("in"))] = (path, param)
    return list(merged.values())


def _parameter_issues(
    op: _Operation, spec: _Spec, roots: list[tuple[str, Any]]
) -> Iterator[_Issue]:
    for path, param in _parameters(op, spec):
        location = param.get("in")
        if location == "cookie":
            # The OpenAPI page: serializers "for query, header, and cookie
            # parameters are not supported"; the gateway sends no cookies.
            yield _Issue(
                "cookie-parameter-unsupported",
                path,
                f"cookie parameter {_short(repr(param.get('name')))}: "
                "AgentCore Gateway does not support cookie parameters",
            )
        yield from _serializer_issues(path, param, location)
        yield from _parameter_name_issues(path, param)
        if "schema" in param:
            roots.append((_child(path, "schema"), param["schema"]))


def _serializer_issues(path: str, param: dict[str, Any], location: Any) -> Iterator[_Issue]:
    # The OpenAPI page: "Path parameter serializers and parameter serializers
    # for query, header, and cookie parameters are not supported".
    default_style = _DEFAULT_STYLE.get(str(location))
    style = param.get("style", default_style)
    if style != default_style:
        yield _serializer_issue(_child(path, "style"), f"style '{style}'")
    elif "explode" in param and param["explode"] != (style == "form"):
        yield _serializer_issue(_child(path, "explode"), f"explode {param['explode']!r}")
    if "content" in param:
        yield _serializer_issue(_child(path, "content"), "a media-type serialized value")


def _serializer_issue(path: str, what: str) -> _Issue:
    return _Issue(
        "parameter-serializer-unsupported",
        path,
        f"the parameter uses {what}: AgentCore Gateway does not support parameter serializers",
    )


def _parameter_name_issues(path: str, param: dict[str, Any]) -> Iterator[_Issue]:
    name = param.get("name")
    if isinstance(name, str) and not PARAMETER_NAME_PATTERN.match(name):
        yield _Issue(
            "parameter-name-unsupported",
            _child(path, "name"),
            f"parameter name {_short(repr(name))} becomes a tool input property: models "
            "accept 1 to 64 letters, digits, '_', '.' and '-'",
        )


def _body_issues(op: _Operation, spec: _Spec, roots: list[tuple[str, Any]]) -> Iterator[_Issue]:
    bodies: list[tuple[str, Any]] = []
    if "requestBody" in op.node:
        bodies.append(spec.deref(_child(op.base, "requestBody"), op.node["requestBody"]))
    responses_path = _child(op.base, "responses")
    for code, raw in _dict(op.node.get("responses")).items():
        bodies.append(spec.deref(_child(responses_path, str(code)), raw))
    for path, body in bodies:
        yield from _content_issues(path, _dict(body).get("content"), roots)


def _content_issues(path: str, content: Any, roots: list[tuple[str, Any]]) -> Iterator[_Issue]:
    # The OpenAPI page: "Only application/json content type is fully
    # supported". A body that also offers JSON is served as JSON; one with no
    # JSON media type cannot be.
    if not isinstance(content, dict) or not content:
        return
    content_path = _child(path, "content")
    json_types = [mt for mt in content if _is_json(mt)]
    if not json_types:
        listed = ", ".join(str(mt) for mt in content)
        yield _Issue(
            "media-type-unsupported",
            content_path,
            f"no application/json media type (has {_short(listed)}): AgentCore Gateway "
            "fully supports only application/json",
        )
    for media_type in json_types:
        media = content[media_type]
        if isinstance(media, dict) and "schema" in media:
            roots.append((_child(_child(content_path, media_type), "schema"), media["schema"]))


def _is_json(media_type: Any) -> bool:
    return str(media_type).split(";")[0].strip().lower() == "application/json"


def _composition_issues(found: Mapping[str, str]) -> Iterator[_Issue]:
    # The OpenAPI page: "Complex schema features like oneOf, anyOf, and allOf
    # are not supported".
    for keyword in _COMPOSITION:
        if keyword in found:
            yield _Issue(
                f"{keyword.lower()}-unsupported",
                found[keyword],
                f"a schema this operation uses has {keyword}: AgentCore Gateway does not "
                "support oneOf, anyOf or allOf",
            )


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


def _document_findings(spec: _Spec, resolver: Callable[[str], list[str]] | None) -> list[Finding]:
    document = spec.document
    findings: list[Finding] = []
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers:
        # The OpenAPI page: "The server attribute needs to have a valid URL of
        # an actual endpoint" (OpenAPI itself would default to "/").
        findings.append(
            _doc_error(
                "servers-missing",
                "servers",
                "the spec has no servers: AgentCore Gateway needs the https URL of the API",
            )
        )
    for i, server in enumerate(_list(servers)):
        path = _child(_child(_ROOT, "servers"), i)
        url = server.get("url") if isinstance(server, dict) else None
        for rule, where, message in _server_url_problems(url, _child(path, "url"), resolver):
            findings.append(_doc_error(rule, where, message))
    if _dict(document.get("webhooks")):
        findings.append(
            Finding(
                "warning",
                "webhooks-ignored",
                "webhooks",
                None,
                "webhooks are not operations the gateway can call: they are not published",
            )
        )
    return findings


def _server_url_problems(
    url: Any, path: str, resolver: Callable[[str], list[str]] | None
) -> Iterator[tuple[str, str, str]]:
    """(rule, path, message) for each problem of one server URL."""
    if not isinstance(url, str) or not url.strip():
        yield "server-url-invalid", path, "a server needs a url"
        return
    shown = _short(url)
    scheme, _, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0] if rest else ""
    if "{" in scheme or "{" in authority:
        # The OpenAPI page, "Security best practices for URL parameters":
        # avoid `https://{yourDomain}/`-like patterns, which let a caller
        # redirect the gateway to any host (SSRF).
        yield (
            "server-url-templated",
            path,
            f"server URL {shown} has a variable in its scheme or host: the gateway could be "
            "sent to any host; write the host out",
        )
        if "{" in scheme:
            return
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    if not https:
        # The Marketplace guide for AgentCore Gateway: "a valid secure (https)
        # endpoint URL in the server attribute".
        yield "servers-not-https", path, f"server URL {shown} is not an absolute https URL"
    if "{" in authority or not (https or parts.netloc):
        return
    host = parts.hostname
    if not host:
        yield "server-url-invalid", path, f"server URL {shown} has no host"
        return
    problem = _host_problem(host, resolver)
    if problem is not None:
        yield problem[0], path, f"server URL {shown}: {problem[1]}"


def _host_problem(host: str, resolver: Callable[[str], list[str]] | None) -> tuple[str, str] | None:
    """Why the gateway must not call `host`, or None. Never touches the network
    unless `resolver` is given."""
    host = host.rstrip(".").lower()
    literal = _ip_literal(host)
    if literal is not None:
        if is_public(literal):
            return None
        return "server-host-not-public", f"{literal} is not a public address"
    if is_private_name(host):
        return "server-host-not-public", f"'{host}' is not a public host name"
    if resolver is None:
        return None
    return _resolved_host_problem(host, resolver)


def _resolved_host_problem(
    host: str, resolver: Callable[[str], list[str]]
) -> tuple[str, str] | None:
    try:
        addresses = list(resolver(host))
    except Exception as exc:  # a resolver's own failure, e.g. socket.gaierror
        return "server-host-unresolvable", f"'{host}' does not resolve ({type(exc).__name__})"
    if not addresses:
        return "server-host-unresolvable", f"'{host}' does not resolve"
    for address in addresses:
        literal = _ip_literal(str(address))
        if literal is None or not is_public(literal):
            return "server-host-not-public", f"'{host}' resolves to {address}, not a public address"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        pass
    # inet_aton's forms ("2130706433", "0x7f.1", "127.1") are IPv4 to HTTP
    # clients too. inet_aton parses; it does no I/O.
    if _INET_ATON_FORM.match(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


# --------------------------------------------------------------------------
# $refs: local only
# --------------------------------------------------------------------------


def _ref_findings(spec: _Spec, ops: Sequence[_Operation]) -> list[Finding]:
    """Non-local and dangling $refs; those inside an operation go to it.

    The registry never fetches or opens a referenced document (that would be
    SSRF or a local file read), and AgentCore Gateway takes one
    self-contained document: every $ref must be "#/...".
    """
    by_item: dict[str, list[_Operation]] = {}
    for op in ops:
        by_item.setdefault(op.item_base, []).append(op)
        op.issues.extend(_Issue(*bad) for bad in _bad_refs(spec, op.base, op.node))
    findings: list[Finding] = []
    paths_base = _child(_ROOT, "paths")
    for url, raw_item in _dict(spec.document.get("paths")).items():
        item_base = _child(paths_base, str(url))
        item_ops = by_item.get(item_base, [])
        # A path item's own parts (its parameters) belong to each of its operations.
        own = {k: v for k, v in _dict(raw_item).items() if not (item_ops and k in METHODS)}
        for bad in _bad_refs(spec, item_base, own):
            if not item_ops:
                findings.append(_doc_error(*bad))
            for op in item_ops:
                op.issues.append(_Issue(*bad))
    rest = {k: v for k, v in spec.document.items() if k != "paths"}
    findings.extend(_doc_error(*bad) for bad in _bad_refs(spec, _ROOT, rest))
    return findings


def _bad_refs(spec: _Spec, path: str, node: Any) -> Iterator[tuple[str, str, str]]:
    stack: list[tuple[str, Any, bool]] = [(path, node, False)]
    while stack:
        here, value, names = stack.pop()
        if isinstance(value, list):
            stack.extend((_child(here, i), v, False) for i, v in enumerate(value))
            continue
        if not isinstance(value, dict):
            continue
        ref = value.get("$ref")
        if isinstance(ref, str) and not names:
            problem = _ref_problem(spec, ref)
            if problem is not None:
                yield problem[0], _child(here, "$ref"), problem[1]
        for key, child in value.items():
            key_text = str(key)
            if not names and (key_text in _LITERAL_KEYS or key_text.startswith("x-")):
                continue  # data, not spec
            stack.append((_child(here, key_text), child, not names and key_text in _NAME_MAPS))


def _ref_problem(spec: _Spec, ref: str) -> tuple[str, str] | None:
    if not ref.startswith("#"):
        spec.note_bad_ref(ref)
        return (
            "remote-ref",
            f"$ref {_short(repr(ref))} is not local: AgentCore Gateway takes one "
            "self-contained document and the registry never fetches or opens other "
            "documents; move the schema under #/components",
        )
    if ref.startswith("#/") and spec.resolve(ref) is None:
        spec.note_bad_ref(ref)
        return "unresolved-ref", f"$ref {_short(repr(ref))} points to nothing in the document"
    return None


# --------------------------------------------------------------------------
# openapi-spec-validator
# --------------------------------------------------------------------------


class _RetrievalRefused(ValueError):
    pass


def _refuse(uri: str) -> Any:
    raise _RetrievalRefused(f"not retrieving {uri!r}: only local references are followed")


class _NoRetrieval(Mapping[str, Callable[[str], Any]]):
    """jsonschema-path resolver handlers that refuse every URI scheme.

    jsonschema-path's SchemaRetriever falls back to `requests`/`urlopen` for a
    scheme missing from its handlers, so an empty mapping would still fetch:
    this one answers for every scheme ("http", "file", "" for relative refs)
    and refuses. referencing then raises Unresolvable for the ref.
    """

    def __getitem__(self, scheme: str) -> Callable[[str], Any]:
        return _refuse

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_NO_RETRIEVAL = _NoRetrieval()


def _openapi_validator_findings(
    document: dict[str, Any], spec: _Spec, selected: Sequence[_Operation]
) -> list[Finding]:
    """openapi-spec-validator's errors: all of them, each with its path.

    The cache. `SpecValidator.iter_errors` (0.9.0) is wrapped in an unbounded
    `functools.lru_cache` keyed by the validator instance: every call of
    `validate()`, `is_valid()` or `iter_errors()` keeps that validator, its
    spec and its accessor alive for the life of the process (upstream issue
    523; a warm Lambda grows 6 to 17 MiB per large spec). The library offers
    no public way to clear it, so we never call those methods. We run the
    same two passes `iter_errors` runs, through public attributes: the
    class's `schema_validator` (the OpenAPI JSON Schema) over the document,
    then the keyword validators of a fresh validator built on a fresh
    `SchemaPath` (whose resolved-ref cache dies with it). The keyword pass
    goes one operation (and one component schema) at a time, as
    RootValidator does in one go, so that an error names its operation and a
    failure stops only that operation's check.

    What is validated: `document` is the spec filtered to the selected
    operations, so with include_operations naming a few operations the
    (expensive) keyword pass covers only those paths. Components are
    published whole, so they are validated whole: a semantic error in an
    unused component is still reported, since AgentCore receives it too.
    Pruning unused components would be faster but would change what is
    published.
    """
    from jsonschema_path import SchemaPath
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
    from openapi_spec_validator.settings import get_resolved_cache_maxsize

    v31 = str(document.get("openapi", "")).startswith("3.1")
    cls = OpenAPIV31SpecValidator if v31 else OpenAPIV30SpecValidator
    sink = _ValidatorSink(selected, spec.bad_refs)
    sink.run_schema_pass(partial(cls.schema_validator.iter_errors, document))

    root = SchemaPath.from_dict(
        document, handlers=_NO_RETRIEVAL, resolved_cache_maxsize=get_resolved_cache_maxsize()
    )
    keyword = partial(_keyword, cls(root).keyword_validators_registry)
    if "tags" in document and "tags" in cls.keyword_validators:
        sink.run(_child(_ROOT, "tags"), None, partial(keyword("tags"), root / "tags"))
    schemas_path = _child(_child(_ROOT, "components"), "schemas")
    for name, schema in _children(root, "components", "schemas").items():
        check = partial(keyword("schema"), schema)
        sink.run(_child(schemas_path, str(name)), None, check, relative_paths=True)
    items = _children(root, "paths")
    for op in selected:
        item = items[op.url]
        params = item / "parameters" if "parameters" in op.item else None
        check = partial(keyword("operation"), op.url, op.method, item / op.method, params)
        sink.run(op.base, op, check)
    return sink.findings


def _children(root: SchemaPath, *keys: str) -> dict[Any, SchemaPath]:
    """The children of root/keys by key. Not `node / key`: SchemaPath splits
    a string key at "#", and real path keys have one ("/files/{id}#copy")."""
    node = root
    for key in keys:
        if key not in node:
            return {}
        node = node / key
    return dict(node.items())


class _ValidatorError(Protocol):
    """What we read of a jsonschema ValidationError."""

    message: str
    relative_path: Sequence[Any]


class _AbsoluteError(Protocol):
    message: str
    absolute_path: Sequence[Any]


def _keyword(
    registry: KeywordValidatorRegistry, name: str
) -> Callable[..., Iterable[_ValidatorError]]:
    # The keyword validators are callables; the registry's type says only
    # KeywordValidator, the base class, which declares no __call__.
    return cast("Callable[..., Iterable[_ValidatorError]]", registry[name])


class _ValidatorSink:
    """Turns validator errors into findings on the operation they concern."""

    def __init__(self, selected: Sequence[_Operation], known_bad_refs: set[str]) -> None:
        self._ops = {op.ident: op for op in selected}
        self._known_bad_refs = known_bad_refs
        self._with_errors: set[str] = set()
        self.findings: list[Finding] = []

    def run_schema_pass(self, check: Callable[[], Iterable[_AbsoluteError]]) -> None:
        """The OpenAPI JSON Schema over the whole document: exact paths."""
        try:
            for error in check():
                self._add_absolute(tuple(error.absolute_path), error.message)
        except Exception as exc:  # e.g. YAML's int keys or dates: not JSON data
            message = (
                f"the spec could not be validated ({type(exc).__name__}): it must be JSON "
                "data (string keys, no dates)"
            )
            self._add(_ROOT, None, message)

    def _add_absolute(self, parts: tuple[Any, ...], message: str) -> None:
        op = None
        if len(parts) >= 3 and parts[0] == "paths":
            op = self._ops.get((str(parts[1]), str(parts[2])))
        self._add(_join(parts), op, _short(message, _MAX_MESSAGE))

    def run(
        self,
        base: str,
        op: _Operation | None,
        check: Callable[[], Iterable[_ValidatorError]],
        *,
        relative_paths: bool = False,
    ) -> None:
        from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError
        from referencing.exceptions import Unresolvable

        try:
            for error in check():
                if isinstance(error, DuplicateOperationIDError):
                    continue  # reported as duplicate-operation-id, with both operations
                self._add_relative(base, op, error, relative_paths=relative_paths)
        except Unresolvable as exc:
            # Every non-local or dangling $ref is already a finding of ours;
            # anything else (a `$id` moving the base URI) was refused here.
            if str(exc.ref) not in self._known_bad_refs:
                message = f"$ref {_short(repr(str(exc.ref)))} cannot be resolved locally"
                self._add(base, op, message, rule="unresolved-ref")
        except Exception as exc:  # the validator tripping on a malformed part
            if base not in self._with_errors:
                message = f"this part could not be validated ({type(exc).__name__})"
                self._add(base, op, message)

    def _add_relative(
        self, base: str, op: _Operation | None, error: _ValidatorError, *, relative_paths: bool
    ) -> None:
        inner = _join(error.relative_path)
        message = _short(error.message, _MAX_MESSAGE)
        if inner == _ROOT:
            self._add(base, op, message)
        elif relative_paths:
            self._add(_join(error.relative_path, start=base), op, message)
        else:
            # Inside an operation the error's path is relative to whichever
            # schema was being checked, not to the operation: say it in words.
            self._add(base, op, f"{message} (at {inner} in a schema this operation uses)")

    def _add(self, path: str, op: _Operation | None, message: str, rule: str = "") -> None:
        rule = rule or "openapi-invalid"
        self._with_errors.add(op.base if op else path)
        if op is not None:
            op.issues.append(_Issue(rule, path, message))
        else:
            self.findings.append(_doc_error(rule, path, message))


# --------------------------------------------------------------------------
# Selection and limits
# --------------------------------------------------------------------------


def _select(
    ops: Sequence[_Operation], include: list[str] | None, exclude: list[str] | None
) -> tuple[list[Finding], list[_Operation]]:
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
                        f"{field_name} names {_short(repr(name))}, which is no operationId "
                        "of the spec",
                    )
                )
    selected = [
        op
        for op in ops
        if (include is None or op.operation_id in include)
        and (exclude is None or op.operation_id not in exclude)
    ]
    return errors, selected


def _limit_findings(published: Sequence[_Operation], existing_targets: int) -> list[Finding]:
    findings = []
    if not published:
        findings.append(
            _doc_error("no-operations", "paths", "the spec has no operation left to publish")
        )
    if len(published) > MAX_OPERATIONS_PER_TARGET:
        findings.append(
            _doc_error(
                "too-many-operations",
                "paths",
                f"{len(published)} operations to publish; AgentCore Gateway takes at most "
                f"{MAX_OPERATIONS_PER_TARGET} tools per target: split the spec or use "
                "include_operations",
            )
        )
    if existing_targets + 1 > MAX_TARGETS_PER_GATEWAY:
        findings.append(
            _doc_error(
                "too-many-targets",
                _ROOT,
                f"the gateway already has {existing_targets} targets; AgentCore Gateway "
                f"takes at most {MAX_TARGETS_PER_GATEWAY} per gateway",
            )
        )
    return findings


def _size_finding(size_bytes: int) -> Finding:
    # Not validated further: openapi-spec-validator would take tens of
    # seconds on it, for a spec that is refused anyway.
    return _doc_error(
        "spec-too-large",
        _ROOT,
        f"the spec is {size_bytes} bytes; at most {MAX_SPEC_BYTES} ({MAX_SPEC_BYTES // 2**20} MB)",
    )


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _doc_error(rule: str, path: str, message: str) -> Finding:
    return Finding("error", rule, path, None, message)


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return key if path == _ROOT else f"{path}.{key}"


def _join(parts: Iterable[Any], start: str = _ROOT) -> str:
    path = start
    for part in parts:
        path = _child(path, part if isinstance(part, int) else str(part))
    return path


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
