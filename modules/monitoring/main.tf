# Alerting for the pipeline: one encrypted SNS topic that every failure signal ends in (EventBridge rules for
# Glue job and crawler failures, CloudWatch alarms for Lambda, Step Functions, long runs, quarantine rate
# and dead-letter queues), plus a dashboard answering "is the lake healthy?" at a glance.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # Built from the name so the alarm's count never waits on another module's apply-time output.
  state_machine_arn = (var.state_machine_name == null ? null
  : "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${var.state_machine_name}")

  # Glue publishes the job metrics every 30 seconds while a job runs, so this alarm fires during a slow run.
  job_alarms = {
    for key, job in var.glue_job_names : "glue-${key}-long-run" => {
      description = "Glue job ${job} has been running longer than ${var.job_long_run_minutes} minutes."
      namespace   = "Glue"
      metric_name = "glue.driver.aggregate.elapsedTime"
      dimensions  = { JobName = job, JobRunId = "ALL", Type = "count" }
      statistic   = "Maximum"
      period      = 300
      threshold   = var.job_long_run_minutes * 60000
    }
  }

  lambda_alarms = var.lambda_function_name == null ? {} : {
    "ingest-errors" = {
      description = "The ingest Lambda ${var.lambda_function_name} raised errors."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = var.lambda_function_name }
      statistic   = "Sum"
      period      = 300
      threshold   = 0
    }
    "ingest-throttles" = {
      description = "The ingest Lambda ${var.lambda_function_name} was throttled (the account's concurrency limit was reached)."
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions  = { FunctionName = var.lambda_function_name }
      statistic   = "Sum"
      period      = 300
      threshold   = 0
    }
  }

  # The landing trigger handles a run in progress by deferring, so an error is something else (a refused
  # StartExecution, a broken deploy): the batch comes back, and this says so before the DLQ would.
  landing_trigger_alarms = var.landing_trigger_function_name == null ? {} : {
    "landing-trigger-errors" = {
      description = "The landing trigger ${var.landing_trigger_function_name} raised errors: landed files are not starting runs (their messages are retried, then go to the landing dead-letter queue)."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = var.landing_trigger_function_name }
      statistic   = "Sum"
      period      = 300
      threshold   = 0
    }
  }

  # Failed, timed-out and aborted executions. No alarm on ExecutionTime: Step Functions publishes it only when
  # an execution closes, so it cannot warn while a run is slow; a run longer than the state machine's
  # timeout fails (ExecutionsTimedOut), and a slow job raises its long-run alarm while it runs.
  state_machine_alarms = var.state_machine_name == null ? {} : {
    for metric, label in { ExecutionsFailed = "failed", ExecutionsTimedOut = "timed-out", ExecutionsAborted = "aborted" } :
    "pipeline-${label}" => {
      description = "A ${var.state_machine_name} execution ${replace(label, "-", " ")}."
      namespace   = "AWS/States"
      metric_name = metric
      dimensions  = { StateMachineArn = local.state_machine_arn }
      statistic   = "Sum"
      period      = 300
      threshold   = 0
    }
  }

  # The jobs publish one datapoint per table per run; an hour's Maximum catches it whenever the run ends.
  quality_alarms = {
    for table in var.quality_tables : "quarantine-rate-${replace(table, "_", "-")}" => {
      description = "More than ${var.quarantine_rate_threshold * 100}% of ${table} rows were quarantined in a run (see quarantine/${table}/)."
      namespace   = var.quality_namespace
      metric_name = "QuarantineRate"
      dimensions  = { Environment = var.environment, Table = table }
      statistic   = "Maximum"
      period      = 3600
      threshold   = var.quarantine_rate_threshold
    }
  }

  dlq_meaning = {
    landing = "a landed file's start was deferred longer than two runs can last, or its event never reached the landing queue (the file waits in landing/ for the next run)"
  }
  dlq_alarms = {
    for label, queue in var.dlq_names : "${label}-dlq-not-empty" => {
      description = "Dead-letter queue ${queue} holds messages: ${lookup(local.dlq_meaning, label, "a start or invocation was given up after retries")}."
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = queue }
      statistic   = "Maximum"
      period      = 300
      threshold   = 0
    }
  }

  alarms = var.create ? merge(local.job_alarms, local.lambda_alarms, local.landing_trigger_alarms, local.state_machine_alarms, local.quality_alarms, local.dlq_alarms) : {}
}

resource "aws_sns_topic" "alerts" {
  count = var.create ? 1 : 0

  name              = var.topic_name
  display_name      = "${var.name_prefix} lake alerts"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

# Only this account's EventBridge rules and CloudWatch alarms of this lake may publish; every publish must
# use TLS. The state machine, the lake Lambda (rejected files) and the Glue jobs (held batches) publish
# through their roles' identity policies (modules/iam).
resource "aws_sns_topic_policy" "alerts" {
  count = var.create ? 1 : 0

  arn = aws_sns_topic.alerts[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AllowThisLakesEventBridgeRules"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts[0].arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-*" }
        }
      },
      {
        Sid       = "AllowThisLakesCloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts[0].arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*" }
        }
      },
      {
        # AWS Budgets documents aws:SourceAccount and aws:SourceArn for its SNS notifications.
        Sid       = "AllowThisAccountsBudgets"
        Effect    = "Allow"
        Principal = { Service = "budgets.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts[0].arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:budgets::${local.account_id}:*" }
        }
      },
      {
        Sid       = "DenyPublishWithoutTLS"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts[0].arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each = var.create ? toset(var.alert_emails) : toset([])

  topic_arn = aws_sns_topic.alerts[0].arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  # No datapoint means nothing ran, not that something broke.
  treat_missing_data = "notBreaching"
  actions_enabled    = true
  # Alarms only: with notBreaching an alarm is OK again at the next empty period, so ok_actions would mail
  # an "OK" after every alert.
  alarm_actions = [aws_sns_topic.alerts[0].arn]
  tags          = var.tags
}

# Glue reports job failures as events, not as a metric; forward them to the topic in readable form.
resource "aws_cloudwatch_event_rule" "glue_job_failed" {
  count = var.create && length(var.glue_job_names) > 0 ? 1 : 0

  name        = "${var.name_prefix}-glue-job-failed"
  description = "Glue job runs of this lake that ended FAILED, TIMEOUT, ERROR or STOPPED."
  event_pattern = jsonencode({
    source        = ["aws.glue"]
    "detail-type" = ["Glue Job State Change"]
    detail = {
      jobName = values(var.glue_job_names)
      state   = ["FAILED", "TIMEOUT", "ERROR", "STOPPED"]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "glue_job_failed" {
  count = var.create && length(var.glue_job_names) > 0 ? 1 : 0

  rule      = aws_cloudwatch_event_rule.glue_job_failed[0].name
  target_id = "alert-topic"
  arn       = aws_sns_topic.alerts[0].arn

  input_transformer {
    input_paths = {
      job     = "$.detail.jobName"
      run_id  = "$.detail.jobRunId"
      state   = "$.detail.state"
      message = "$.detail.message"
      time    = "$.time"
    }
    input_template = <<-EOT
      {"alert": "Glue job run ended badly", "environment": "${var.environment}", "job": <job>, "job_run_id": <run_id>, "state": <state>, "message": <message>, "time": <time>}
    EOT
  }
}

resource "aws_cloudwatch_event_rule" "glue_crawler_failed" {
  count = var.create && length(var.glue_crawler_names) > 0 ? 1 : 0

  name        = "${var.name_prefix}-glue-crawler-failed"
  description = "Crawls of this lake's crawlers that failed."
  event_pattern = jsonencode({
    source        = ["aws.glue"]
    "detail-type" = ["Glue Crawler State Change"]
    detail = {
      crawlerName = values(var.glue_crawler_names)
      state       = ["Failed"]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "glue_crawler_failed" {
  count = var.create && length(var.glue_crawler_names) > 0 ? 1 : 0

  rule      = aws_cloudwatch_event_rule.glue_crawler_failed[0].name
  target_id = "alert-topic"
  arn       = aws_sns_topic.alerts[0].arn

  input_transformer {
    input_paths = {
      crawler = "$.detail.crawlerName"
      message = "$.detail.errorMessage"
      time    = "$.time"
    }
    input_template = <<-EOT
      {"alert": "Glue crawl failed", "environment": "${var.environment}", "crawler": <crawler>, "message": <message>, "time": <time>}
    EOT
  }
}

locals {
  widget_specs = concat(
    length(var.glue_job_names) == 0 ? [] : [{
      title   = "Glue jobs: elapsed time (ms)"
      stat    = "Maximum"
      metrics = [for job in values(var.glue_job_names) : ["Glue", "glue.driver.aggregate.elapsedTime", "JobName", job, "JobRunId", "ALL", "Type", "count"]]
    }],
    length(var.glue_job_run_dpus) == 0 ? [] : [{
      # Elapsed milliseconds of a run x the DPUs it holds / 3,600,000 = DPU-hours (Glue bills DPU-hours).
      title = "Glue jobs: DPU-hours per run"
      stat  = "Maximum"
      metrics = flatten([for i, job in sort(keys(var.glue_job_run_dpus)) : [
        [{ id = "dpuh${i}", label = "${job} DPU-hours", expression = "e${i} * ${var.glue_job_run_dpus[job]} / 3600000" }],
        ["Glue", "glue.driver.aggregate.elapsedTime", "JobName", job, "JobRunId", "ALL", "Type", "count", { id = "e${i}", visible = false }],
      ]])
    }],
    length(var.glue_job_names) == 0 ? [] : [{
      title   = "Glue jobs: failed tasks"
      stat    = "Sum"
      metrics = [for job in values(var.glue_job_names) : ["Glue", "glue.driver.aggregate.numFailedTasks", "JobName", job, "JobRunId", "ALL", "Type", "count"]]
    }],
    var.lambda_function_name == null ? [] : [{
      title = "Ingest Lambda: invocations, errors, throttles"
      stat  = "Sum"
      metrics = [for metric in ["Invocations", "Errors", "Throttles"] :
      ["AWS/Lambda", metric, "FunctionName", var.lambda_function_name]]
    }],
    var.lambda_function_name == null ? [] : [{
      title = "Lake Lambda: duration (ms)"
      stat  = "Maximum"
      metrics = [
        ["AWS/Lambda", "Duration", "FunctionName", var.lambda_function_name, { stat = "Average", label = "average" }],
        ["AWS/Lambda", "Duration", "FunctionName", var.lambda_function_name, { stat = "Maximum", label = "maximum" }],
      ]
    }],
    var.state_machine_name == null ? [] : [{
      title = "Pipeline executions"
      stat  = "Sum"
      metrics = [for metric in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"] :
      ["AWS/States", metric, "StateMachineArn", local.state_machine_arn]]
    }],
    length(var.quality_tables) == 0 ? [] : [{
      title   = "Quarantine rate by table (threshold ${var.quarantine_rate_threshold})"
      stat    = "Maximum"
      metrics = [for table in var.quality_tables : [var.quality_namespace, "QuarantineRate", "Environment", var.environment, "Table", table]]
    }],
    var.athena_workgroup_name == null ? [] : [{
      title = "Athena bytes scanned (${var.athena_workgroup_name})"
      stat  = "Sum"
      metrics = [[{
        id         = "scanned"
        label      = "ProcessedBytes"
        expression = "SEARCH('{AWS/Athena,QueryState,QueryType,WorkGroup} MetricName=\"ProcessedBytes\" WorkGroup=\"${var.athena_workgroup_name}\"', 'Sum', 3600)"
      }]]
    }],
  )

  dashboard_body = jsonencode({
    widgets = [for i, w in local.widget_specs : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = w.title
        region  = local.region
        view    = "timeSeries"
        stat    = w.stat
        period  = 300
        metrics = w.metrics
      }
    }]
  })
}

resource "aws_cloudwatch_dashboard" "pipeline" {
  count = var.create && var.create_dashboard ? 1 : 0

  dashboard_name = "${var.name_prefix}-pipeline"
  dashboard_body = local.dashboard_body
}

# A monthly cost budget on this environment's cost allocation tag, alerting the topic at 80% of the actual
# spend and at 100% of the forecast. Budgets' KMS use of the topic key is granted by the key policy
# (s3-lake kms_key_sns_topic_publishers) under the topic's encryption context.
resource "aws_budgets_budget" "monthly" {
  count = var.create && var.monthly_budget_usd != null ? 1 : 0

  name         = var.budget_name
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  dynamic "cost_filter" {
    for_each = var.budget_tag == null ? [] : [var.budget_tag]
    content {
      name   = "TagKeyValue"
      values = [format("user:%s$%s", cost_filter.value.key, cost_filter.value.value)]
    }
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 80
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.alerts[0].arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [aws_sns_topic.alerts[0].arn]
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.budget_name != null
      error_message = "budget_name is required when monthly_budget_usd is set."
    }
  }
}
