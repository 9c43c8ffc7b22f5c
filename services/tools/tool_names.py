"""What makes a tool name AgentCore Gateway can serve, for every kind.

An OpenAPI operation's `operationId` and a Lambda tool's `name` both become
MCP tool names, so both are checked by these rules: spec validation
(services/tools/spec_validation/) and the Lambda kind
(services/tools/targets/lambda_function.py). A module of its own, without
imports: a tool action that checks no spec (get, list, delete) must not load
the validation package for three constants.
"""

from __future__ import annotations

import re

# The tool-naming page builds a tool's name as `${target_name}___${tool_name}`
# (three underscores; one rendering of the page shows two). It gives no
# length: 256 is the registry's bound (models.OPERATION_ID). Bedrock's
# Converse API takes tool names of at most 64 characters; that depends on the
# agent's model, so it is not enforced here.
TOOL_NAME_SEPARATOR = "___"
MAX_TOOL_NAME = 256

# The tool-naming page gives only the pattern above; the OpenAPI page warns
# that names the downstream LLM's ToolSpec refuses ("unsupported
# characters") fail in the data plane, and Bedrock's ToolSpecification.name
# is `[a-zA-Z0-9_-]+`.
TOOL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
