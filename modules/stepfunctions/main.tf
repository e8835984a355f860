# The pipeline state machine. Its states are generated from the stage list (lake.yaml `pipeline`), so the
# stage order is written once and the local runner and Step Functions walk the same list.

locals {
  stages = var.pipeline

  # Stages that run only when the lake has work for them (backlog.stage_work, through the Lambda's plan
  # action): crawls and jobs. Ingest always runs (it is what finds new data); the summary always runs.
  planned = { for s in local.stages : s.name => contains(["crawl", "job"], s.kind) }

  # A stage is entered at its plan (planned stages) or at its own task; the last hands over to the release
  # of the lease, then the success notice.
  entry_state = { for s in local.stages : s.name => (local.planned[s.name] ? "${s.name}_plan" : s.name) }
  next_state = {
    for i, s in local.stages : s.name => (i + 1 < length(local.stages) ? local.entry_state[local.stages[i + 1].name] : "release_lease")
  }

  has_summary        = length([for s in local.stages : s if s.kind == "summary"]) > 0
  create_schedule    = var.create && var.create_schedule
  notice_subject_tag = "[${var.state_machine_name}]"

  # Every task sends any error it cannot retry to the failure path, keeping the error under $.error: the
  # failure path releases the lease first, then sends the failure notice.
  failure_path     = "release_lease_after_failure"
  catch_to_failure = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = local.failure_path }]

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

  # Run control (jozi_lake.run_control through the lake Lambda): the lease first, a plan before each
  # planned stage, the release on every way out. Each is a short call, bounded by control_timeout_seconds.
  control_task = {
    Type           = "Task"
    Resource       = var.lambda_function_arn
    TimeoutSeconds = var.control_timeout_seconds
    Retry          = local.lambda_retry
    Catch          = local.catch_to_failure
  }
  # The lease lives as long as an execution can (its TimeoutSeconds): a holder that dies without releasing
  # (timed out, aborted: no Catch runs) is found gone by the Lambda's DescribeExecution check, and at
  # worst the lease expires when the dead execution could no longer have been running.
  lease_states = {
    lease_init = {
      Type       = "Pass"
      Comment    = "No lease attempt yet."
      Result     = { attempt = 0, acquired = false }
      ResultPath = "$.lease"
      Next       = "lease_acquire"
    }
    lease_acquire = merge(local.control_task, {
      Comment = "Take the lake's lease (one run at a time: schedule, S3 events and the CLI share it)."
      Parameters = {
        action              = "lease_acquire"
        "execution_arn.$"   = "$$.Execution.Id"
        "run_id.$"          = "$$.Execution.Name"
        "execution_input.$" = "$$.Execution.Input"
        ttl_seconds         = local.timeout_seconds
        "attempt.$"         = "$.lease.attempt"
      }
      ResultPath = "$.lease"
      Next       = "lease_acquired"
    })
    lease_acquired = {
      Type    = "Choice"
      Comment = "Go on with the lease; while another run holds it, wait (bounded), then end without running."
      Choices = [
        { Variable = "$.lease.status", IsPresent = false, Next = "lease_contract_broken" },
        { Not = { Variable = "$.lease.status", StringEquals = "SUCCEEDED" }, Next = "lease_failed" },
        { Variable = "$.lease.acquired", IsPresent = false, Next = "lease_contract_broken" },
        { Variable = "$.lease.acquired", IsBoolean = false, Next = "lease_contract_broken" },
        { Variable = "$.lease.acquired", BooleanEquals = true, Next = local.entry_state[local.stages[0].name] },
        { Variable = "$.lease.attempt", IsNumeric = false, Next = "lease_contract_broken" },
        { Variable = "$.lease.attempt", NumericLessThan = var.lease_wait_attempts + 1, Next = "lease_wait" },
      ]
      Default = "lake_busy"
    }
    lease_wait = {
      Type    = "Wait"
      Seconds = var.lease_wait_seconds
      Next    = "lease_acquire"
    }
    # Not a failure: the run holding the lake processes what is waiting (the plan reads the lake's state).
    lake_busy = {
      Type    = "Succeed"
      Comment = "Another run holds the lake ($.lease says who and since when): this execution ran nothing."
    }
    lease_failed = {
      Type       = "Pass"
      Parameters = { Error = "LeaseFailed", "Cause.$" = "States.JsonToString($.lease)" }
      ResultPath = "$.error"
      Next       = local.failure_path
    }
    lease_contract_broken = {
      Type       = "Pass"
      Result     = { Error = "LeaseContractViolation", Cause = "the lease_acquire action returned no status, boolean acquired or numeric attempt" }
      ResultPath = "$.error"
      Next       = local.failure_path
    }
    release_lease = merge(local.control_task, {
      Comment    = "Give the lease back: the run is done."
      Parameters = { action = "lease_release", "execution_arn.$" = "$$.Execution.Id" }
      ResultPath = null
      Next       = "notify_success"
    })
    # On the failure path a failed release must not hide the error: it is noted beside it, and the lease
    # then goes when the liveness check sees this execution ended.
    release_lease_after_failure = merge(local.control_task, {
      Comment    = "Give the lease back before reporting the failure."
      Parameters = { action = "lease_release", "execution_arn.$" = "$$.Execution.Id" }
      ResultPath = null
      Catch      = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.release_error", Next = "notify_failure" }]
      Next       = "notify_failure"
    })
  }

  # plan: before each planned stage, ask whether it has work (the same rule the local runner applies before
  # each stage, over the lake's durable state, so a failed night is repaired by a quiet one). A stage
  # without work is skipped; a crawl stage's plan names its crawler (its last crawl comes from Glue).
  plan_states = merge([for s in local.stages : {
    "${s.name}_plan" = merge(local.control_task, {
      Comment = "Has ${s.name} work now? (backlog.stage_work over the lake)"
      Parameters = merge(
        { action = "plan", stages = [s.name] },
        s.kind == "crawl" ? { crawlers = { (s.layer) = lookup(var.crawler_names, s.layer, "") } } : {},
      )
      ResultPath = "$.plan"
      Next       = "${s.name}_has_work"
    })
    "${s.name}_has_work" = {
      Type    = "Choice"
      Comment = "Run ${s.name} when the plan says it has work, else skip to the next stage."
      Choices = [
        { Variable = "$.plan.status", IsPresent = false, Next = "${s.name}_plan_broken" },
        { Not = { Variable = "$.plan.status", StringEquals = "SUCCEEDED" }, Next = "${s.name}_plan_failed" },
        { Variable = "$.plan.stages.${s.name}.has_work", IsPresent = false, Next = "${s.name}_plan_broken" },
        { Variable = "$.plan.stages.${s.name}.has_work", IsBoolean = false, Next = "${s.name}_plan_broken" },
        { Variable = "$.plan.stages.${s.name}.has_work", BooleanEquals = true, Next = s.name },
      ]
      Default = local.next_state[s.name]
    }
    "${s.name}_plan_failed" = {
      Type       = "Pass"
      Parameters = { Error = "PlanFailed", "Cause.$" = "States.JsonToString($.plan)" }
      ResultPath = "$.error"
      Next       = local.failure_path
    }
    "${s.name}_plan_broken" = {
      Type       = "Pass"
      Result     = { Error = "PlanContractViolation", Cause = "the plan action returned no status or no boolean has_work for ${s.name}" }
      ResultPath = "$.error"
      Next       = local.failure_path
    }
  } if local.planned[s.name]]...)

  # ingest: the lake Lambda (action "ingest") with the execution name as run id; its summary lands at
  # $.ingest. Whether later stages run is the plan's business (the lake's state), not this run's count.
  ingest_states = merge([for s in local.stages : {
    (s.name) = {
      Type     = "Task"
      Comment  = "Pull new records from the sources and land file drops into bronze."
      Resource = var.lambda_function_arn
      Parameters = {
        "action"   = "ingest"
        "run_id.$" = "$$.Execution.Name"
        "env"      = var.environment
        "trigger"  = "step-functions"
      }
      ResultPath = "$.ingest"
      Retry      = local.lambda_retry
      Catch      = local.catch_to_failure
      Next       = "${s.name}_succeeded"
    }
    # Rules are tried in order, so each comparison only runs once the fields it reads are known to exist.
    "${s.name}_succeeded" = {
      Type    = "Choice"
      Comment = "A failed ingest fails the run; a successful one goes on to the plan of the next stage."
      Choices = [
        { Variable = "$.ingest.status", IsPresent = false, Next = "${s.name}_contract_broken" },
        { Not = { Variable = "$.ingest.status", StringEquals = "SUCCEEDED" }, Next = "${s.name}_failed" },
      ]
      Default = local.next_state[s.name]
    }
    # The handler reports source errors in its summary instead of raising; the whole summary is the cause.
    "${s.name}_failed" = {
      Type = "Pass"
      Parameters = {
        Error     = "IngestFailed"
        "Cause.$" = "States.JsonToString($.ingest)"
      }
      ResultPath = "$.error"
      Next       = local.failure_path
    }
    "${s.name}_contract_broken" = {
      Type = "Pass"
      Result = {
        Error = "IngestContractViolation"
        Cause = "the ingest Lambda returned no status"
      }
      ResultPath = "$.error"
      Next       = local.failure_path
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
      Next       = local.failure_path
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
  # Run control: every plan, both releases and each lease attempt (the first and the waited ones) at the
  # control timeout with its retries, plus the waits between lease attempts.
  control_task_budget_seconds = (1 + var.task_failed_max_attempts) * var.control_timeout_seconds + local.retry_waits.lambda_service + local.retry_waits.task_failed
  control_budget_seconds = (
    (length([for s in local.stages : s if local.planned[s.name]]) + 2 + 1 + var.lease_wait_attempts) * local.control_task_budget_seconds
    + var.lease_wait_attempts * var.lease_wait_seconds
  )
  timeout_seconds = ceil(sum(concat([0], values(local.stage_budget_seconds))) + local.control_budget_seconds + var.crawl_allowance_seconds)

  definition = {
    Comment        = "${var.state_machine_name} (${var.environment}): ${join(" -> ", [for s in local.stages : s.name])}."
    StartAt        = "lease_init"
    TimeoutSeconds = local.timeout_seconds
    States = merge(
      local.lease_states, local.plan_states, local.ingest_states, local.crawl_states, local.job_states,
      local.summary_states, local.notice_states,
    )
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

# Every execution that ends, however it was started (the schedule, a landing file, the CLI, a person) and
# however it ended, is recorded by the lake Lambda: its stage timings go to ops/pipeline_stage_runs
# (action record_run, jozi_lake.execution_history). Step Functions sends these events to the default bus
# without any setting; PENDING_REDRIVE is not an end (a redriven execution ends again and is re-recorded).
resource "aws_cloudwatch_event_rule" "run_ended" {
  count = var.create ? 1 : 0

  name        = var.run_ended_rule_name
  description = "Executions of ${var.state_machine_name} that ended: the lake Lambda records their stage timings."
  event_pattern = jsonencode({
    source        = ["aws.states"]
    "detail-type" = ["Step Functions Execution Status Change"]
    detail = {
      stateMachineArn = [aws_sfn_state_machine.pipeline[0].arn]
      status          = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "run_ended" {
  count = var.create ? 1 : 0

  rule      = aws_cloudwatch_event_rule.run_ended[0].name
  target_id = "record-run"
  arn       = var.lambda_function_arn

  input_transformer {
    input_paths    = { execution_arn = "$.detail.executionArn" }
    input_template = "{\"action\": \"record_run\", \"execution_arn\": <execution_arn>}"
  }

  # Delivery is retried by EventBridge when Lambda cannot be invoked; a record that fails inside the
  # function goes to the function's dead-letter queue, which is alarmed.
  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 8
  }
}

resource "aws_lambda_permission" "run_ended" {
  count = var.create ? 1 : 0

  statement_id  = "RecordPipelineRuns"
  action        = "lambda:InvokeFunction"
  function_name = var.lambda_function_arn
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.run_ended[0].arn
}
