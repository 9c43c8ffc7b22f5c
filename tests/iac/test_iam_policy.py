"""The Lambda policy allows every AWS action the code calls, and nothing more.

The py312 env records the operations the handler sends during the whole
suite (tests/iac/recorder.py); this maps them to IAM actions and compares
both ways with the Allow actions of `data.aws_iam_policy_document.lambda`
(terraform/iam_lambda.tf):

- an action the code needs that the policy does not allow always fails;
- an action the policy allows must be needed, granted to the runtime
  (`RUNTIME_GRANTED`), or in `NOT_CALLED_YET` with the reason: the one
  allowlist, for the tool actions being written (issue #3) and for grants
  kept on unconfirmed reports. It must shrink to empty: an entry that the
  code now calls fails until it is removed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.iac.conftest import ROOT
from tests.unit.test_terraform import blocks, literal

RECORDING = Path(os.environ.get("REGISTRY_AWS_OPERATIONS", ROOT / ".tox" / "aws-operations.json"))
LAMBDA_POLICY_DOCUMENT = "lambda"

# botocore service name -> IAM service prefix.
IAM_PREFIX = {
    "dynamodb": "dynamodb",
    "s3": "s3",
    "bedrock-agentcore-control": "bedrock-agentcore",
    "sts": "sts",
    "apigateway": "apigateway",
}

# Operations whose IAM action is not <prefix>:<Operation> (AWS's Service
# Authorization Reference for S3).
IAM_ACTIONS_OF = {
    "s3:HeadObject": {"s3:GetObject"},
    "s3:HeadBucket": {"s3:ListBucket"},
    "s3:ListObjectsV2": {"s3:ListBucket"},
    "s3:CopyObject": {"s3:GetObject", "s3:PutObject"},
    "s3:DeleteObjects": {"s3:DeleteObject"},
    # A presigned POST (create_upload_url): the browser's upload is
    # authorised as PutObject against the role that signed the form.
    "s3:PostObject": {"s3:PutObject"},
    # API Gateway's management API is authorised by HTTP verb: every read
    # is apigateway:GET (the API Gateway kind's checks of a REST API).
    "apigateway:GetRestApi": {"apigateway:GET"},
    "apigateway:GetStage": {"apigateway:GET"},
    "apigateway:GetResources": {"apigateway:GET"},
}

# TransactWriteItems is not an IAM action: DynamoDB authorises each item of
# the transaction with the single-item action. The recorder notes which kinds
# of item the code puts in its transactions; each maps to its action.
TRANSACTION_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}

# Actions AWS checks on the caller during an operation, besides the
# operation's own.
ALSO_REQUIRED = {
    # The request passes roleArn: the gateway's service role.
    "bedrock-agentcore:CreateGateway": {"iam:PassRole"},
    "bedrock-agentcore:UpdateGateway": {"iam:PassRole"},
    # A missing key is answered 404 only to a caller allowed to list the
    # bucket; without s3:ListBucket it is 403 AccessDenied (S3 GetObject and
    # HeadObject API reference, "Permissions").
    "s3:GetObject": {"s3:ListBucket"},
    # AgentCore Identity keeps a credential provider's API key or client
    # secret in Secrets Manager, with the caller's permissions (forward
    # access), as the AgentCoreIdentitySecrets statement says.
    "bedrock-agentcore:CreateApiKeyCredentialProvider": {"secretsmanager:CreateSecret"},
    "bedrock-agentcore:CreateOauth2CredentialProvider": {"secretsmanager:CreateSecret"},
    "bedrock-agentcore:UpdateApiKeyCredentialProvider": {"secretsmanager:PutSecretValue"},
    "bedrock-agentcore:UpdateOauth2CredentialProvider": {"secretsmanager:PutSecretValue"},
    "bedrock-agentcore:DeleteApiKeyCredentialProvider": {"secretsmanager:DeleteSecret"},
    "bedrock-agentcore:DeleteOauth2CredentialProvider": {"secretsmanager:DeleteSecret"},
}

# Granted for the Lambda service, which uses the execution role itself; the
# code makes none of these calls.
RUNTIME_GRANTED = {
    "logs:CreateLogStream": "Lambda writes the function's stdout/stderr to its log group",
    "logs:PutLogEvents": "Lambda writes the function's stdout/stderr to its log group",
    "xray:PutTraceSegments": "active tracing (tracing_config Active): Lambda sends the segments",
    "xray:PutTelemetryRecords": "active tracing (tracing_config Active): Lambda sends telemetry",
}

# THE allowlist: allowed by the policy, not called by the suite yet. Each
# entry says why it is kept. Remove an entry as soon as the suite calls it
# (the check below fails until you do); it must end up empty.
NOT_CALLED_YET: dict[str, str] = {
    "secretsmanager:GetSecretValue": (
        "credential providers, tools issue #3: unconfirmed that AgentCore Identity reads"
        " the stored secret with the caller's permissions; no operation is known to need it"
    ),
    "bedrock-agentcore:CreateWorkloadIdentity": (
        "UNCONFIRMED third-party report that CreateGateway creates the gateway's workload"
        " identity with the caller's permissions; the code never calls it"
    ),
    "bedrock-agentcore:GetWorkloadIdentity": (
        "UNCONFIRMED third-party report (see CreateWorkloadIdentity); the code never calls it"
    ),
    "bedrock-agentcore:DeleteWorkloadIdentity": (
        "UNCONFIRMED third-party report that DeleteGateway removes the gateway's workload"
        " identity with the caller's permissions; the code never calls it"
    ),
}


def load_recording() -> dict[str, Any]:
    if not RECORDING.is_file():
        pytest.fail(
            f"no recording of the AWS operations at {RECORDING}: run py312 first "
            "(tox -e py312,iac, or ./scripts/test), which writes it"
        )
    return dict(json.loads(RECORDING.read_text()))


def iam_actions(operation: str, parts: list[str]) -> set[str]:
    """IAM actions one recorded `<botocore service>:<Operation>` needs."""
    service, _, name = operation.partition(":")
    if service not in IAM_PREFIX:
        pytest.fail(f"{operation}: add the IAM prefix of {service!r} to IAM_PREFIX")
    qualified = f"{IAM_PREFIX[service]}:{name}"
    if qualified == "dynamodb:TransactWriteItems":
        unknown = set(parts) - set(TRANSACTION_ITEM_ACTIONS)
        assert not unknown, f"transaction items of unknown kind: {unknown}"
        assert parts, "TransactWriteItems recorded without its item kinds"
        actions = {TRANSACTION_ITEM_ACTIONS[p] for p in parts}
    else:
        actions = IAM_ACTIONS_OF.get(qualified, {qualified})
    for action in list(actions):
        actions |= ALSO_REQUIRED.get(action, set())
    return actions


def needed_actions(operations: Mapping[str, list[str]]) -> dict[str, set[str]]:
    """IAM action -> the recorded operations that need it."""
    needed: dict[str, set[str]] = {}
    for operation, parts in operations.items():
        for action in iam_actions(operation, parts):
            needed.setdefault(action, set()).add(operation)
    return needed


def allowed_actions() -> set[str]:
    document = blocks("data", "aws_iam_policy_document")[LAMBDA_POLICY_DOCUMENT]
    allowed: set[str] = set()
    # A dynamic statement (one granted only for what a variable lists, as
    # the API Gateway kind's reads) counts with its content.
    dynamic = [
        content
        for block in document.get("dynamic", [])
        for content in block.get('"statement"', {}).get("content", [])
    ]
    for statement in [*document["statement"], *dynamic]:
        if literal(statement.get("effect", '"Allow"')) == "Allow":
            allowed |= {literal(a) for a in statement["actions"]}
    return allowed


@pytest.fixture(scope="module")
def recording() -> dict[str, Any]:
    return load_recording()


@pytest.fixture(scope="module")
def needed(recording: dict[str, Any]) -> dict[str, set[str]]:
    return needed_actions(recording["operations"])


def test_recording_is_of_a_whole_passing_run(recording: dict[str, Any]) -> None:
    assert recording["narrowed_by"] == [], (
        f"{RECORDING} was written by a run narrowed by {recording['narrowed_by']}: "
        "run py312 on the whole suite"
    )
    assert recording["exit_status"] == 0, f"{RECORDING} was written by a failing py312 run"
    assert recording["operations"], "the suite sent no AWS operation from the handler"


def test_every_action_the_code_calls_is_allowed(needed: dict[str, set[str]]) -> None:
    missing = {a: sorted(ops) for a, ops in needed.items() if a not in allowed_actions()}

    assert missing == {}, f"called but not allowed by terraform/iam_lambda.tf: {missing}"


def test_every_allowed_action_is_called_or_explained(needed: dict[str, set[str]]) -> None:
    unexplained = allowed_actions() - set(needed) - set(RUNTIME_GRANTED) - set(NOT_CALLED_YET)

    assert unexplained == set(), (
        "allowed by terraform/iam_lambda.tf but never called by the suite: remove them from "
        f"the policy, or list them in NOT_CALLED_YET with the reason: {sorted(unexplained)}"
    )


def test_allowlist_holds_only_granted_actions_the_code_does_not_call(
    needed: dict[str, set[str]],
) -> None:
    now_called = sorted(set(NOT_CALLED_YET) & set(needed))
    not_granted = sorted(set(NOT_CALLED_YET) - allowed_actions())

    assert now_called == [], (
        f"the suite calls these now: remove them from NOT_CALLED_YET: {now_called}"
    )
    assert not_granted == [], (
        f"NOT_CALLED_YET lists actions the policy does not grant: {not_granted}"
    )
    assert all(len(reason) > 20 for reason in NOT_CALLED_YET.values())
    assert set(RUNTIME_GRANTED) <= allowed_actions()


# The mapping itself


def test_transaction_maps_to_the_actions_of_its_items() -> None:
    assert iam_actions("dynamodb:TransactWriteItems", ["Put", "Update"]) == {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }
    assert iam_actions("dynamodb:GetItem", []) == {"dynamodb:GetItem"}


def test_operations_that_pass_a_role_or_read_s3_need_more_than_their_own_action() -> None:
    assert iam_actions("bedrock-agentcore-control:CreateGateway", []) == {
        "bedrock-agentcore:CreateGateway",
        "iam:PassRole",
    }
    assert iam_actions("s3:HeadObject", []) == {"s3:GetObject", "s3:ListBucket"}
    assert iam_actions("s3:PostObject", ["presigned"]) == {"s3:PutObject"}
