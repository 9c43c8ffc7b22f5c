# Account, region and partition are looked up rather than hard-coded so the
# same configuration builds correct ARNs in any account, region or partition
# (aws, aws-cn, aws-us-gov).
data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  # Common prefix of every physical name: "<name_prefix>-<environment>".
  name = "${var.name_prefix}-${var.environment}"

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  # Known up front (not read back from the function) so the log group and the
  # IAM policy can reference it without a dependency cycle.
  lambda_function_name = "${local.name}-registry"

  # ARN prefixes shared by the Lambda and the gateway role policies.
  agentcore_arn_prefix = "arn:${local.partition}:bedrock-agentcore:${local.region}:${local.account_id}"

  # AgentCore Identity stores API keys and OAuth2 client secrets of credential
  # providers in Secrets Manager under this name prefix, in the caller's
  # account ("bedrock-agentcore-identity!default/apikey/<name>-XXXXXX", ...).
  agentcore_identity_secrets_arn = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:bedrock-agentcore-identity!*"
}
