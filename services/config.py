"""Configuration: the environment of CONTRACT.md, read once per process."""

from __future__ import annotations

import os

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from services.errors import ConfigurationError


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


# Names of the variables the settings model reads; the Terraform checks compare
# the function's environment with this list.
ENVIRONMENT_VARIABLES = (
    "GATEWAYS_TABLE_NAME",
    "TOOLS_TABLE_NAME",
    "SPEC_BUCKET_NAME",
    "GATEWAY_ROLE_ARN",
)


def load_settings() -> Settings:
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            if name == "region":
                name = "AWS_REGION"
            problems.append({"field": name, "message": err["msg"]})
        names = ", ".join(p["field"] for p in problems)
        raise ConfigurationError(
            f"the function is misconfigured: check the environment variable(s) {names}",
            problems,
        ) from None
