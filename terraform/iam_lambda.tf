# Execution role of the registry Lambda. Permissions are one inline policy
# with one statement per concern, each scoped to the resources this stack
# owns or to the AgentCore resource types the registry manages.

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    sid     = "LambdaAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "${local.name}-registry-lambda"
  description        = "Execution role of the ${local.lambda_function_name} Lambda."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "lambda" {
  # Registry tables and their indexes. TransactWriteItems is not an IAM
  # action: a transaction is authorised per item against the single-item
  # action (Put -> PutItem, Update -> UpdateItem, Delete -> DeleteItem,
  # ConditionCheck -> ConditionCheckItem). The code's transactions carry Put,
  # Update and Delete items only, and it reads with GetItem and Query (never
  # Scan), so that is all that is granted. tests/iac/test_iam_policy.py checks
  # this list against the operations the test suite sends.
  statement {
    sid    = "RegistryTables"
    effect = "Allow"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    ]
    resources = [
      aws_dynamodb_table.gateways.arn,
      "${aws_dynamodb_table.gateways.arn}/index/*",
      aws_dynamodb_table.tools.arn,
      "${aws_dynamodb_table.tools.arn}/index/*",
    ]
  }

  # Spec objects, and the staging area that presigned uploads (signed with
  # this role's credentials) write into.
  statement {
    sid    = "SpecObjects"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
    ]
    resources = [
      "${aws_s3_bucket.specs.arn}/specs/*",
      "${aws_s3_bucket.specs.arn}/uploads/*",
    ]
  }

  # reconcile lists specs/ to find spec objects no live tool uses. S3 also
  # answers a GET/HEAD of a missing key with 404 only to a caller allowed to
  # list the bucket (403 AccessDenied otherwise), and the registry reports a
  # missing upload as such. Limited to the same two prefixes; whether S3's
  # implicit check meets the s3:prefix condition is not documented, and this
  # has never run against AWS (only against moto, which does not enforce IAM).
  statement {
    sid       = "SpecListing"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.specs.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["specs/*", "uploads/*"]
    }
  }

  # The log group is created by terraform (lambda.tf), so no CreateLogGroup.
  statement {
    sid    = "FunctionLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  # Active tracing. PutTraceSegments and PutTelemetryRecords support no
  # resource-level permissions (there is no X-Ray resource to name), so the
  # service requires "*" here.
  statement {
    sid    = "XRayTracing"
    effect = "Allow"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
    ]
    resources = ["*"]
  }

  # Gateways, targets and credential providers the registry manages.
  #   gateway/*                       gateways and their targets
  #   token-vault/*                   the default token vault and its
  #                                   apikeycredentialprovider/* and
  #                                   oauth2credentialprovider/* providers
  #   workload-identity-directory/*   the workload identity AgentCore creates
  #                                   for each gateway
  statement {
    sid    = "AgentCoreManage"
    effect = "Allow"
    actions = [
      "bedrock-agentcore:CreateGateway",
      "bedrock-agentcore:GetGateway",
      "bedrock-agentcore:UpdateGateway",
      "bedrock-agentcore:DeleteGateway",
      "bedrock-agentcore:CreateGatewayTarget",
      "bedrock-agentcore:GetGatewayTarget",
      "bedrock-agentcore:UpdateGatewayTarget",
      "bedrock-agentcore:DeleteGatewayTarget",
      "bedrock-agentcore:ListGatewayTargets",
      # sync_tool: AgentCore lists an MCP server tool's tools again.
      "bedrock-agentcore:SynchronizeGatewayTargets",
      "bedrock-agentcore:CreateApiKeyCredentialProvider",
      "bedrock-agentcore:UpdateApiKeyCredentialProvider",
      "bedrock-agentcore:DeleteApiKeyCredentialProvider",
      "bedrock-agentcore:CreateOauth2CredentialProvider",
      "bedrock-agentcore:UpdateOauth2CredentialProvider",
      "bedrock-agentcore:DeleteOauth2CredentialProvider",
      # reconcile lists the providers to find those no live tool uses.
      "bedrock-agentcore:ListApiKeyCredentialProviders",
      "bedrock-agentcore:ListOauth2CredentialProviders",
      # update_gateway replaces a gateway's tags: TagResource with the new
      # ones, UntagResource for the keys dropped.
      "bedrock-agentcore:TagResource",
      "bedrock-agentcore:UntagResource",
    ]
    resources = [
      "${local.agentcore_arn_prefix}:gateway/*",
      "${local.agentcore_arn_prefix}:token-vault/*",
      "${local.agentcore_arn_prefix}:workload-identity-directory/*",
    ]
  }

  # UNCONFIRMED: kept on a third-party report, not on AWS's documentation.
  # The report says CreateGateway creates the gateway's workload identity,
  # and DeleteGateway removes it, with the caller's own permissions (forward
  # access), and that without these the create fails with "Unable to create
  # workload identity because access was denied". AWS's API and IAM
  # references do not list these as dependent actions of CreateGateway, and
  # moto does not enforce IAM, so nothing here has confirmed it. The code
  # never calls these operations (tests/iac/test_iam_policy.py allowlists
  # them with this reason). Remove this statement once a deploy shows
  # create_gateway succeeds without it.
  statement {
    sid    = "AgentCoreGatewayWorkloadIdentity"
    effect = "Allow"
    actions = [
      "bedrock-agentcore:CreateWorkloadIdentity",
      "bedrock-agentcore:GetWorkloadIdentity",
      "bedrock-agentcore:DeleteWorkloadIdentity",
    ]
    resources = ["${local.agentcore_arn_prefix}:workload-identity-directory/*"]
  }

  # ListGateways names no single gateway. It is scoped to this account's
  # AgentCore resources in this Region (the form AWS's own
  # BedrockAgentCoreFullAccess policy uses), which still excludes other
  # Regions, accounts and services.
  statement {
    sid       = "AgentCoreList"
    effect    = "Allow"
    actions   = ["bedrock-agentcore:ListGateways"]
    resources = ["${local.agentcore_arn_prefix}:*"]
  }

  # Creating or updating a credential provider makes AgentCore Identity store
  # the API key / OAuth2 client secret in Secrets Manager on the caller's
  # behalf, using the caller's permissions, under the reserved
  # "bedrock-agentcore-identity!" name prefix; deleting the provider deletes
  # the secret the same way.
  statement {
    sid    = "AgentCoreIdentitySecrets"
    effect = "Allow"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:PutSecretValue",
      "secretsmanager:GetSecretValue",
      "secretsmanager:DeleteSecret",
    ]
    resources = [local.agentcore_identity_secrets_arn]
  }

  # CreateGateway/UpdateGateway hand the gateway its service role. Only that
  # one role, and only to AgentCore.
  statement {
    sid       = "PassGatewayRole"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.gateway.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["bedrock-agentcore.amazonaws.com"]
    }
  }

  # API Gateway stage targets (issue 12). The registry reads the REST API,
  # its stage and its resources before it writes anything
  # (services/apigateway/rest_api_reader.py: GetRestApi, GetStage,
  # GetResources, all the IAM action apigateway:GET), and AgentCore calls
  # API Gateway's GetExport of the stage "on your behalf" when it creates or
  # updates the target
  # (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-api-gateway.html),
  # also apigateway:GET, under /restapis/<id>/stages/<stage>/exports/*.
  # Only the APIs var.api_gateway_target_rest_api_ids lists (variables.tf
  # takes ids only, never `*`); no statement at all while the list is empty,
  # and an API Gateway tool is then refused by API Gateway (502).
  dynamic "statement" {
    for_each = length(var.api_gateway_target_rest_api_ids) > 0 ? [var.api_gateway_target_rest_api_ids] : []
    content {
      sid     = "ApiGatewayTargetReads"
      effect  = "Allow"
      actions = ["apigateway:GET"]
      resources = flatten([
        for id in statement.value : [
          "arn:${local.partition}:apigateway:${local.region}::/restapis/${id}",
          "arn:${local.partition}:apigateway:${local.region}::/restapis/${id}/*",
        ]
      ])
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "registry"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}
