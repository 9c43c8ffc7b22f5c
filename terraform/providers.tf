provider "aws" {
  region = var.aws_region

  # Every taggable resource gets these tags. The fixed keys are applied last
  # so a caller's var.tags cannot mislabel the environment used for cost
  # allocation and IAM tag conditions.
  default_tags {
    tags = merge(
      var.tags,
      {
        Environment = var.environment
        Service     = "agentcore-tool-registry"
        ManagedBy   = "terraform"
      },
    )
  }
}
