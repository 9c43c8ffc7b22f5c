# Periodic reconcile of the registry tables against AgentCore. Everything in
# this file uses count so that, with the schedule off, no rule, target or
# invoke permission exists at all (rather than a DISABLED rule that still
# grants EventBridge the right to invoke the function).
#
# With var.reconcile_fanout_enabled the rule starts the fan-out state machine
# (reconcile_fanout.tf) instead, which invokes the same alias once per
# gateway; the rule then holds no grant on the alias at all.

locals {
  # The admin the scheduled reconcile acts as in trusted mode. In jwt mode
  # none (null): a payload actor with a user is refused there, and the
  # function takes the user from AUTH_SCHEDULE_ACTOR (lambda.tf). The fan-out
  # engine sends the same actor.
  reconcile_schedule_actor = var.auth_mode == "trusted" ? {
    user  = var.reconcile_schedule_user
    team  = var.auth_admin_group
    roles = ["admin"]
  } : null
}

resource "aws_cloudwatch_event_rule" "reconcile" {
  count = var.reconcile_schedule_enabled ? 1 : 0

  name                = "${local.name}-reconcile"
  description         = "Invokes ${local.lambda_function_name} with the reconcile action."
  schedule_expression = var.reconcile_schedule_expression
  state               = "ENABLED"
}

# The schedule's own way in. A non-dry reconcile needs an admin, and in jwt
# mode the schedule cannot hold a token (EventBridge sends a fixed input), so
# it is admitted without one only when Lambda reports that this alias was
# invoked (context.invoked_function_arn, which no caller can set): the
# permission below grants the alias to this rule alone, and a caller's grant
# on the function's unqualified ARN does not reach an alias (docs/deploy.md).
# The name is services/auth/identity.py's SCHEDULE_ALIAS.
resource "aws_lambda_alias" "reconcile_schedule" {
  count = var.reconcile_schedule_enabled ? 1 : 0

  name             = "reconcile-schedule"
  description      = "Invoked only by the reconcile schedule."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_cloudwatch_event_target" "reconcile" {
  count = var.reconcile_schedule_enabled ? 1 : 0

  rule = aws_cloudwatch_event_rule.reconcile[0].name
  # The target id stays the same either way, so turning fan-out on or off
  # updates this target in place.
  target_id = "registry-lambda"
  arn       = var.reconcile_fanout_enabled ? one(aws_sfn_state_machine.reconcile_fanout[*].arn) : aws_lambda_alias.reconcile_schedule[0].arn
  # EventBridge needs a role to start an execution; it invokes Lambda
  # through the permission below instead.
  role_arn = one(aws_iam_role.reconcile_fanout_events[*].arn)

  # A fixed request: a real (not dry) run that only touches records older than
  # 15 minutes, so it never races a create/update still in flight, and that
  # resumes where the last scheduled run stopped (a cursor item in the
  # gateways table: every record is looked at within a bounded number of
  # runs however large the registry, issue 16). The constant request_id
  # lets the code recognise scheduled runs. In trusted
  # mode the actor is an admin named here; in jwt mode none (see the local
  # above). The state machine takes no input: its requests are in its
  # definition (reconcile_fanout.asl.json).
  input = var.reconcile_fanout_enabled ? jsonencode({}) : jsonencode(merge(
    {
      action     = "reconcile"
      request_id = "scheduled-reconcile"
      data = {
        dry_run            = false
        older_than_seconds = 900
        resume             = true
      }
    },
    local.reconcile_schedule_actor != null ? { actor = local.reconcile_schedule_actor } : {}
  ))
}

# Only while the rule invokes the alias itself: with fan-out on, the state
# machine's role invokes it (an identity-policy grant, reconcile_fanout.tf)
# and EventBridge is granted nothing on the function.
resource "aws_lambda_permission" "reconcile" {
  count = var.reconcile_schedule_enabled && !var.reconcile_fanout_enabled ? 1 : 0

  statement_id  = "AllowReconcileSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.reconcile_schedule[0].name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconcile[0].arn
}
