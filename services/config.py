"""Configuration: the environment of README.md, "Configuration", read once per process."""

from __future__ import annotations

import os
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from services.errors import ConfigurationError

# An operator may point AUTH_OIDC_DISCOVERY_URL at a local emulator over
# plain http on these hosts (configuration only: no request reaches it).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class Settings(BaseModel):
    """What Terraform sets on the function (and the local runner sets for you).

    A plain pydantic model of the environment (`load_settings` hands it
    `os.environ`): pydantic-settings would read the same variables but costs
    a cold start about 30 ms of imports (docs/benchmarks.md).

    `AWS_ENDPOINT_URL` is not here on purpose: it is botocore's own switch and
    botocore reads it itself.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    gateways_table_name: str = Field(alias="GATEWAYS_TABLE_NAME", min_length=3)
    tools_table_name: str = Field(alias="TOOLS_TABLE_NAME", min_length=3)
    spec_bucket_name: str = Field(alias="SPEC_BUCKET_NAME", min_length=3)
    gateway_role_arn: str = Field(
        alias="GATEWAY_ROLE_ARN", pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$"
    )
    region: str = Field(validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    # Who the caller is (docs/api.md, "Authentication"). trusted: the
    # payload's actor is believed, so whoever may invoke the function may act
    # as anyone. jwt: every request carries a token from the organisation's
    # identity provider, and the identity comes from it alone.
    auth_mode: Literal["trusted", "jwt"] = Field(default="trusted", alias="AUTH_MODE")
    auth_oidc_discovery_url: str | None = Field(default=None, alias="AUTH_OIDC_DISCOVERY_URL")
    # Comma-separated in the environment.
    auth_audiences: tuple[str, ...] = Field(default=(), alias="AUTH_AUDIENCES")
    auth_user_claim: str = Field(default="email", alias="AUTH_USER_CLAIM", min_length=1)
    auth_teams_claim: str = Field(default="groups", alias="AUTH_TEAMS_CLAIM", min_length=1)
    auth_admin_group: str = Field(default="registry-admins", alias="AUTH_ADMIN_GROUP", min_length=1)
    # jwt mode: the user the scheduled reconcile acts as, admitted only when
    # Lambda itself says the schedule's alias was invoked (services/auth/identity.py).
    auth_schedule_actor: str | None = Field(
        default=None, alias="AUTH_SCHEDULE_ACTOR", min_length=1, max_length=256
    )

    # How many spec versions a tool keeps (services/tools/spec_versions.py).
    tool_version_retention: int = Field(default=20, ge=1, le=1000, alias="TOOL_VERSION_RETENTION")

    @field_validator("auth_audiences", mode="before")
    @classmethod
    def _split_audiences(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("auth_mode", "auth_oidc_discovery_url", "auth_schedule_actor", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Terraform writes an unset optional variable as "".
        if value == "":
            return None
        return value

    @field_validator("auth_oidc_discovery_url")
    @classmethod
    def _discovery_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        local = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        if not (parts.scheme == "https" or local) or not parts.hostname:
            raise ValueError(
                "must be an https URL (http only on 127.0.0.1 or localhost, for a local emulator)"
            )
        return value

    def jwt_settings_missing(self) -> list[str]:
        """The variables AUTH_MODE=jwt needs that are not set."""
        if self.auth_mode != "jwt":
            return []
        return [
            name
            for name, value in (
                ("AUTH_OIDC_DISCOVERY_URL", self.auth_oidc_discovery_url),
                ("AUTH_AUDIENCES", self.auth_audiences),
            )
            if not value
        ]


# Names of the variables the settings model reads; the Terraform checks compare
# the function's environment with this list.
ENVIRONMENT_VARIABLES = (
    "GATEWAYS_TABLE_NAME",
    "TOOLS_TABLE_NAME",
    "SPEC_BUCKET_NAME",
    "GATEWAY_ROLE_ARN",
    "AUTH_MODE",
    "AUTH_OIDC_DISCOVERY_URL",
    "AUTH_AUDIENCES",
    "AUTH_USER_CLAIM",
    "AUTH_TEAMS_CLAIM",
    "AUTH_ADMIN_GROUP",
    "AUTH_SCHEDULE_ACTOR",
    "TOOL_VERSION_RETENTION",
)


def load_settings() -> Settings:
    try:
        settings = Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            if name == "region":
                name = "AWS_REGION"
            problems.append({"field": name, "message": err["msg"]})
        names = ", ".join(p["field"] for p in problems)
        # Not chained: pydantic's message for a missing field quotes its
        # input, the whole environment, AWS session credentials included.
        raise ConfigurationError(
            f"the function is misconfigured: check the environment variable(s) {names}",
            problems,
        ) from None
    missing = settings.jwt_settings_missing()
    if missing:
        raise ConfigurationError(
            f"the function is misconfigured: AUTH_MODE=jwt needs {', '.join(missing)}",
            [{"field": name, "message": "required when AUTH_MODE=jwt"} for name in missing],
        )
    return settings
