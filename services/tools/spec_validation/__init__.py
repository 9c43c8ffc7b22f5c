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
  ("the OpenAPI page" in the modules' comments);
- tool naming: https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-tool-naming.html

The modules, in the order a validation uses them:
- validate: `validate_spec`, the order of the checks, the report's assembly;
- document: the spec as the rules see it (operations, local `$ref`s, the
  filtered document to publish); schemas: composition keywords in a schema;
  values: reading parts of unknown shape;
- operations, servers, refs: the rules (one operation; `servers`; `$ref`s);
- openapi_validator: openapi-spec-validator, run without its cache or any
  retrieval;
- selection: include/exclude and the limits; report: the result types.
`$ref`s are read, and JSON paths written, by services.tools.json_pointer,
as spec normalization does.

Cost. openapi-spec-validator is imported lazily (about 0.4 s) and only in
openapi_validator, so no other action pays for it; it validates at about
0.6 s/MB for 3.0 and 3.5 s/MB for 3.1 on a 2-core machine. Our own checks
are linear walks.
"""

from services.tools.models import MAX_TARGETS_PER_GATEWAY
from services.tools.spec_validation.document import METHODS
from services.tools.spec_validation.operations import (
    OPERATION_ID_PATTERN,
    PARAMETER_NAME_PATTERN,
)
from services.tools.spec_validation.report import (
    Finding,
    OperationReport,
    Severity,
    SpecReport,
)
from services.tools.spec_validation.selection import MAX_OPERATIONS_PER_TARGET
from services.tools.spec_validation.validate import OnUnsupported, validate_spec
from services.tools.tool_names import MAX_TOOL_NAME, TOOL_NAME_SEPARATOR

__all__ = [
    "MAX_OPERATIONS_PER_TARGET",
    "MAX_TARGETS_PER_GATEWAY",
    "MAX_TOOL_NAME",
    "METHODS",
    "OPERATION_ID_PATTERN",
    "PARAMETER_NAME_PATTERN",
    "TOOL_NAME_SEPARATOR",
    "Finding",
    "OnUnsupported",
    "OperationReport",
    "Severity",
    "SpecReport",
    "validate_spec",
]
