"""The checks of an API Gateway stage source: its forms
(api_gateway_forms.py, no AWS call), then, only if they are right, the API
itself, read with API Gateway's GET operations (runtime.rest_apis):

the REST API exists in the registry's account and region (AgentCore serves
only those), is not private nor without its default endpoint (the
devguide's and API Gateway's considerations), the stage exists, each filter
selects at least one method AgentCore serves (not a proxy resource, not
AWS_IAM with an API key required: "excluded from processing"), each
override names an existing method, and every selected method has a tool
name (its operation name in API Gateway, or an override's; API Gateway's
page: "Every method of your API must either have an operation name or ...
a name override"). Those names are the record's `tools`.

The read is of the API's resources (GetResources), not of the stage's
deployment that AgentCore exports: a method added but not deployed passes
here and AgentCore refuses it (the create is then a 502 with AgentCore's
reason, nothing left behind).

Pages: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-api-gateway.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/mcp-server.html.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from services.context import Call
from services.tools.targets.api_gateway_forms import (
    BASE,
    PROXY,
    Check,
    Filter,
    forms,
)
from services.tools.tool_names import name_problem


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


def _api_and_stage(call: Call, api_id: str, stage: str, check: Check) -> bool:
    """Whether the REST API and its stage are there (findings otherwise)."""
    reader = call.runtime.rest_apis
    api = reader.rest_api(api_id)
    if api is None:
        check.add(
            f"{BASE}.rest_api_id",
            f"no REST API {api_id} in the registry's account and region "
            "(AgentCore serves a REST API of the gateway's own account and region)",
        )
        return False
    if "PRIVATE" in ((api.get("endpointConfiguration") or {}).get("types") or []):
        check.add(f"{BASE}.rest_api_id", "a private API: AgentCore serves public endpoints only")
    if api.get("disableExecuteApiEndpoint"):
        check.add(
            f"{BASE}.rest_api_id",
            "its default execute-api endpoint is disabled; AgentCore needs it",
        )
    if reader.stage(api_id, stage) is None:
        check.add(f"{BASE}.stage", f"REST API {api_id} has no stage {stage}")
        return False
    return True


def _overrides_exist(
    body: dict[str, Any], operations: dict[tuple[str, str], dict[str, Any]], check: Check
) -> None:
    paths = {path for path, _ in operations}
    for i, override in enumerate(body["tool_overrides"]):
        at = f"{BASE}.tool_overrides[{i}]"
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

    def selected(self, filter_: Filter) -> list[tuple[str, str]]:
        return [
            key
            for key in sorted(self.operations)
            if filter_.selects(*key)
            and not PROXY.match(key[0].rsplit("/", 1)[-1])
            and _unserved(self.operations[key]) is None
        ]

    def serve(self, path: str, method: str, at: str, check: Check) -> None:
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
        problem = None if override else name_problem(name, self.target_name)
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
    call: Call, body: dict[str, Any], target_name: str, check: Check
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
        filter_ = Filter(f["path"], tuple(f["methods"]))
        at = f"{BASE}.tool_filters[{i}]"
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


def checked(call: Call, source: Any, target_name: str) -> tuple[PreparedStage | None, Check]:
    check = Check()
    body = forms(source, target_name, check)
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
