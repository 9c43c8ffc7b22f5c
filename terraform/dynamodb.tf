# NOTE: the local runner parses this file with python-hcl2 to create the same
# tables in a local emulator. Keep each table one plain block with literal
# hash_key/range_key, attribute and global_secondary_index blocks: no
# dynamic blocks, for_each or locals in the key schema.

# Gateway records, keyed by gateway_id. The same table also holds the
# idempotency ledger's items, which carry an `expires_at` epoch-seconds
# attribute and are removed by TTL.
resource "aws_dynamodb_table" "gateways" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key (aws/dynamodb); the table holds registry metadata only (no credentials: those live in AgentCore Identity), so a customer managed key would add cost and key-policy upkeep without a consumer that needs it.
  name         = "${var.name_prefix}-${var.environment}-gateways"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "gateway_id"

  attribute {
    name = "gateway_id"
    type = "S"
  }

  attribute {
    name = "team"
    type = "S"
  }

  attribute {
    name = "record_type"
    type = "S"
  }

  attribute {
    name = "created_at"
    type = "S"
  }

  # List a team's gateways, newest first.
  global_secondary_index {
    name            = "team-index"
    hash_key        = "team"
    range_key       = "created_at"
    projection_type = "ALL"
  }

  # List every gateway record without a Scan: only gateway records carry
  # record_type; name claims and ledger items never appear in an index.
  global_secondary_index {
    name            = "record-type-index"
    hash_key        = "record_type"
    range_key       = "created_at"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = var.deletion_protection
}

# Tool records. A tool is addressed by tool_id within its gateway; the
# gateway-index lists a gateway's tools in creation order.
resource "aws_dynamodb_table" "tools" {
  #checkov:skip=CKV_AWS_119:Encrypted at rest with the AWS managed key (aws/dynamodb); the table holds tool metadata only, so a customer managed key would add cost and key-policy upkeep without a consumer that needs it.
  name         = "${var.name_prefix}-${var.environment}-tools"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "tool_id"
  range_key    = "gateway_id"

  attribute {
    name = "tool_id"
    type = "S"
  }

  attribute {
    name = "gateway_id"
    type = "S"
  }

  attribute {
    name = "created_at"
    type = "S"
  }

  global_secondary_index {
    name            = "gateway-index"
    hash_key        = "gateway_id"
    range_key       = "created_at"
    projection_type = "ALL"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = var.deletion_protection
}
