"""Request models of the gateway actions (docs/api.md, "Gateway actions")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from services.models import Metadata, StrictModel

# AgentCore's own patterns (botocore service model of bedrock-agentcore-control).
GATEWAY_NAME_PATTERN = r"^([0-9a-zA-Z][-]?){1,48}$"
# Our record ids: "gw-" and 20 hex digits derived from the creating request.
GATEWAY_ID_PATTERN = r"^gw-[0-9a-f]{20}$"
STATUSES = ("PENDING", "ACTIVE", "DELETING", "FAILED", "DELETED")

GatewayName = Annotated[str, StringConstraints(pattern=GATEWAY_NAME_PATTERN)]
GatewayId = Annotated[str, StringConstraints(pattern=GATEWAY_ID_PATTERN)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=200)]
AuthorizerType = Literal["AWS_IAM", "CUSTOM_JWT", "NONE"]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w.:/=+@ -]+$")]
TagValue = Annotated[str, StringConstraints(max_length=256, pattern=r"^[\w.:/=+@ -]*$")]
Tags = Annotated[dict[TagKey, TagValue], Field(max_length=50)]
# KmsKeyArn and ExceptionLevel of the botocore model (searchType's only value
# is SEMANTIC, so `semantic_search` is a boolean).
KMS_KEY_ARN_PATTERN = r"^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$"
KmsKeyArn = Annotated[str, StringConstraints(max_length=2048, pattern=KMS_KEY_ARN_PATTERN)]
ExceptionLevel = Literal["DEBUG"]


class Authorizer(StrictModel):
    """CUSTOM_JWT settings: AgentCore's customJWTAuthorizer."""

    discovery_url: Annotated[
        str,
        StringConstraints(
            max_length=2048, pattern=r"^https://[^\s]+/\.well-known/openid-configuration$"
        ),
    ]
    allowed_audience: (
        list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] | None
    ) = None
    allowed_clients: (
        list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] | None
    ) = None

    @model_validator(mode="after")
    def _needs_audience_or_clients(self) -> Authorizer:
        if not self.allowed_audience and not self.allowed_clients:
            raise ValueError("give allowed_audience or allowed_clients (or both)")
        return self


def _check_authorizer(authorizer: Authorizer | None, info: ValidationInfo) -> Authorizer | None:
    """The authorizer must match authorizer_type (validated before it, so the
    error is reported on `authorizer`)."""
    authorizer_type = info.data.get("authorizer_type")
    if authorizer_type == "CUSTOM_JWT" and authorizer is None:
        raise ValueError("authorizer_type CUSTOM_JWT needs an authorizer")
    if authorizer_type in ("AWS_IAM", "NONE") and authorizer is not None:
        raise ValueError(f"authorizer_type {authorizer_type} takes no authorizer")
    return authorizer


class CreateGatewayData(StrictModel):
    name: GatewayName
    description: Description | None = None
    authorizer_type: AuthorizerType = "AWS_IAM"
    authorizer: Authorizer | None = Field(default=None, validate_default=True)
    metadata: Metadata = None
    tags: Tags | None = None
    semantic_search: bool = False
    kms_key_arn: KmsKeyArn | None = None
    exception_level: ExceptionLevel | None = None

    _authorizer_matches_type = field_validator("authorizer")(_check_authorizer)


class GetGatewayData(StrictModel):
    gateway_id: GatewayId


class ListGatewaysData(StrictModel):
    team: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    status: Literal["PENDING", "ACTIVE", "DELETING", "FAILED", "DELETED"] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    next_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = None


class UpdateGatewayData(StrictModel):
    gateway_id: GatewayId
    expected_version: Annotated[int, Field(ge=1)] | None = None
    description: Description | None = None
    authorizer_type: AuthorizerType | None = None
    authorizer: Authorizer | None = Field(default=None, validate_default=True)
    metadata: Metadata = None
    tags: Tags | None = None
    # Refused when given: AgentCore enables semantic search only at create
    # (devguide gateway-create.html: "You can only enable semantic search when
    # you create the gateway"); turning it off is not documented either.
    semantic_search: bool | None = None
    # Set or changed (devguide gateway-encryption.html: a customer managed key
    # can be given when you "Update a gateway's configurations"); never
    # removed: going back to the AWS managed key is not documented, and a
    # gateway that lost its key loses its data, so `null` is refused.
    kms_key_arn: KmsKeyArn | None = None
    # "DEBUG" turns detailed errors on, an explicit null turns them off.
    exception_level: ExceptionLevel | None = None

    @field_validator("semantic_search")
    @classmethod
    def _semantic_search_at_create(cls, value: bool | None) -> bool | None:
        if value is not None:
            raise ValueError(
                "semantic_search is set when the gateway is created; AgentCore cannot change it"
            )
        return value

    @field_validator("kms_key_arn")
    @classmethod
    def _kms_key_not_removed(cls, value: str | None) -> str | None:
        # Runs only when the field is given: an explicit null.
        if value is None:
            raise ValueError("kms_key_arn can be changed but not removed")
        return value

    @model_validator(mode="after")
    def _something_to_change(self) -> UpdateGatewayData:
        if not self.changes():
            raise ValueError(
                "give at least one of description, authorizer_type, authorizer, metadata, tags, "
                "kms_key_arn, exception_level"
            )
        return self

    def changes(self) -> dict[str, Any]:
        """The fields to change: those given, and exception_level also as null."""
        changes = self.model_dump(exclude={"gateway_id", "expected_version"}, exclude_none=True)
        if "exception_level" in self.model_fields_set:
            changes["exception_level"] = self.exception_level
        return changes

    _authorizer_matches_type = field_validator("authorizer")(_check_authorizer)


class DeleteGatewayData(StrictModel):
    gateway_id: GatewayId
    cascade: bool = False
