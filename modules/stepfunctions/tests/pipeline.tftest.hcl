# The generated definition, logging, tracing and schedule, checked against a mocked provider (no credentials).

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  state_machine_name  = "jozi-pizza-test-pipeline"
  environment         = "test"
  role_arn            = "arn:aws:iam::123456789012:role/jozi-pizza-test-stepfunctions"
  scheduler_role_arn  = "arn:aws:iam::123456789012:role/jozi-pizza-test-scheduler"
  lambda_function_arn = "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-test-ingest"
  alert_topic_arn     = "arn:aws:sns:af-south-1:123456789012:jozi-pizza-test-alerts"
  kms_key_arn         = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  crawler_names = {
    bronze = "jozi-pizza-test-bronze"
    silver = "jozi-pizza-test-silver"
    gold   = "jozi-pizza-test-gold"
  }
  job_names = {
    bronze_to_silver = "jozi-pizza-test-bronze_to_silver"
    silver_to_gold   = "jozi-pizza-test-silver_to_gold"
  }
  job_timeout_minutes = { bronze_to_silver = 60, silver_to_gold = 45 }
  # The stage list exactly as lake.yaml has it.
  pipeline = [
    { name = "ingest", kind = "ingest" },
    { name = "crawl_bronze", kind = "crawl", layer = "bronze" },
    { name = "bronze_to_silver", kind = "job", job = "bronze_to_silver" },
    { name = "crawl_silver", kind = "crawl", layer = "silver" },
    { name = "silver_to_gold", kind = "job", job = "silver_to_gold" },
    { name = "crawl_gold", kind = "crawl", layer = "gold" },
    { name = "quality_summary", kind = "summary" },
  ]
  schedule_expression = "cron(30 0 * * ? *)"
  schedule_timezone   = "Africa/Johannesburg"
  schedule_name       = "jozi-pizza-test-pipeline-schedule"
  schedule_dlq_name   = "jozi-pizza-test-pipeline-schedule-dlq"
  run_ended_rule_name = "jozi-pizza-test-pipeline-ended"
  log_group_name      = "/aws/vendedlogs/states/jozi-pizza-test-pipeline"
}

run "definition_follows_the_stage_list" {
  command = plan

  assert {
    condition = alltrue([
      jsondecode(output.definition).StartAt == "lease_init",
      jsondecode(output.definition).States.lease_init.Next == "lease_acquire",
      jsondecode(output.definition).States.lease_acquire.Parameters.action == "lease_acquire",
      jsondecode(output.definition).States.lease_acquire.Parameters["execution_arn.$"] == "$$.Execution.Id",
      jsondecode(output.definition).States.lease_acquire.Parameters.ttl_seconds == output.timeout_seconds,
      jsondecode(output.definition).States.lease_acquired.Choices[4].BooleanEquals == true,
      jsondecode(output.definition).States.lease_acquired.Choices[4].Next == "ingest",
      jsondecode(output.definition).States.lease_acquired.Choices[6].NumericLessThan == 16,
      jsondecode(output.definition).States.lease_acquired.Choices[6].Next == "lease_wait",
      jsondecode(output.definition).States.lease_wait.Next == "lease_acquire",
      jsondecode(output.definition).States.lease_acquired.Default == "lake_busy",
      jsondecode(output.definition).States.lake_busy.Type == "Succeed",
    ])
    error_message = "the state machine must take the lease first, wait a bounded number of times while it is held, then end (Succeed) without running"
  }

  assert {
    condition     = output.stage_entry_states == ["ingest", "crawl_bronze_plan", "bronze_to_silver_plan", "crawl_silver_plan", "silver_to_gold_plan", "crawl_gold_plan", "quality_summary"]
    error_message = "stage entry states must follow the pipeline order, crawls and jobs entered at their plan"
  }

  # Walk the happy path: each stage hands over to the next one, in lake.yaml order, through its plan.
  assert {
    condition = alltrue([
      jsondecode(output.definition).States.ingest.Next == "ingest_succeeded",
      jsondecode(output.definition).States.ingest_succeeded.Default == "crawl_bronze_plan",
      jsondecode(output.definition).States.crawl_bronze_plan.Next == "crawl_bronze_has_work",
      jsondecode(output.definition).States.crawl_bronze_has_work.Choices[4].Next == "crawl_bronze",
      jsondecode(output.definition).States.crawl_bronze_has_work.Default == "bronze_to_silver_plan",
      jsondecode(output.definition).States.crawl_bronze.Next == "crawl_bronze_wait",
      jsondecode(output.definition).States.crawl_bronze_wait.Next == "crawl_bronze_poll",
      jsondecode(output.definition).States.crawl_bronze_poll.Next == "crawl_bronze_ready",
      jsondecode(output.definition).States.crawl_bronze_ready.Choices[0].Next == "crawl_bronze_outcome",
      jsondecode(output.definition).States.crawl_bronze_ready.Default == "crawl_bronze_wait",
      jsondecode(output.definition).States.crawl_bronze_outcome.Choices[1].Next == "bronze_to_silver_plan",
      jsondecode(output.definition).States.bronze_to_silver_has_work.Choices[4].Next == "bronze_to_silver",
      jsondecode(output.definition).States.bronze_to_silver.Next == "crawl_silver_plan",
      jsondecode(output.definition).States.crawl_silver_outcome.Choices[1].Next == "silver_to_gold_plan",
      jsondecode(output.definition).States.silver_to_gold.Next == "crawl_gold_plan",
      jsondecode(output.definition).States.crawl_gold_outcome.Choices[1].Next == "quality_summary",
      jsondecode(output.definition).States.crawl_gold_has_work.Default == "quality_summary",
      jsondecode(output.definition).States.quality_summary.Next == "release_lease",
      jsondecode(output.definition).States.release_lease.Parameters.action == "lease_release",
      jsondecode(output.definition).States.release_lease.Next == "notify_success",
      jsondecode(output.definition).States.notify_success.Next == "pipeline_succeeded",
      jsondecode(output.definition).States.pipeline_succeeded.Type == "Succeed",
    ])
    error_message = "the happy path must walk ingest -> (plan ->) crawl_bronze -> bronze_to_silver -> crawl_silver -> silver_to_gold -> crawl_gold -> quality_summary -> release_lease -> notify_success"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.crawl_bronze_plan.Parameters == { action = "plan", stages = ["crawl_bronze"], crawlers = { bronze = "jozi-pizza-test-bronze" } },
      jsondecode(output.definition).States.bronze_to_silver_plan.Parameters == { action = "plan", stages = ["bronze_to_silver"] },
      jsondecode(output.definition).States.bronze_to_silver_plan.ResultPath == "$.plan",
      jsondecode(output.definition).States.bronze_to_silver_plan.TimeoutSeconds == 60,
      jsondecode(output.definition).States.bronze_to_silver_has_work.Choices[4].Variable == "$.plan.stages.bronze_to_silver.has_work",
      jsondecode(output.definition).States.bronze_to_silver_has_work.Choices[0].IsPresent == false,
      jsondecode(output.definition).States.bronze_to_silver_has_work.Choices[1].Next == "bronze_to_silver_plan_failed",
      jsondecode(output.definition).States.bronze_to_silver_plan_failed.Next == "release_lease_after_failure",
    ])
    error_message = "each crawl and job stage must be planned (action plan for that stage; a crawl names its crawler) and skipped without work"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.ingest.Resource == var.lambda_function_arn,
      jsondecode(output.definition).States.ingest.Parameters["run_id.$"] == "$$.Execution.Name",
      jsondecode(output.definition).States.ingest.Parameters.action == "ingest",
      jsondecode(output.definition).States.ingest.ResultPath == "$.ingest",
    ])
    error_message = "ingest must invoke the Lambda (action ingest) with the execution name as run id, its result at $.ingest"
  }

  # The handler reports failures in its result (status FAILED) rather than raising: that must fail the run;
  # a result without the field fails it too.
  assert {
    condition = alltrue([
      jsondecode(output.definition).States.ingest_succeeded.Choices[0].Variable == "$.ingest.status",
      jsondecode(output.definition).States.ingest_succeeded.Choices[0].IsPresent == false,
      jsondecode(output.definition).States.ingest_succeeded.Choices[0].Next == "ingest_contract_broken",
      jsondecode(output.definition).States.ingest_succeeded.Choices[1].Not.StringEquals == "SUCCEEDED",
      jsondecode(output.definition).States.ingest_succeeded.Choices[1].Next == "ingest_failed",
      jsondecode(output.definition).States.ingest_failed.Next == "release_lease_after_failure",
      jsondecode(output.definition).States.ingest_contract_broken.Next == "release_lease_after_failure",
    ])
    error_message = "a FAILED or malformed ingest result must lead to the failure path"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.crawl_bronze.Resource == "arn:aws:states:::aws-sdk:glue:startCrawler",
      jsondecode(output.definition).States.crawl_bronze.Parameters.Name == "jozi-pizza-test-bronze",
      jsondecode(output.definition).States.crawl_gold_poll.Resource == "arn:aws:states:::aws-sdk:glue:getCrawler",
      jsondecode(output.definition).States.crawl_silver_ready.Choices[0].StringEquals == "READY",
      jsondecode(output.definition).States.crawl_bronze_failed.Next == "release_lease_after_failure",
    ])
    error_message = "crawl stages must start the layer's crawler and poll it until READY"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.bronze_to_silver.Resource == "arn:aws:states:::glue:startJobRun.sync",
      jsondecode(output.definition).States.bronze_to_silver.Parameters.JobName == "jozi-pizza-test-bronze_to_silver",
      jsondecode(output.definition).States.silver_to_gold.Parameters.Arguments["--run_id.$"] == "$$.Execution.Name",
      jsondecode(output.definition).States.silver_to_gold.Parameters.Arguments["--tables"] == "all",
    ])
    error_message = "job stages must run the Glue job synchronously with --run_id and --tables"
  }

  assert {
    # Jobs: their timeouts (60 + 45 min) + retry waits; Lambda stages: 2 attempts of 900 s + waits; run control:
    # 5 plans, 2 releases, 16 lease attempts at 2 x 60 s and 15 lease waits of 60 s; plus the crawl allowance.
    # The rendered environments check the arithmetic against the retriers themselves.
    condition     = jsondecode(output.definition).TimeoutSeconds == output.timeout_seconds && output.timeout_seconds > (60 + 45) * 60 + 2 * 2 * 900 + (5 + 2 + 16) * 2 * 60 + 15 * 60 + 3600
    error_message = "the execution timeout must leave room for every Lambda attempt and the crawls"
  }

  assert {
    condition = alltrue([
      for name, state in jsondecode(output.definition).States :
      !anytrue([for r in state.Retry : contains(r.ErrorEquals, "States.TaskFailed") || contains(r.ErrorEquals, "States.ALL")])
      if state.Type == "Task" && startswith(try(state.Resource, ""), "arn:aws:states:::glue:startJobRun")
    ])
    error_message = "a failed Glue run must not be retried: another run of up to the job's timeout could outlast the execution"
  }

  assert {
    condition     = !strcontains(jsondecode(output.definition).States.notify_failure.Parameters["Message.$"], "$.error.Cause")
    error_message = "the failure notice must not read $.error.Cause: not every error has one, and a missing path raises an uncatchable States.Runtime"
  }

  # Every Task retries with backoff and catches into the failure notice (which ends in the Fail state).
  assert {
    condition = alltrue([
      for name, state in jsondecode(output.definition).States : (
        length(state.Retry) > 0 && alltrue([for r in state.Retry : r.BackoffRate >= 1 && r.MaxAttempts <= 20])
        && state.Catch[0].ErrorEquals == ["States.ALL"]
      ) if state.Type == "Task"
    ])
    error_message = "every Task state needs bounded retries with backoff and a catch-all"
  }

  assert {
    condition = alltrue([
      for name, state in jsondecode(output.definition).States : state.Catch[0].Next == "release_lease_after_failure"
      if state.Type == "Task" && !contains(["notify_failure", "release_lease_after_failure"], name)
    ])
    error_message = "every Task except the failure path itself must catch into the release of the lease (then the failure notice)"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.release_lease_after_failure.Parameters.action == "lease_release",
      jsondecode(output.definition).States.release_lease_after_failure.Next == "notify_failure",
      jsondecode(output.definition).States.release_lease_after_failure.Catch[0].Next == "notify_failure",
      jsondecode(output.definition).States.release_lease_after_failure.Catch[0].ResultPath == "$.release_error",
    ])
    error_message = "the failure path must release the lease, and a failed release must still reach the failure notice without overwriting $.error"
  }

  assert {
    condition = alltrue([
      contains(jsondecode(output.definition).States.bronze_to_silver.Retry[0].ErrorEquals, "Glue.ConcurrentRunsExceededException"),
      jsondecode(output.definition).States.bronze_to_silver.Retry[0].MaxDelaySeconds == 300,
      contains(jsondecode(output.definition).States.crawl_silver.Retry[0].ErrorEquals, "Glue.CrawlerRunningException"),
      contains(jsondecode(output.definition).States.ingest.Retry[0].ErrorEquals, "Lambda.ServiceException"),
      contains(jsondecode(output.definition).States.lease_acquire.Retry[0].ErrorEquals, "Lambda.ServiceException"),
      jsondecode(output.definition).States.ingest.Retry[1].ErrorEquals == ["States.TaskFailed"],
      jsondecode(output.definition).States.ingest.Retry[1].MaxAttempts == 1,
    ])
    error_message = "service-specific retriers must come before the bounded States.TaskFailed retrier"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.notify_failure.Next == "pipeline_failed",
      jsondecode(output.definition).States.notify_failure.Catch[0].Next == "pipeline_failed",
      jsondecode(output.definition).States.pipeline_failed.Type == "Fail",
    ])
    error_message = "the failure notice must end in the Fail state"
  }

  assert {
    condition = alltrue([
      jsondecode(output.definition).States.quality_summary.Type == "Task",
      jsondecode(output.definition).States.quality_summary.Resource == var.lambda_function_arn,
      jsondecode(output.definition).States.quality_summary.Parameters == { action = "summarise", "run_id.$" = "$$.Execution.Name", env = "test" },
      jsondecode(output.definition).States.quality_summary.ResultPath == "$.summary",
      jsondecode(output.definition).States.quality_summary.Catch[0].Next == "release_lease_after_failure",
      contains(jsondecode(output.definition).States.quality_summary.Retry[0].ErrorEquals, "Lambda.ServiceException"),
      jsondecode(output.definition).States.notify_success.Parameters["Message.$"] == "States.JsonToString($.summary)",
    ])
    error_message = "the summary stage must have the lake Lambda summarise this run into $.summary, which the success notice publishes"
  }
}

run "logging_tracing_and_schedule" {
  command = apply

  assert {
    condition     = aws_cloudwatch_log_group.state_machine[0].name == "/aws/vendedlogs/states/jozi-pizza-test-pipeline"
    error_message = "the execution log group must be a vended-logs group named after the state machine"
  }

  assert {
    condition     = aws_cloudwatch_log_group.state_machine[0].kms_key_id == var.kms_key_arn
    error_message = "the execution log group must be KMS-encrypted"
  }

  assert {
    condition = alltrue([
      aws_sfn_state_machine.pipeline[0].logging_configuration[0].level == "ERROR",
      aws_sfn_state_machine.pipeline[0].logging_configuration[0].include_execution_data == false,
      aws_sfn_state_machine.pipeline[0].logging_configuration[0].log_destination == "${aws_cloudwatch_log_group.state_machine[0].arn}:*",
    ])
    error_message = "execution history must be logged at ERROR without execution data by default"
  }

  assert {
    condition     = aws_sfn_state_machine.pipeline[0].tracing_configuration[0].enabled
    error_message = "X-Ray tracing must be on"
  }

  assert {
    condition = alltrue([
      aws_scheduler_schedule.pipeline[0].schedule_expression == "cron(30 0 * * ? *)",
      aws_scheduler_schedule.pipeline[0].schedule_expression_timezone == "Africa/Johannesburg",
      aws_scheduler_schedule.pipeline[0].flexible_time_window[0].mode == "OFF",
      aws_scheduler_schedule.pipeline[0].kms_key_arn == var.kms_key_arn,
      aws_scheduler_schedule.pipeline[0].target[0].arn == output.state_machine_arn,
      aws_scheduler_schedule.pipeline[0].target[0].role_arn == var.scheduler_role_arn,
      aws_scheduler_schedule.pipeline[0].target[0].retry_policy[0].maximum_retry_attempts == 3,
      aws_scheduler_schedule.pipeline[0].target[0].dead_letter_config[0].arn == aws_sqs_queue.schedule_dlq[0].arn,
    ])
    error_message = "the schedule must run in the store's time zone, on time, with retries and a DLQ"
  }

  assert {
    condition     = aws_sqs_queue.schedule_dlq[0].kms_master_key_id == var.kms_key_arn
    error_message = "the schedule DLQ must be KMS-encrypted"
  }

  assert {
    condition     = aws_scheduler_schedule.pipeline[0].name == "jozi-pizza-test-pipeline-schedule" && output.schedule_dlq_name == "jozi-pizza-test-pipeline-schedule-dlq"
    error_message = "the schedule and its DLQ must take the names they are given"
  }
}

run "every_ended_execution_is_recorded_by_the_lake_lambda" {
  command = apply

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.run_ended[0].event_pattern) == {
      source        = ["aws.states"]
      "detail-type" = ["Step Functions Execution Status Change"]
      detail = {
        stateMachineArn = [aws_sfn_state_machine.pipeline[0].arn]
        status          = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
      }
    }
    error_message = "the rule must match every end of this state machine's executions (and no start, no redrive wait)"
  }

  assert {
    condition = alltrue([
      aws_cloudwatch_event_rule.run_ended[0].name == "jozi-pizza-test-pipeline-ended",
      aws_cloudwatch_event_target.run_ended[0].arn == var.lambda_function_arn,
      length(aws_cloudwatch_event_target.run_ended[0].input_transformer[0].input_paths) == 1,
      aws_cloudwatch_event_target.run_ended[0].input_transformer[0].input_paths["execution_arn"] == "$.detail.executionArn",
      # The template with the placeholder filled in as EventBridge fills it (a JSON string).
      jsonencode(jsondecode(replace(aws_cloudwatch_event_target.run_ended[0].input_transformer[0].input_template, "<execution_arn>", "\"x\""))) == jsonencode({ action = "record_run", execution_arn = "x" }),
      aws_cloudwatch_event_target.run_ended[0].retry_policy[0].maximum_retry_attempts > 0,
    ])
    error_message = "the rule must send the execution's ARN to the lake Lambda as a record_run event, with retries"
  }

  assert {
    condition = alltrue([
      aws_lambda_permission.run_ended[0].function_name == var.lambda_function_arn,
      aws_lambda_permission.run_ended[0].principal == "events.amazonaws.com",
      aws_lambda_permission.run_ended[0].source_arn == aws_cloudwatch_event_rule.run_ended[0].arn,
    ])
    error_message = "EventBridge may invoke the lake Lambda for this rule only"
  }
}

run "no_summary_stage_still_notifies_success" {
  command = plan

  variables {
    pipeline = [
      { name = "ingest", kind = "ingest" },
      { name = "bronze_to_silver", kind = "job", job = "bronze_to_silver" },
    ]
  }

  assert {
    condition     = jsondecode(output.definition).States.bronze_to_silver.Next == "release_lease" && jsondecode(output.definition).States.bronze_to_silver_has_work.Default == "release_lease"
    error_message = "the last stage (run or skipped) must hand over to the release of the lease, then the success notice"
  }

  assert {
    condition     = can(regex("^States.Format", jsondecode(output.definition).States.notify_success.Parameters["Message.$"]))
    error_message = "without a summary stage the success notice must not reference $.summary"
  }
}

run "schedule_can_be_left_out" {
  command = plan

  variables {
    create_schedule    = false
    scheduler_role_arn = null
  }

  assert {
    condition     = length(aws_scheduler_schedule.pipeline) == 0 && length(aws_sqs_queue.schedule_dlq) == 0
    error_message = "create_schedule = false must create neither the schedule nor its DLQ"
  }
}

run "rejects_unknown_stage_kind" {
  command = plan

  variables {
    pipeline = [{ name = "ingest", kind = "ingest" }, { name = "train", kind = "ml" }]
  }

  expect_failures = [var.pipeline]
}

run "rejects_ingest_that_is_not_first" {
  command = plan

  variables {
    pipeline = [{ name = "bronze_to_silver", kind = "job", job = "bronze_to_silver" }, { name = "ingest", kind = "ingest" }]
  }

  expect_failures = [var.pipeline]
}

run "rejects_crawl_without_layer" {
  command = plan

  variables {
    pipeline = [{ name = "crawl_bronze", kind = "crawl" }]
  }

  expect_failures = [var.pipeline]
}

run "rejects_log_level_off" {
  command = plan

  variables {
    log_level = "OFF"
  }

  expect_failures = [var.log_level]
}

run "rejects_unsupported_retention" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_crawl_layer_without_crawler" {
  command = plan

  variables {
    crawler_names = { bronze = "jozi-pizza-test-bronze" }
  }

  expect_failures = [aws_sfn_state_machine.pipeline]
}

run "schedule_needs_a_role" {
  command = plan

  variables {
    scheduler_role_arn = null
  }

  expect_failures = [aws_scheduler_schedule.pipeline]
}

run "rejects_bad_names_and_expression" {
  command = plan

  variables {
    schedule_name       = "no spaces"
    schedule_dlq_name   = "no spaces"
    run_ended_rule_name = "no spaces"
    log_group_name      = "no spaces"
    schedule_expression = "30 0 * * *"
  }

  expect_failures = [var.schedule_name, var.schedule_dlq_name, var.run_ended_rule_name, var.log_group_name, var.schedule_expression]
}

run "lease_wait_can_be_switched_off" {
  command = plan

  variables {
    lease_wait_attempts = 0
  }

  assert {
    condition     = jsondecode(output.definition).States.lease_acquired.Choices[6].NumericLessThan == 1
    error_message = "lease_wait_attempts = 0 must end a start that finds the lease held at once (after its one attempt)"
  }
}

run "rejects_bad_lease_waits" {
  command = plan

  variables {
    lease_wait_attempts     = 1.5
    lease_wait_seconds      = 0
    control_timeout_seconds = 1
  }

  expect_failures = [var.lease_wait_attempts, var.lease_wait_seconds, var.control_timeout_seconds]
}

run "rejects_impossible_time_budgets" {
  command = plan

  variables {
    job_timeout_minutes     = { bronze_to_silver = 0, silver_to_gold = 60 }
    lambda_timeout_seconds  = 901
    crawl_allowance_seconds = 60
  }

  expect_failures = [var.job_timeout_minutes, var.lambda_timeout_seconds, var.crawl_allowance_seconds]
}
