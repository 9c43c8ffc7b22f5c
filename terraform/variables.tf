variable "aws_region" {
  description = "AWS Region to deploy into. Must be a Region where Amazon Bedrock AgentCore Gateway is available."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a Region code such as \"us-east-1\"."
  }
}

variable "environment" {
  description = "Deployment environment; part of every resource name."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of: dev, staging, prod."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (\"<name_prefix>-<environment>-...\"). Lowercase because it is part of the S3 bucket name; at most 20 characters so the bucket name stays within S3's 63."
  type        = string
  default     = "agentcore-registry"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 2-20 characters of lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "lambda_package_path" {
  description = "Path to the registry Lambda deployment zip, relative to the directory terraform runs in (this terraform/ directory)."
  type        = string
  default     = "../dist/registry-lambda.zip"

  validation {
    condition     = endswith(var.lambda_package_path, ".zip")
    error_message = "lambda_package_path must point to a .zip file."
  }
}

variable "jwt_layer_package_path" {
  description = "auth_mode = \"jwt\" only: path to the layer with the token libraries (PyJWT, cryptography), built by `scripts/package jwt-layer`, relative to this terraform/ directory. Not read in trusted mode."
  type        = string
  default     = "../dist/registry-jwt-layer.zip"

  validation {
    condition     = endswith(var.jwt_layer_package_path, ".zip")
    error_message = "jwt_layer_package_path must point to a .zip file."
  }
}

variable "lambda_runtime" {
  description = "Python runtime of the registry Lambda. The package must be built for the same version (scripts/package --runtime; its default is python3.12): pydantic-core is compiled per Python version."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.12 or python3.13."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the registry Lambda. Must match the architecture the package's native wheels were built for (scripts/package --architecture; its default is x86_64)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "lambda_memory_size" {
  description = "Memory of the registry Lambda in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240 && floor(var.lambda_memory_size) == var.lambda_memory_size
    error_message = "lambda_memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "lambda_timeout" {
  description = "Timeout of the registry Lambda in seconds. Every AgentCore poll is bounded by the invocation's remaining time less 5 s (kept for the last DynamoDB write), so any value is safe: a gateway or target not settled in time stays PENDING/DELETING and the same request resumes it. Longer lets more requests finish in one call, but a crashed invocation's lease also lasts until its deadline (retries meanwhile get 409 InProgress)."
  type        = number
  default     = 300

  validation {
    condition     = var.lambda_timeout >= 60 && var.lambda_timeout <= 900 && floor(var.lambda_timeout) == var.lambda_timeout
    error_message = "lambda_timeout must be a whole number of seconds from 60 to 900."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrent executions of the registry Lambda. -1 leaves it unreserved (uses the account's shared pool); 0 stops all invocations."
  type        = number
  default     = -1

  validation {
    condition     = var.lambda_reserved_concurrency >= -1 && floor(var.lambda_reserved_concurrency) == var.lambda_reserved_concurrency
    error_message = "lambda_reserved_concurrency must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the registry Lambda's logs."
  type        = number
  default     = 30

  validation {
    # The values CloudWatch Logs' PutRetentionPolicy accepts. 0 (never
    # expire) is deliberately not allowed.
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' allowed values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "deletion_protection" {
  description = "Protect stateful resources from deletion: turns on DynamoDB deletion protection, and when true a non-empty spec bucket cannot be destroyed by terraform."
  type        = bool
  default     = true
}

variable "reconcile_schedule_enabled" {
  description = "Create an EventBridge schedule that invokes the registry Lambda's reconcile action. When false no schedule resources exist."
  type        = bool
  default     = false
}

variable "reconcile_schedule_expression" {
  description = "EventBridge schedule expression for the reconcile run, e.g. \"rate(1 hour)\" or \"cron(0 * * * ? *)\"."
  type        = string
  default     = "rate(1 hour)"

  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.reconcile_schedule_expression))
    error_message = "reconcile_schedule_expression must be a rate(...) or cron(...) expression, e.g. \"rate(1 hour)\"."
  }
}

variable "reconcile_fanout_enabled" {
  description = "Run each scheduled reconcile as a Step Functions state machine that reconciles one gateway per child execution (reconcile_fanout.tf; docs/deploy.md, \"Reconcile at scale\"), instead of one invocation of the function. Needs reconcile_schedule_enabled. When false no fan-out resource exists."
  type        = bool
  default     = false
}

variable "reconcile_fanout_max_concurrency" {
  description = "Fan-out only: how many gateways are reconciled at once (the Distributed Map's MaxConcurrency), each one invocation of the function making AgentCore control-plane calls. Small, so the account's AgentCore rate quotas hold."
  type        = number
  default     = 4

  validation {
    condition     = var.reconcile_fanout_max_concurrency >= 1 && var.reconcile_fanout_max_concurrency <= 40 && floor(var.reconcile_fanout_max_concurrency) == var.reconcile_fanout_max_concurrency
    error_message = "reconcile_fanout_max_concurrency must be a whole number from 1 to 40."
  }
}

variable "reconcile_fanout_tolerated_failure_percentage" {
  description = "Fan-out only: the percentage of gateways whose reconcile may fail (an error envelope, or the function failing after the retries) before the pass fails (the Distributed Map's ToleratedFailurePercentage). The account-wide checks run either way."
  type        = number
  default     = 10

  validation {
    condition     = var.reconcile_fanout_tolerated_failure_percentage >= 0 && var.reconcile_fanout_tolerated_failure_percentage <= 100
    error_message = "reconcile_fanout_tolerated_failure_percentage must be from 0 to 100."
  }
}

variable "tags" {
  description = "Extra tags applied to every resource through the provider's default_tags. Environment, Service and ManagedBy are set by this configuration: a map that sets them is refused."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key, value in var.tags :
      !contains(["Environment", "Service", "ManagedBy"], key) && !startswith(lower(key), "aws:") && length(key) <= 128 && length(value) <= 256
    ])
    error_message = "tags must not set Environment, Service or ManagedBy (this configuration sets them) or use the reserved aws: prefix; keys are at most 128 characters and values at most 256."
  }
}

# Who the callers are (docs/deploy.md, "Choosing an auth mode").

variable "auth_mode" {
  description = "How the registry knows its callers. \"trusted\": the request's actor is believed, so whoever may invoke the function may act as any user, team or admin (only for deployments where trusted services alone invoke it). \"jwt\": every request carries a token from the organisation's identity provider, verified against auth_oidc_discovery_url; the identity comes from the token alone."
  type        = string
  default     = "trusted"

  validation {
    condition     = contains(["trusted", "jwt"], var.auth_mode)
    error_message = "auth_mode must be \"trusted\" or \"jwt\"."
  }
}

variable "auth_oidc_discovery_url" {
  description = "auth_mode = \"jwt\": the identity provider's OpenID Connect discovery URL, e.g. https://cognito-idp.us-east-1.amazonaws.com/<pool id>/.well-known/openid-configuration. Its issuer must equal every token's iss."
  type        = string
  default     = ""

  validation {
    condition     = var.auth_oidc_discovery_url == "" || startswith(var.auth_oidc_discovery_url, "https://")
    error_message = "auth_oidc_discovery_url must be an https:// URL (or empty in trusted mode)."
  }
}

variable "auth_audiences" {
  description = "auth_mode = \"jwt\": the audiences a token may be for (its aud, or a Cognito access token's client_id): the app client ids of the registry's callers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.auth_audiences : length(a) > 0 && !strcontains(a, ",")])
    error_message = "auth_audiences entries must be non-empty and hold no comma."
  }
}

variable "auth_user_claim" {
  description = "auth_mode = \"jwt\": the claim that names the user (falls back to sub when absent)."
  type        = string
  default     = "email"
}

variable "auth_teams_claim" {
  description = "auth_mode = \"jwt\": the list claim holding the caller's teams (groups). Cognito puts them in \"cognito:groups\"."
  type        = string
  default     = "groups"
}

variable "auth_admin_group" {
  description = "The group whose members are registry admins (jwt mode), and the team the scheduled reconcile acts for."
  type        = string
  default     = "registry-admins"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", var.auth_admin_group))
    error_message = "auth_admin_group must be a registry team name: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit."
  }
}

variable "reconcile_schedule_user" {
  description = "The user the scheduled reconcile acts as (an admin): sent as its actor in trusted mode; in jwt mode admitted without a token only through the function's reconcile-schedule alias, which only the EventBridge rule may invoke."
  type        = string
  default     = "scheduled-reconcile"
}

variable "lambda_target_function_arns" {
  description = "Lambda functions that tools of the Lambda kind may name (issue 12): the gateway role gets lambda:InvokeFunction on exactly these. Each a function ARN (optionally with `:<version or alias>` or `:*` for all of them), or an ARN whose function name ends in `*` after a prefix (\"...:function:pets-*\"). Never `*` alone nor a function name of only `*`. Empty (the default): no Lambda grant, and a Lambda tool's calls fail at invocation."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for arn in var.lambda_target_function_arns :
      can(regex("^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:function:[a-zA-Z0-9_.-]+\\*?(:(\\$LATEST|[a-zA-Z0-9_-]+|\\*))?$", arn))
    ])
    error_message = "lambda_target_function_arns: each entry must be a Lambda function ARN in one account and region, its function name a name or a prefix followed by *; `*` alone or a function name of only `*` is refused."
  }
}

variable "api_gateway_target_rest_api_ids" {
  description = "REST APIs (their ids, as API Gateway makes them: 10 lowercase letters and digits) that tools of the API Gateway kind may name (issue 12): the registry Lambda gets apigateway:GET on exactly these APIs, to check a tool's REST API, stage and methods before it writes anything (and for AgentCore's GetExport of the stage, made on the caller's behalf), and the gateway role execute-api:Invoke on their stages (for tools using the gateway's IAM role). Never `*`. Empty (the default): no grant, and creating an API Gateway tool fails with API Gateway's AccessDenied (502)."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for id in var.api_gateway_target_rest_api_ids : can(regex("^[a-z0-9]{10}$", id))
    ])
    error_message = "api_gateway_target_rest_api_ids: each entry must be a REST API id (10 lowercase letters and digits); `*` and ARNs are refused."
  }
}

variable "tool_version_retention" {
  description = "How many spec versions each OpenAPI tool keeps (list_tool_versions, rollback_tool); older versions and the spec objects no kept version uses are removed. The function reads it as TOOL_VERSION_RETENTION."
  type        = number
  default     = 20

  validation {
    condition     = var.tool_version_retention >= 1 && var.tool_version_retention <= 1000 && floor(var.tool_version_retention) == var.tool_version_retention
    error_message = "tool_version_retention must be a whole number from 1 to 1000."
  }
}
