# terraform plan -var-file=envs/prod.tfvars
environment = "prod"
name_prefix = "agentcore-registry"
aws_region  = "us-east-1"

lambda_runtime      = "python3.12"
lambda_architecture = "x86_64"
lambda_memory_size  = 1024
lambda_timeout      = 300

log_retention_days = 365

deletion_protection = true

reconcile_schedule_enabled    = true
reconcile_schedule_expression = "rate(1 hour)"

tags = {
  Owner      = "platform-team"
  CostCenter = "agentcore-prod"
}
