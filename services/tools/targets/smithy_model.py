"""Smithy model targets: a service described in Smithy's JSON AST.

The request gives the model inline (`model`) or as a JSON file uploaded
with create_upload_url (`s3_key`). The checks below refuse, before any
write or AWS call, what AgentCore cannot serve, every finding at once with
its field path under `data.source.model` (or `data.source.s3_key`): the
JSON AST's form (https://smithy.io/2.0/spec/json-ast.html: a `smithy`
version, `shapes` keyed by absolute shape ids, each with a known `type`),
one service whose operations (its own, and its resources') are all in the
model, every shape a shape refers to present (or in Smithy's prelude,
`smithy.api#...`), the RestJson protocol with an `http` trait on every
operation served, the size, and the tool names the operations become.

AgentCore's Smithy page
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-building-smithy-targets.html,
"Key considerations and limitations") gives the limits applied here:
"Maximum model size: 10MB", "Only JSON protocol bindings are fully
supported", "Only RestJson protocol is supported"; its feature table lists
basic HTTP methods among the supported HTTP bindings. It names no limit on
operations or services: the 1,000 tools per target are the gateway quota
the project works to (bedrock-agentcore-limits.html, as for OpenAPI), and
one service per model is the registry's bound (the record names the
service its tools are the operations of).

The model, as canonical JSON, is stored in the spec bucket under the
content key scheme (stored_document.py) and the target reads it from there
(`mcp.smithyModel.s3.uri`). The record's `target` attribute describes it
(docs/api.md, "Tool record"): `kind`, `service`, `sha256`, `s3_uri`,
`s3_key`, `size_bytes`. Credentials: the gateway's IAM role or OAuth2
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-outbound-auth.html).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.tools.targets import stored_document
from services.tools.targets.base import (
    DescribedInTarget,
    Listing,
    Prepared,
    Staged,
    StoredArtifact,
    checked_or_refused,
)
from services.tools.tool_names import full_name, name_problem

SMITHY_PAGE = "https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-building-smithy-targets.html"
# AgentCore's "Maximum model size: 10MB" (the page above), of the stored
# canonical JSON; an upload is refused past it before it is read.
MAX_MODEL_BYTES = 10 * 1024 * 1024
# The gateway quota of tools per target the project works to (the OpenAPI
# kind's MAX_OPERATIONS_PER_TARGET, spec_validation/selection.py: not
# imported, a tool read must not load the validation package).
MAX_SMITHY_TOOLS = 1000
# A response lists at most this many findings (a hostile model can earn one
# per shape); the last one says how many more there were.
MAX_FINDINGS = 50
# The JSON AST's `smithy` version: "1.0" or "2.0", also written "1" or "2"
# (json-ast.html, "smithy").
SMITHY_VERSIONS = frozenset({"1", "1.0", "2", "2.0"})
# An absolute shape id, `namespace#Name` (the spec's shape-id ABNF:
# identifiers of letters, digits and `_`, starting with `_`* and a letter).
_IDENTIFIER = r"_*[A-Za-z][A-Za-z0-9_]*"
SHAPE_ID = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*#{_IDENTIFIER}$")
# An `apply` shape may be keyed by a member's id, `namespace#Name$member`.
MEMBER_ID = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*#{_IDENTIFIER}(\${_IDENTIFIER})?$")
PRELUDE = "smithy.api#"
SHAPE_TYPES = frozenset(
    {
        "blob", "boolean", "string", "byte", "short", "integer", "long", "float", "double",
        "bigInteger", "bigDecimal", "timestamp", "document", "enum", "intEnum",
        "list", "set", "map", "structure", "union",
        "service", "operation", "resource", "apply",
    }
)  # fmt: skip
RESTJSON = "aws.protocols#restJson1"
HTTP = "smithy.api#http"
HTTP_LABEL = "smithy.api#httpLabel"
# The page's feature table: "basic HTTP methods".
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"})
_LABEL = re.compile(r"\{([^{}+]*)\+?\}")
# A resource's references to operations, one each (json-ast.html, "resource").
_LIFECYCLE = ("create", "put", "read", "update", "delete", "list")


@dataclass(frozen=True)
class PreparedModel:
    """A checked Smithy source: its service, its operations, the stored body."""

    service: str
    body: bytes
    sha256: str
    tools: tuple[str, ...]

    @property
    def digest(self) -> str:
        return self.sha256

    def changes(self, current: dict[str, Any] | None) -> bool:
        return self.sha256 != (current or {}).get("sha256")

    def describe(self) -> dict[str, Any]:
        return self.record(None, None)

    def record(self, s3_uri: str | None, s3_key: str | None) -> dict[str, Any]:
        """The record's `target` attribute."""
        return {
            "kind": SMITHY.name,
            "service": self.service,
            "sha256": self.sha256,
            "s3_uri": s3_uri,
            "s3_key": s3_key,
            "size_bytes": len(self.body),
        }


@dataclass
class _Check:
    base: str
    findings: list[dict[str, str]] = field(default_factory=list)
    dropped: int = 0

    def add(self, path: str, message: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append({"field": path, "message": message})
        else:
            self.dropped += 1

    def shape(self, shape_id: str, *rest: str) -> str:
        """The path of a shape (or a part of it) in the model."""
        return ".".join((f"{self.base}.shapes.{shape_id}", *rest))

    def report(self) -> list[dict[str, str]]:
        if not self.dropped:
            return self.findings
        more = {"field": self.base, "message": f"and {self.dropped} more finding(s)"}
        return [*self.findings, more]


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    """Whether a JSON value is one of `allowed` (a list or object is not, and
    is not hashable either)."""
    return isinstance(value, str) and value in allowed


def _traits(node: dict[str, Any]) -> dict[str, Any]:
    """A shape's or member's traits (a malformed `traits` holds none)."""
    traits = node.get("traits")
    return traits if isinstance(traits, dict) else {}


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _loaded(call: Call, source: Any, check: _Check) -> Any:
    """The model: inline, or the JSON uploaded at `s3_key` (None: the upload
    is not JSON, a finding)."""
    if source.s3_key is None:
        return source.model
    body = stored_document.read_team_upload(call, str(source.s3_key), MAX_MODEL_BYTES)
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        check.add(check.base, f"the upload is not a JSON document ({type(exc).__name__})")
        return None


def _reference(
    ref: Any, path: str, shapes: dict[str, Any], check: _Check, *, kind: str | None = None
) -> str | None:
    """A `{"target": <shape id>}` reference: its target if the model (or the
    prelude, for a non-service shape) has it, else a finding."""
    target = ref.get("target") if isinstance(ref, dict) else None
    if not isinstance(target, str) or not SHAPE_ID.match(target):
        check.add(path, 'a reference {"target": "<namespace>#<Name>"}')
        return None
    shape = shapes.get(target)
    if kind is None:
        if shape is None and not target.startswith(PRELUDE):
            check.add(path, f"{target} is not a shape of the model (nor of the prelude)")
            return None
        return target
    if not isinstance(shape, dict) or shape.get("type") != kind:
        check.add(path, f"{target} is not a {kind} shape of the model")
        return None
    return target


def _references(
    ref_list: Any, path: str, shapes: dict[str, Any], check: _Check, **kw: Any
) -> list[str]:
    if not isinstance(ref_list, list):
        check.add(path, "a list of references")
        return []
    found = [_reference(r, f"{path}[{i}]", shapes, check, **kw) for i, r in enumerate(ref_list)]
    return [t for t in found if t]


def _members(shape_id: str, shape: dict[str, Any], shapes: dict[str, Any], check: _Check) -> None:
    """Every member's target is in the model: a structure's or union's
    `members`, a list's `member`, a map's `key` and `value`, mixins."""
    kind = shape["type"]
    if kind in ("structure", "union", "enum", "intEnum") and "members" in shape:
        members = shape["members"]
        if not isinstance(members, dict):
            check.add(check.shape(shape_id, "members"), "an object of members")
        else:
            for name, member in members.items():
                _reference(member, check.shape(shape_id, "members", str(name)), shapes, check)
    for key in ("member", "key", "value") if kind in ("list", "set", "map") else ():
        if key in shape:
            _reference(shape[key], check.shape(shape_id, key), shapes, check)
    if "mixins" in shape:
        _references(shape["mixins"], check.shape(shape_id, "mixins"), shapes, check)


def _shapes(model: dict[str, Any], check: _Check) -> dict[str, Any]:
    """`shapes`, each keyed by an absolute shape id and with a known type
    (the shapes that have neither are left out of the other checks)."""
    shapes = model.get("shapes")
    if not isinstance(shapes, dict):
        check.add(f"{check.base}.shapes", "an object of shapes by absolute shape id")
        return {}
    good: dict[str, Any] = {}
    for shape_id, shape in shapes.items():
        path = f"{check.base}.shapes.{shape_id}"
        kind = shape.get("type") if isinstance(shape, dict) else None
        if not (SHAPE_ID if kind != "apply" else MEMBER_ID).match(str(shape_id)):
            check.add(path, "an absolute shape id, <namespace>#<Name>")
        elif not _one_of(kind, SHAPE_TYPES):
            check.add(f"{path}.type", "a Smithy shape type (structure, operation, service, ...)")
        else:
            good[str(shape_id)] = shape
    return good


def _operations(service_id: str, shapes: dict[str, Any], check: _Check) -> list[str]:
    """The operations the service serves: its own, and those of the
    resources it reaches (json-ast.html, "service" and "resource")."""
    service = shapes[service_id]
    if "errors" in service:
        _references(service["errors"], check.shape(service_id, "errors"), shapes, check)
    found = _references(
        service.get("operations", []), check.shape(service_id, "operations"), shapes, check,
        kind="operation",
    )  # fmt: skip
    # A queue: a model of 10MB can list a few hundred thousand resources.
    pending = deque(_references(
        service.get("resources", []), check.shape(service_id, "resources"), shapes, check,
        kind="resource",
    ))  # fmt: skip
    seen: set[str] = set()
    while pending:
        resource_id = pending.popleft()
        if resource_id in seen:
            continue
        seen.add(resource_id)
        resource = shapes[resource_id]
        for key in ("identifiers", "properties"):
            named = resource.get(key, {})
            if not isinstance(named, dict):
                check.add(check.shape(resource_id, key), "an object of references")
                continue
            for name, ref in named.items():
                _reference(ref, check.shape(resource_id, key, str(name)), shapes, check)
        for key in _LIFECYCLE:
            if key in resource:
                path = check.shape(resource_id, key)
                op = _reference(resource[key], path, shapes, check, kind="operation")
                found += [op] if op else []
        for key in ("operations", "collectionOperations"):
            path = check.shape(resource_id, key)
            found += _references(resource.get(key, []), path, shapes, check, kind="operation")
        path = check.shape(resource_id, "resources")
        pending.extend(
            _references(resource.get("resources", []), path, shapes, check, kind="resource")
        )
    return list(dict.fromkeys(found))


def _http(op_id: str, shapes: dict[str, Any], check: _Check) -> None:
    """RestJson binds each operation to HTTP with its `http` trait; a URI
    label names an input member bound with `httpLabel`
    (https://smithy.io/2.0/spec/http-bindings.html)."""
    operation = shapes[op_id]
    path = check.shape(op_id, "traits", HTTP)
    http = _traits(operation).get(HTTP)
    if not isinstance(http, dict):
        check.add(path, f"a RestJson operation needs the {HTTP} trait (method, uri): {SMITHY_PAGE}")
        return
    if not _one_of(http.get("method"), HTTP_METHODS):
        check.add(f"{path}.method", "one of " + ", ".join(sorted(HTTP_METHODS)))
    uri = http.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        check.add(f"{path}.uri", "a URI pattern starting with /")
        return
    labels = _LABEL.findall(uri)
    if not labels:
        return
    reference = operation.get("input")
    target = reference.get("target") if isinstance(reference, dict) else None
    members = (shapes.get(str(target)) or {}).get("members") or {}
    for label in labels:
        member = members.get(label) if isinstance(members, dict) else None
        if not isinstance(member, dict) or HTTP_LABEL not in _traits(member):
            check.add(
                f"{path}.uri",
                f"the label {{{label}}} names no input member bound with {HTTP_LABEL}",
            )


def _service(shapes: dict[str, Any], check: _Check) -> str | None:
    """The model's one service, with the RestJson protocol."""
    services = [sid for sid, shape in shapes.items() if shape["type"] == "service"]
    if len(services) != 1:
        check.add(
            f"{check.base}.shapes",
            "exactly one service shape (the tools are one service's operations)"
            + (f"; found {len(services)}: {', '.join(sorted(services))}" if services else ""),
        )
        return None
    [service_id] = services
    if RESTJSON not in _traits(shapes[service_id]):
        check.add(
            check.shape(service_id, "traits"),
            f"AgentCore serves only the RestJson protocol ({RESTJSON}): {SMITHY_PAGE}",
        )
    return service_id


def _tool_names(ops: list[str], target_name: str, check: _Check) -> tuple[str, ...]:
    """The operations' names, as tools: the rules every kind's names follow
    (services/tools/tool_names.py), unique within the target."""
    seen: dict[str, str] = {}
    for op_id in ops:
        name = op_id.split("#", 1)[1]
        path = check.shape(op_id)
        problem = name_problem(name, target_name)
        if problem is not None:
            check.add(path, problem)
        elif name in seen:
            check.add(path, f"tool names are unique; {seen[name]} has the name {name}")
        else:
            seen[name] = op_id
    return tuple(seen)


def _checked_model(
    model: Any, target_name: str, check: _Check
) -> tuple[str, tuple[str, ...]] | None:
    """The service and its tools, or None with the findings."""
    if not isinstance(model, dict):
        check.add(check.base, "a Smithy JSON AST object (smithy, shapes)")
        return None
    if not _one_of(model.get("smithy"), SMITHY_VERSIONS):
        check.add(f"{check.base}.smithy", 'the JSON AST version, "2.0" or "1.0"')
    shapes = _shapes(model, check)
    for shape_id, shape in shapes.items():
        _members(shape_id, shape, shapes, check)
        if shape["type"] == "operation":
            for key in ("input", "output"):
                if key in shape:
                    _reference(shape[key], check.shape(shape_id, key), shapes, check)
            if "errors" in shape:
                _references(shape["errors"], check.shape(shape_id, "errors"), shapes, check)
    service_id = _service(shapes, check) if shapes else None
    if service_id is None:
        if not shapes and isinstance(model.get("shapes"), dict):
            check.add(f"{check.base}.shapes", "a service shape and its operations")
        return None
    ops = _operations(service_id, shapes, check)
    if not ops:
        check.add(check.shape(service_id, "operations"), "at least one operation to serve")
    elif len(ops) > MAX_SMITHY_TOOLS:
        check.add(
            check.shape(service_id, "operations"),
            f"at most {MAX_SMITHY_TOOLS} operations (the gateway's tools per target)",
        )
        return None
    for op_id in ops:
        _http(op_id, shapes, check)
    tools = _tool_names(ops, target_name, check)
    return (service_id, tools) if not check.findings else None


def _checked(call: Call, source: Any, target_name: str) -> tuple[PreparedModel | None, _Check]:
    base = "data.source.model" if source.s3_key is None else "data.source.s3_key"
    check = _Check(base)
    model = _loaded(call, source, check)
    if check.findings:
        return None, check
    served = _checked_model(model, target_name, check)
    if served is None:
        return None, check
    try:
        body = json.dumps(model, sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError) as exc:
        check.add(base, f"the model cannot be written as JSON ({type(exc).__name__})")
        return None, check
    if len(body) > MAX_MODEL_BYTES:
        check.add(
            base,
            f"the model is {len(body)} bytes as JSON; AgentCore takes at most 10MB ({SMITHY_PAGE})",
        )
        return None, check
    service_id, tools = served
    return PreparedModel(service_id, body, hashlib.sha256(body).hexdigest(), tools), check


class SmithyKind(DescribedInTarget, stored_document.StoredDocumentKind):
    name = "smithy"
    source_types = frozenset({"smithy"})
    # The outbound-auth table: a Smithy target calls with the gateway's IAM
    # role (SigV4 for the service the model names, no iamCredentialProvider)
    # or OAuth2; not unauthenticated, not an API key.
    credential_types = frozenset({"gateway_iam_role", "oauth2"})
    iam_signing_service = False
    artifact_noun = "model object"

    def prepare(
        self,
        call: Call,
        source: Any,
        *,
        target_name: str,
        existing_targets: int,
        current: dict[str, Any] | None = None,
    ) -> PreparedModel | None:
        prepared, check = _checked(call, source, target_name)
        return checked_or_refused(
            prepared,
            check.report(),
            source="Smithy model",
            current=current,
            problems=len(check.findings) + check.dropped,
        )

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer: the service's operations as tools, or the findings."""
        prepared, check = _checked(call, source, target_name)
        tools = list(prepared.tools) if prepared else []
        return {
            "ok": prepared is not None,
            "kind": self.name,
            "service": prepared.service if prepared else None,
            "s3_key": source.s3_key,
            "tools": tools,
            "tool_names": [full_name(target_name, n) for n in tools],
            "errors": check.report(),
            "size_bytes": len(prepared.body) if prepared else None,
        }

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        assert isinstance(prepared, PreparedModel)  # noqa: S101 - this kind's own prepare made it
        return stored_document.stage(call, record, prepared.sha256, prepared.body, prepared.record)

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        return {"mcp": {"smithyModel": {"s3": {"uri": str(description.get("s3_uri"))}}}}

    def stored(self, listing: Listing) -> Iterator[StoredArtifact]:
        # The OpenAPI kind lists the shared prefix, Smithy models included.
        return iter(())

    def drift(
        self, call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
    ) -> str | None:
        described = self.description(record) or {}
        if target is not None:
            served = ((target.get("targetConfiguration") or {}).get("mcp") or {}).get("smithyModel")
            uri = ((served or {}).get("s3") or {}).get("uri")
            if uri != described.get("s3_uri"):
                return f"the target reads its model from {uri}"
        return stored_document.object_drift(call, described, "model object", listing)


SMITHY = SmithyKind()
