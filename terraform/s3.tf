# Tool specs (OpenAPI / Smithy documents) that gateway targets point at:
#   specs/<...>    published specs, read by AgentCore when a target is created
#   uploads/<...>  presigned-upload staging, copied to specs/ once validated
#
# Account ID and Region make the globally unique name predictable without a
# random suffix; name_prefix is capped at 20 characters to keep it <= 63.
resource "aws_s3_bucket" "specs" {
  #checkov:skip=CKV_AWS_18:Server access logging needs a separate log bucket this stack does not own; object-level access is auditable through CloudTrail data events where the account enables them.
  #checkov:skip=CKV_AWS_144:Cross-region replication is not needed: every spec is re-uploadable from its source and the registry tables, not this bucket, are the system of record.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications: the Lambda is told about uploads through its own API, not through bucket events.
  bucket = "${local.name}-specs-${local.account_id}-${local.region}"

  # Outside deletion-protected environments a versioned bucket must be
  # emptied (all versions) before terraform can destroy it; allow that.
  force_destroy = !var.deletion_protection
}

resource "aws_s3_bucket_public_access_block" "specs" {
  bucket = aws_s3_bucket.specs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "specs" {
  bucket = aws_s3_bucket.specs.id

  # ACLs disabled: access is decided by IAM and the bucket policy alone.
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# SSE-KMS with the AWS managed key (aws/s3), not SSE-S3 and not a customer
# managed key:
# - every decrypt is a KMS call recorded in CloudTrail, which SSE-S3 does not
#   give;
# - the aws/s3 key policy already lets any principal of this account use the
#   key through S3, so presigned PUTs signed by the Lambda role and AgentCore
#   reading a spec on the caller's behalf need no extra kms:* grants or key
#   policy to maintain, as a customer managed key would;
# - the bucket key keeps KMS request charges negligible.
resource "aws_s3_bucket_server_side_encryption_configuration" "specs" {
  bucket = aws_s3_bucket.specs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

# Versioning lets an overwritten or deleted spec be recovered; the lifecycle
# below bounds how long old versions are kept.
resource "aws_s3_bucket_versioning" "specs" {
  bucket = aws_s3_bucket.specs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "specs" {
  bucket = aws_s3_bucket.specs.id

  # Whole bucket: keep replaced/deleted versions 90 days for recovery, clear
  # delete markers left without versions, and drop abandoned multipart parts.
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    expiration {
      expired_object_delete_marker = true
    }

    noncurrent_version_expiration {
      noncurrent_days = 90
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Presigned-upload staging: anything still here after a day was never
  # promoted to specs/ and is garbage. Its noncurrent versions go after a day
  # too, rather than lingering 90 days under the rule above.
  rule {
    id     = "expire-upload-staging"
    status = "Enabled"

    filter {
      prefix = "uploads/"
    }

    expiration {
      days = 1
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # As the provider documents for versioned buckets: apply after versioning
  # is enabled so the noncurrent-version rules meet a versioned bucket.
  depends_on = [aws_s3_bucket_versioning.specs]
}

data "aws_iam_policy_document" "specs_bucket" {
  # Refuse any request not made over TLS, whoever makes it.
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.specs.arn,
      "${aws_s3_bucket.specs.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "specs" {
  bucket = aws_s3_bucket.specs.id
  policy = data.aws_iam_policy_document.specs_bucket.json

  # PutBucketPolicy is refused while the public access block is being
  # changed; apply the block first.
  depends_on = [aws_s3_bucket_public_access_block.specs]
}
