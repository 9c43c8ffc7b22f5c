"""Tool definitions a target reads from the spec bucket: the Lambda kind's
tools, and an MCP server's static tool list (`mcpToolSchema`).

AgentCore's `ToolDefinition` (`name`, `description`, `inputSchema`,
`outputSchema`) and its `SchemaDefinition`
(https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_SchemaDefinition.html)
hold only a subset of JSON Schema. The checks below refuse, before any
write or AWS call, what they cannot hold, every finding at once with its
field path (`data.source.tools[i]...`), and give the definitions as
AgentCore reads them (camelCase) for the kind to store in canonical JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.context import Call
from services.tools.targets import stored_document
from services.tools.tool_names import name_problem

# AgentCore's quota of tools per target (bedrock-agentcore-limits.html,
# "Tools per target": 1,000, adjustable) is far above what one function or
# static list should hold; the registry's bound is 100. Nesting of a schema
# and the canonical JSON of all the definitions are the registry's bounds
# too (1 MB: the inline schema quota of the same page).
MAX_TOOLS = 100
MAX_SCHEMA_DEPTH = 10
MAX_TOOLS_BYTES = 1024 * 1024
# The API's `SchemaDefinition`: its types and its only members.
SCHEMA_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array"})
SCHEMA_KEYS = frozenset({"type", "properties", "required", "items", "description"})
TOOL_KEYS = {
    "name": "name",
    "description": "description",
    "input_schema": "inputSchema",
    "output_schema": "outputSchema",
}
BASE = "data.source"


@dataclass
class Findings:
    findings: list[dict[str, str]]

    def add(self, field: str, message: str) -> None:
        self.findings.append({"field": field, "message": message})


def _schema(node: Any, path: str, depth: int, check: Findings, *, top: bool = False) -> None:
    """AgentCore's `SchemaDefinition`: what it cannot hold is refused, with its path."""
    if not isinstance(node, dict):
        check.add(path, "a schema object")
        return
    if depth > MAX_SCHEMA_DEPTH:
        check.add(path, f"schemas nest at most {MAX_SCHEMA_DEPTH} levels")
        return
    for key in sorted(set(node) - SCHEMA_KEYS):
        check.add(
            f"{path}.{key}",
            f"AgentCore's tool schema cannot hold {key!r}; it takes only "
            + ", ".join(sorted(SCHEMA_KEYS)),
        )
    kind = node.get("type")
    if kind not in SCHEMA_TYPES:
        check.add(f"{path}.type", "one of " + ", ".join(sorted(SCHEMA_TYPES)))
    elif top and kind != "object":
        # The page's "top-level schema definition": a tool's input is an object.
        check.add(f"{path}.type", "a tool's input schema is of type object")
    if "description" in node and not isinstance(node["description"], str):
        check.add(f"{path}.description", "a string")
    _object_members(node, kind, path, depth, check)
    if "items" in node:
        if kind != "array":
            check.add(f"{path}.items", "only a schema of type array has items")
        else:
            _schema(node["items"], f"{path}.items", depth + 1, check)


def _object_members(
    node: dict[str, Any], kind: Any, path: str, depth: int, check: Findings
) -> None:
    """`properties` and `required`, which only an object schema has."""
    properties = node.get("properties")
    if "properties" in node:
        if kind != "object":
            check.add(f"{path}.properties", "only a schema of type object has properties")
        elif not isinstance(properties, dict):
            check.add(f"{path}.properties", "an object of property schemas")
        else:
            for name, child in properties.items():
                _schema(child, f"{path}.properties.{name}", depth + 1, check)
    if "required" in node:
        required = node["required"]
        if kind != "object":
            check.add(f"{path}.required", "only a schema of type object has required")
        elif not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            check.add(f"{path}.required", "a list of property names")
        else:
            unknown = [r for r in required if r not in (properties or {})]
            if unknown or len(set(required)) != len(required):
                check.add(
                    f"{path}.required",
                    "names each property of `properties` at most once"
                    + (f"; not a property: {', '.join(unknown)}" if unknown else ""),
                )


def _name(
    name: Any, index: int, path: str, target_name: str, *, seen: dict[str, int], check: Findings
) -> None:
    # The same rules as an OpenAPI operationId, which is also a tool name
    # (spec_validation/operations.py): the characters the models' tool
    # specs take, and `<target>___<name>` within AgentCore's length.
    problem = name_problem(name, target_name)
    if problem is not None:
        check.add(path, problem)
    elif name in seen:
        check.add(path, f"tool names are unique; tools[{seen[name]}] has it")
    else:
        seen[name] = index


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _listed(call: Call, source: Any, check: Findings) -> tuple[list[Any] | None, str]:
    """The source's tool list and the field its findings are named under:
    `tools` inline, or the JSON list uploaded at `tools_s3_key` (None: the
    upload is no JSON list, a finding)."""
    if source.tools_s3_key is None:
        return list(source.tools or []), f"{BASE}.tools"
    field = f"{BASE}.tools_s3_key"
    body = stored_document.read_team_upload(call, str(source.tools_s3_key), MAX_TOOLS_BYTES)
    try:
        listed = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        check.add(field, f"the upload is not a JSON list of tools ({type(exc).__name__})")
        return None, field
    if not isinstance(listed, list):
        check.add(field, "the upload is not a JSON list of tools")
        return None, field
    return listed, field


def _definitions(
    raw: list[Any], target_name: str, check: Findings, field: str
) -> list[dict[str, Any]]:
    """AgentCore's `ToolDefinition` list for the request's tools."""
    if not raw:
        check.add(field, "at least one tool")
    if len(raw) > MAX_TOOLS:
        check.add(field, f"at most {MAX_TOOLS} tools (the registry's bound)")
        return []
    definitions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, tool in enumerate(raw):
        path = f"{field}[{i}]"
        if not isinstance(tool, dict):
            check.add(path, "a tool: name, description, input_schema, output_schema")
            continue
        for key in sorted(set(tool) - set(TOOL_KEYS)):
            check.add(f"{path}.{key}", "a tool has name, description, input_schema, output_schema")
        _name(tool.get("name"), i, f"{path}.name", target_name, seen=seen, check=check)
        description = tool.get("description")
        if not isinstance(description, str) or not description:
            check.add(f"{path}.description", "a non-empty string (AgentCore requires it)")
        if "input_schema" not in tool:
            check.add(f"{path}.input_schema", "required")
        else:
            _schema(tool["input_schema"], f"{path}.input_schema", 1, check, top=True)
        if "output_schema" in tool:
            _schema(tool["output_schema"], f"{path}.output_schema", 1, check)
        definitions.append({TOOL_KEYS[k]: v for k, v in tool.items() if k in TOOL_KEYS})
    return definitions


def checked_definitions(
    call: Call, source: Any, target_name: str, check: Findings
) -> tuple[bytes | None, tuple[str, ...]]:
    """The canonical JSON of the source's tool definitions (`tools` or
    `tools_s3_key`) and their names; (None, ()) with the findings in `check`."""
    raw, field = _listed(call, source, check)
    if raw is None:
        return None, ()
    checked = _definitions(raw, target_name, check, field)
    if check.findings:
        return None, ()
    body = json.dumps(checked, sort_keys=True, separators=(",", ":")).encode()
    if len(body) > MAX_TOOLS_BYTES:
        check.add(
            field,
            f"the tool definitions are {len(body)} bytes as JSON; at most {MAX_TOOLS_BYTES}",
        )
        return None, ()
    return body, tuple(str(d["name"]) for d in checked)
