"""Static checks that tie terraform/ to the code (python-hcl2 parses the HCL;
no terraform binary runs here, so nothing below is `terraform validate`)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import boto3
import hcl2
import pytest

from registry_local.bootstrap import GATEWAY_TRUST_POLICY, bootstrap
from registry_local.tables import TERRAFORM_DIR, table_definitions
from services.config import ENVIRONMENT_VARIABLES, Settings
from services.records.record_store import RECORD_TYPE_INDEX, TEAM_INDEX, TOOLS_BY_GATEWAY_INDEX

ROOT = TERRAFORM_DIR.parent
TF_FILES = sorted(TERRAFORM_DIR.rglob("*.tf"))
TFVARS_FILES = sorted(TERRAFORM_DIR.rglob("*.tfvars"))
POLICY_DOCUMENT_JSON = re.compile(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}")
POWERTOOLS_VARIABLES = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"}


def literal(value: Any) -> Any:
    # python-hcl2 8.x keeps the quotes of string literals (as tables.py strips them).
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return dict(hcl2.load(handle))


def blocks(kind: str, block_type: str) -> dict[str, dict[str, Any]]:
    """Every `<kind> "<block_type>" "<name>"` block of terraform/, by name."""
    found: dict[str, dict[str, Any]] = {}
    for path in TF_FILES:
        for entry in parse(path).get(kind, []):
            for rtype, named in entry.items():
                if literal(rtype) != block_type:
                    continue
                for rname, block in named.items():
                    found[literal(rname)] = block
    return found


def variables() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in TF_FILES:
        for entry in parse(path).get("variable", []):
            for name, block in entry.items():
                found[literal(name)] = block
    return found


def lambda_function() -> dict[str, Any]:
    functions = blocks("resource", "aws_lambda_function")
    assert list(functions) == ["this"]
    return functions["this"]


# Parsing


def test_terraform_directory_has_the_expected_files() -> None:
    names = {p.name for p in TF_FILES}
    assert {"dynamodb.tf", "lambda.tf", "iam_lambda.tf", "iam_gateway.tf", "variables.tf"} <= names


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(TERRAFORM_DIR)))
def test_terraform_file_parses_as_hcl(path: Path) -> None:
    assert isinstance(parse(path), dict)


@pytest.mark.parametrize("path", TFVARS_FILES, ids=lambda p: str(p.relative_to(TERRAFORM_DIR)))
def test_tfvars_file_sets_only_declared_variables(path: Path) -> None:
    assigned = {k for k in parse(path) if not k.startswith("__")}
    assert assigned
    assert assigned <= set(variables())


# Tables


def test_table_definitions_match_the_keys_and_indexes_the_code_queries() -> None:
    tables = table_definitions()

    assert set(tables) == {"gateways", "tools"}
    gateways, tools = tables["gateways"], tables["tools"]
    assert gateways["KeySchema"] == [{"AttributeName": "gateway_id", "KeyType": "HASH"}]
    assert gateways["GlobalSecondaryIndexes"] == [
        {
            "IndexName": TEAM_INDEX,
            "KeySchema": [
                {"AttributeName": "team", "KeyType": "HASH"},
                {"AttributeName": "created_at", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": RECORD_TYPE_INDEX,
            "KeySchema": [
                {"AttributeName": "record_type", "KeyType": "HASH"},
                {"AttributeName": "created_at", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ]
    assert gateways["TimeToLiveAttribute"] == "expires_at"
    assert tools["KeySchema"] == [
        {"AttributeName": "tool_id", "KeyType": "HASH"},
        {"AttributeName": "gateway_id", "KeyType": "RANGE"},
    ]
    assert tools["GlobalSecondaryIndexes"] == [
        {
            "IndexName": TOOLS_BY_GATEWAY_INDEX,
            "KeySchema": [
                {"AttributeName": "gateway_id", "KeyType": "HASH"},
                {"AttributeName": "created_at", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        },
    ]
    assert "TimeToLiveAttribute" not in tools
    assert (TEAM_INDEX, RECORD_TYPE_INDEX, TOOLS_BY_GATEWAY_INDEX) == (
        "team-index",
        "record-type-index",
        "gateway-index",
    )


@pytest.mark.parametrize("table", ["gateways", "tools"])
def test_attribute_blocks_are_exactly_the_key_attributes(table: str) -> None:
    definition = table_definitions()[table]
    declared = [a["AttributeName"] for a in definition["AttributeDefinitions"]]
    schemas = [definition["KeySchema"]] + [
        i["KeySchema"] for i in definition.get("GlobalSecondaryIndexes", [])
    ]
    keys = {k["AttributeName"] for schema in schemas for k in schema}

    assert len(declared) == len(set(declared))
    # Every key is declared; DynamoDB refuses an attribute no key uses.
    assert set(declared) == keys
    assert {a["AttributeType"] for a in definition["AttributeDefinitions"]} <= {"S", "N", "B"}


def test_tables_are_pay_per_request_and_protected() -> None:
    for name, block in blocks("resource", "aws_dynamodb_table").items():
        assert literal(block["billing_mode"]) == "PAY_PER_REQUEST", name
        assert [p["enabled"] for p in block["point_in_time_recovery"]] == [True], name
        assert "${var.deletion_protection}" in str(block["deletion_protection_enabled"]), name


# The Lambda function


def test_lambda_environment_is_the_settings_variables_plus_powertools() -> None:
    [environment] = lambda_function()["environment"]

    assert set(environment["variables"]) == set(ENVIRONMENT_VARIABLES) | POWERTOOLS_VARIABLES


def test_settings_aliases_are_the_environment_variables() -> None:
    aliases = [f.alias for f in Settings.model_fields.values() if f.alias is not None]
    unaliased = [name for name, f in Settings.model_fields.items() if f.alias is None]

    assert len(ENVIRONMENT_VARIABLES) == len(set(ENVIRONMENT_VARIABLES))
    assert sorted(aliases) == sorted(ENVIRONMENT_VARIABLES)
    # The one field without an alias is the Region, which Lambda sets itself.
    assert unaliased == ["region"]


def test_lambda_handler_names_a_function_defined_in_the_package_entry_point() -> None:
    handler = literal(lambda_function()["handler"])
    assert handler == "app.handler"
    module, function = handler.rsplit(".", 1)
    source = ROOT / "lambda" / f"{module}.py"

    tree = ast.parse(source.read_text(), filename=str(source))

    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert function in defined


def test_lambda_runtime_default_is_python_3_12_or_newer() -> None:
    assert lambda_function()["runtime"] == "${var.lambda_runtime}"
    default = literal(variables()["lambda_runtime"]["default"])

    assert default.startswith("python3.")
    assert (3, int(default.removeprefix("python3."))) >= (3, 12)


# IAM


def policy_statements() -> list[tuple[str, dict[str, Any]]]:
    documents = blocks("data", "aws_iam_policy_document")
    return [(name, s) for name, doc in documents.items() for s in doc.get("statement", [])]


def test_every_policy_is_an_iam_policy_document() -> None:
    # Every policy goes through aws_iam_policy_document, which the wildcard
    # check below reads; an inline jsonencode() policy would escape it.
    documents = set(blocks("data", "aws_iam_policy_document"))
    referenced = [
        (literal(kind), literal(name), block[attribute])
        for path in TF_FILES
        for entry in parse(path).get("resource", [])
        for kind, named in entry.items()
        for name, block in named.items()
        for attribute in ("policy", "assume_role_policy")
        if attribute in block
    ]

    assert {"aws_iam_role", "aws_iam_role_policy", "aws_s3_bucket_policy"} <= {
        kind for kind, _, _ in referenced
    }
    for kind, name, value in referenced:
        match = POLICY_DOCUMENT_JSON.fullmatch(value)
        assert match is not None, (kind, name, value)
        assert match.group(1) in documents, (kind, name, value)


def test_no_allow_statement_grants_a_wildcard_action() -> None:
    statements = policy_statements()
    assert {"RegistryTables", "AgentCoreManage", "PassGatewayRole", "OutboundCredentials"} <= {
        literal(s.get("sid")) for _, s in statements
    }

    wildcards = []
    for document, statement in statements:
        effect = literal(statement.get("effect", '"Allow"'))
        assert effect in {"Allow", "Deny"}
        if effect != "Allow":
            continue
        assert "not_actions" not in statement, (document, statement.get("sid"))
        for action in map(literal, statement["actions"]):
            if action == "*" or action.endswith(":*"):
                wildcards.append((document, literal(statement.get("sid")), action))
    assert wildcards == []


def test_only_wildcard_action_is_the_deny_of_insecure_transport() -> None:
    # A Deny grants nothing; the one wildcard in terraform/ must stay that Deny.
    wildcards = [
        (document, literal(s.get("sid")), literal(s.get("effect")))
        for document, s in policy_statements()
        for action in s.get("actions", [])
        if literal(action) == "*" or literal(action).endswith(":*")
    ]
    assert wildcards == [("specs_bucket", "DenyInsecureTransport", "Deny")]


# bootstrap: the tables created locally are the ones Terraform declares


def describe(client: Any, table: str) -> dict[str, Any]:
    description = client.describe_table(TableName=table)["Table"]
    return {
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": sorted(
            description["AttributeDefinitions"], key=lambda a: a["AttributeName"]
        ),
        "GlobalSecondaryIndexes": [
            {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
            for index in description.get("GlobalSecondaryIndexes", [])
        ],
    }


def test_bootstrap_creates_the_terraform_tables_bucket_and_role(aws: None) -> None:
    env = bootstrap(None, prefix="t")

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    assert env["GATEWAYS_TABLE_NAME"] == "t-gateways"
    assert env["TOOLS_TABLE_NAME"] == "t-tools"
    for resource_name, table in (("gateways", "t-gateways"), ("tools", "t-tools")):
        expected = table_definitions()[resource_name]
        actual = describe(dynamodb, table)
        assert actual["KeySchema"] == expected["KeySchema"]
        assert actual["GlobalSecondaryIndexes"] == expected["GlobalSecondaryIndexes"]
        assert actual["AttributeDefinitions"] == sorted(
            expected["AttributeDefinitions"], key=lambda a: a["AttributeName"]
        )

    ttl = dynamodb.describe_time_to_live(TableName="t-gateways")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    tools_ttl = dynamodb.describe_time_to_live(TableName="t-tools")["TimeToLiveDescription"]
    assert tools_ttl["TimeToLiveStatus"] == "DISABLED"

    s3 = boto3.client("s3", region_name="us-east-1")
    assert env["SPEC_BUCKET_NAME"] == "t-specs"
    assert "t-specs" in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    role = boto3.client("iam", region_name="us-east-1").get_role(RoleName="t-gateway")["Role"]
    assert env["GATEWAY_ROLE_ARN"] == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    assert trust == GATEWAY_TRUST_POLICY
    assert Settings.model_validate(env).gateway_role_arn == role["Arn"]


# --- the gateway role's Lambda grant (issue 12) -----------------------------------

LAMBDA_GRANT_FOR_EACH = re.compile(r"^\$\{length\(var\.(\w+)\) > 0 \? \[var\.(\w+)\] : \[\]\}$")


def _lambda_grant() -> tuple[str, dict[str, Any]]:
    """The gateway policy's dynamic statement: its for_each and its content."""
    return _dynamic_grant("gateway", "LambdaTargets")


def _dynamic_grant(document: str, sid: str) -> tuple[str, dict[str, Any]]:
    """A policy document's dynamic statement of this sid: its for_each and
    its content (each kind's grant is one dynamic statement)."""
    found = []
    for dynamic in blocks("data", "aws_iam_policy_document")[document]["dynamic"]:
        block = dynamic['"statement"']
        [content] = block["content"]
        if literal(content["sid"]) == sid:
            found.append((str(block["for_each"]), content))
    [grant] = found
    return grant


def _lambda_statements(arns: list[str]) -> list[dict[str, Any]]:
    """What the dynamic block makes for a value of its variable (its for_each
    is read, not assumed: it must be `length(var.X) > 0 ? [var.X] : []`)."""
    for_each, content = _lambda_grant()
    match = LAMBDA_GRANT_FOR_EACH.match(for_each)
    assert match, for_each
    assert match.group(1) == match.group(2) == "lambda_target_function_arns"
    assert content["resources"] == "${statement.value}"
    return [
        {
            "sid": literal(content["sid"]),
            "effect": literal(content["effect"]),
            "actions": [literal(a) for a in content["actions"]],
            "resources": value,
        }
        for value in ([arns] if len(arns) > 0 else [])
    ]


def test_the_gateway_role_invokes_exactly_the_listed_functions() -> None:
    assert _lambda_statements([]) == []
    arns = ["arn:aws:lambda:us-east-1:123456789012:function:pets-*"]
    assert _lambda_statements(arns) == [
        {
            "sid": "LambdaTargets",
            "effect": "Allow",
            "actions": ["lambda:InvokeFunction"],
            "resources": arns,
        }
    ]
    variable = variables()["lambda_target_function_arns"]
    assert variable["default"] == []
    assert variable["type"] == "${list(string)}"


def _lambda_arn_pattern() -> re.Pattern[str]:
    [validation] = variables()["lambda_target_function_arns"]["validation"]
    condition = str(validation["condition"])
    assert condition.startswith("${alltrue([for arn in var.lambda_target_function_arns :")
    found = re.search(r'can\(regex\("(.*)", arn\)\)', condition)
    assert found, condition
    # HCL's string escapes (`\\` is one backslash); RE2 and Python agree on
    # the rest of this pattern's syntax.
    return re.compile(found.group(1).replace("\\\\", "\\"))


@pytest.mark.parametrize(
    ("arn", "accepted"),
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:pets-tools", True),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets-tools:live", True),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets-tools:$LATEST", True),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets-tools:*", True),
        ("arn:aws:lambda:us-east-1:123456789012:function:pets-*", True),
        ("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:pets", True),
        ("*", False),
        ("arn:aws:lambda:us-east-1:123456789012:function:*", False),
        ("arn:aws:lambda:us-east-1:123456789012:function:*:*", False),
        ("arn:aws:lambda:us-east-1:123456789012:*", False),
        ("arn:aws:lambda:*:123456789012:function:pets", False),
        ("arn:aws:lambda:us-east-1:*:function:pets", False),
        ("arn:aws:lambda:us-east-1:123456789012:layer:pets", False),
    ],
)
def test_the_function_list_refuses_a_bare_wildcard(arn: str, accepted: bool) -> None:
    assert bool(_lambda_arn_pattern().match(arn)) is accepted


def _api_gateway_grant() -> tuple[str, dict[str, Any]]:
    """The Lambda policy's dynamic statement for API Gateway stage tools."""
    return _dynamic_grant("lambda", "ApiGatewayTargetReads")


def test_the_lambda_role_reads_exactly_the_listed_rest_apis() -> None:
    """apigateway:GET (GetRestApi, GetStage, GetResources; AgentCore's
    GetExport on the caller's behalf) on the listed APIs and what is under
    them, nothing else; no statement while the list is empty."""
    for_each, content = _api_gateway_grant()
    match = LAMBDA_GRANT_FOR_EACH.match(for_each)
    assert match, for_each
    assert match.group(1) == match.group(2) == "api_gateway_target_rest_api_ids"
    assert literal(content["sid"]) == "ApiGatewayTargetReads"
    assert literal(content["effect"]) == "Allow"
    assert [literal(a) for a in content["actions"]] == ["apigateway:GET"]
    resources = str(content["resources"])
    assert "for id in statement.value" in resources
    assert "arn:${local.partition}:apigateway:${local.region}::/restapis/${id}" in resources
    assert "arn:${local.partition}:apigateway:${local.region}::/restapis/${id}/*" in resources
    assert resources.count("arn:") == 2
    variable = variables()["api_gateway_target_rest_api_ids"]
    assert variable["default"] == []
    assert variable["type"] == "${list(string)}"


@pytest.mark.parametrize(
    ("rest_api_id", "accepted"),
    [
        ("a1b2c3d4e5", True),
        ("*", False),
        ("a1b2c3d4e*", False),
        ("A1B2C3D4E5", False),
        ("arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5", False),
    ],
)
def test_the_rest_api_list_takes_ids_only(rest_api_id: str, accepted: bool) -> None:
    [validation] = variables()["api_gateway_target_rest_api_ids"]["validation"]
    found = re.search(r'can\(regex\("(.*)", id\)\)', str(validation["condition"]))
    assert found, validation
    assert bool(re.compile(found.group(1)).match(rest_api_id)) is accepted


def test_the_gateway_role_invokes_exactly_the_listed_rest_apis() -> None:
    """execute-api:Invoke (a `gateway_iam_role` API Gateway tool's calls) on
    the listed APIs' stages and methods only; no statement while empty."""
    for_each, content = _dynamic_grant("gateway", "ApiGatewayTargets")
    match = LAMBDA_GRANT_FOR_EACH.match(for_each)
    assert match, for_each
    assert match.group(1) == match.group(2) == "api_gateway_target_rest_api_ids"
    assert literal(content["effect"]) == "Allow"
    assert [literal(a) for a in content["actions"]] == ["execute-api:Invoke"]
    resources = str(content["resources"])
    assert "for id in statement.value" in resources
    assert (
        "arn:${local.partition}:execute-api:${local.region}:${local.account_id}:${id}/*"
        in resources
    )
    assert resources.count("arn:") == 1
