# State is local until a backend is chosen for the account. To keep state in
# S3 with locking, uncomment and fill in the block below, then run
# `terraform init -migrate-state`. Use one key per environment so dev and
# prod never share state.
#
# terraform {
#   backend "s3" {
#     bucket       = "example-terraform-state-123456789012"
#     key          = "agentcore-tool-registry/dev/terraform.tfstate"
#     region       = "us-east-1"
#     encrypt      = true
#
#     # Terraform >= 1.10: S3-native lock file, no DynamoDB table needed.
#     use_lockfile = true
#
#     # Terraform 1.6 - 1.9: lock with a DynamoDB table (partition key
#     # "LockID", type S) instead of use_lockfile.
#     # dynamodb_table = "example-terraform-locks"
#   }
# }
