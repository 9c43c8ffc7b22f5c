"""An OpenAPI 3.0.3 document from an `api_info` source (docs/api.md, "Sources").

A caller who has no spec describes the API by its base URL and endpoints;
`generate` writes the spec AgentCore Gateway reads. Everything AgentCore
could not serve is refused here, with one `details` entry per problem named
by its place in the request (`base_url`, `endpoints[2].parameters[0]`), so
the caller fixes all of them at once instead of one per round trip.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from services.errors import InvalidSpecError
from services.tools.models import ApiEndpoint, ApiInfo, ApiParameter

OPENAPI_VERSION = "3.0.3"
# A path variable: `{name}`, with neither braces nor a slash inside.
_TEMPLATE_VAR = re.compile(r"\{([^{}/]+)\}")
_WORD = re.compile(r"[A-Za-z0-9]+")
# Methods whose request body has no defined meaning (RFC 9110) and which
# AgentCore Gateway would not turn into a tool input.
_NO_BODY = frozenset({"GET", "HEAD", "DELETE"})
# Room for a `_NN` suffix inside OPERATION_ID's 256 characters.
_MAX_GENERATED_ID = 240


@dataclass
class _Problems:
    """Every refusal found, reported together."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append({"path": path, "message": message})


def generate(api: ApiInfo) -> dict[str, Any]:
    """The OpenAPI document for `api`, or InvalidSpecError listing every problem."""
    problems = _Problems()
    server_url = _server_url(api.base_url, problems)
    operation_ids = _operation_ids(api.endpoints, problems)
    paths: dict[str, dict[str, Any]] = {}
    routes: dict[tuple[str, str], int] = {}
    shapes: dict[str, tuple[str, int]] = {}
    for index, endpoint in enumerate(api.endpoints):
        where = f"endpoints[{index}]"
        if not _route_is_new(endpoint, index, routes, shapes, problems):
            continue
        operation = _operation(endpoint, operation_ids[index], where, problems)
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    if problems.items:
        raise InvalidSpecError(
            "the API description cannot be served by AgentCore Gateway", problems.items
        )
    info: dict[str, Any] = {"title": api.title, "version": api.version}
    if api.description:
        info["description"] = api.description
    return {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "servers": [{"url": server_url}],
        "paths": paths,
    }


def _server_url(base_url: str, problems: _Problems) -> str:
    """The base URL as an OpenAPI server URL: https, a plain host, no trailing slash."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        problems.add("base_url", "base_url is not a valid URL")
        return base_url
    if parts.scheme != "https":
        problems.add("base_url", "base_url must be an https:// URL")
    if "{" in parts.netloc or "}" in parts.netloc:
        problems.add("base_url", "base_url must name its host: a templated host is not supported")
    elif not host:
        problems.add("base_url", "base_url has no host")
    if "@" in parts.netloc:
        problems.add("base_url", "base_url must not carry a user name or password")
    if "{" in parts.path or "}" in parts.path:
        problems.add("base_url", "base_url must not hold server variables")
    if parts.query or parts.fragment:
        problems.add("base_url", "base_url must not have a query or fragment")
    # Paths start with "/": a trailing slash here would make "//" when joined.
    return base_url.rstrip("/")


def _operation_ids(endpoints: list[ApiEndpoint], problems: _Problems) -> list[str]:
    """The operationId of every endpoint: the given one, else one made from its route.

    Given ids are taken first so that a generated one never steals an id a
    later endpoint asked for.
    """
    taken: dict[str, int] = {}
    for index, endpoint in enumerate(endpoints):
        given = endpoint.operation_id
        if given is None:
            continue
        if given in taken:
            problems.add(
                f"endpoints[{index}].operation_id",
                f"operation_id {given!r} is already used by endpoints[{taken[given]}]",
            )
        else:
            taken[given] = index
    result: list[str] = []
    for index, endpoint in enumerate(endpoints):
        if endpoint.operation_id is not None:
            result.append(endpoint.operation_id)
            continue
        candidate = unique_id(operation_id_for(endpoint.method, endpoint.path), taken)
        taken[candidate] = index
        result.append(candidate)
    return result


def operation_id_for(method: str, path: str) -> str:
    """`GET /pets/{id}` -> `getPetsById`: the method, then each path word capitalized.

    Only `[A-Za-z0-9_]` remain, the characters every tool-name rule accepts.
    """
    words = [method.lower()]
    for segment in path.split("/"):
        for literal, variable in _segment_parts(segment):
            words.extend(_capitalize(word) for word in _WORD.findall(literal))
            if variable:
                words.append("By" + "".join(_capitalize(w) for w in _WORD.findall(variable)))
    if len(words) == 1:
        words.append("Root")
    return "".join(words)[:_MAX_GENERATED_ID]


def unique_id(candidate: str, taken: dict[str, int] | set[str]) -> str:
    """`candidate`, or `candidate_2`, `candidate_3`... the first one not taken."""
    if candidate not in taken:
        return candidate
    number = 2
    while f"{candidate}_{number}" in taken:
        number += 1
    return f"{candidate}_{number}"


def _segment_parts(segment: str) -> list[tuple[str, str]]:
    """`{id}.json` -> [("", "id"), (".json", "")]: literal text and the variable after it."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in _TEMPLATE_VAR.finditer(segment):
        parts.append((segment[position : match.start()], match.group(1)))
        position = match.end()
    parts.append((segment[position:], ""))
    return parts


def _capitalize(word: str) -> str:
    # Only the first letter: `userId` stays `UserId`, not `Userid`.
    return word[:1].upper() + word[1:]


def _route_is_new(
    endpoint: ApiEndpoint,
    index: int,
    routes: dict[tuple[str, str], int],
    shapes: dict[str, tuple[str, int]],
    problems: _Problems,
) -> bool:
    """Refuse a second endpoint for the same method and path.

    `/pets/{id}` and `/pets/{petId}` are the same path to OpenAPI ("templated
    paths with the same hierarchy but different templated names MUST NOT
    exist"), so both the literal path and its shape are compared.
    """
    where = f"endpoints[{index}]"
    route = (endpoint.method, endpoint.path)
    if route in routes:
        problems.add(
            where, f"{endpoint.method} {endpoint.path} is already endpoints[{routes[route]}]"
        )
        return False
    shape = _TEMPLATE_VAR.sub("{}", endpoint.path)
    earlier = shapes.get(shape)
    if earlier is not None and earlier[0] != endpoint.path:
        problems.add(
            f"{where}.path",
            f"{endpoint.path} is the same path as {earlier[0]} of endpoints[{earlier[1]}] "
            "with other variable names: use the same names",
        )
        return False
    routes[route] = index
    shapes.setdefault(shape, (endpoint.path, index))
    return True


def _operation(
    endpoint: ApiEndpoint, operation_id: str, where: str, problems: _Problems
) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id}
    if endpoint.summary:
        operation["summary"] = endpoint.summary
    if endpoint.description:
        operation["description"] = endpoint.description
    parameters = _parameters(endpoint, where, problems)
    if parameters:
        operation["parameters"] = parameters
    if endpoint.request_body is not None:
        if endpoint.method in _NO_BODY:
            problems.add(
                f"{where}.request_body",
                f"a {endpoint.method} request cannot have a body: use parameters",
            )
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": copy.deepcopy(endpoint.request_body)}},
        }
    operation["responses"] = {"200": _response(endpoint)}
    return operation


def _response(endpoint: ApiEndpoint) -> dict[str, Any]:
    if endpoint.response is None:
        return {"description": "Successful response"}
    return {
        "description": "Successful response",
        "content": {"application/json": {"schema": copy.deepcopy(endpoint.response)}},
    }


def _parameters(endpoint: ApiEndpoint, where: str, problems: _Problems) -> list[dict[str, Any]]:
    """The declared parameters, plus a string path parameter for each undeclared `{var}`."""
    variables = _template_variables(endpoint.path, where, problems)
    result: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for number, parameter in enumerate(endpoint.parameters):
        place = f"{where}.parameters[{number}]"
        key = (parameter.name, parameter.location)
        if key in seen:
            problems.add(place, f"{parameter.location} parameter {parameter.name!r} is repeated")
            continue
        seen.add(key)
        _check_parameter_place(parameter, variables, place, problems)
        result.append(_parameter(parameter))
    declared = {p.name for p in endpoint.parameters if p.location == "path"}
    generated = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in variables
        if name not in declared
    ]
    return generated + result


def _template_variables(path: str, where: str, problems: _Problems) -> list[str]:
    """The `{var}` names of `path`, in order; a malformed template is a problem."""
    names = _TEMPLATE_VAR.findall(path)
    leftover = _TEMPLATE_VAR.sub("", path)
    if "{" in leftover or "}" in leftover:
        problems.add(f"{where}.path", "the path has an unbalanced '{' or '}'")
    if "?" in path or "#" in path:
        problems.add(f"{where}.path", "the path must not hold a query or fragment")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.add(f"{where}.path", f"path variables repeated: {', '.join(repeated)}")
    return list(dict.fromkeys(names))


def _check_parameter_place(
    parameter: ApiParameter, variables: list[str], place: str, problems: _Problems
) -> None:
    if parameter.location == "path" and parameter.name not in variables:
        problems.add(place, f"path parameter {parameter.name!r} is not a {{variable}} of the path")
    elif parameter.location != "path" and parameter.name in variables:
        problems.add(
            place,
            f"{parameter.name!r} is a {{variable}} of the path: declare it with in: path",
        )


def _parameter(parameter: ApiParameter) -> dict[str, Any]:
    result: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        # OpenAPI requires `required: true` for every path parameter.
        "required": True if parameter.location == "path" else parameter.required,
        # A copy: the document may be edited later (operations filtered)
        # without touching the request model it came from.
        "schema": copy.deepcopy(parameter.schema_),
    }
    if parameter.description:
        result["description"] = parameter.description
    return result
