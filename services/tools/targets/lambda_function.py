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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.context import Call
from services.records.types import ToolRecord
from services.tools.targets import stored_document
from services.tools.targets.base import (
    DescribedInTarget,
    Listing,
    Prepared,
    Staged,
    StoredArtifact,
    checked_or_refused,
)
from services.tools.targets.tool_definitions import (
    BASE,
    Findings,
    checked_definitions,
)
from services.tools.tool_names import full_name

# The API's `LambdaFunctionArn` (pattern and length, botocore's service
# model, McpLambdaTargetConfiguration.lambdaArn).
LAMBDA_ARN_PATTERN = re.compile(
    r"^arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}(-gov)?-[a-z]+-\d{1}):(\d{12}):function:"
    r"([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$"
)
MAX_LAMBDA_ARN = 170


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


def _arn(call: Call, arn: str, check: Findings) -> None:
    field = f"{BASE}.lambda_arn"
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


def _checked(call: Call, source: Any, target_name: str) -> tuple[PreparedTools | None, Findings]:
    check = Findings([])
    _arn(call, str(source.lambda_arn), check)
    body, names = checked_definitions(call, source, target_name, check)
    if body is None:
        return None, check
    return PreparedTools(
        str(source.lambda_arn), body, hashlib.sha256(body).hexdigest(), names
    ), check


class LambdaKind(DescribedInTarget, stored_document.StoredDocumentKind):
    name = "lambda"
    source_types = frozenset({"lambda"})
    # AgentCore's outbound authorization for Lambda targets: the gateway's
    # IAM role only (gateway-outbound-auth.html, cited above).
    credential_types = frozenset({"gateway_iam_role"})
    iam_signing_service = False
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
        return checked_or_refused(prepared, check.findings, source="Lambda source", current=current)

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer: the checked tools, or the findings."""
        prepared, check = _checked(call, source, target_name)
        return {
            "ok": prepared is not None,
            "kind": self.name,
            "lambda_arn": source.lambda_arn,
            "tools_s3_key": source.tools_s3_key,
            "tools": list(prepared.tools) if prepared else [],
            "tool_names": [full_name(target_name, n) for n in prepared.tools] if prepared else [],
            "errors": check.findings,
            "size_bytes": len(prepared.body) if prepared else None,
        }

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged:
        assert isinstance(prepared, PreparedTools)  # noqa: S101 - this kind's own prepare made it
        return stored_document.stage(call, record, prepared.sha256, prepared.body, prepared.record)

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]:
        return {
            "mcp": {
                "lambda": {
                    "lambdaArn": str(description.get("lambda_arn")),
                    "toolSchema": {"s3": {"uri": str(description.get("s3_uri"))}},
                }
            }
        }

    def stored(self, listing: Listing) -> Iterator[StoredArtifact]:
        # The OpenAPI kind lists the shared prefix, Lambda tools' objects
        # included (reconcile's sweep judges each by its record's kind).
        return iter(())

    def drift(
        self, call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
    ) -> str | None:
        described = self.description(record) or {}
        if target is not None:
            served = ((target.get("targetConfiguration") or {}).get("mcp") or {}).get(
                "lambda"
            ) or {}
            if served.get("lambdaArn") != described.get("lambda_arn"):
                return f"the target invokes {served.get('lambdaArn')}"
            uri = ((served.get("toolSchema") or {}).get("s3") or {}).get("uri")
            if uri != described.get("s3_uri"):
                return f"the target reads its tool schema from {uri}"
        return stored_document.object_drift(call, described, "tool schema object", listing)


LAMBDA = LambdaKind()
