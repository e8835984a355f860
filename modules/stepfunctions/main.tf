# The pipeline state machine. Its states are generated from the stage list (lake.yaml `pipeline`), so the
# stage order is written once and the local runner and Step Functions walk the same list.

locals {
  stages = var.pipeline

  # The state each stage hands over to: the next stage's entry state (its own name) or the success notice.
  next_state = {
    for i, s in local.stages : s.name => (i + 1 < length(local.stages) ? local.stages[i + 1].name : "notify_success")
  }

  has_summary        = length([for s in local.stages : s if s.kind == "summary"]) > 0
  create_schedule    = var.create && var.create_schedule
  notice_subject_tag = "[${var.state_machine_name}]"

  # Every task sends any error it cannot retry to the failure notice, keeping the error under $.error.
  catch_to_failure = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "notify_failure" }]

  # A generic task failure (failed Glue run, Lambda function error) is retried a bounded number of times;
  # States.TaskFailed matches every error, so it always comes after the specific retriers.
  task_failed_retry = [{
    ErrorEquals     = ["States.TaskFailed"]
    IntervalSeconds = 30
    BackoffRate     = 2
    MaxAttempts     = var.task_failed_max_attempts
    JitterStrategy  = "FULL"
  }]

  lambda_retry = concat([{
    ErrorEquals     = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
    IntervalSeconds = 2
    BackoffRate     = 2
    MaxAttempts     = var.service_retry_max_attempts
    JitterStrategy  = "FULL"
  }], local.task_failed_retry)

  # Another run of the job is going (a manual one): wait for it, bounded (waits of at most 5 minutes).
  glue_concurrent_runs_retry = {
    ErrorEquals     = ["Glue.ConcurrentRunsExceededException"]
    IntervalSeconds = 60
    BackoffRate     = 1.5
    MaxDelaySeconds = 300
    MaxAttempts     = var.service_retry_max_attempts
    JitterStrategy  = "FULL"
  }

  glue_throttling_retry = {
    ErrorEquals     = ["Glue.ThrottlingException", "Glue.InternalServiceException", "Glue.OperationTimeoutException"]
    IntervalSeconds = 5
    BackoffRate     = 2
    MaxAttempts     = var.service_retry_max_attempts
    JitterStrategy  = "FULL"
  }

  sns_retry = [{
    ErrorEquals     = ["States.TaskFailed"]
    IntervalSeconds = 2
    BackoffRate     = 2
    MaxAttempts     = 3
    JitterStrategy  = "FULL"
  }]

  # ingest: invoke the lake Lambda (action "ingest") with the execution name as run id. ResultPath "$"
  # replaces the (tiny) trigger input with {"ingest": <handler result>}, so later stages find the result at
  # $.ingest; that is why the ingest stage must come first. The handler returns status (SUCCEEDED | FAILED)
  # and a boolean has_new_data (docs/terraform-interfaces.md).
  ingest_states = merge([for s in local.stages : {
    (s.name) = {
      Type     = "Task"
      Comment  = "Pull new records from the store's API into bronze."
      Resource = "arn:aws:states:::lambda:invoke"
      Parameters = {
        FunctionName = var.lambda_function_arn
        Payload = {
          "action"   = "ingest"
          "run_id.$" = "$$.Execution.Name"
          "env"      = var.environment
          "trigger"  = "step-functions"
        }
      }
      ResultSelector = { "ingest.$" = "$.Payload" }
      ResultPath     = "$"
      Retry          = local.lambda_retry
      Catch          = local.catch_to_failure
      Next           = "${s.name}_has_new_data"
    }
    # Rules are tried in order, so each comparison only runs once the fields it reads are known to exist.
    "${s.name}_has_new_data" = {
      Type    = "Choice"
      Comment = "A failed ingest fails the run; no new data finishes with a 'nothing new' notice instead of running the jobs."
      Choices = [
        { Variable = "$.ingest.status", IsPresent = false, Next = "${s.name}_contract_broken" },
        { Not = { Variable = "$.ingest.status", StringEquals = "SUCCEEDED" }, Next = "${s.name}_failed" },
        { Variable = "$.ingest.has_new_data", IsPresent = false, Next = "${s.name}_contract_broken" },
        { Variable = "$.ingest.has_new_data", IsBoolean = false, Next = "${s.name}_contract_broken" },
        { Variable = "$.ingest.has_new_data", BooleanEquals = true, Next = local.next_state[s.name] },
      ]
      Default = "notify_nothing_new"
    }
    # The handler reports source errors in its summary instead of raising; the whole summary is the cause.
    "${s.name}_failed" = {
      Type = "Pass"
      Parameters = {
        Error     = "IngestFailed"
        "Cause.$" = "States.JsonToString($.ingest)"
      }
      ResultPath = "$.error"
      Next       = "notify_failure"
    }
    "${s.name}_contract_broken" = {
      Type = "Pass"
      Result = {
        Error = "IngestContractViolation"
        Cause = "the ingest Lambda returned no status or no boolean has_new_data"
      }
      ResultPath = "$.error"
      Next       = "notify_failure"
    }
  } if s.kind == "ingest"]...)

  # crawl: start the layer's crawler, then poll GetCrawler until it is READY again and check how the crawl
  # ended. A crawl that is already running (CrawlerRunningException) is retried with backoff.
  crawl_states = merge([for s in local.stages : {
    (s.name) = {
      Type       = "Task"
      Comment    = "Catalogue the ${s.layer} layer."
      Resource   = "arn:aws:states:::aws-sdk:glue:startCrawler"
      Parameters = { Name = lookup(var.crawler_names, s.layer, "") }
      ResultPath = null
      Retry = concat([{
        ErrorEquals     = ["Glue.CrawlerRunningException"]
        IntervalSeconds = 30
        BackoffRate     = 1.5
        MaxAttempts     = var.service_retry_max_attempts
        JitterStrategy  = "FULL"
      }, local.glue_throttling_retry], local.task_failed_retry)
      Catch = local.catch_to_failure
      Next  = "${s.name}_wait"
    }
    "${s.name}_wait" = {
      Type    = "Wait"
      Seconds = var.crawler_poll_seconds
      Next    = "${s.name}_poll"
    }
    "${s.name}_poll" = {
      Type           = "Task"
      Resource       = "arn:aws:states:::aws-sdk:glue:getCrawler"
      Parameters     = { Name = lookup(var.crawler_names, s.layer, "") }
      ResultSelector = { "crawler.$" = "$.Crawler" }
      ResultPath     = "$.${s.name}"
      Retry          = concat([local.glue_throttling_retry], local.task_failed_retry)
      Catch          = local.catch_to_failure
      Next           = "${s.name}_ready"
    }
    "${s.name}_ready" = {
      Type    = "Choice"
      Choices = [{ Variable = "$.${s.name}.crawler.State", StringEquals = "READY", Next = "${s.name}_outcome" }]
      Default = "${s.name}_wait"
    }
    "${s.name}_outcome" = {
      Type = "Choice"
      Choices = [
        { Variable = "$.${s.name}.crawler.LastCrawl.Status", IsPresent = false, Next = "${s.name}_failed" },
        { Variable = "$.${s.name}.crawler.LastCrawl.Status", StringEquals = "SUCCEEDED", Next = local.next_state[s.name] },
      ]
      Default = "${s.name}_failed"
    }
    "${s.name}_failed" = {
      Type = "Pass"
      Result = {
        Error = "CrawlFailed"
        Cause = "crawler ${lookup(var.crawler_names, s.layer, "")} did not finish with SUCCEEDED; see its last crawl in the Glue console"
      }
      ResultPath = "$.error"
      Next       = "notify_failure"
    }
  } if s.kind == "crawl"]...)

  # job: run the Glue job and wait for it (.sync). Only --run_id and --tables are passed per run; --lake_root
  # and --env are the job's default arguments. A second concurrent start is retried, not failed. A failed
  # run (States.TaskFailed) is not retried: it is a code or data problem, and another run of up to the job's
  # timeout could push the execution past its own timeout; redrive the execution once it is fixed.
  job_states = merge([for s in local.stages : {
    (s.name) = {
      Type     = "Task"
      Comment  = "Run the ${s.job} Glue job and wait for it to finish."
      Resource = "arn:aws:states:::glue:startJobRun.sync"
      Parameters = {
        JobName = lookup(var.job_names, s.job, "")
        Arguments = {
          "--run_id.$" = "$$.Execution.Name"
          "--tables"   = var.job_tables_argument
        }
      }
      ResultSelector = { "job_run_id.$" = "$.Id", "state.$" = "$.JobRunState" }
      ResultPath     = "$.${s.name}"
      Retry          = [local.glue_concurrent_runs_retry, local.glue_throttling_retry]
      Catch          = local.catch_to_failure
      Next           = local.next_state[s.name]
    }
  } if s.kind == "job"]...)

  # summary: the lake Lambda summarises this run from the job reports it finds in the lake (action
  # "summarise", the same summarise_run the local runner calls) and returns the run's quality summary. The
  # task names the function itself as its Resource, so its result is the handler's return value, which
  # ResultPath puts at $.summary for the success notice.
  summary_states = merge([for s in local.stages : {
    (s.name) = {
      Type     = "Task"
      Comment  = "Summarise the run's quality from its job reports (the lake Lambda, action summarise)."
      Resource = var.lambda_function_arn
      Parameters = {
        "action"   = "summarise"
        "run_id.$" = "$$.Execution.Name"
        "env"      = var.environment
      }
      ResultPath = "$.summary"
      Retry      = local.lambda_retry
      Catch      = local.catch_to_failure
      Next       = local.next_state[s.name]
    }
  } if s.kind == "summary"]...)

  notice_states = {
    notify_success = {
      Type     = "Task"
      Resource = "arn:aws:states:::sns:publish"
      Parameters = {
        TopicArn = var.alert_topic_arn
        Subject  = "${local.notice_subject_tag} pipeline succeeded"
        "Message.$" = (local.has_summary
          ? "States.JsonToString($.summary)"
        : "States.Format('Pipeline run {} succeeded.', $$.Execution.Name)")
      }
      ResultPath = null
      Retry      = local.sns_retry
      Catch      = local.catch_to_failure
      Next       = "pipeline_succeeded"
    }
    notify_nothing_new = {
      Type     = "Task"
      Resource = "arn:aws:states:::sns:publish"
      Parameters = {
        TopicArn    = var.alert_topic_arn
        Subject     = "${local.notice_subject_tag} nothing new"
        "Message.$" = "States.Format('Pipeline run {}: the source API had nothing new; the jobs did not run.', $$.Execution.Name)"
      }
      ResultPath = null
      Retry      = local.sns_retry
      Catch      = local.catch_to_failure
      Next       = "nothing_new"
    }
    notify_failure = {
      Type     = "Task"
      Resource = "arn:aws:states:::sns:publish"
      Parameters = {
        TopicArn = var.alert_topic_arn
        Subject  = "${local.notice_subject_tag} pipeline FAILED"
        # The whole error object: not every error has a Cause, and an intrinsic over a missing path raises
        # States.Runtime, which no Catch handles (the run would end without this notice).
        "Message.$" = "States.Format('Pipeline run {} failed: {}', $$.Execution.Name, States.JsonToString($.error))"
      }
      ResultPath = null
      Retry      = local.sns_retry
      # Even if the notice cannot be sent the run must end failed (the ExecutionsFailed alarm still fires).
      Catch = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.notify_error", Next = "pipeline_failed" }]
      Next  = "pipeline_failed"
    }
    pipeline_succeeded = { Type = "Succeed" }
    nothing_new        = { Type = "Succeed" }
    pipeline_failed = {
      Type  = "Fail"
      Error = "PipelineFailed"
      Cause = "A pipeline stage failed; the failure notice on the alert topic has the error and cause."
    }
  }

  # The execution's timeout leaves room for every bounded task's worst case: each attempt its retries may
  # make at its longest (a job run up to the job's timeout, a Lambda invocation up to the function's) plus
  # every retry wait, and on top the allowance for what has no timeout of its own (the crawls) and the
  # notices. tests/terraform/test_rendered_state_machine.py recomputes this from the rendered definition.
  retry_waits = { for name, retry in {
    glue_concurrent_runs = local.glue_concurrent_runs_retry
    glue_throttling      = local.glue_throttling_retry
    lambda_service       = local.lambda_retry[0]
    task_failed          = local.task_failed_retry[0]
    } : name => sum(concat([0], [
      for i in range(retry.MaxAttempts) : min(retry.IntervalSeconds * pow(retry.BackoffRate, i), try(retry.MaxDelaySeconds, 31536000))
  ])) }
  stage_budget_seconds = { for s in local.stages : s.name => (
    s.kind == "job" ? lookup(var.job_timeout_minutes, coalesce(s.job, "-"), 0) * 60 + local.retry_waits.glue_concurrent_runs + local.retry_waits.glue_throttling
    : contains(["ingest", "summary"], s.kind) ? (1 + var.task_failed_max_attempts) * var.lambda_timeout_seconds + local.retry_waits.lambda_service + local.retry_waits.task_failed
    : 0
  ) }
  timeout_seconds = ceil(sum(concat([0], values(local.stage_budget_seconds))) + var.crawl_allowance_seconds)

  definition = {
    Comment        = "${var.state_machine_name} (${var.environment}): ${join(" -> ", [for s in local.stages : s.name])}."
    StartAt        = local.stages[0].name
    TimeoutSeconds = local.timeout_seconds
    States         = merge(local.ingest_states, local.crawl_states, local.job_states, local.summary_states, local.notice_states)
  }
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:Retention comes from lake.yaml per environment; dev keeps 14 days on purpose (cost), prod 365.
  count = var.create ? 1 : 0

  name              = var.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "pipeline" {
  #checkov:skip=CKV_AWS_285:Execution history is logged (ERROR or ALL); state payloads are left out by default because ingest results and errors can carry customer data. include_execution_data turns them on.
  count = var.create ? 1 : 0

  name       = var.state_machine_name
  role_arn   = var.role_arn
  type       = "STANDARD"
  definition = jsonencode(local.definition)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine[0].arn}:*"
    include_execution_data = var.include_execution_data
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  lifecycle {
    precondition {
      condition     = alltrue([for s in local.stages : contains(keys(var.crawler_names), s.layer) if s.kind == "crawl"])
      error_message = "every crawl stage's layer must be a key of crawler_names."
    }
    precondition {
      condition     = alltrue([for s in local.stages : contains(keys(var.job_names), s.job) if s.kind == "job"])
      error_message = "every job stage's job must be a key of job_names."
    }
    precondition {
      condition     = alltrue([for s in local.stages : contains(keys(var.job_timeout_minutes), s.job) if s.kind == "job"])
      error_message = "every job stage's job needs its timeout in job_timeout_minutes (the execution timeout is computed from them)."
    }
    precondition {
      condition     = local.timeout_seconds <= 31536000
      error_message = "the computed execution timeout exceeds Step Functions' maximum of one year."
    }
  }

  encryption_configuration {
    type                              = "CUSTOMER_MANAGED_KMS_KEY"
    kms_key_id                        = var.kms_key_arn
    kms_data_key_reuse_period_seconds = 300
  }

  tags = var.tags
}

# Starts that Scheduler cannot deliver after its retries land here instead of disappearing.
resource "aws_sqs_queue" "schedule_dlq" {
  count = local.create_schedule ? 1 : 0

  name                              = var.schedule_dlq_name
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300
  message_retention_seconds         = 1209600
  tags                              = var.tags
}

resource "aws_scheduler_schedule" "pipeline" {
  count = local.create_schedule ? 1 : 0

  name                         = var.schedule_name
  description                  = "Starts ${var.state_machine_name} (${var.schedule_expression} in ${var.schedule_timezone})."
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = var.schedule_enabled ? "ENABLED" : "DISABLED"
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_sfn_state_machine.pipeline[0].arn
    role_arn = var.scheduler_role_arn
    input    = jsonencode({ trigger = "schedule" })

    retry_policy {
      maximum_event_age_in_seconds = var.schedule_max_event_age_seconds
      maximum_retry_attempts       = var.schedule_retry_attempts
    }

    dead_letter_config {
      arn = aws_sqs_queue.schedule_dlq[0].arn
    }
  }

  lifecycle {
    precondition {
      condition     = var.scheduler_role_arn != null
      error_message = "scheduler_role_arn is required when create_schedule is true."
    }
  }
}
