"""Lambda function targets: a function ARN and the tools it implements.

The request names the function and lists its tools (`name`, `description`,
`input_schema`, `output_schema`); the checks below refuse, before any write
or AWS call, what AgentCore's tool schema cannot hold, every finding at
once with its field path. The checked definitions, as AgentCore's
`ToolDefinition` list (camelCase) in canonical JSON, are stored in the spec
bucket under the same content key scheme as OpenAPI specs
(stored_document.py), and the target reads them from there
(`mcp.lambda.toolSchema.s3.uri`), so the record alone rebuilds the target's
configuration (reconcile's rollback) and cleanup, the sweep and drift work
as for OpenAPI. The record's `target` attribute describes it (docs/api.md,
"Tool record"): `kind`, `lambda_arn`, `sha256`, `s3_uri`, `s3_key`,
`size_bytes`.

AgentCore's pages: the Lambda target and its tool schema
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html),
the target's credentials (gateway IAM role only,
https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-outbound-auth.html),
the API's `McpLambdaTargetConfiguration` and `SchemaDefinition`
(https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_McpLambdaTargetConfiguration.html).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.context import Call
from services.errors import RequestValidationError
from services.records.types import ToolRecord
from services.tools.targets import stored_document
from services.tools.targets.base import Prepared, Staged, StoredArtifact
from services.tools.tool_names import MAX_TOOL_NAME, TOOL_NAME_PATTERN, TOOL_NAME_SEPARATOR

# The API's `LambdaFunctionArn` (pattern and length, botocore's service
# model, McpLambdaTargetConfiguration.lambdaArn).
LAMBDA_ARN_PATTERN = re.compile(
    r"^arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}(-gov)?-[a-z]+-\d{1}):(\d{12}):function:"
    r"([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$"
)
MAX_LAMBDA_ARN = 170
# The registry's own bounds (AgentCore documents none for a Lambda target's
# tool schema): tools per target, nesting of a schema, and the canonical
# JSON of all the definitions.
MAX_LAMBDA_TOOLS = 100
MAX_SCHEMA_DEPTH = 10
MAX_TOOLS_BYTES = 1024 * 1024
# The API's `SchemaDefinition`: its types and its only members.
SCHEMA_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array"})
SCHEMA_KEYS = frozenset({"type", "properties", "required", "items", "description"})
_TOOL_KEYS = {
    "name": "name",
    "description": "description",
    "input_schema": "inputSchema",
    "output_schema": "outputSchema",
}
_BASE = "data.source"


@dataclass(frozen=True)
class PreparedTools:
    """A checked Lambda source: the function and the stored definitions."""

    lambda_arn: str
    body: bytes
    sha256: str
    tools: tuple[str, ...]

    @property
    def digest(self) -> str:
        return self.sha256

    def changes(self, current: dict[str, Any] | None) -> bool:
        current = current or {}
        return self.sha256 != current.get("sha256") or self.lambda_arn != current.get("lambda_arn")

    def describe(self) -> dict[str, Any]:
        return self.record(None, None)

    def record(self, s3_uri: str | None, s3_key: str | None) -> dict[str, Any]:
        """The record's `target` attribute."""
        return {
            "kind": LAMBDA.name,
            "lambda_arn": self.lambda_arn,
            "sha256": self.sha256,
            "s3_uri": s3_uri,
            "s3_key": s3_key,
            "size_bytes": len(self.body),
        }


@dataclass
class _Check:
    findings: list[dict[str, str]]

    def add(self, field: str, message: str) -> None:
        self.findings.append({"field": field, "message": message})


def _arn(call: Call, arn: str, check: _Check) -> None:
    field = f"{_BASE}.lambda_arn"
    if len(arn) > MAX_LAMBDA_ARN or not LAMBDA_ARN_PATTERN.match(arn):
        check.add(
            field,
            "a Lambda function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>"
            f"[:<version or alias>]), at most {MAX_LAMBDA_ARN} characters",
        )
        return
    # The gateway's role invokes the function: it must be in the gateway's
    # partition (an IAM role cannot reach across partitions).
    partition = call.runtime.session.get_partition_for_region(call.runtime.settings.region)
    if arn.split(":")[1] != partition:
        check.add(field, f"the function must be in the registry's partition ({partition})")


def _schema(node: Any, path: str, depth: int, check: _Check, *, top: bool = False) -> None:
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


def _object_members(node: dict[str, Any], kind: Any, path: str, depth: int, check: _Check) -> None:
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
    name: Any, index: int, path: str, target_name: str, *, seen: dict[str, int], check: _Check
) -> None:
    # The same rules as an OpenAPI operationId, which is also a tool name
    # (spec_validation/operations.py): the characters the models' tool
    # specs take, and `<target>___<name>` within AgentCore's length.
    if not isinstance(name, str) or not TOOL_NAME_PATTERN.match(name):
        check.add(path, "letters, digits, '_' and '-' only")
    elif len(f"{target_name}{TOOL_NAME_SEPARATOR}{name}") > MAX_TOOL_NAME:
        check.add(
            path,
            f"the tool name '<target>{TOOL_NAME_SEPARATOR}<name>' would be over "
            f"{MAX_TOOL_NAME} characters",
        )
    elif name in seen:
        check.add(path, f"tool names are unique; tools[{seen[name]}] has it")
    else:
        seen[name] = index


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _listed(call: Call, source: Any, check: _Check) -> tuple[list[Any] | None, str]:
    """The source's tool list and the field its findings are named under:
    `tools` inline, or the JSON list uploaded at `tools_s3_key` (None: the
    upload is no JSON list, a finding)."""
    if source.tools_s3_key is None:
        return list(source.tools or []), f"{_BASE}.tools"
    field = f"{_BASE}.tools_s3_key"
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


def _tools(raw: list[Any], target_name: str, check: _Check, field: str) -> list[dict[str, Any]]:
    """AgentCore's `ToolDefinition` list for the request's tools."""
    if not raw:
        check.add(field, "at least one tool")
    if len(raw) > MAX_LAMBDA_TOOLS:
        check.add(field, f"at most {MAX_LAMBDA_TOOLS} tools (the registry's bound)")
        return []
    definitions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, tool in enumerate(raw):
        path = f"{field}[{i}]"
        if not isinstance(tool, dict):
            check.add(path, "a tool: name, description, input_schema, output_schema")
            continue
        for key in sorted(set(tool) - set(_TOOL_KEYS)):
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
        definitions.append({_TOOL_KEYS[k]: v for k, v in tool.items() if k in _TOOL_KEYS})
    return definitions


def _checked(call: Call, source: Any, target_name: str) -> tuple[PreparedTools | None, _Check]:
    check = _Check([])
    _arn(call, str(source.lambda_arn), check)
    listed, field = _listed(call, source, check)
    if listed is None:
        return None, check
    definitions = _tools(listed, target_name, check, field)
    if check.findings:
        return None, check
    body = json.dumps(definitions, sort_keys=True, separators=(",", ":")).encode()
    if len(body) > MAX_TOOLS_BYTES:
        check.add(
            field,
            f"the tool definitions are {len(body)} bytes as JSON; at most {MAX_TOOLS_BYTES}",
        )
        return None, check
    names = tuple(str(d["name"]) for d in definitions)
    return PreparedTools(
        str(source.lambda_arn), body, hashlib.sha256(body).hexdigest(), names
    ), check


class LambdaKind(stored_document.StoredDocumentKind):
    name = "lambda"
    attribute = "target"
    source_types = frozenset({"lambda"})
    # AgentCore's outbound authorization for Lambda targets: the gateway's
    # IAM role only (gateway-outbound-auth.html, cited above).
    credential_types = frozenset({"gateway_iam_role"})
    artifact_noun = "tool schema object"

    def prepare(
        self,
        call: Call,
        source: Any,
        *,
        target_name: str,
        existing_targets: int,
        current: dict[str, Any] | None = None,
    ) -> PreparedTools | None:
        prepared, check = _checked(call, source, target_name)
        if prepared is None:
            raise RequestValidationError(
                f"the Lambda source has {len(check.findings)} problem(s)", check.findings
            )
        if current is not None and not prepared.changes(current):
            return None
        return prepared

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer: the checked tools, or the findings."""
        prepared, check = _checked(call, source, target_name)
        return {
            "ok": prepared is not None,
            "kind": self.name,
            "lambda_arn": source.lambda_arn,
            "tools_s3_key": source.tools_s3_key,
            "tools": list(prepared.tools) if prepared else [],
            "tool_names": [f"{target_name}{TOOL_NAME_SEPARATOR}{n}" for n in prepared.tools]
            if prepared
            else [],
            "errors": check.findings,
            "size_bytes": len(prepared.body) if prepared else None,
        }

    def description(self, record: ToolRecord) -> dict[str, Any] | None:
        target = record.get("target")
        return target if target and "sha256" in target else None

    def with_description(self, record: ToolRecord, description: dict[str, Any]) -> ToolRecord:
        described = record.copy()
        described["target"] = description
        return described

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        assert isinstance(prepared, PreparedTools)  # noqa: S101 - this kind's own prepare made it
        key, uri = stored_document.put(call, record, prepared.sha256, prepared.body)
        return Staged(prepared.record(uri, key), (key,))

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        return {
            "mcp": {
                "lambda": {
                    "lambdaArn": str(description.get("lambda_arn")),
                    "toolSchema": {"s3": {"uri": str(description.get("s3_uri"))}},
                }
            }
        }

    def stored(self, call: Call) -> Iterator[StoredArtifact]:
        # The OpenAPI kind lists the shared prefix, Lambda tools' objects
        # included (reconcile's sweep judges each by its record's kind).
        return iter(())

    def drift(self, call: Call, record: ToolRecord, target: dict[str, Any]) -> str | None:
        described = self.description(record) or {}
        served = ((target.get("targetConfiguration") or {}).get("mcp") or {}).get("lambda") or {}
        if served.get("lambdaArn") != described.get("lambda_arn"):
            return f"the target invokes {served.get('lambdaArn')}"
        uri = ((served.get("toolSchema") or {}).get("s3") or {}).get("uri")
        if uri != described.get("s3_uri"):
            return f"the target reads its tool schema from {uri}"
        return stored_document.object_drift(call, described, "tool schema object")


LAMBDA = LambdaKind()
