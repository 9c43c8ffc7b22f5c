"""The forms of an API Gateway stage source, checked with no AWS call
(api_gateway_checks.py reads the API after them; the kind is api_gateway.py).

The REST API id (as API Gateway makes them: 10 lowercase letters and
digits, the host of `https://{id}.execute-api...`), the stage name
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-stages.html:
"alphanumeric characters, hyphens, and underscores. Maximum length is 128
characters"), filters required (AgentCore's `toolFilters`), each path exact
or `/prefix/*` (API_ApiGatewayToolFilter.html; no proxy resource
`{name+}`: the devguide says AgentCore does not serve them), methods of
AgentCore's `RestApiMethod` (GET DELETE HEAD OPTIONS PATCH PUT POST,
botocore's model; no ANY), no path filtered twice; overrides of an exact
path and one method (API_ApiGatewayToolOverride.html) that a filter
selects, names unique and of AgentCore's tool-name rules
(services/tools/tool_names.py). Every finding at once, with its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.tools.tool_names import name_problem

# The kind's name (the record's `target.kind`).
KIND = "api_gateway"
REST_API_ID_PATTERN = re.compile(r"^[a-z0-9]{10}$")
STAGE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# botocore's `RestApiMethod`.
METHODS = ("GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "PUT", "POST")
# A resource path segment as API Gateway takes it (`pathPart`), or a path
# parameter; a greedy `{name+}` is a proxy resource, refused on its own.
_SEGMENT = re.compile(r"^([A-Za-z0-9._:-]+|\{[A-Za-z0-9._:-]+\})$")
PROXY = re.compile(r"^\{[A-Za-z0-9._:-]+\+\}$")
MAX_PATH = 1024
# The registry's bounds (AgentCore documents none): filters and overrides
# per target, and an override's description.
MAX_FILTERS = 100
MAX_OVERRIDES = 100
MAX_DESCRIPTION = 4096
_FILTER_KEYS = frozenset({"path", "methods"})
_OVERRIDE_KEYS = frozenset({"name", "path", "method", "description"})
BASE = "data.source"


@dataclass
class Check:
    findings: list[dict[str, str]] = field(default_factory=list)

    def add(self, field_: str, message: str) -> None:
        self.findings.append({"field": field_, "message": message})


@dataclass(frozen=True)
class Filter:
    path: str
    methods: tuple[str, ...]

    @property
    def wildcard(self) -> bool:
        return self.path.endswith("*")

    def selects(self, path: str, method: str) -> bool:
        """Whether `method path` is one of this filter's operations. A
        wildcard `/pets/*` selects the paths under /pets, not /pets itself
        (the API reference: "/pets/* to match all paths under /pets")."""
        if method not in self.methods:
            return False
        if self.wildcard:
            return path.startswith(self.path[:-1]) and path != self.path[:-2]
        return path == self.path


def _path(path: Any, field_: str, check: Check, *, wildcard_ok: bool) -> str | None:
    """A resource path: `/`, `/a/{b}`, or (for a filter) `/a/*` or `/*`."""
    if not isinstance(path, str) or not path.startswith("/") or len(path) > MAX_PATH:
        check.add(field_, f"a resource path starting with '/', at most {MAX_PATH} characters")
        return None
    segments = path[1:].split("/") if path != "/" else []
    if segments and segments[-1] == "*":
        if not wildcard_ok:
            check.add(field_, "an exact resource path: an override names one operation, no '*'")
            return None
        segments = segments[:-1]
    for segment in segments:
        if PROXY.match(segment):
            check.add(
                field_,
                f"{segment} is a proxy resource; AgentCore does not serve proxy resources",
            )
            return None
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            check.add(
                field_,
                "each segment letters, digits and . _ : - (not . or ..) or a {parameter}; "
                "'*' only as the whole last segment of a filter",
            )
            return None
    return path


def _method(method: Any, field_: str, check: Check) -> str | None:
    if method not in METHODS:
        check.add(field_, "one of " + ", ".join(METHODS) + " (AgentCore's RestApiMethod)")
        return None
    return str(method)


def _filter_methods(methods: Any, at: str, check: Check) -> list[str]:
    good: list[str] = []
    if not isinstance(methods, list) or not methods:
        check.add(f"{at}.methods", "a non-empty list of methods")
        return good
    for j, method in enumerate(methods):
        checked = _method(method, f"{at}.methods[{j}]", check)
        if checked in good:
            check.add(f"{at}.methods[{j}]", f"{checked} is listed twice")
        elif checked:
            good.append(checked)
    return good


def _filters(raw: list[Any], check: Check) -> list[Filter]:
    field_ = f"{BASE}.tool_filters"
    if not raw:
        check.add(field_, "at least one filter: AgentCore serves only the operations they select")
    if len(raw) > MAX_FILTERS:
        check.add(field_, f"at most {MAX_FILTERS} filters (the registry's bound)")
        return []
    filters: list[Filter] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        at = f"{field_}[{i}]"
        if not isinstance(item, dict):
            check.add(at, "a filter: path, methods")
            continue
        for key in sorted(set(item) - _FILTER_KEYS):
            check.add(f"{at}.{key}", "a filter has path and methods")
        path = _path(item.get("path"), f"{at}.path", check, wildcard_ok=True)
        methods = _filter_methods(item.get("methods"), at, check)
        if path is None:
            continue
        if path in seen:
            check.add(
                f"{at}.path",
                f"tool_filters[{seen[path]}] has this path; list all its methods there",
            )
            continue
        seen[path] = i
        if methods:
            filters.append(Filter(path, tuple(sorted(methods, key=METHODS.index))))
    return filters


@dataclass
class _Overrides:
    """The overrides checked so far: their names and operations, each with
    the index of the override that has it."""

    filters: list[Filter]
    target_name: str
    names: dict[str, int] = field(default_factory=dict)
    operations: dict[tuple[str, str], int] = field(default_factory=dict)
    checked: list[dict[str, str]] = field(default_factory=list)

    def name(self, name: Any, i: int, at: str, check: Check) -> None:
        problem = name_problem(name, self.target_name)
        if problem:
            check.add(f"{at}.name", problem)
        elif name in self.names:
            check.add(
                f"{at}.name", f"tool names are unique; tool_overrides[{self.names[name]}] has it"
            )
        else:
            self.names[str(name)] = i

    def add(self, item: dict[str, Any], i: int, at: str, check: Check) -> None:
        for key in sorted(set(item) - _OVERRIDE_KEYS):
            check.add(f"{at}.{key}", "an override has name, path, method and description")
        self.name(item.get("name"), i, at, check)
        path = _path(item.get("path"), f"{at}.path", check, wildcard_ok=False)
        method = _method(item.get("method"), f"{at}.method", check)
        description = item.get("description")
        if "description" in item and (
            not isinstance(description, str) or not 0 < len(description) <= MAX_DESCRIPTION
        ):
            check.add(f"{at}.description", f"a non-empty string of at most {MAX_DESCRIPTION}")
        if path is None or method is None:
            return
        if (path, method) in self.operations:
            check.add(
                at, f"tool_overrides[{self.operations[path, method]}] overrides {method} {path}"
            )
            return
        self.operations[path, method] = i
        if not any(f.selects(path, method) for f in self.filters):
            check.add(
                at,
                f"no tool filter selects {method} {path}: AgentCore takes overrides only of "
                "the operations the filters select; add the method to a filter of that path "
                "or of a '/prefix/*' above it",
            )
            return
        override = {"name": str(item.get("name")), "path": path, "method": method}
        if isinstance(description, str):
            override["description"] = description
        self.checked.append(override)


def _overrides(
    raw: list[Any], filters: list[Filter], target_name: str, check: Check
) -> list[dict[str, str]]:
    field_ = f"{BASE}.tool_overrides"
    if len(raw) > MAX_OVERRIDES:
        check.add(field_, f"at most {MAX_OVERRIDES} overrides (the registry's bound)")
        return []
    overrides = _Overrides(filters, target_name)
    for i, item in enumerate(raw):
        at = f"{field_}[{i}]"
        if isinstance(item, dict):
            overrides.add(item, i, at, check)
        else:
            check.add(at, "an override: name, path, method, description")
    return overrides.checked


def forms(source: Any, target_name: str, check: Check) -> dict[str, Any] | None:
    """The source's forms (no AWS call); the description's body, or None."""
    if not REST_API_ID_PATTERN.match(source.rest_api_id):
        check.add(
            f"{BASE}.rest_api_id",
            "a REST API id as API Gateway makes them: 10 lowercase letters and digits",
        )
    if not STAGE_PATTERN.match(source.stage):
        check.add(
            f"{BASE}.stage",
            "a stage name: letters, digits, '-' and '_', at most 128 characters",
        )
    filters = _filters(list(source.tool_filters), check)
    overrides = _overrides(list(source.tool_overrides or []), filters, target_name, check)
    if check.findings:
        return None
    return {
        "kind": KIND,
        "rest_api_id": source.rest_api_id,
        "stage": source.stage,
        "tool_filters": [{"path": f.path, "methods": list(f.methods)} for f in filters],
        "tool_overrides": overrides,
    }
