# Periodic reconcile of the registry tables against AgentCore. Everything in
# this file uses count so that, with the schedule off, no rule, target or
# invoke permission exists at all (rather than a DISABLED rule that still
# grants EventBridge the right to invoke the function).

resource "aws_cloudwatch_event_rule" "reconcile" {
  count = var.reconcile_schedule_enabled ? 1 : 0

  name                = "${local.name}-reconcile"
  description         = "Invokes ${local.lambda_function_name} with the reconcile action."
  schedule_expression = var.reconcile_schedule_expression
  state               = "ENABLED"
}

resource "aws_cloudwatch_event_target" "reconcile" {
  count = var.reconcile_schedule_enabled ? 1 : 0

  rule      = aws_cloudwatch_event_rule.reconcile[0].name
  target_id = "registry-lambda"
  arn       = aws_lambda_function.this.arn

  # A fixed request: a real (not dry) run that only touches records older than
  # 15 minutes, so it never races a create/update still in flight. The
  # constant request_id lets the code recognise scheduled runs.
  input = jsonencode({
    action     = "reconcile"
    request_id = "scheduled-reconcile"
    data = {
      dry_run            = false
      older_than_seconds = 900
    }
  })
}

resource "aws_lambda_permission" "reconcile" {
  count = var.reconcile_schedule_enabled ? 1 : 0

  statement_id  = "AllowReconcileSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.reconcile[0].arn
}
