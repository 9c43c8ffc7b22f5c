# terraform plan -var-file=envs/dev.tfvars
environment = "dev"
name_prefix = "agentcore-registry"
aws_region  = "us-east-1"

lambda_runtime      = "python3.12"
lambda_architecture = "x86_64"
lambda_memory_size  = 512
lambda_timeout      = 300

log_retention_days = 14

# Dev stacks are torn down and rebuilt freely.
deletion_protection = false

# Reconcile on demand only in dev.
reconcile_schedule_enabled = false

tags = {
  Owner      = "platform-team"
  CostCenter = "agentcore-dev"
}
