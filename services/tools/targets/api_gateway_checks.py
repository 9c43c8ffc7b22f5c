"""The checks of an API Gateway stage source (targets/api_gateway.py is the kind).

Before any write, every finding at once with its field path:

1. the forms, with no AWS call: the REST API id (as API Gateway makes them:
   10 lowercase letters and digits, the host of `https://{id}.execute-api...`),
   the stage name (set-up-stages.html: "alphanumeric characters, hyphens,
   and underscores. Maximum length is 128 characters"), filters required,
   each path exact or `/prefix/*` (no proxy resource `{name+}`: the devguide
   says AgentCore does not serve them), methods of AgentCore's
   `RestApiMethod` (GET DELETE HEAD OPTIONS PATCH PUT POST, botocore's
   model; no ANY), no path filtered twice; overrides of an exact path and
   one method that a filter selects, names unique and of AgentCore's tool
   name rules (services/tools/tool_names.py);
2. then, only if the forms are right, the API itself, read with API
   Gateway's GET operations (runtime.rest_apis): the REST API exists in the
   registry's account and region (AgentCore serves only those), is not
   private nor without its default endpoint (the devguide's and API
   Gateway's considerations), the stage exists, each filter selects at
   least one method AgentCore serves (not a proxy resource, not AWS_IAM
   with an API key required: "excluded from processing"), each override
   names an existing method, and every selected method has a tool name (its
   operation name in API Gateway, or an override's; API Gateway's page:
   "Every method of your API must either have an operation name or ...
   a name override"). Those names are the record's `tools`.

   The read is of the API's resources (GetResources), not of the stage's
   deployment that AgentCore exports: a method added but not deployed
   passes here and AgentCore refuses it (the create is then a 502 with
   AgentCore's reason, nothing left behind).

Pages: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-api-gateway.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/mcp-server.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-stages.html,
https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_ApiGatewayToolFilter.html,
API_ApiGatewayToolOverride.html.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from services.context import Call
from services.tools.tool_names import MAX_TOOL_NAME, TOOL_NAME_PATTERN, TOOL_NAME_SEPARATOR

# The kind's name (the record's `target.kind`).
KIND = "api_gateway"
REST_API_ID_PATTERN = re.compile(r"^[a-z0-9]{10}$")
STAGE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# botocore's `RestApiMethod`.
METHODS = ("GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "PUT", "POST")
# A resource path segment as API Gateway takes it (`pathPart`), or a path
# parameter; a greedy `{name+}` is a proxy resource, refused on its own.
_SEGMENT = re.compile(r"^([A-Za-z0-9._:-]+|\{[A-Za-z0-9._:-]+\})$")
_PROXY = re.compile(r"^\{[A-Za-z0-9._:-]+\+\}$")
MAX_PATH = 1024
# The registry's bounds (AgentCore documents none): filters and overrides
# per target, and an override's description.
MAX_FILTERS = 100
MAX_OVERRIDES = 100
MAX_DESCRIPTION = 4096
_FILTER_KEYS = frozenset({"path", "methods"})
_OVERRIDE_KEYS = frozenset({"name", "path", "method", "description"})
_BASE = "data.source"


@dataclass
class _Check:
    findings: list[dict[str, str]] = field(default_factory=list)

    def add(self, field_: str, message: str) -> None:
        self.findings.append({"field": field_, "message": message})


@dataclass(frozen=True)
class _Filter:
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


@dataclass(frozen=True)
class PreparedStage:
    """A checked API Gateway source: the record's description and the names
    of the tools AgentCore will serve."""

    body: dict[str, Any]
    sha256: str
    tools: tuple[str, ...]
    operations: tuple[dict[str, str], ...] = ()

    @property
    def digest(self) -> str:
        return self.sha256

    def changes(self, current: dict[str, Any] | None) -> bool:
        return self.sha256 != (current or {}).get("sha256")

    def describe(self) -> dict[str, Any]:
        return {**self.body, "sha256": self.sha256}


def _path(path: Any, field_: str, check: _Check, *, wildcard_ok: bool) -> str | None:
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
        if _PROXY.match(segment):
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


def _method(method: Any, field_: str, check: _Check) -> str | None:
    if method not in METHODS:
        check.add(field_, "one of " + ", ".join(METHODS) + " (AgentCore's RestApiMethod)")
        return None
    return str(method)


def _filter_methods(methods: Any, at: str, check: _Check) -> list[str]:
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


def _filters(raw: list[Any], check: _Check) -> list[_Filter]:
    field_ = f"{_BASE}.tool_filters"
    if not raw:
        check.add(field_, "at least one filter: AgentCore serves only the operations they select")
    if len(raw) > MAX_FILTERS:
        check.add(field_, f"at most {MAX_FILTERS} filters (the registry's bound)")
        return []
    filters: list[_Filter] = []
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
            filters.append(_Filter(path, tuple(sorted(methods, key=METHODS.index))))
    return filters


def _name_problem(name: Any, target_name: str) -> str | None:
    """Why `name` cannot be a tool name, or None. The same rules as every
    tool name (tool_names.py): the characters the models' tool specs take,
    and `<target>___<name>` within the bound."""
    if not isinstance(name, str) or not TOOL_NAME_PATTERN.match(name):
        return "letters, digits, '_' and '-' only"
    if len(f"{target_name}{TOOL_NAME_SEPARATOR}{name}") > MAX_TOOL_NAME:
        return (
            f"the tool name '<target>{TOOL_NAME_SEPARATOR}<name>' would be over "
            f"{MAX_TOOL_NAME} characters"
        )
    return None


@dataclass
class _Overrides:
    """The overrides checked so far: their names and operations, each with
    the index of the override that has it."""

    filters: list[_Filter]
    target_name: str
    names: dict[str, int] = field(default_factory=dict)
    operations: dict[tuple[str, str], int] = field(default_factory=dict)
    checked: list[dict[str, str]] = field(default_factory=list)

    def name(self, name: Any, i: int, at: str, check: _Check) -> None:
        problem = _name_problem(name, self.target_name)
        if problem:
            check.add(f"{at}.name", problem)
        elif name in self.names:
            check.add(
                f"{at}.name", f"tool names are unique; tool_overrides[{self.names[name]}] has it"
            )
        else:
            self.names[str(name)] = i

    def add(self, item: dict[str, Any], i: int, at: str, check: _Check) -> None:
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
    raw: list[Any], filters: list[_Filter], target_name: str, check: _Check
) -> list[dict[str, str]]:
    field_ = f"{_BASE}.tool_overrides"
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


def _forms(source: Any, target_name: str, check: _Check) -> dict[str, Any] | None:
    """The source's forms (no AWS call); the description's body, or None."""
    if not REST_API_ID_PATTERN.match(source.rest_api_id):
        check.add(
            f"{_BASE}.rest_api_id",
            "a REST API id as API Gateway makes them: 10 lowercase letters and digits",
        )
    if not STAGE_PATTERN.match(source.stage):
        check.add(
            f"{_BASE}.stage",
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


def _unserved(method: dict[str, Any]) -> str | None:
    """Why AgentCore does not serve this method, or None."""
    if method.get("authorizationType") == "AWS_IAM" and method.get("apiKeyRequired"):
        return "it uses AWS_IAM authorization and requires an API key"
    return None


def _operations(resources: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every (path, method) of the API with its Method."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for resource in resources:
        path = str(resource.get("path") or "")
        for method, detail in (resource.get("resourceMethods") or {}).items():
            found[path, str(method)] = dict(detail or {})
    return found


def _api_and_stage(call: Call, api_id: str, stage: str, check: _Check) -> bool:
    """Whether the REST API and its stage are there (findings otherwise)."""
    reader = call.runtime.rest_apis
    api = reader.rest_api(api_id)
    if api is None:
        check.add(
            f"{_BASE}.rest_api_id",
            f"no REST API {api_id} in the registry's account and region "
            "(AgentCore serves a REST API of the gateway's own account and region)",
        )
        return False
    if "PRIVATE" in ((api.get("endpointConfiguration") or {}).get("types") or []):
        check.add(f"{_BASE}.rest_api_id", "a private API: AgentCore serves public endpoints only")
    if api.get("disableExecuteApiEndpoint"):
        check.add(
            f"{_BASE}.rest_api_id",
            "its default execute-api endpoint is disabled; AgentCore needs it",
        )
    if reader.stage(api_id, stage) is None:
        check.add(f"{_BASE}.stage", f"REST API {api_id} has no stage {stage}")
        return False
    return True


def _overrides_exist(
    body: dict[str, Any], operations: dict[tuple[str, str], dict[str, Any]], check: _Check
) -> None:
    paths = {path for path, _ in operations}
    for i, override in enumerate(body["tool_overrides"]):
        at = f"{_BASE}.tool_overrides[{i}]"
        key = (override["path"], override["method"])
        if override["path"] not in paths:
            check.add(f"{at}.path", f"REST API {body['rest_api_id']} has no resource {key[0]}")
        elif key not in operations:
            check.add(f"{at}.method", f"{key[0]} has no {key[1]} method")
        elif why := _unserved(operations[key]):
            check.add(at, f"AgentCore does not serve {key[1]} {key[0]}: {why}")


@dataclass
class _Served:
    """The operations AgentCore will serve, each with its tool name."""

    operations: dict[tuple[str, str], dict[str, Any]]
    overrides: dict[tuple[str, str], dict[str, str]]
    target_name: str
    served: list[dict[str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    def selected(self, filter_: _Filter) -> list[tuple[str, str]]:
        return [
            key
            for key in sorted(self.operations)
            if filter_.selects(*key)
            and not _PROXY.match(key[0].rsplit("/", 1)[-1])
            and _unserved(self.operations[key]) is None
        ]

    def serve(self, path: str, method: str, at: str, check: _Check) -> None:
        if any(s["path"] == path and s["method"] == method for s in self.served):
            return  # another filter selected it too: AgentCore serves it once
        override = self.overrides.get((path, method))
        name = override["name"] if override else self.operations[path, method].get("operationName")
        if not name:
            check.add(
                at,
                f"{method} {path} has no operation name in API Gateway: give it one "
                "(operationName) or name it with a tool_override",
            )
            return
        problem = None if override else _name_problem(name, self.target_name)
        if problem:
            check.add(
                at,
                f"the operation name {str(name)[:64]!r} of {method} {path} is not a tool "
                f"name ({problem}): rename it in API Gateway or give a tool_override",
            )
        elif name in self.names:
            check.add(at, f"{method} {path} and {self.names[name]} would both be tool {name}")
        else:
            self.names[name] = f"{method} {path}"
            self.served.append({"path": path, "method": method, "tool": str(name)})


def _against_the_api(
    call: Call, body: dict[str, Any], target_name: str, check: _Check
) -> list[dict[str, str]]:
    """The REST API and stage as API Gateway has them; the operations served
    ({path, method, tool}), in the filters' order, each path's in order."""
    api_id = body["rest_api_id"]
    if not _api_and_stage(call, api_id, body["stage"], check):
        return []
    operations = _operations(call.runtime.rest_apis.resources(api_id))
    _overrides_exist(body, operations, check)
    paths = {path for path, _ in operations}
    overrides = {(o["path"], o["method"]): o for o in body["tool_overrides"]}
    served = _Served(operations, overrides, target_name)
    for i, f in enumerate(body["tool_filters"]):
        filter_ = _Filter(f["path"], tuple(f["methods"]))
        at = f"{_BASE}.tool_filters[{i}]"
        if not filter_.wildcard and filter_.path not in paths:
            check.add(f"{at}.path", f"REST API {api_id} has no resource {filter_.path}")
            continue
        selected = served.selected(filter_)
        if not selected:
            check.add(
                at,
                f"selects no method of REST API {api_id} that AgentCore serves "
                f"({', '.join(filter_.methods)} on {filter_.path})",
            )
        for path, method in selected:
            served.serve(path, method, at, check)
    return served.served


def checked(call: Call, source: Any, target_name: str) -> tuple[PreparedStage | None, _Check]:
    check = _Check()
    body = _forms(source, target_name, check)
    if body is None:
        return None, check
    served = _against_the_api(call, body, target_name, check)
    if check.findings:
        return None, check
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return PreparedStage(
        body,
        hashlib.sha256(canonical).hexdigest(),
        tuple(s["tool"] for s in served),
        tuple(served),
    ), check
