# The lake bucket: one bucket, top-level prefixes per layer (lake.yaml `prefixes`), SSE-KMS, no public
# access, TLS only, versioned, with lifecycle rules per prefix and server access logs in a second bucket.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  bucket_name     = var.bucket_name
  log_bucket_name = coalesce(var.log_bucket_name, "${local.bucket_name}-logs")
  account_id      = data.aws_caller_identity.current.account_id
  partition       = data.aws_partition.current.partition
  region          = data.aws_region.current.name

  # null => the AWS-managed aws/s3 key (S3 picks it when SSE-KMS has no key id).
  kms_key_arn = var.create_kms_key ? aws_kms_key.lake[0].arn : var.kms_key_arn

  bucket_arn     = "arn:${local.partition}:s3:::${local.bucket_name}"
  log_bucket_arn = "arn:${local.partition}:s3:::${local.log_bucket_name}"

  # Access logs are written under a date-partitioned prefix named after the source bucket.
  access_log_prefix = "s3-access/${local.bucket_name}/"

  tags = merge(var.tags, { "lake:component" = "storage" })
}

################################################################################
# KMS key (optional)
################################################################################

resource "aws_kms_key" "lake" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the ${local.bucket_name} data lake, its Glue logs and query results."
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  enable_key_rotation     = true
  policy                  = jsonencode(local.kms_key_policy)

  tags = local.tags
}

resource "aws_kms_alias" "lake" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${local.bucket_name}"
  target_key_id = aws_kms_key.lake[0].key_id
}

locals {
  # In a key policy "Resource": "*" means "this key"; nothing narrower exists there.
  kms_key_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # The account root must keep full control or the key becomes unmanageable; this also lets IAM
          # policies (the roles of the iam module) grant use of the key.
          Sid       = "AccountRootManagesKey"
          Effect    = "Allow"
          Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
          Action    = "kms:*"
          Resource  = "*"
        },
        {
          # Glue security configurations and encrypted log groups make CloudWatch Logs use the key, which
          # it may do only for this account's log groups.
          Sid       = "CloudWatchLogsUseKeyForThisAccount"
          Effect    = "Allow"
          Principal = { Service = "logs.${local.region}.amazonaws.com" }
          Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
          Resource  = "*"
          Condition = {
            ArnLike = {
              "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"
            }
          }
        },
      ],
      # Services that publish to a topic encrypted with the key. SNS calls KMS for the publisher with the
      # encryption context aws:sns:topicArn = the topic, on every publisher's call; source-context keys are
      # not (EventBridge sends no aws:SourceAccount/aws:SourceArn on its KMS calls, so a statement
      # conditioned on them silently drops every event). Scoped to exactly these topics, nothing else.
      length(var.kms_key_sns_topic_publishers) == 0 ? [] : [
        {
          Sid       = "PublishersUseKeyForTheirTopics"
          Effect    = "Allow"
          Principal = { Service = sort(distinct(flatten(values(var.kms_key_sns_topic_publishers)))) }
          Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
          Resource  = "*"
          Condition = {
            StringEquals = {
              "kms:EncryptionContext:aws:sns:topicArn" = [for topic in sort(keys(var.kms_key_sns_topic_publishers)) : "arn:${local.partition}:sns:${local.region}:${local.account_id}:${topic}"]
            }
          }
        },
      ],
      # Services that send to a queue encrypted with the key (EventBridge rule targets and their dead-letter
      # queues). SQS calls KMS for the sender with the encryption context aws:sqs:arn = the queue; as for the
      # topics, EventBridge's KMS calls carry no aws:SourceAccount/aws:SourceArn to scope by.
      length(var.kms_key_sqs_queue_senders) == 0 ? [] : [
        {
          Sid       = "SendersUseKeyForTheirQueues"
          Effect    = "Allow"
          Principal = { Service = sort(distinct(flatten(values(var.kms_key_sqs_queue_senders)))) }
          Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
          Resource  = "*"
          Condition = {
            StringEquals = {
              "kms:EncryptionContext:aws:sqs:arn" = [for queue in sort(keys(var.kms_key_sqs_queue_senders)) : "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${queue}"]
            }
          }
        },
      ],
      # CloudWatch vended-log delivery decrypts an encrypted state machine's execution data to write its log;
      # the data is encrypted with the context aws:states:stateMachineArn = the state machine.
      length(var.kms_key_log_delivery_state_machines) == 0 ? [] : [
        {
          Sid       = "LogDeliveryDecryptsExecutionData"
          Effect    = "Allow"
          Principal = { Service = "delivery.logs.amazonaws.com" }
          Action    = "kms:Decrypt"
          Resource  = "*"
          Condition = {
            StringEquals = {
              "kms:EncryptionContext:aws:states:stateMachineArn" = [for name in sort(var.kms_key_log_delivery_state_machines) : "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${name}"]
            }
          }
        },
      ],
    )
  }
}

################################################################################
# Lake bucket
################################################################################

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice per deployment; the lake can be rebuilt from the store API and bronze is versioned.
  bucket        = local.bucket_name
  force_destroy = var.force_destroy

  tags = local.tags
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket = aws_s3_bucket.lake.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    # Bucket keys cut KMS requests (and cost) by orders of magnitude for Spark's many small writes.
    bucket_key_enabled = true
  }

  lifecycle {
    precondition {
      condition     = !(var.create_kms_key && var.kms_key_arn != null)
      error_message = "Set either create_kms_key = true or kms_key_arn, not both."
    }
  }
}

resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_logging" "lake" {
  bucket = aws_s3_bucket.lake.id

  target_bucket = aws_s3_bucket.logs.bucket
  target_prefix = local.access_log_prefix

  target_object_key_format {
    partitioned_prefix {
      partition_date_source = "EventTime"
    }
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  # Objects below 128 KB (manifests, cursors, reports) cost more in IA than in STANDARD: keep them there.
  transition_default_minimum_object_size = "all_storage_classes_128K"

  rule {
    id     = "bronze-tiering-and-expiry"
    status = "Enabled"

    filter {
      prefix = var.prefixes["bronze"]
    }

    transition {
      days          = var.bronze_transition_days
      storage_class = var.bronze_transition_storage_class
    }

    expiration {
      days = var.bronze_expiry_days
    }
  }

  rule {
    id     = "athena-results-expiry"
    status = "Enabled"

    filter {
      prefix = var.prefixes["athena_results"]
    }

    expiration {
      days = var.athena_results_expiry_days
    }
  }

  rule {
    id     = "spark-ui-expiry"
    status = "Enabled"

    filter {
      prefix = var.prefixes["spark_ui"]
    }

    expiration {
      days = var.spark_ui_expiry_days
    }
  }

  rule {
    id     = "temp-expiry"
    status = "Enabled"

    filter {
      prefix = var.prefixes["glue_temp"]
    }

    expiration {
      days = var.temp_expiry_days
    }
  }

  rule {
    id     = "whole-bucket-hygiene"
    status = "Enabled"

    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiry_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  lifecycle {
    precondition {
      condition     = var.bronze_expiry_days > var.bronze_transition_days
      error_message = "bronze_expiry_days must be greater than bronze_transition_days."
    }
  }

  # Lifecycle rules on an unversioned bucket behave differently: set versioning first.
  depends_on = [aws_s3_bucket_versioning.lake]
}

resource "aws_s3_bucket_policy" "lake" {
  count = var.attach_lake_bucket_policy ? 1 : 0

  bucket = aws_s3_bucket.lake.id
  policy = jsonencode(local.lake_bucket_policy)

  # A bucket policy written before the public access block could be judged public and rejected.
  depends_on = [aws_s3_bucket_public_access_block.lake]
}

locals {
  lake_bucket_policy = {
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
        {
          Sid       = "DenyOutdatedTls"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
          Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
        },
        {
          # Uploads without an encryption header get the bucket default (SSE-KMS). An upload that asks
          # for anything else (e.g. AES256) is refused, so no object escapes the lake's key.
          Sid       = "DenyUploadsNotEncryptedWithKms"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = "${local.bucket_arn}/*"
          Condition = {
            Null            = { "s3:x-amz-server-side-encryption" = "false" }
            StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
          }
        },
      ],
      local.kms_key_arn == null ? [] : [
        {
          # An explicit key must be the lake's key.
          Sid       = "DenyUploadsWithAnotherKmsKey"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = "${local.bucket_arn}/*"
          Condition = {
            Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
            StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = local.kms_key_arn }
          }
        },
      ],
    )
  }
}

resource "aws_s3_bucket_notification" "lake" {
  count = var.enable_eventbridge_notifications ? 1 : 0

  bucket      = aws_s3_bucket.lake.id
  eventbridge = true
}

################################################################################
# Access-log bucket
################################################################################

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target; logging it to itself would recurse.
  #checkov:skip=CKV_AWS_144:Access logs are audit data kept in-region; replication is not worth its cost here.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to buckets encrypted with SSE-S3 (AES256), not SSE-KMS.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new access-log objects.
  bucket        = local.log_bucket_name
  force_destroy = var.force_destroy

  tags = merge(local.tags, { "lake:component" = "access-logs" })
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket = aws_s3_bucket.logs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    apply_server_side_encryption_by_default {
      # The only encryption S3 server access logging can deliver into.
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  transition_default_minimum_object_size = "all_storage_classes_128K"

  rule {
    id     = "access-log-expiry"
    status = "Enabled"

    filter {
      prefix = ""
    }

    expiration {
      days = var.log_expiry_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

# Always attached: besides its guards it carries the grant S3 server access logging needs to deliver.
resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode(local.log_bucket_policy)

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

locals {
  log_bucket_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # With BucketOwnerEnforced there are no ACLs: the logging service is granted by policy, only for
        # logs of the lake bucket in this account (confused-deputy guard).
        Sid       = "S3ServerAccessLogsFromLakeBucket"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.log_bucket_arn}/${local.access_log_prefix}*"
        Condition = {
          ArnLike      = { "aws:SourceArn" = local.bucket_arn }
          StringEquals = { "aws:SourceAccount" = local.account_id }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.log_bucket_arn, "${local.log_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  }
}
