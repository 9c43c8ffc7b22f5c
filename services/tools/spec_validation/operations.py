"""The rules about one operation: what makes it a tool AgentCore can serve.

Each rule yields `Issue`s for the operation it judges: its operationId (the
tool name), its own `servers`, its parameters (location, serializers,
names), its request and response media types, and `oneOf`/`anyOf`/`allOf`
in any schema it reaches. An operation with an issue is not servable; what
that means for publishing is decided later (validate.py), once
on_unsupported is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from services.tools.json_pointer import child
from services.tools.spec_validation.document import Operation, Spec
from services.tools.spec_validation.report import Issue, short
from services.tools.spec_validation.schemas import COMPOSITION
from services.tools.spec_validation.servers import server_url_problems
from services.tools.spec_validation.values import as_dict, as_list
from services.tools.tool_names import (
    MAX_TOOL_NAME,
    TOOL_NAME_PATTERN,
    TOOL_NAME_SEPARATOR,
    full_name,
)

# The operationId becomes the tool name (services/tools/tool_names.py).
OPERATION_ID_PATTERN = TOOL_NAME_PATTERN
# Parameters become properties of the tool's input schema: the same ToolSpec
# bullet of the OpenAPI page ("property names exceeding the allowed length or
# containing unsupported characters"); LLM providers take `[A-Za-z0-9_.-]{1,64}`.
PARAMETER_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

# A parameter's serialization defaults (OpenAPI 3.x Parameter Object):
# writing them out changes nothing, any other style/explode is a serializer.
DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}


def operation_issues(
    op: Operation, spec: Spec, target_name: str, resolver: Callable[[str], list[str]] | None
) -> Iterator[Issue]:
    yield from _operation_id_issues(op, target_name)
    for servers_path, servers in _operation_servers(op):
        for i, server in enumerate(servers):
            url_path = child(child(servers_path, i), "url")
            url = server.get("url") if isinstance(server, dict) else None
            yield from (Issue(*f) for f in server_url_problems(url, url_path, resolver))
    roots: list[tuple[str, Any]] = []
    yield from _parameter_issues(op, spec, roots)
    yield from _body_issues(op, spec, roots)
    yield from _composition_issues(spec.composition(roots))


def _operation_id_issues(op: Operation, target_name: str) -> Iterator[Issue]:
    # The OpenAPI page: "The OpenAPI specification must include operationId
    # fields for all operations that you want to expose as tools. The
    # operationId is used as the tool name in the MCP interface."
    raw = op.node.get("operationId")
    if raw is None:
        yield Issue(
            "missing-operation-id",
            op.base,
            "the operation has no operationId: AgentCore Gateway uses it as the tool name",
        )
        return
    path = child(op.base, "operationId")
    if not isinstance(raw, str) or not OPERATION_ID_PATTERN.match(raw):
        yield Issue(
            "invalid-operation-id",
            path,
            f"operationId {short(repr(raw))} must be letters, digits, '_' and '-' only: "
            "it becomes the tool name, and the models' tool specs refuse other characters",
        )
    tool_name = full_name(target_name, raw)
    if len(tool_name) > MAX_TOOL_NAME:
        yield Issue(
            "tool-name-too-long",
            path,
            f"the tool name '<target>{TOOL_NAME_SEPARATOR}<operationId>' would be "
            f"{len(tool_name)} characters; at most {MAX_TOOL_NAME}",
        )


def _operation_servers(op: Operation) -> Iterator[tuple[str, list[Any]]]:
    # Path-level and operation-level `servers` override the document's: the
    # gateway would call them, so they pass the same checks.
    for base, node in ((op.item_base, op.item), (op.base, op.node)):
        servers = node.get("servers")
        if isinstance(servers, list):
            yield child(base, "servers"), servers


def flag_duplicate_ids(ops: Sequence[Operation]) -> None:
    # Two operations with one operationId would be two tools of one name.
    by_id: dict[str, list[Operation]] = {}
    for op in ops:
        if op.operation_id:
            by_id.setdefault(op.operation_id, []).append(op)
    for op_id, same in by_id.items():
        if len(same) > 1:
            where = ", ".join(f"{o.method.upper()} {o.url}" for o in same)
            for op in same:
                op.issues.append(
                    Issue(
                        "duplicate-operation-id",
                        child(op.base, "operationId"),
                        f"operationId '{op_id}' is used by {len(same)} operations ({where}): "
                        "tool names must be unique",
                    )
                )


def _parameters(op: Operation, spec: Spec) -> list[tuple[str, dict[str, Any]]]:
    """The operation's parameters (path-level ones it does not override), resolved."""
    merged: dict[tuple[Any, Any], tuple[str, dict[str, Any]]] = {}
    for base, node in ((op.item_base, op.item), (op.base, op.node)):
        params_path = child(base, "parameters")
        for i, raw in enumerate(as_list(node.get("parameters"))):
            path, param = spec.deref(child(params_path, i), raw)
            if isinstance(param, dict):
                merged[(param.get("name"), param.get("in"))] = (path, param)
    return list(merged.values())


def _parameter_issues(op: Operation, spec: Spec, roots: list[tuple[str, Any]]) -> Iterator[Issue]:
    for path, param in _parameters(op, spec):
        location = param.get("in")
        if location == "cookie":
            # The OpenAPI page: serializers "for query, header, and cookie
            # parameters are not supported"; the gateway sends no cookies.
            yield Issue(
                "cookie-parameter-unsupported",
                path,
                f"cookie parameter {short(repr(param.get('name')))}: "
                "AgentCore Gateway does not support cookie parameters",
            )
        yield from _serializer_issues(path, param, location)
        yield from _parameter_name_issues(path, param)
        if "schema" in param:
            roots.append((child(path, "schema"), param["schema"]))


def _serializer_issues(path: str, param: dict[str, Any], location: Any) -> Iterator[Issue]:
    # The OpenAPI page: "Path parameter serializers and parameter serializers
    # for query, header, and cookie parameters are not supported".
    default_style = DEFAULT_STYLE.get(str(location))
    style = param.get("style", default_style)
    if style != default_style:
        yield _serializer_issue(child(path, "style"), f"style '{style}'")
    elif "explode" in param and not default_explode(param):
        yield _serializer_issue(child(path, "explode"), f"explode {param['explode']!r}")
    if "content" in param:
        yield _serializer_issue(child(path, "content"), "a media-type serialized value")


def default_explode(param: dict[str, Any]) -> bool:
    """Whether the parameter's `explode` is its style's default (true for
    `form`, false for the others: OpenAPI 3.x, Parameter Object)."""
    style = param.get("style", DEFAULT_STYLE.get(str(param.get("in"))))
    return bool(param.get("explode") == (style == "form"))


def _serializer_issue(path: str, what: str) -> Issue:
    return Issue(
        "parameter-serializer-unsupported",
        path,
        f"the parameter uses {what}: AgentCore Gateway does not support parameter serializers",
    )


def _parameter_name_issues(path: str, param: dict[str, Any]) -> Iterator[Issue]:
    name = param.get("name")
    if isinstance(name, str) and not PARAMETER_NAME_PATTERN.match(name):
        yield Issue(
            "parameter-name-unsupported",
            child(path, "name"),
            f"parameter name {short(repr(name))} becomes a tool input property: models "
            "accept 1 to 64 letters, digits, '_', '.' and '-'",
        )


def _body_issues(op: Operation, spec: Spec, roots: list[tuple[str, Any]]) -> Iterator[Issue]:
    bodies: list[tuple[str, Any]] = []
    if "requestBody" in op.node:
        bodies.append(spec.deref(child(op.base, "requestBody"), op.node["requestBody"]))
    responses_path = child(op.base, "responses")
    for code, raw in as_dict(op.node.get("responses")).items():
        bodies.append(spec.deref(child(responses_path, str(code)), raw))
    for path, body in bodies:
        yield from _content_issues(path, as_dict(body).get("content"), roots)


def _content_issues(path: str, content: Any, roots: list[tuple[str, Any]]) -> Iterator[Issue]:
    # The OpenAPI page: "Only application/json content type is fully
    # supported". A body that also offers JSON is served as JSON; one with no
    # JSON media type cannot be.
    if not isinstance(content, dict) or not content:
        return
    content_path = child(path, "content")
    json_types = [mt for mt in content if media_type(mt) == "application/json"]
    if not json_types:
        listed = ", ".join(str(mt) for mt in content)
        yield Issue(
            "media-type-unsupported",
            content_path,
            f"no application/json media type (has {short(listed)}): AgentCore Gateway "
            "fully supports only application/json",
        )
    for json_type in json_types:
        media = content[json_type]
        if isinstance(media, dict) and "schema" in media:
            roots.append((child(child(content_path, json_type), "schema"), media["schema"]))


def media_type(key: Any) -> str:
    """A media type without its parameters, lower case ("application/json")."""
    return str(key).split(";")[0].strip().lower()


def _composition_issues(found: Mapping[str, str]) -> Iterator[Issue]:
    # The OpenAPI page: "Complex schema features like oneOf, anyOf, and allOf
    # are not supported".
    for keyword in COMPOSITION:
        if keyword in found:
            yield Issue(
                f"{keyword.lower()}-unsupported",
                found[keyword],
                f"a schema this operation uses has {keyword}: AgentCore Gateway does not "
                "support oneOf, anyOf or allOf",
            )
