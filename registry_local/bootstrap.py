"""`registry local bootstrap`: the registry's AWS resources at any endpoint.

Creates the two tables (from terraform/dynamodb.tf), the spec bucket and the
gateway role, and returns the environment the function needs there. With
`auth=True` also a Cognito user pool whose tokens the function verifies
(AUTH_MODE=jwt; registry_local/identity_provider.py).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import boto3

from registry_local.identity_provider import create_identity_provider
from registry_local.tables import create_tables
from services.config import LOOPBACK_HOSTS as LOCAL_HOSTS

GATEWAY_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def bootstrap(
    endpoint_url: str | None,
    *,
    prefix: str = "registry-local",
    region: str = "us-east-1",
    session: boto3.session.Session | None = None,
    auth: bool = False,
) -> dict[str, str]:
    """`endpoint_url` None: botocore's own endpoints (in-process moto, or AWS)."""
    local = endpoint_url is not None and urlparse(endpoint_url).hostname in LOCAL_HOSTS
    credentials: dict[str, str] = (
        # An emulator on this machine takes any credentials; these are moto's.
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"} if local else {}
    )
    session = session or boto3.session.Session(
        region_name=region,
        aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    names = {"gateways": f"{prefix}-gateways", "tools": f"{prefix}-tools"}
    create_tables(client("dynamodb"), names)
    bucket = f"{prefix}-specs"
    s3 = client("s3")
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    role = client("iam").create_role(
        RoleName=f"{prefix}-gateway",
        AssumeRolePolicyDocument=json.dumps(GATEWAY_TRUST_POLICY),
    )
    env = {
        "GATEWAYS_TABLE_NAME": names["gateways"],
        "TOOLS_TABLE_NAME": names["tools"],
        "SPEC_BUCKET_NAME": bucket,
        "GATEWAY_ROLE_ARN": role["Role"]["Arn"],
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **credentials,
    }
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if auth:
        env.update(
            create_identity_provider(
                client("cognito-idp"), prefix=prefix, region=region, endpoint_url=endpoint_url
            )
        )
    return env
