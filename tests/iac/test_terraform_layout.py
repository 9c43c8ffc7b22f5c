"""terraform/ is complete as issue #4 asks (static: python-hcl2 parses it; no
terraform binary runs here). Parsing, tables, the Lambda environment and the
wildcard checks are in tests/unit/test_terraform.py, which the iac env runs
too; this adds what that file does not check."""

from __future__ import annotations

import re
from typing import Any

import pytest

from registry_local import package as pkg
from services.auth.identity import SCHEDULE_ALIAS
from services.context import DEADLINE_MARGIN_SECONDS
from services.runtime import CLIENT_CONFIG
from tests.unit.test_terraform import TERRAFORM_DIR, TF_FILES, blocks, literal, parse, variables

# Variables whose value is constrained, so each has a validation block.
CONSTRAINED = {
    "aws_region",
    "environment",
    "name_prefix",
    "lambda_package_path",
    "jwt_layer_package_path",
    "lambda_runtime",
    "lambda_architecture",
    "lambda_memory_size",
    "lambda_timeout",
    "lambda_reserved_concurrency",
    "log_retention_days",
    "reconcile_schedule_expression",
    "reconcile_fanout_max_concurrency",
    "reconcile_fanout_tolerated_failure_percentage",
    "tags",
    "auth_mode",
    "auth_oidc_discovery_url",
    "auth_audiences",
    "auth_admin_group",
}
REQUIRED_OUTPUTS = {
    "lambda_function_arn",
    "lambda_function_name",
    "gateways_table_name",
    "gateways_table_arn",
    "tools_table_name",
    "tools_table_arn",
    "spec_bucket_name",
    "lambda_role_arn",
    "gateway_role_arn",
}


def outputs() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in TF_FILES:
        for entry in parse(path).get("output", []):
            for name, block in entry.items():
                found[literal(name)] = block
    return found


def statement(document: str, sid: str) -> dict[str, Any]:
    [found] = [
        s
        for s in blocks("data", "aws_iam_policy_document")[document]["statement"]
        if literal(s.get("sid")) == sid
    ]
    return found


def conditions(block: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    return {
        literal(c["variable"]): (literal(c["test"]), [literal(v) for v in c["values"]])
        for c in block.get("condition", [])
    }


# Variables and outputs


@pytest.mark.parametrize("name", sorted(variables()))
def test_every_variable_has_a_description_and_a_type(name: str) -> None:
    block = variables()[name]

    assert len(literal(block.get("description", ""))) >= 20, name
    assert block.get("type"), name


def test_constrained_variables_are_validated() -> None:
    unvalidated = sorted(n for n in CONSTRAINED if not variables()[n].get("validation"))

    assert set(variables()) >= CONSTRAINED
    assert unvalidated == []
    for name in CONSTRAINED:
        for validation in variables()[name]["validation"]:
            assert f"var.{name}" in validation["condition"], name
            assert literal(validation["error_message"]), name


def test_every_output_is_described_and_the_required_ones_exist() -> None:
    found = outputs()

    assert set(found) >= REQUIRED_OUTPUTS
    for name, block in found.items():
        assert len(literal(block.get("description", ""))) >= 15, name


def test_versions_are_pinned_with_pessimistic_constraints() -> None:
    [terraform] = parse(TERRAFORM_DIR / "versions.tf")["terraform"]
    [providers] = terraform["required_providers"]

    assert literal(terraform["required_version"]).startswith("~> 1.")
    assert literal(providers["aws"]["source"]) == "hashicorp/aws"
    assert literal(providers["aws"]["version"]).startswith("~> ")


def test_default_tags_merge_var_tags_under_the_fixed_keys() -> None:
    [provider] = parse(TERRAFORM_DIR / "providers.tf")["provider"]
    [default_tags] = provider['"aws"']["default_tags"]
    merged = default_tags["tags"].replace(" ", "")

    # merge(): later maps win, so var.tags first cannot override the fixed keys.
    assert merged.startswith("${merge(var.tags,{")
    for key in ("Environment=var.environment", "Service=", "ManagedBy="):
        assert key in merged


# Environments and state


def test_dev_and_prod_tfvars_exist_and_differ_where_they_should() -> None:
    dev = parse(TERRAFORM_DIR / "envs" / "dev.tfvars")
    prod = parse(TERRAFORM_DIR / "envs" / "prod.tfvars")

    assert (literal(dev["environment"]), literal(prod["environment"])) == ("dev", "prod")
    assert prod["deletion_protection"] is True
    for tfvars in (dev, prod):
        assert literal(tfvars["lambda_runtime"]) == f"python{pkg.PYTHON_VERSION}"
        assert pkg.PLATFORMS[literal(tfvars["lambda_architecture"])] == pkg.PLATFORM


def test_backend_is_a_commented_s3_example_with_locking() -> None:
    text = (TERRAFORM_DIR / "backend.tf").read_text()

    # Nothing active: state stays local until someone fills the example in.
    assert not any(
        "backend" in str(block)
        for block in parse(TERRAFORM_DIR / "backend.tf").get("terraform", [])
    )
    assert all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
    assert '#   backend "s3" {' in text
    assert "use_lockfile = true" in text
    assert "dynamodb_table" in text


def test_package_defaults_match_the_lambda_defaults() -> None:
    runtime = literal(variables()["lambda_runtime"]["default"])
    architecture = literal(variables()["lambda_architecture"]["default"])

    assert runtime == f"python{pkg.PYTHON_VERSION}"
    assert pkg.PLATFORMS[architecture] == pkg.PLATFORM
    assert literal(variables()["lambda_package_path"]["default"]) == "../dist/registry-lambda.zip"
    assert TERRAFORM_DIR.parent / "dist" / "registry-lambda.zip" == pkg.DEFAULT_OUTPUT
    layer_path = literal(variables()["jwt_layer_package_path"]["default"])
    assert (TERRAFORM_DIR / layer_path).resolve() == pkg.JWT_LAYER.default_output


def test_jwt_layer_exists_in_jwt_mode_only_and_is_the_functions_only_layer() -> None:
    [layer] = blocks("resource", "aws_lambda_layer_version").values()
    [function] = blocks("resource", "aws_lambda_function").values()

    assert layer["count"] == '${var.auth_mode == "jwt" ? 1 : 0}'
    assert literal(layer["filename"]) == "${var.jwt_layer_package_path}"
    assert literal(layer["source_code_hash"]) == "${filebase64sha256(var.jwt_layer_package_path)}"
    assert literal(layer["compatible_runtimes"]) == ["${var.lambda_runtime}"]
    assert literal(layer["compatible_architectures"]) == ["${var.lambda_architecture}"]
    assert literal(function["layers"]) == "${aws_lambda_layer_version.jwt[*].arn}"
    # The layer unpacks in /opt; python/ is where Lambda's Python runtimes look.
    assert pkg.JWT_LAYER.load_root == "/opt/python"


# Resources


def test_lambda_timeout_leaves_room_for_one_call_and_the_last_write() -> None:
    # Polls stop DEADLINE_MARGIN_SECONDS before the deadline; one AgentCore
    # call (connect + read timeout) started just before that must still fit,
    # so the smallest timeout the variable accepts must exceed both.
    [validation] = variables()["lambda_timeout"]["validation"]
    match = re.search(r"var\.lambda_timeout >= (\d+)", validation["condition"])
    assert match is not None
    smallest = int(match.group(1))
    one_call = CLIENT_CONFIG.connect_timeout + CLIENT_CONFIG.read_timeout

    assert smallest > DEADLINE_MARGIN_SECONDS + one_call
    assert variables()["lambda_timeout"]["default"] >= smallest
    assert "5 s" in literal(variables()["lambda_timeout"]["description"])
    assert DEADLINE_MARGIN_SECONDS == 5.0


def test_reconcile_schedule_is_off_by_default_and_absent_when_off() -> None:
    assert variables()["reconcile_schedule_enabled"]["default"] is False
    resources = parse(TERRAFORM_DIR / "schedule.tf")["resource"]
    counts = {
        literal(kind): block["count"]
        for entry in resources
        for kind, named in entry.items()
        for block in named.values()
    }
    on = "${var.reconcile_schedule_enabled ? 1 : 0}"
    assert counts == {
        "aws_cloudwatch_event_rule": on,
        "aws_lambda_alias": on,
        "aws_cloudwatch_event_target": on,
        # With fan-out the rule starts the state machine: no grant on the alias.
        "aws_lambda_permission": (
            "${var.reconcile_schedule_enabled && !var.reconcile_fanout_enabled ? 1 : 0}"
        ),
    }


def test_schedule_invokes_its_own_alias_and_only_the_rule_may() -> None:
    [alias] = blocks("resource", "aws_lambda_alias").values()
    [target] = blocks("resource", "aws_cloudwatch_event_target").values()
    [permission] = blocks("resource", "aws_lambda_permission").values()

    assert literal(alias["name"]) == SCHEDULE_ALIAS
    # The alias, unless fan-out is on (tests/unit/test_terraform_fanout.py).
    assert literal(target["arn"]).endswith(" : aws_lambda_alias.reconcile_schedule[0].arn}")
    assert literal(permission["qualifier"]) == "${aws_lambda_alias.reconcile_schedule[0].name}"
    assert literal(permission["principal"]) == "events.amazonaws.com"
    assert literal(permission["source_arn"]) == "${aws_cloudwatch_event_rule.reconcile[0].arn}"
    # trusted mode: the schedule's actor is an admin; jwt mode: none in the payload.
    text = (TERRAFORM_DIR / "schedule.tf").read_text()
    assert 'roles = ["admin"]' in text
    assert 'var.auth_mode == "trusted" ?' in text


def test_gateway_role_trust_is_limited_to_this_accounts_gateways() -> None:
    trust = statement("gateway_assume_role", "AgentCoreAssumeRole")
    [principal] = trust["principals"]

    assert [literal(a) for a in trust["actions"]] == ["sts:AssumeRole"]
    assert [literal(i) for i in principal["identifiers"]] == ["bedrock-agentcore.amazonaws.com"]
    assert conditions(trust) == {
        "aws:SourceAccount": ("StringEquals", ["${local.account_id}"]),
        "aws:SourceArn": ("ArnLike", ["${local.agentcore_arn_prefix}:gateway/*"]),
    }


def test_pass_role_names_only_the_gateway_role_and_only_for_agentcore() -> None:
    passing = statement("lambda", "PassGatewayRole")

    assert [literal(r) for r in passing["resources"]] == ["${aws_iam_role.gateway.arn}"]
    assert conditions(passing) == {
        "iam:PassedToService": ("StringEquals", ["bedrock-agentcore.amazonaws.com"])
    }


def test_workload_identity_grant_says_it_is_unconfirmed() -> None:
    text = (TERRAFORM_DIR / "iam_lambda.tf").read_text()
    before = text[: text.index('sid    = "AgentCoreGatewayWorkloadIdentity"')]
    comment = before[before.rindex("}") :]

    assert "UNCONFIRMED" in comment
    assert "third-party report" in comment
