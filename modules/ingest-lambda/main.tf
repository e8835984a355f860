# The lake Lambda: ingests lake.yaml's sources into bronze (and serves the pipeline's summary step). The
# sources' configuration travels inside the zip (lake.json); the function gets only its environment, its
# bucket and the ARNs of the source credentials, which stay in Secrets Manager, so no credential appears
# in the function configuration or the Terraform state.

locals {
  in_vpc = length(var.vpc_subnet_ids) > 0

  # Names the handler reads (docs/terraform-interfaces.md); the module's own values win over extras.
  environment_variables = merge(var.additional_environment_variables, {
    LAKE_ENV            = var.environment
    LAKE_BUCKET         = var.bucket_name
    LAKE_SOURCE_SECRETS = jsonencode({ for key, secret in aws_secretsmanager_secret.source : key => secret.arn })
    }, var.alert_topic_arn == null ? {} : {
    # Rejected files and held batches are published here, one message each (jozi_lake.notify).
    LAKE_ALERT_TOPIC_ARN = var.alert_topic_arn
  })
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention comes from lake.yaml per environment; dev keeps 14 days on purpose (cost), prod 365.
  count = var.create ? 1 : 0

  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# One secret per source credential. Only the secret container is managed here: its value is put out of band
# (`aws secretsmanager put-secret-value`), so the credential never enters Terraform state.
resource "aws_secretsmanager_secret" "source" {
  #checkov:skip=CKV2_AWS_57:Source credentials are issued by each source's vendor; there is no API to rotate them automatically, so rotation is a documented manual step.
  for_each = var.create ? var.source_secret_names : {}

  name                    = each.value
  description             = "Credential '${each.key}' of the lake's sources (lake.yaml auth.secret), read by ${var.function_name}. Value set out of band."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = var.tags
}

# Failed asynchronous invocations (e.g. a manual `aws lambda invoke --invocation-type Event`) land here.
# Step Functions invokes synchronously and handles failures itself.
resource "aws_sqs_queue" "dlq" {
  count = var.create ? 1 : 0

  name                              = var.dlq_name
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
  tags                              = var.tags
}

resource "aws_lambda_function" "ingest" {
  #checkov:skip=CKV_AWS_117:The source is a public HTTPS API; running outside a VPC avoids a NAT gateway. Set vpc_subnet_ids to run inside one.
  #checkov:skip=CKV_AWS_115:No reserved concurrency by default: a reservation must leave 100 executions unreserved and fresh accounts (af-south-1 is opt-in) start with a quota of 10, so any reservation fails the deploy; the state machine already runs one pipeline at a time. Set reserved_concurrency where the quota allows.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the project does not have yet; set code_signing_config_arn to enforce it.
  count = var.create ? 1 : 0

  function_name                  = var.function_name
  description                    = "Ingests lake.yaml's sources into s3://${var.bucket_name}; also the pipeline's lease, plans and summary, and the record of each ended run."
  role                           = var.role_arn
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  timeout                        = var.timeout_seconds
  memory_size                    = var.memory_size_mb
  reserved_concurrent_executions = coalesce(var.reserved_concurrency, -1) # -1: no reservation
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = local.environment_variables
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq[0].arn
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function[0].name
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [1] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !local.in_vpc || length(var.vpc_security_group_ids) > 0
      error_message = "vpc_security_group_ids must be set when vpc_subnet_ids is set."
    }
  }
}

# Asynchronous invocations are not retried by Lambda: a second ingest right after a failed one could race
# on the cursors. The state machine owns retries.
resource "aws_lambda_function_event_invoke_config" "ingest" {
  count = var.create ? 1 : 0

  function_name                = aws_lambda_function.ingest[0].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 3600
}
