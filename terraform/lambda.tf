# Created by terraform rather than implicitly by Lambda so that retention is
# set from the first log line and the group is removed with the stack.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log data is encrypted at rest by CloudWatch Logs by default; the registry logs no secrets (credentials go to AgentCore Identity), so a customer managed key adds cost and key-policy upkeep for no consumer.
  #checkov:skip=CKV_AWS_338:Retention is a per-environment choice (var.log_retention_days, 365 in prod); a one-year floor is not wanted for dev.
  name              = "/aws/lambda/${local.lambda_function_name}"
  retention_in_days = var.log_retention_days
}

# AUTH_MODE=jwt's token libraries (registry_local/package.py, JWT_LAYER):
# a layer, so trusted mode ships no JOSE code and the function's zip stays
# small. Lambda puts its python/ folder on sys.path after the function's own.
resource "aws_lambda_layer_version" "jwt" {
  count = var.auth_mode == "jwt" ? 1 : 0

  layer_name               = "${local.lambda_function_name}-jwt"
  description              = "PyJWT and cryptography for AUTH_MODE=jwt (scripts/package jwt-layer)."
  filename                 = var.jwt_layer_package_path
  source_code_hash         = filebase64sha256(var.jwt_layer_package_path)
  compatible_runtimes      = [var.lambda_runtime]
  compatible_architectures = [var.lambda_architecture]
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Callers invoke synchronously and get errors back; the only asynchronous caller is the scheduled reconcile, which is idempotent and re-runs on the next schedule, so a DLQ would only collect stale copies.
  #checkov:skip=CKV_AWS_117:The function only calls AWS public endpoints (DynamoDB, S3, AgentCore, Secrets Manager) and reaches no private network; a VPC would add NAT/endpoint cost and cold-start latency for no isolation gain.
  #checkov:skip=CKV_AWS_173:The environment holds only resource names/ARNs and Powertools settings, no secrets, and is encrypted at rest with the Lambda service key.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and a signing step in the build that this project does not have; the package is built and deployed by the same pipeline.
  function_name = local.lambda_function_name
  description   = "Tool registry for Amazon Bedrock AgentCore Gateway."
  role          = aws_iam_role.lambda.arn

  filename         = var.lambda_package_path
  source_code_hash = filebase64sha256(var.lambda_package_path)
  handler          = "app.handler"
  runtime          = var.lambda_runtime
  architectures    = [var.lambda_architecture]
  layers           = aws_lambda_layer_version.jwt[*].arn

  memory_size                    = var.lambda_memory_size
  timeout                        = var.lambda_timeout
  reserved_concurrent_executions = var.lambda_reserved_concurrency

  # The code's whole configuration. AWS_REGION is provided by Lambda itself.
  environment {
    variables = {
      GATEWAYS_TABLE_NAME     = aws_dynamodb_table.gateways.name
      TOOLS_TABLE_NAME        = aws_dynamodb_table.tools.name
      SPEC_BUCKET_NAME        = aws_s3_bucket.specs.bucket
      GATEWAY_ROLE_ARN        = aws_iam_role.gateway.arn
      POWERTOOLS_SERVICE_NAME = "agentcore-tool-registry"
      POWERTOOLS_LOG_LEVEL    = "INFO"
      # Who the callers are (services/config.py; "" is unset).
      AUTH_MODE               = var.auth_mode
      AUTH_OIDC_DISCOVERY_URL = var.auth_oidc_discovery_url
      AUTH_AUDIENCES          = join(",", var.auth_audiences)
      AUTH_USER_CLAIM         = var.auth_user_claim
      AUTH_TEAMS_CLAIM        = var.auth_teams_claim
      AUTH_ADMIN_GROUP        = var.auth_admin_group
      AUTH_SCHEDULE_ACTOR     = var.auth_mode == "jwt" && var.reconcile_schedule_enabled ? var.reconcile_schedule_user : ""
      # How many spec versions each tool keeps (services/tools/spec_versions.py).
      TOOL_VERSION_RETENTION = tostring(var.tool_version_retention)
    }
  }

  # The schedule invokes a published version through its own alias
  # (schedule.tf): the alias needs a version to point at.
  publish = var.reconcile_schedule_enabled

  lifecycle {
    precondition {
      condition     = var.auth_mode != "jwt" || (var.auth_oidc_discovery_url != "" && length(var.auth_audiences) > 0)
      error_message = "auth_mode = \"jwt\" needs auth_oidc_discovery_url and auth_audiences."
    }
  }

  # JSON so Lambda's platform lines match the Powertools structured logs.
  # No application_log_level: that would make Lambda filter by its own level
  # and override POWERTOOLS_LOG_LEVEL.
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tracing_config {
    mode = "Active"
  }

  # The role's inline policy must exist before the first invocation, or the
  # first cold start cannot write logs or reach the tables.
  depends_on = [aws_iam_role_policy.lambda]
}
