# Event-driven landing: a file dropped under landing/<source>/ starts the pipeline without waiting for the
# schedule. S3 "Object Created" events (the bucket sends them to EventBridge: s3-lake
# enable_eventbridge_notifications) of the declared sources' landing prefixes -> an EventBridge rule -> an
# encrypted SQS queue (a dead-letter queue behind it, which alarms in modules/monitoring) -> an event source
# mapping with a batching window (a burst of files is one invocation, or a few) -> the landing trigger
# function (lambda/landing_trigger.py, the lake Lambda's zip) -> StartExecution of the pipeline, unless a
# run is in progress (then the messages come back after the visibility timeout). jozi_lake.landing decides.

locals {
  # A message must outlive the longest run and one more queued behind it on the lease (runs_to_outlast):
  # the trigger defers it at every receive while a run is in progress, and starts (or finds it covered) at
  # the first receive after. +2: the receive that found the run just started, and the one that starts.
  max_receive_count = ceil(var.runs_to_outlast * var.run_timeout_seconds / var.visibility_timeout_seconds) + 2
  # Every receive of the message's life fits in its retention (SQS counts it from the first enqueue);
  # at least SQS's default of four days, at most its maximum of fourteen.
  message_retention_seconds = max(345600, (local.max_receive_count + 1) * var.visibility_timeout_seconds)

  event_pattern = {
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [var.bucket_name] }
      object = { key = [for prefix in sort(var.landing_prefixes) : { prefix = prefix }] }
    }
  }

  # Only this rule may send to the queues, over TLS (aws:SourceArn: EventBridge documents it for SQS targets).
  queue_arns = var.create ? { landing = aws_sqs_queue.landing[0].arn, dlq = aws_sqs_queue.dlq[0].arn } : {}
  queue_policies = { for name, arn in local.queue_arns : name => {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OnlyTheLandingRuleSends"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.landing[0].arn } }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  } }
}

resource "aws_cloudwatch_event_rule" "landing" {
  count = var.create ? 1 : 0

  name          = var.rule_name
  description   = "New files under the landing prefixes of ${var.bucket_name}'s sources: start the pipeline (the landing trigger)."
  event_pattern = jsonencode(local.event_pattern)
  tags          = var.tags
}

# Messages the trigger deferred more often than any run can last, and events EventBridge could not deliver
# to the queue, land here (ApproximateNumberOfMessagesVisible alarms: modules/monitoring dlq_names).
resource "aws_sqs_queue" "dlq" {
  count = var.create ? 1 : 0

  name                              = var.dlq_name
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
  tags                              = var.tags
}

resource "aws_sqs_queue" "landing" {
  count = var.create ? 1 : 0

  name                              = var.queue_name
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = local.message_retention_seconds
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[0].arn
    maxReceiveCount     = local.max_receive_count
  })
  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.max_receive_count <= 1000
      error_message = "the run timeout needs more receives than SQS allows (1000): raise visibility_timeout_seconds."
    }
    precondition {
      condition     = local.message_retention_seconds <= 1209600
      error_message = "maxReceiveCount x visibility timeout exceeds SQS's 14-day retention: a deferred message would expire first."
    }
    precondition {
      # AWS asks for six times the function timeout plus the batching window, so a batch being retried by
      # Lambda never reappears in the queue meanwhile; and at least one start slot, so a message deferred
      # because its slot's name was taken comes back in the next slot.
      condition     = var.visibility_timeout_seconds >= 6 * var.timeout_seconds + var.batching_window_seconds && var.visibility_timeout_seconds >= var.start_slot_seconds
      error_message = "visibility_timeout_seconds must be at least 6 x timeout_seconds + batching_window_seconds, and at least start_slot_seconds."
    }
  }
}

resource "aws_sqs_queue_policy" "landing" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.landing[0].url
  policy    = jsonencode(local.queue_policies["landing"])
}

resource "aws_sqs_queue_policy" "dlq" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].url
  policy    = jsonencode(local.queue_policies["dlq"])
}

resource "aws_cloudwatch_event_target" "queue" {
  count = var.create ? 1 : 0

  rule      = aws_cloudwatch_event_rule.landing[0].name
  target_id = "landing-queue"
  arn       = aws_sqs_queue.landing[0].arn

  retry_policy {
    maximum_event_age_in_seconds = var.event_max_age_seconds
    maximum_retry_attempts       = var.event_retry_attempts
  }

  # An event that cannot reach the queue (a queue or key policy that refuses it) is kept, not dropped.
  dead_letter_config {
    arn = aws_sqs_queue.dlq[0].arn
  }

  depends_on = [aws_sqs_queue_policy.landing, aws_sqs_queue_policy.dlq]
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention comes from lake.yaml per environment; dev keeps 14 days on purpose (cost), prod 365.
  count = var.create ? 1 : 0

  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "trigger" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the SQS event source mapping: a failed message returns to the landing queue, whose redrive policy moves it to the landing dead-letter queue (a function DLQ serves asynchronous invocations only).
  #checkov:skip=CKV_AWS_115:No reserved concurrency (fresh and af-south-1 accounts have a quota of 10, so any reservation fails the deploy); the event source mapping's maximum_concurrency bounds it without reserving.
  #checkov:skip=CKV_AWS_117:It calls only Step Functions' public endpoint; running outside a VPC avoids a NAT gateway or an interface endpoint.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the project does not have yet (as for the lake Lambda, the same zip).
  count = var.create ? 1 : 0

  function_name    = var.function_name
  description      = "Starts the pipeline when files land under s3://${var.bucket_name}/${join(", ", sort(var.landing_prefixes))} (the landing trigger)."
  role             = var.role_arn
  filename         = var.lambda_package.path
  source_code_hash = filebase64sha256(var.lambda_package.path)
  handler          = var.handler
  runtime          = var.lambda_package.runtime
  architectures    = [var.lambda_package.architecture]
  timeout          = var.timeout_seconds
  memory_size      = var.memory_size_mb
  kms_key_arn      = var.kms_key_arn
  # No reservation (-1): see the CKV_AWS_115 note above.
  reserved_concurrent_executions = -1

  environment {
    # jozi_lake.landing.TriggerSettings reads these.
    variables = {
      LAKE_ENV                  = var.environment
      LAKE_BUCKET               = var.bucket_name
      LAKE_STATE_MACHINE_ARN    = var.state_machine_arn
      LAKE_LANDING_SLOT_SECONDS = tostring(var.start_slot_seconds)
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function[0].name
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.state_machine_arn != null && var.role_arn != null
      error_message = "a landing trigger needs the state machine it starts and its role (state_machine_arn, role_arn)."
    }
  }
}

# Lambda polls the queue as the function's role; a batch waits up to the batching window to fill, so a burst
# of files reaches the function as one batch (a few, one per poller, at most maximum_concurrency at once).
resource "aws_lambda_event_source_mapping" "queue" {
  count = var.create ? 1 : 0

  event_source_arn                   = aws_sqs_queue.landing[0].arn
  function_name                      = aws_lambda_function.trigger[0].arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # Deferred messages are reported one by one and come back; the rest are deleted.
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }

  tags = var.tags
}
