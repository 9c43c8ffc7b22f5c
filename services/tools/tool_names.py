"""What makes a tool name AgentCore Gateway can serve, for every kind.

An OpenAPI operation's `operationId`, a Lambda or MCP tool's `name`, a
Smithy operation's name and an API Gateway override's name all become MCP
tool names, so all are checked by these rules: spec validation
(services/tools/spec_validation/) and the kinds (services/tools/targets/,
`name_problem`). A module of its own, importing nothing of the registry: a
tool action that checks no spec (get, list, delete) must not load the
validation package for these rules.
"""

from __future__ import annotations

import re
from typing import Any

# The tool-naming page builds a tool's name as `${target_name}___${tool_name}`
# (three underscores; one rendering of the page shows two). AgentCore's
# quotas page (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/
# bedrock-agentcore-limits.html, Gateway) gives "Tool name character limit:
# 256 characters" (adjustable); models.OPERATION_ID has the same bound.
TOOL_NAME_SEPARATOR = "___"
MAX_TOOL_NAME = 256
# What the models take is shorter, and depends on the agent's model, so a
# longer name is a warning, not a refusal: Bedrock's Converse API
# (https://docs.aws.amazon.com/bedrock/latest/APIReference/
# API_runtime_ToolSpecification.html, `name`: "Maximum length of 64") and
# OpenAI's function calling ("a maximum length of 64") refuse a request
# whose tool list holds one (Anthropic's and MCP's bound is 128).
MODEL_TOOL_NAME = 64

# The tool-naming page gives only the pattern above; the OpenAPI page warns
# that names the downstream LLM's ToolSpec refuses ("unsupported
# characters") fail in the data plane, and Bedrock's ToolSpecification.name
# is `[a-zA-Z0-9_-]+`.
TOOL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")


def full_name(target_name: str, name: Any) -> str:
    """The name a tool has in the gateway: `<target>___<name>`."""
    return f"{target_name}{TOOL_NAME_SEPARATOR}{name}"


def name_problem(name: Any, target_name: str) -> str | None:
    """Why `name` cannot be a tool name, or None. The same rules as every
    tool name (above): the characters the models' tool specs take,
    and `<target>___<name>` within the bound."""
    if not isinstance(name, str) or not TOOL_NAME_PATTERN.match(name):
        return "letters, digits, '_' and '-' only"
    if len(full_name(target_name, name)) > MAX_TOOL_NAME:
        return (
            f"the tool name '<target>{TOOL_NAME_SEPARATOR}<name>' would be over "
            f"{MAX_TOOL_NAME} characters"
        )
    return None
