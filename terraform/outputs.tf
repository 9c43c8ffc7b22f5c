output "lambda_function_arn" {
  description = "Unqualified ARN of the registry Lambda function. Grant callers lambda:InvokeFunction on exactly this ARN (never with :* or a wildcard): the reconcile-schedule alias is then reachable by the schedule alone (docs/deploy.md)."
  value       = aws_lambda_function.this.arn
}

output "lambda_function_name" {
  description = "Name of the registry Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "lambda_log_group_name" {
  description = "CloudWatch Logs group of the registry Lambda."
  value       = aws_cloudwatch_log_group.this.name
}

output "gateways_table_name" {
  description = "Name of the DynamoDB table holding gateway records and idempotency ledger items."
  value       = aws_dynamodb_table.gateways.name
}

output "gateways_table_arn" {
  description = "ARN of the gateways DynamoDB table."
  value       = aws_dynamodb_table.gateways.arn
}

output "tools_table_name" {
  description = "Name of the DynamoDB table holding tool records."
  value       = aws_dynamodb_table.tools.name
}

output "tools_table_arn" {
  description = "ARN of the tools DynamoDB table."
  value       = aws_dynamodb_table.tools.arn
}

output "spec_bucket_name" {
  description = "Name of the S3 bucket holding tool specs (specs/) and presigned-upload staging (uploads/)."
  value       = aws_s3_bucket.specs.bucket
}

output "spec_bucket_arn" {
  description = "ARN of the spec S3 bucket."
  value       = aws_s3_bucket.specs.arn
}

output "lambda_role_arn" {
  description = "ARN of the registry Lambda's execution role."
  value       = aws_iam_role.lambda.arn
}

output "gateway_role_arn" {
  description = "ARN of the service role passed to every AgentCore gateway the registry creates."
  value       = aws_iam_role.gateway.arn
}

output "reconcile_schedule_rule_arn" {
  description = "ARN of the EventBridge rule that runs the scheduled reconcile, or null when the schedule is disabled."
  value       = try(aws_cloudwatch_event_rule.reconcile[0].arn, null)
}

output "reconcile_fanout_state_machine_arn" {
  description = "ARN of the reconcile fan-out state machine, or null when fan-out is disabled."
  value       = try(aws_sfn_state_machine.reconcile_fanout[0].arn, null)
}
