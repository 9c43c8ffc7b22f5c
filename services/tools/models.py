"""Request models of the tool actions, spec sources and credentials
(docs/api.md, "Tool actions", "Sources", "Credentials")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, StringConstraints, model_validator

from services.gateway.models import GatewayId
from services.models import Metadata, StrictModel

# AgentCore's target name pattern (botocore service model).
TOOL_NAME_PATTERN = r"^([0-9a-zA-Z][-]?){1,100}$"
TOOL_ID_PATTERN = r"^tl-[0-9a-f]{20}$"
OPERATION_ID = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# The largest spec the registry takes (AgentCore documents no limit for an
# S3-held schema; we keep 10 MB). Inline and base64 sources are bounded by
# Lambda's 6 MB invoke payload anyway: larger specs go through
# create_upload_url and an `s3` source.
MAX_SPEC_BYTES = 10 * 1024 * 1024
# AgentCore's quota of targets per gateway (the create checks it before any
# write; the spec validation reports it for validate_spec).
MAX_TARGETS_PER_GATEWAY = 100

ToolName = Annotated[str, StringConstraints(pattern=TOOL_NAME_PATTERN)]
ToolId = Annotated[str, StringConstraints(pattern=TOOL_ID_PATTERN)]


class _SourceOptions(StrictModel):
    """Options every source takes: publish part of a spec."""

    include_operations: list[OPERATION_ID] | None = Field(default=None, max_length=1000)
    exclude_operations: list[OPERATION_ID] | None = Field(default=None, max_length=1000)
    on_unsupported: Literal["fail", "exclude"] = "fail"

    @model_validator(mode="after")
    def _not_both(self) -> _SourceOptions:
        if self.include_operations is not None and self.exclude_operations is not None:
            raise ValueError("give include_operations or exclude_operations, not both")
        return self


class InlineSource(_SourceOptions):
    type: Literal["inline"]
    # A JSON object, or a JSON or YAML string.
    spec: dict[str, Any] | Annotated[str, StringConstraints(min_length=1)]


class FileSource(_SourceOptions):
    type: Literal["file"]
    filename: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\\\x00]+$")
    ]
    content_base64: Annotated[str, StringConstraints(min_length=1)]


class UrlSource(_SourceOptions):
    type: Literal["url"]
    url: Annotated[str, StringConstraints(min_length=9, max_length=2048)]


# A key create_upload_url made (its `uploads/` prefix; whose team it is,
# the source's reader checks).
UploadKey = Annotated[
    str, StringConstraints(min_length=9, max_length=1024, pattern=r"^uploads/[^\x00]+$")
]


class S3Source(_SourceOptions):
    type: Literal["s3"]
    key: UploadKey


class ApiParameter(StrictModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    location: Literal["path", "query", "header"] = Field(default="query", alias="in")
    required: bool = False
    description: Annotated[str, StringConstraints(max_length=1024)] | None = None
    schema_: dict[str, Any] = Field(default_factory=lambda: {"type": "string"}, alias="schema")


class ApiEndpoint(StrictModel):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    path: Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^/")]
    operation_id: OPERATION_ID | None = None
    summary: Annotated[str, StringConstraints(max_length=1024)] | None = None
    description: Annotated[str, StringConstraints(max_length=4096)] | None = None
    parameters: list[ApiParameter] = Field(default_factory=list, max_length=100)
    request_body: dict[str, Any] | None = None  # a JSON Schema of the JSON body
    response: dict[str, Any] | None = None  # a JSON Schema of the 200 JSON response


class ApiInfo(StrictModel):
    title: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "1.0.0"
    description: Annotated[str, StringConstraints(max_length=4096)] | None = None
    base_url: Annotated[str, StringConstraints(min_length=9, max_length=2048)]
    endpoints: list[ApiEndpoint] = Field(min_length=1, max_length=1000)


class ApiInfoSource(_SourceOptions):
    type: Literal["api_info"]
    api: ApiInfo


class LambdaSource(StrictModel):
    """A Lambda function and the tools it implements (services/tools/targets/
    tool_definitions.py checks the tools, with each finding's path)."""

    type: Literal["lambda"]
    lambda_arn: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    # Each {name, description, input_schema, output_schema?}; checked by the
    # kind, so that a finding names `data.source.tools[i]...`.
    tools: list[Any] | None = None
    # Or the same list as a JSON file uploaded with create_upload_url.
    tools_s3_key: UploadKey | None = None

    @model_validator(mode="after")
    def _one_list(self) -> LambdaSource:
        if (self.tools is None) == (self.tools_s3_key is None):
            raise ValueError("give exactly one of tools and tools_s3_key")
        return self


class McpServerSource(StrictModel):
    """An MCP server the gateway calls (services/tools/targets/mcp_server.py
    checks the endpoint, and a static tool list if given, with paths)."""

    type: Literal["mcp_server"]
    # McpServerTargetConfiguration.endpoint: `https://.*` (no length in the
    # API; 2048 is the registry's bound, as for spec URLs).
    endpoint: Annotated[str, StringConstraints(min_length=9, max_length=2048)]
    listing_mode: Literal["DEFAULT", "DYNAMIC"] = "DEFAULT"
    # A static tool list (the API's mcpToolSchema), inline or uploaded; it
    # turns AgentCore's synchronization off.
    tools: list[Any] | None = None
    tools_s3_key: UploadKey | None = None

    @model_validator(mode="after")
    def _one_list(self) -> McpServerSource:
        if self.tools is not None and self.tools_s3_key is not None:
            raise ValueError("give at most one of tools and tools_s3_key")
        return self


class SmithySource(StrictModel):
    """A Smithy model in JSON AST (services/tools/targets/smithy_model.py
    checks it, with each finding's path)."""

    type: Literal["smithy"]
    # The JSON AST inline; checked by the kind, so that a finding names
    # `data.source.model...`.
    model: dict[str, Any] | None = None
    # Or the same model as a JSON file uploaded with create_upload_url.
    s3_key: UploadKey | None = None

    @model_validator(mode="after")
    def _one_model(self) -> SmithySource:
        if (self.model is None) == (self.s3_key is None):
            raise ValueError("give exactly one of model and s3_key")
        return self


class ApiGatewaySource(StrictModel):
    """A stage of an API Gateway REST API, the operations its filters select
    and overrides of their names (services/tools/targets/api_gateway.py
    checks them all, with each finding's path)."""

    type: Literal["api_gateway"]
    # Their forms are checked by the kind (a finding names the field); the
    # bounds here only keep a hostile payload small.
    rest_api_id: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    stage: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    # Each {path, methods}; each override {name, path, method, description?}.
    tool_filters: list[Any] = Field(max_length=1000)
    tool_overrides: list[Any] | None = Field(default=None, max_length=1000)


SpecSource = Annotated[
    InlineSource
    | FileSource
    | UrlSource
    | S3Source
    | ApiInfoSource
    | LambdaSource
    | McpServerSource
    | SmithySource
    | ApiGatewaySource,
    Field(discriminator="type"),
]
# The credentials a tool gets when its request names none, by source type
# (else `none`): a Lambda target takes only the gateway's IAM role; a Smithy
# target takes it or OAuth2, never none (the devguide's outbound-auth table).
DEFAULT_CREDENTIALS = {"lambda": "gateway_iam_role", "smithy": "gateway_iam_role"}


class NoCredentials(StrictModel):
    type: Literal["none"]


class GatewayIamRoleCredentials(StrictModel):
    """The gateway's IAM role signs the calls (SigV4). OpenAPI and MCP server
    targets must name the service to sign for, and may name the region
    (the API's IamCredentialProvider; devguide
    gateway-building-adding-targets-authorization.html); the other kinds
    must not (AgentCore knows their service). The kind checks which applies."""

    type: Literal["gateway_iam_role"]
    # IamCredentialProvider.service and .region: patterns and lengths of
    # botocore's model.
    service: (
        Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9._-]+$")]
        | None
    ) = None
    region: (
        Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-zA-Z0-9-]+$")]
        | None
    ) = None


class ApiKeyCredentials(StrictModel):
    type: Literal["api_key"]
    api_key: SecretStr = Field(min_length=1, max_length=65536)
    parameter_name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "X-API-Key"
    location: Literal["HEADER", "QUERY_PARAMETER"] = "HEADER"
    prefix: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class OAuth2Credentials(StrictModel):
    type: Literal["oauth2"]
    provider: Literal[
        "CustomOauth2",
        "GoogleOauth2",
        "GithubOauth2",
        "SlackOauth2",
        "SalesforceOauth2",
        "MicrosoftOauth2",
        "AtlassianOauth2",
    ] = "CustomOauth2"
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    client_secret: SecretStr = Field(min_length=1, max_length=2048)
    discovery_url: (
        Annotated[
            str,
            StringConstraints(
                max_length=2048,
                pattern=r"^https://[^\s?#]+/\.well-known/(openid-configuration|oauth-authorization-server)(/[^\s?#]+)?$",
            ),
        ]
        | None
    ) = None
    authorization_endpoint: (
        Annotated[str, StringConstraints(max_length=2048, pattern=r"^https://\S+$")] | None
    ) = None
    token_endpoint: (
        Annotated[str, StringConstraints(max_length=2048, pattern=r"^https://\S+$")] | None
    ) = None
    scopes: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=100
    )

    @model_validator(mode="after")
    def _endpoints(self) -> OAuth2Credentials:
        if self.provider == "CustomOauth2":
            manual = self.authorization_endpoint and self.token_endpoint
            if bool(self.discovery_url) == bool(manual):
                raise ValueError(
                    "CustomOauth2 needs discovery_url, or authorization_endpoint and token_endpoint"
                )
        return self


Credentials = Annotated[
    NoCredentials | GatewayIamRoleCredentials | ApiKeyCredentials | OAuth2Credentials,
    Field(discriminator="type"),
]


class CreateToolData(StrictModel):
    gateway_id: GatewayId
    name: ToolName
    description: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    source: SpecSource
    credentials: Credentials = Field(default_factory=lambda: NoCredentials(type="none"))
    metadata: Metadata = None
    # Refresh from the source URL on the reconcile schedule (issue 15).
    auto_refresh: bool = False

    @model_validator(mode="after")
    def _refresh_needs_a_url(self) -> CreateToolData:
        if self.auto_refresh and not isinstance(self.source, UrlSource):
            raise ValueError("auto_refresh needs a url source: it is refreshed from that URL")
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_credentials(cls, data: Any) -> Any:
        if isinstance(data, dict) and "credentials" not in data:
            source = data.get("source")
            kind = source.get("type") if isinstance(source, dict) else None
            if isinstance(kind, str) and kind in DEFAULT_CREDENTIALS:
                return {**data, "credentials": {"type": DEFAULT_CREDENTIALS[kind]}}
        return data


class GetToolData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None


class ListToolsData(StrictModel):
    gateway_id: GatewayId
    status: Literal["PENDING", "ACTIVE", "DELETING", "FAILED", "DELETED"] | None = None
    # A kind of target (services/tools/targets/, `KINDS`): checked by the flow,
    # which knows the kinds (this module cannot import them).
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    next_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = None


class UpdateToolData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None
    expected_version: Annotated[int, Field(ge=1)] | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    source: SpecSource | None = None
    credentials: Credentials | None = None
    metadata: Metadata = None
    # A new spec whose diff from the current one is breaking is refused
    # (409 BreakingChange) unless this says it is meant (issue 15).
    allow_breaking: bool = False

    @model_validator(mode="after")
    def _something_to_change(self) -> UpdateToolData:
        if all(
            getattr(self, f) is None for f in ("description", "source", "credentials", "metadata")
        ):
            raise ValueError("give at least one of description, source, credentials, metadata")
        return self


class SyncToolData(StrictModel):
    """`sync_tool`: AgentCore lists an MCP server tool's tools again."""

    tool_id: ToolId
    gateway_id: GatewayId | None = None
    expected_version: Annotated[int, Field(ge=1)] | None = None


class DeleteToolData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None


class ValidateSpecData(StrictModel):
    source: SpecSource
    target_name: ToolName = "tool"


class ListToolVersionsData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    next_token: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class RefreshToolData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None
    expected_version: Annotated[int, Field(ge=1)] | None = None
    allow_breaking: bool = False


class DiffToolData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None
    source: SpecSource


class RollbackToolData(StrictModel):
    tool_id: ToolId
    gateway_id: GatewayId | None = None
    version: Annotated[int, Field(ge=1)]
    expected_version: Annotated[int, Field(ge=1)] | None = None
    allow_breaking: bool = False


class CreateUploadUrlData(StrictModel):
    filename: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\\\x00]+$")
    ]
    size_bytes: Annotated[int, Field(ge=1, le=MAX_SPEC_BYTES)]
