"""The reconcile fan-out engine (terraform/reconcile_fanout.tf and its state
machine, terraform/reconcile_fanout.asl.json) against the code it drives.

Static, as tests/unit/test_terraform.py: python-hcl2 parses the HCL, and the
ASL is rendered here the way `templatefile()` renders it (plain `${name}`
substitution; the test refuses any other template syntax). No terraform
binary and no Step Functions runs here: nothing below is `terraform
validate` nor an execution of the state machine.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from handlers.dispatcher import ACTION_MODULES
from handlers.reconcile import ReconcileData
from services.auth.identity import SCHEDULE_ALIAS
from services.models import Actor, Envelope
from tests.unit import test_terraform
from tests.unit.test_terraform import TERRAFORM_DIR, literal

# Parsed once per run: python-hcl2 takes ~0.2 s a file, and each helper of
# test_terraform.py parses every file again.
parse = functools.cache(test_terraform.parse)
blocks = functools.cache(test_terraform.blocks)
variables = functools.cache(test_terraform.variables)

ASL = TERRAFORM_DIR / "reconcile_fanout.asl.json"
FANOUT_TF = TERRAFORM_DIR / "reconcile_fanout.tf"
ENABLED = "${var.reconcile_fanout_enabled ? 1 : 0}"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:agentcore-registry-dev-registry:" + (
    SCHEDULE_ALIAS
)
TRUSTED_ACTOR = {"user": "scheduled-reconcile", "team": "registry-admins", "roles": ["admin"]}
LAMBDA_ERRORS = {
    "Lambda.TooManyRequestsException",
    "Lambda.ServiceException",
    "Lambda.SdkClientException",
    "Lambda.AWSLambdaException",
}
# What ReconcileData takes (docs/api.md "reconcile"; the last three are issue 16's).
RECONCILE_FIELDS = {"dry_run", "older_than_seconds", "delete_orphans", "next_token"}
ISSUE_16_FIELDS = {"scope", "gateway_id", "resume"}
SCOPES = {"all", "plan", "gateway", "account"}
# Sample values for the `.$` fields of the child's request (a registry
# gateway id is "gw-<20 hex>", services/records/record_store.py).
ITEM_VALUES = {"$.gateway_id": "gw-0123456789abcdef0123"}


def templatefile_variables() -> set[str]:
    """The names reconcile_fanout.tf passes to templatefile()."""
    [machine] = blocks("resource", "aws_sfn_state_machine").values()
    definition = str(machine["definition"])
    assert definition.startswith('${templatefile("${path.module}/reconcile_fanout.asl.json", {'), (
        definition
    )
    return set(re.findall(r"[{,]\s*(\w+)\s*=", definition))


def render(actor: dict[str, Any] | None, max_concurrency: int = 4) -> dict[str, Any]:
    values = {
        "partition": "aws",
        "function_arn": ALIAS_ARN,
        "actor": json.dumps(actor),
        "max_concurrency": str(max_concurrency),
        "tolerated_failure_percentage": "10",
        "max_calls_per_gateway": "10",
    }
    text = ASL.read_text()
    # templatefile() would also read %{ } directives and $${ } escapes;
    # the template uses neither, so plain substitution is its rendering.
    assert "%{" not in text
    assert "$${" not in text
    assert set(PLACEHOLDER.findall(text)) == set(values) == templatefile_variables()
    document: dict[str, Any] = json.loads(PLACEHOLDER.sub(lambda m: values[m.group(1)], text))
    return document


def states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, the Map's item processor's included."""
    for name, state in machine["States"].items():
        yield name, state
        if "ItemProcessor" in state:
            yield from states(state["ItemProcessor"])


def tasks(machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in states(machine) if s["Type"] == "Task"}


def _paths(value: Any) -> Iterator[str]:
    """Every JSONPath or intrinsic function in a definition."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item)
    elif isinstance(value, str) and value.startswith(("$", "States.")):
        yield value


def resolved(payload: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A Parameters payload as the function receives it: each `key.$` path
    replaced by the value the test gives that path."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key.endswith(".$"):
            out[key[:-2]] = values[value]
        elif isinstance(value, dict):
            out[key] = resolved(value, values)
        else:
            out[key] = value
    return out


def requests(actor: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {
        name: resolved(task["Parameters"]["Payload"], ITEM_VALUES)
        for name, task in tasks(render(actor)).items()
    }


# The state machine


@pytest.mark.parametrize("actor", [TRUSTED_ACTOR, None], ids=["trusted", "jwt"])
def test_every_state_is_reachable_and_every_transition_names_a_state(
    actor: dict[str, Any] | None,
) -> None:
    def check(machine: dict[str, Any]) -> None:
        names = set(machine["States"])
        seen, todo = set(), [machine["StartAt"]]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            state = machine["States"][name]
            following = [state.get("Next"), state.get("Default")]
            following += [c.get("Next") for c in state.get("Choices", [])]
            following += [c.get("Next") for c in state.get("Catch", [])]
            following = [n for n in following if n is not None]
            assert set(following) <= names, (name, following)
            # A state ends, fails, succeeds or goes on: never none of these.
            assert following or state.get("End") or state["Type"] in {"Fail", "Succeed"}, name
            todo += following
        assert seen == names
        for state in machine["States"].values():
            if "ItemProcessor" in state:
                check(state["ItemProcessor"])

    check(render(actor))


def test_the_definition_is_jsonpath_only() -> None:
    machine = render(TRUSTED_ACTOR)
    text = json.dumps(machine)

    assert machine["QueryLanguage"] == "JSONPath"
    # JSONata's fields, and its {% %} expressions, appear nowhere.
    for name, state in states(machine):
        assert not {"Arguments", "Output", "Assign", "QueryLanguage"} & set(state), name
    assert "{%" not in text


def test_every_task_invokes_the_schedule_alias_and_nothing_else() -> None:
    found = tasks(render(TRUSTED_ACTOR))

    assert set(found) == {"Plan", "ReconcileGateway", "Account"}
    for name, task in found.items():
        assert task["Resource"] == "arn:aws:states:::lambda:invoke", name
        assert task["Parameters"]["FunctionName"] == ALIAS_ARN, name
        assert set(task["Parameters"]) == {"FunctionName", "Payload"}, name


@pytest.mark.parametrize("actor", [TRUSTED_ACTOR, None], ids=["trusted", "jwt"])
def test_every_request_is_a_reconcile_the_dispatcher_reads(actor: dict[str, Any] | None) -> None:
    for name, request in requests(actor).items():
        envelope = Envelope.model_validate(request)

        assert envelope.action == "reconcile", name
        assert envelope.action in ACTION_MODULES, name
        assert envelope.request_id == "scheduled-reconcile", name
        # The schedule's actor: an admin in trusted mode, none in jwt mode
        # (null reads as absent; the alias admits AUTH_SCHEDULE_ACTOR).
        assert envelope.actor == actor, name
        if actor is not None:
            assert Actor.model_validate(envelope.actor).is_admin, name
        assert envelope.auth is None, name


def test_each_step_asks_for_its_scope_with_the_schedules_settings() -> None:
    found = requests(TRUSTED_ACTOR)

    # The plan changes nothing (a dry run, reconcile's default).
    assert found["Plan"]["data"] == {"scope": "plan"}
    assert found["ReconcileGateway"]["data"] == {
        "scope": "gateway",
        "gateway_id": ITEM_VALUES["$.gateway_id"],
        "dry_run": False,
        "older_than_seconds": 900,
    }
    assert found["Account"]["data"] == {
        "scope": "account",
        "dry_run": False,
        "older_than_seconds": 900,
    }
    for name, request in found.items():
        assert set(request["data"]) <= RECONCILE_FIELDS | ISSUE_16_FIELDS, name
        assert request["data"]["scope"] in SCOPES, name
        assert "delete_orphans" not in request["data"], name  # never, as the schedule


def test_the_reconcile_model_accepts_every_request() -> None:
    machine = render(TRUSTED_ACTOR)
    for name, task in tasks(machine).items():
        data = resolved(task["Parameters"]["Payload"], ITEM_VALUES)["data"]
        parsed = ReconcileData.model_validate(data)
        assert parsed.model_dump(include=set(data)) == data, name


def test_an_error_envelope_fails_the_step_that_got_it() -> None:
    """A Lambda invocation that answers `ok: false` is no Lambda failure:
    right after each task a Choice goes on only when `ok` is true."""
    machine = render(TRUSTED_ACTOR)
    every = dict(states(machine))
    checks = {"Plan": "$.Payload.ok", "ReconcileGateway": "$.answer.ok", "Account": "$.account.ok"}

    for task_name, path in checks.items():
        choice = every[every[task_name]["Next"]]
        assert choice["Type"] == "Choice"
        [rule] = choice["Choices"]
        assert rule == {"Variable": path, "BooleanEquals": True, "Next": rule["Next"]}
        default = every[choice["Default"]]
        while default["Type"] == "Choice":  # the gateway's 503 goes round again first
            default = every[default["Default"]]
        assert default["Type"] == "Fail", task_name


def test_every_task_retries_lambdas_transient_errors_with_backoff_and_jitter() -> None:
    for name, task in tasks(render(TRUSTED_ACTOR)).items():
        [retry] = task["Retry"]
        assert set(retry["ErrorEquals"]) == LAMBDA_ERRORS, name
        assert retry["BackoffRate"] > 1, name
        assert retry["MaxAttempts"] >= 3, name
        assert retry["JitterStrategy"] == "FULL", name
        assert retry["MaxDelaySeconds"] <= 60, name
        assert "Catch" not in task, name  # an item that still fails is that item's failure


def test_the_map_is_distributed_bounded_tolerant_and_returns_no_findings() -> None:
    machine = render(TRUSTED_ACTOR, max_concurrency=7)
    gateways = machine["States"]["Gateways"]

    assert machine["States"]["Plan"]["Next"] == "PlanAnswered"
    assert gateways["Type"] == "Map"
    assert gateways["ItemsPath"] == "$.Payload.data.gateway_ids"
    assert gateways["ItemSelector"]["gateway_id.$"] == "$$.Map.Item.Value"
    assert gateways["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert gateways["MaxConcurrency"] == 7
    assert 0 < gateways["ToleratedFailurePercentage"] <= 100
    # Only a count goes back to the parent: each child ends with an empty
    # object, and the Map keeps how many there were.
    assert gateways["ResultSelector"] == {"results.$": "States.ArrayLength($)"}
    [done] = [s for s in gateways["ItemProcessor"]["States"].values() if s.get("End")]
    assert done == {"Comment": done["Comment"], "Type": "Pass", "Result": {}, "End": True}
    # No path anywhere selects findings; the final output is counts.
    paths = list(_paths(machine))
    assert "$.Payload.data.gateway_ids" in paths
    assert [p for p in paths if "findings" in p] == []
    assert machine["States"]["Done"]["Parameters"] == {
        "gateway_results.$": "$.gateways.results",
        "account_counts.$": "$.account.data.counts",
    }


def test_a_gateway_takes_a_bounded_number_of_calls() -> None:
    """Retries after a 503 count against a bound."""
    processor = render(TRUSTED_ACTOR)["States"]["Gateways"]["ItemProcessor"]["States"]

    assert processor["Backoff"]["Parameters"]["calls.$"] == "States.MathAdd($.calls, 1)"
    [rule] = [r for r in processor["Retryable"]["Choices"] if r["Next"] == "Backoff"]
    assert {"Variable": "$.calls", "NumericLessThan": 10} in rule["And"]
    assert processor["Wait"]["SecondsPath"] == "$.wait_seconds"
    assert processor["Backoff"]["Parameters"]["wait_seconds.$"].startswith("States.MathRandom(")


# Terraform


def test_nothing_of_the_engine_exists_when_it_is_off() -> None:
    assert variables()["reconcile_fanout_enabled"]["default"] is False
    resources = [
        (literal(kind), literal(name), block)
        for entry in parse(FANOUT_TF)["resource"]
        for kind, named in entry.items()
        for name, block in named.items()
    ]
    assert {kind for kind, _, _ in resources} == {
        "aws_cloudwatch_log_group",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_sfn_state_machine",
    }
    for kind, name, block in resources:
        assert block["count"] == ENABLED, (kind, name)


def test_the_engine_needs_the_schedule() -> None:
    [machine] = blocks("resource", "aws_sfn_state_machine").values()
    [lifecycle] = machine["lifecycle"]
    [precondition] = lifecycle["precondition"]

    assert precondition["condition"] == "${var.reconcile_schedule_enabled}"
    assert literal(machine["type"]) == "STANDARD"


def test_the_state_machine_role_invokes_the_alias_only() -> None:
    document = blocks("data", "aws_iam_policy_document")["reconcile_fanout"]
    by_sid = {literal(s["sid"]): s for s in document["statement"]}
    [locals_block] = parse(FANOUT_TF)["locals"]

    lambda_statements = [
        s for s in by_sid.values() if any(literal(a).startswith("lambda:") for a in s["actions"])
    ]
    assert lambda_statements == [by_sid["InvokeScheduleAlias"]]
    assert [literal(a) for a in by_sid["InvokeScheduleAlias"]["actions"]] == [
        "lambda:InvokeFunction"
    ]
    assert by_sid["InvokeScheduleAlias"]["resources"] == ["${local.reconcile_schedule_alias_arn}"]
    assert literal(locals_block["reconcile_schedule_alias_arn"]) == (
        "${aws_lambda_function.this.arn}:" + SCHEDULE_ALIAS
    )
    # The Distributed Map's own grants: this state machine and its executions.
    assert by_sid["DistributedMapStart"]["resources"] == ["${local.reconcile_fanout_arn}"]
    [executions] = [literal(r) for r in by_sid["DistributedMapChildren"]["resources"]]
    assert executions.endswith(":execution:${local.reconcile_fanout_name}/*")
    assert literal(locals_block["reconcile_fanout_arn"]).endswith(
        ":stateMachine:${local.reconcile_fanout_name}"
    )
    # The schedule's alias keeps one resource-policy grant, to EventBridge,
    # and none while the rule starts the state machine instead.
    [permission] = blocks("resource", "aws_lambda_permission").values()
    assert literal(permission["principal"]) == "events.amazonaws.com"
    assert "!var.reconcile_fanout_enabled" in permission["count"]


def test_eventbridge_may_start_the_state_machine_and_nothing_else() -> None:
    document = blocks("data", "aws_iam_policy_document")["reconcile_fanout_events"]
    [statement] = document["statement"]
    [target] = blocks("resource", "aws_cloudwatch_event_target").values()

    assert [literal(a) for a in statement["actions"]] == ["states:StartExecution"]
    assert statement["resources"] == ["${local.reconcile_fanout_arn}"]
    assert target["role_arn"] == "${one(aws_iam_role.reconcile_fanout_events[*].arn)}"
    assert target["arn"] == (
        "${var.reconcile_fanout_enabled ? one(aws_sfn_state_machine.reconcile_fanout[*].arn)"
        " : aws_lambda_alias.reconcile_schedule[0].arn}"
    )


def test_the_engine_logs_to_its_own_group_kept_as_long_as_the_functions() -> None:
    groups = blocks("resource", "aws_cloudwatch_log_group")
    [machine] = blocks("resource", "aws_sfn_state_machine").values()
    [logging] = machine["logging_configuration"]

    assert literal(groups["reconcile_fanout"]["name"]).startswith("/aws/vendedlogs/states/")
    assert groups["reconcile_fanout"]["retention_in_days"] == "${var.log_retention_days}"
    assert literal(logging["log_destination"]) == (
        "${aws_cloudwatch_log_group.reconcile_fanout[0].arn}:*"
    )
    assert literal(logging["level"]) == "ERROR"
    assert machine["tracing_configuration"] == [{"enabled": True, "__is_block__": True}]


def _bounds(name: str) -> tuple[int, int]:
    [validation] = variables()[name]["validation"]
    found = re.search(rf"var\.{name} >= (\d+) && var\.{name} <= (\d+)", validation["condition"])
    assert found, validation
    return int(found.group(1)), int(found.group(2))


def test_the_fanout_variables_are_bounded() -> None:
    assert _bounds("reconcile_fanout_max_concurrency") == (1, 40)
    assert variables()["reconcile_fanout_max_concurrency"]["default"] == 4
    assert _bounds("reconcile_fanout_tolerated_failure_percentage") == (0, 100)
    assert 0 < variables()["reconcile_fanout_tolerated_failure_percentage"]["default"] < 100


def test_the_state_machine_arn_is_an_output_null_when_off() -> None:
    found = {
        literal(name): block
        for entry in parse(TERRAFORM_DIR / "outputs.tf")["output"]
        for name, block in entry.items()
    }

    assert found["reconcile_fanout_state_machine_arn"]["value"] == (
        "${try(aws_sfn_state_machine.reconcile_fanout[0].arn, null)}"
    )


def test_deploy_md_lists_the_fanout_variables_with_their_defaults() -> None:
    text = (TERRAFORM_DIR.parent / "docs" / "deploy.md").read_text()
    fanout = sorted(n for n in variables() if n.startswith("reconcile_fanout_"))

    assert len(fanout) == 3
    for name in fanout:
        default = json.dumps(variables()[name]["default"])  # false, 4, 10
        assert f"| `{name}` | `{default}` |" in text, name
    assert "`reconcile_fanout_state_machine_arn`" in text


_MISSING = object()


def _lookup(document: dict[str, Any], path: str) -> Any:
    value: Any = document
    for key in path.removeprefix("$.").split("."):
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _matches(rule: dict[str, Any], document: dict[str, Any]) -> bool:
    """The Choice operators the definition uses, as the ASL specification
    describes them (https://states-language.net/spec.html, "Choice Rules");
    any other operator fails the test rather than being guessed at."""
    if "And" in rule:
        return all(_matches(r, document) for r in rule["And"])
    value = _lookup(document, rule["Variable"])
    [(operator, operand)] = [(k, v) for k, v in rule.items() if k not in {"Variable", "Next"}]
    if operator == "IsPresent":
        return (value is not _MISSING) is operand
    assert value is not _MISSING, rule  # Step Functions fails the execution here
    tests = {
        "BooleanEquals": lambda: value is operand,
        "IsString": lambda: isinstance(value, str) is operand,
        "NumericEquals": lambda: isinstance(value, int) and value == operand,
        "NumericLessThan": lambda: isinstance(value, int) and value < operand,
    }
    return bool(tests[operator]())


def _route(processor: dict[str, Any], document: dict[str, Any]) -> str:
    """Where a child goes from GatewayAnswered, through its Choices."""
    name = "GatewayAnswered"
    while processor[name]["Type"] == "Choice":
        choice = processor[name]
        name = next(
            (r["Next"] for r in choice["Choices"] if _matches(r, document)), choice["Default"]
        )
    return name


@pytest.mark.parametrize(
    ("answer", "calls", "goes_to"),
    [
        ({"ok": True, "status": 200, "data": {"next_token": None}}, 1, "GatewayDone"),
        ({"ok": False, "status": 503, "data": None}, 1, "Backoff"),
        ({"ok": False, "status": 503, "data": None}, 10, "GatewayRefused"),
        ({"ok": False, "status": 422, "data": None}, 1, "GatewayRefused"),
        ({"ok": False, "status": 403, "data": None}, 1, "GatewayRefused"),
    ],
    ids=["done", "503", "503-too-often", "422", "403"],
)
def test_a_gateways_answer_decides_what_its_child_does_next(
    answer: dict[str, Any], calls: int, goes_to: str
) -> None:
    processor = render(TRUSTED_ACTOR)["States"]["Gateways"]["ItemProcessor"]["States"]
    document = {"gateway_id": "gw-0123456789abcdef0123", "calls": calls, "answer": answer}

    assert _route(processor, document) == goes_to
