# The reconcile fan-out engine (issue 16, point 3; docs/deploy.md,
# "Reconcile at scale: the fan-out engine"): a Step Functions STANDARD state
# machine that asks the function for the plan (the gateway ids), reconciles
# each gateway in a child execution of a Distributed Map, at most
# var.reconcile_fanout_max_concurrency at a time, then runs the account-wide
# checks. It invokes the same reconcile-schedule alias, with the same kind of
# request, as the schedule does (schedule.tf): the function gets no new event
# shape, only `reconcile` with data.scope.
#
# Off unless var.reconcile_fanout_enabled. Every resource here uses count, as
# schedule.tf does and for the same reason: off means no state machine, no
# role and no log group at all, rather than idle ones holding grants. The
# policy documents are data sources (rendered locally, nothing in AWS) and
# name ARNs built from names, so they are valid whether or not the alias or
# the state machine exists.

locals {
  reconcile_fanout_name = "${local.name}-reconcile-fanout"

  # The alias's ARN as Lambda makes it (function ARN, ":", alias name), built
  # rather than read from aws_lambda_alias.reconcile_schedule[0] so that this
  # file's policy documents need no index into a resource that may not exist.
  reconcile_schedule_alias_arn = "${aws_lambda_function.this.arn}:reconcile-schedule"

  # Built from the name for the same reason, and to break the cycle role ->
  # policy -> state machine -> role.
  reconcile_fanout_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.reconcile_fanout_name}"

  # How many calls one gateway's child execution may make (the first and
  # the retries after a 503): a bound, so a gateway that keeps being
  # throttled fails its item instead of looping until the execution's
  # timeout. (A gateway is one unit: `scope: "gateway"` answers no next_token.)
  reconcile_fanout_max_calls_per_gateway = 10
}

# Vended logs go under /aws/vendedlogs/ so that Step Functions' log delivery
# does not grow the account's CloudWatch Logs resource policy with one entry
# per log group (Step Functions developer guide, "Using CloudWatch Logs to log
# execution history": https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
resource "aws_cloudwatch_log_group" "reconcile_fanout" {
  #checkov:skip=CKV_AWS_158:Encrypted at rest by CloudWatch Logs by default, as the function's log group (lambda.tf); the engine logs reconcile requests and answers, which hold no secrets, so a customer managed key adds cost and key-policy upkeep for no consumer.
  #checkov:skip=CKV_AWS_338:Retention is the same per-environment choice as the function's logs (var.log_retention_days, 365 in prod); a one-year floor is not wanted for dev.
  count = var.reconcile_fanout_enabled ? 1 : 0

  name              = "/aws/vendedlogs/states/${local.reconcile_fanout_name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "reconcile_fanout_assume_role" {
  # aws:SourceAccount only: the Distributed Map's child executions run with
  # this role too, and which ARN Step Functions reports as their source is
  # not documented, so an aws:SourceArn condition could refuse them.
  statement {
    sid     = "StepFunctionsAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "reconcile_fanout" {
  # The schedule's alias, and nothing else of the function: Step Functions
  # invokes with this role's credentials (a principal of this account, not
  # the states.amazonaws.com service principal), and Lambda weighs such a
  # caller's identity-based policies with the resource-based one (Lambda
  # developer guide, "Granting other AWS entities access to your Lambda
  # functions": https://docs.aws.amazon.com/lambda/latest/dg/permissions-granting-access.html),
  # so the alias needs no resource-policy grant for it.
  statement {
    sid       = "InvokeScheduleAlias"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [local.reconcile_schedule_alias_arn]
  }

  # The Distributed Map starts its child executions as this state machine,
  # and describes and stops them: AWS's least-privilege policy for a
  # Distributed Map ("IAM policies for using Distributed Map states":
  # https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html).
  statement {
    sid       = "DistributedMapStart"
    effect    = "Allow"
    actions   = ["states:StartExecution"]
    resources = [local.reconcile_fanout_arn]
  }

  statement {
    sid    = "DistributedMapChildren"
    effect = "Allow"
    actions = [
      "states:DescribeExecution",
      "states:StopExecution",
    ]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.reconcile_fanout_name}/*"]
  }

  # Log delivery to CloudWatch Logs. These actions support no resource-level
  # permissions, so Step Functions' guide grants them on "*" (cw-logs.html,
  # as above).
  statement {
    sid    = "LogDelivery"
    effect = "Allow"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  # Active tracing, as the function has. No X-Ray resource to name.
  statement {
    sid    = "XRayTracing"
    effect = "Allow"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role" "reconcile_fanout" {
  count = var.reconcile_fanout_enabled ? 1 : 0

  name               = local.reconcile_fanout_name
  description        = "Execution role of the ${local.reconcile_fanout_name} state machine."
  assume_role_policy = data.aws_iam_policy_document.reconcile_fanout_assume_role.json
}

resource "aws_iam_role_policy" "reconcile_fanout" {
  count = var.reconcile_fanout_enabled ? 1 : 0

  name   = "reconcile-fanout"
  role   = aws_iam_role.reconcile_fanout[0].id
  policy = data.aws_iam_policy_document.reconcile_fanout.json
}

resource "aws_sfn_state_machine" "reconcile_fanout" {
  count = var.reconcile_fanout_enabled ? 1 : 0

  name     = local.reconcile_fanout_name
  role_arn = aws_iam_role.reconcile_fanout[0].arn
  # STANDARD: a pass at 1,000 gateways outlasts Express's 5 minutes, and so
  # may one gateway's child execution (the Map's children are STANDARD too).
  type = "STANDARD"

  # The ASL lives in its own file so that tests/unit/test_terraform_fanout.py
  # renders and checks exactly what is deployed. The actor is the schedule's
  # (schedule.tf: an admin in trusted mode; null, read as absent, in jwt
  # mode, where the alias admits the schedule's user).
  definition = templatefile("${path.module}/reconcile_fanout.asl.json", {
    partition                    = local.partition
    function_arn                 = local.reconcile_schedule_alias_arn
    actor                        = jsonencode(local.reconcile_schedule_actor)
    max_concurrency              = var.reconcile_fanout_max_concurrency
    tolerated_failure_percentage = var.reconcile_fanout_tolerated_failure_percentage
    max_calls_per_gateway        = local.reconcile_fanout_max_calls_per_gateway
  })

  # ERROR: the failed steps, with their input and output (requests and
  # answers, which hold no secrets); a pass's successful steps are in its
  # execution history.
  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.reconcile_fanout[0].arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  lifecycle {
    precondition {
      # The engine invokes the schedule's alias and is started by its rule.
      condition     = var.reconcile_schedule_enabled
      error_message = "reconcile_fanout_enabled needs reconcile_schedule_enabled: the fan-out engine is started by the reconcile schedule and invokes its alias."
    }
  }

  # The role's policy must exist before the first execution invokes anything.
  depends_on = [aws_iam_role_policy.reconcile_fanout]
}

# EventBridge starts the state machine (instead of invoking the alias) with
# a role of its own that may start this state machine and nothing else.
data "aws_iam_policy_document" "reconcile_fanout_events_assume_role" {
  statement {
    sid     = "EventBridgeAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "reconcile_fanout_events" {
  statement {
    sid       = "StartReconcileFanout"
    effect    = "Allow"
    actions   = ["states:StartExecution"]
    resources = [local.reconcile_fanout_arn]
  }
}

resource "aws_iam_role" "reconcile_fanout_events" {
  count = var.reconcile_fanout_enabled ? 1 : 0

  name               = "${local.reconcile_fanout_name}-events"
  description        = "Lets the ${local.name}-reconcile rule start the ${local.reconcile_fanout_name} state machine."
  assume_role_policy = data.aws_iam_policy_document.reconcile_fanout_events_assume_role.json
}

resource "aws_iam_role_policy" "reconcile_fanout_events" {
  count = var.reconcile_fanout_enabled ? 1 : 0

  name   = "start-reconcile-fanout"
  role   = aws_iam_role.reconcile_fanout_events[0].id
  policy = data.aws_iam_policy_document.reconcile_fanout_events.json
}
