terraform {
  # Any 1.x from 1.6 on. Nothing here needs a newer language feature
  # (validations only reference their own variable, which 1.6 requires).
  required_version = "~> 1.6"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.x for data.aws_region.current.region (6.0 replaced the `name`
      # attribute). No aws_bedrockagentcore_* resources are managed here:
      # gateways and targets are created at runtime by the Lambda.
      version = "~> 6.0"
    }
  }
}
