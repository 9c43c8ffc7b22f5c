# Service role that each AgentCore gateway created by the registry runs as.
# The Lambda passes it in CreateGateway (see PassGatewayRole in
# iam_lambda.tf); the gateway uses it at invocation time to fetch outbound
# credentials for its targets.

data "aws_iam_policy_document" "gateway_assume_role" {
  statement {
    sid     = "AgentCoreAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["bedrock-agentcore.amazonaws.com"]
    }

    # Confused-deputy protection: only gateways of this account, in this
    # Region, can assume the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["${local.agentcore_arn_prefix}:gateway/*"]
    }
  }
}

resource "aws_iam_role" "gateway" {
  name               = "${local.name}-gateway"
  description        = "Service role assumed by AgentCore gateways managed by ${local.lambda_function_name}."
  assume_role_policy = data.aws_iam_policy_document.gateway_assume_role.json
}

data "aws_iam_policy_document" "gateway" {
  # Outbound auth: the gateway gets a workload access token for its own
  # workload identity, then exchanges it at the token vault for the target's
  # API key or OAuth2 token.
  statement {
    sid    = "OutboundCredentials"
    effect = "Allow"
    actions = [
      "bedrock-agentcore:GetWorkloadAccessToken",
      "bedrock-agentcore:GetResourceApiKey",
      "bedrock-agentcore:GetResourceOauth2Token",
    ]
    resources = [
      "${local.agentcore_arn_prefix}:workload-identity-directory/*",
      "${local.agentcore_arn_prefix}:token-vault/*",
    ]
  }

  # The credential providers' secrets, which AgentCore Identity keeps under
  # the reserved "bedrock-agentcore-identity!" prefix.
  statement {
    sid       = "CredentialProviderSecrets"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.agentcore_identity_secrets_arn]
  }

  # Target specs referenced by S3 URI. AgentCore documents this grant on the
  # gateway role; reports indicate the caller (the Lambda role, which also has
  # it) is the identity that reads the spec at target creation. Read-only and
  # limited to specs/, so it is kept for both cases.
  statement {
    sid       = "TargetSpecs"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.specs.arn}/specs/*"]
  }

  # Lambda function targets (issue 12): AgentCore invokes the function with
  # the gateway's role ("Configuring permissions",
  # https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html).
  # Only the functions var.lambda_target_function_arns lists (variables.tf
  # refuses a bare `*`); no statement at all while the list is empty.
  dynamic "statement" {
    for_each = length(var.lambda_target_function_arns) > 0 ? [var.lambda_target_function_arns] : []
    content {
      sid       = "LambdaTargets"
      effect    = "Allow"
      actions   = ["lambda:InvokeFunction"]
      resources = statement.value
    }
  }

  # API Gateway stage targets (issue 12) whose tool uses the gateway's IAM
  # role (`gateway_iam_role`): AgentCore signs the calls to the stage with
  # this role ("Invoke targets such as Lambda functions and API Gateway
  # endpoints",
  # https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/policy-permissions.html).
  # Only the REST APIs var.api_gateway_target_rest_api_ids lists (ids only);
  # no statement at all while the list is empty.
  dynamic "statement" {
    for_each = length(var.api_gateway_target_rest_api_ids) > 0 ? [var.api_gateway_target_rest_api_ids] : []
    content {
      sid     = "ApiGatewayTargets"
      effect  = "Allow"
      actions = ["execute-api:Invoke"]
      resources = [
        for id in statement.value :
        "arn:${local.partition}:execute-api:${local.region}:${local.account_id}:${id}/*"
      ]
    }
  }
}

resource "aws_iam_role_policy" "gateway" {
  name   = "gateway"
  role   = aws_iam_role.gateway.id
  policy = data.aws_iam_policy_document.gateway.json
}
