# Alert topic, alarms, event rules and dashboard, checked against a mocked provider.

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  name_prefix           = "jozi-pizza-test"
  environment           = "test"
  topic_name            = "jozi-pizza-test-alerts"
  kms_key_arn           = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  alert_emails          = ["ops@example.co.za"]
  glue_job_names        = { bronze_to_silver = "jozi-pizza-test-bronze_to_silver", silver_to_gold = "jozi-pizza-test-silver_to_gold" }
  glue_crawler_names    = { bronze = "jozi-pizza-test-bronze-crawler" }
  lambda_function_name  = "jozi-pizza-test-ingest"
  state_machine_name    = "jozi-pizza-test-pipeline"
  quality_tables        = ["orders", "kitchen_events"]
  quality_namespace     = "JoziLake/Quality"
  dlq_names             = { ingest = "jozi-pizza-test-ingest-dlq", landing = "jozi-pizza-test-landing-dlq" }
  athena_workgroup_name = "jozi-pizza-test"

  landing_trigger_function_name = "jozi-pizza-test-landing-trigger"
  glue_job_run_dpus             = { "jozi-pizza-test-bronze_to_silver" = 2, "jozi-pizza-test-silver_to_gold" = 2 }
  monthly_budget_usd            = 25
  budget_name                   = "jozi-pizza-test-monthly"
  budget_tag                    = { key = "Lake", value = "jozi-pizza-test" }
}

run "topic_is_encrypted_and_scoped" {
  command = apply

  assert {
    condition     = aws_sns_topic.alerts[0].kms_master_key_id == var.kms_key_arn && aws_sns_topic.alerts[0].name == "jozi-pizza-test-alerts"
    error_message = "the alert topic must take the name it is given and be KMS-encrypted"
  }

  assert {
    condition = alltrue([
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[0].Principal.Service == "events.amazonaws.com",
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012",
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[0].Condition.ArnLike["aws:SourceArn"] == "arn:aws:events:af-south-1:123456789012:rule/jozi-pizza-test-*",
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[1].Principal.Service == "cloudwatch.amazonaws.com",
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[2].Principal.Service == "budgets.amazonaws.com",
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[2].Condition.ArnLike["aws:SourceArn"] == "arn:aws:budgets::123456789012:*",
      jsondecode(aws_sns_topic_policy.alerts[0].policy).Statement[3].Effect == "Deny",
    ])
    error_message = "only this lake's rules and alarms and this account's budgets may publish, and only over TLS"
  }

  assert {
    condition = alltrue([
      aws_budgets_budget.monthly[0].name == "jozi-pizza-test-monthly",
      aws_budgets_budget.monthly[0].limit_amount == "25.00",
      aws_budgets_budget.monthly[0].time_unit == "MONTHLY",
      tolist(one(aws_budgets_budget.monthly[0].cost_filter).values) == tolist(["user:Lake$jozi-pizza-test"]),
      alltrue([for n in aws_budgets_budget.monthly[0].notification : tolist(n.subscriber_sns_topic_arns) == tolist([aws_sns_topic.alerts[0].arn])]),
      length(aws_budgets_budget.monthly[0].notification) == 2,
    ])
    error_message = "the monthly budget counts the environment's Lake tag and notifies the alert topic"
  }

  assert {
    condition     = [for s in aws_sns_topic_subscription.email : s.endpoint] == ["ops@example.co.za"]
    error_message = "each alert email gets a subscription"
  }
}

run "alarms_cover_every_failure_signal" {
  command = apply

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "glue-bronze_to_silver-long-run", "glue-silver_to_gold-long-run",
      "ingest-errors", "ingest-throttles",
      "pipeline-failed", "pipeline-timed-out", "pipeline-aborted",
      "quarantine-rate-orders", "quarantine-rate-kitchen-events",
      "ingest-dlq-not-empty", "landing-dlq-not-empty", "landing-trigger-errors",
    ])
    error_message = "expected one alarm per job, Lambda signal, state machine signal, quality table and DLQ (none on ExecutionTime, which is published only when a run has ended)"
  }

  assert {
    condition     = alltrue([for alarm in aws_cloudwatch_metric_alarm.this : try(length(alarm.ok_actions), 0) == 0 && length(alarm.alarm_actions) == 1])
    error_message = "alarms notify when they fire, not again when they return to OK"
  }

  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["quarantine-rate-orders"].namespace == "JoziLake/Quality",
      aws_cloudwatch_metric_alarm.this["quarantine-rate-orders"].metric_name == "QuarantineRate",
      aws_cloudwatch_metric_alarm.this["quarantine-rate-orders"].dimensions == tomap({ Environment = "test", Table = "orders" }),
      aws_cloudwatch_metric_alarm.this["quarantine-rate-orders"].threshold == 0.05,
    ])
    error_message = "the quarantine alarm must watch JoziLake/Quality QuarantineRate by Environment and Table"
  }

  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["pipeline-failed"].dimensions.StateMachineArn == "arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-test-pipeline",
      aws_cloudwatch_metric_alarm.this["pipeline-timed-out"].metric_name == "ExecutionsTimedOut",
      aws_cloudwatch_metric_alarm.this["glue-silver_to_gold-long-run"].threshold == 45 * 60000,
      aws_cloudwatch_metric_alarm.this["ingest-throttles"].dimensions.FunctionName == "jozi-pizza-test-ingest",
    ])
    error_message = "alarms must point at this lake's state machine, jobs and function"
  }

  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["landing-dlq-not-empty"].dimensions.QueueName == "jozi-pizza-test-landing-dlq",
      strcontains(aws_cloudwatch_metric_alarm.this["landing-dlq-not-empty"].alarm_description, "waits in landing/ for the next run"),
      aws_cloudwatch_metric_alarm.this["landing-trigger-errors"].dimensions.FunctionName == "jozi-pizza-test-landing-trigger",
    ])
    error_message = "the landing trigger's dead-letter queue and errors alarm, saying what they mean"
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.actions_enabled && a.treat_missing_data == "notBreaching" && a.alarm_name == "jozi-pizza-test-${a.tags == null ? "" : ""}${trimprefix(a.alarm_name, "jozi-pizza-test-")}"])
    error_message = "every alarm must be enabled, ignore missing data and carry the name prefix"
  }
}

run "glue_failures_reach_the_topic" {
  command = apply

  assert {
    condition = alltrue([
      jsondecode(aws_cloudwatch_event_rule.glue_job_failed[0].event_pattern)["detail-type"] == ["Glue Job State Change"],
      toset(jsondecode(aws_cloudwatch_event_rule.glue_job_failed[0].event_pattern).detail.jobName) == toset(["jozi-pizza-test-bronze_to_silver", "jozi-pizza-test-silver_to_gold"]),
      contains(jsondecode(aws_cloudwatch_event_rule.glue_job_failed[0].event_pattern).detail.state, "FAILED"),
      contains(jsondecode(aws_cloudwatch_event_rule.glue_job_failed[0].event_pattern).detail.state, "TIMEOUT"),
      aws_cloudwatch_event_target.glue_job_failed[0].arn == aws_sns_topic.alerts[0].arn,
      jsondecode(aws_cloudwatch_event_rule.glue_crawler_failed[0].event_pattern).detail.crawlerName == ["jozi-pizza-test-bronze-crawler"],
    ])
    error_message = "Glue job and crawler failures must be forwarded to the alert topic"
  }
}

run "dashboard_shows_jobs_lambda_pipeline_quality_and_athena" {
  command = plan

  assert {
    condition = [for w in jsondecode(aws_cloudwatch_dashboard.pipeline[0].dashboard_body).widgets : w.properties.title] == [
      "Glue jobs: elapsed time (ms)",
      "Glue jobs: DPU-hours per run",
      "Glue jobs: failed tasks",
      "Ingest Lambda: invocations, errors, throttles",
      "Lake Lambda: duration (ms)",
      "Pipeline executions",
      "Quarantine rate by table (threshold 0.05)",
      "Athena bytes scanned (jozi-pizza-test)",
    ]
    error_message = "the dashboard must show jobs, the Lambda, the pipeline, quarantine and Athena"
  }

  assert {
    condition     = strcontains(jsonencode(jsondecode(aws_cloudwatch_dashboard.pipeline[0].dashboard_body).widgets[7].properties.metrics), "WorkGroup=\\\"jozi-pizza-test\\\"")
    error_message = "the Athena widget must be limited to the lake's workgroup"
  }

  assert {
    condition     = strcontains(jsonencode(jsondecode(aws_cloudwatch_dashboard.pipeline[0].dashboard_body).widgets[1].properties.metrics), "e0 * 2 / 3600000")
    error_message = "DPU-hours per run are the run's elapsed milliseconds x its DPUs / 3,600,000"
  }
}

run "optional_parts_can_be_left_out" {
  command = plan

  variables {
    alert_emails          = []
    glue_job_names        = {}
    glue_crawler_names    = {}
    lambda_function_name  = null
    state_machine_name    = null
    quality_tables        = []
    dlq_names             = {}
    athena_workgroup_name = null
    create_dashboard      = false

    landing_trigger_function_name = null
  }

  assert {
    condition = alltrue([
      length(aws_cloudwatch_metric_alarm.this) == 0,
      length(aws_cloudwatch_event_rule.glue_job_failed) == 0,
      length(aws_sns_topic_subscription.email) == 0,
      length(aws_cloudwatch_dashboard.pipeline) == 0,
      length(aws_sns_topic.alerts) == 1,
    ])
    error_message = "with nothing to watch only the topic remains"
  }
}

run "rejects_bad_email" {
  command = plan

  variables {
    alert_emails = ["not-an-email"]
  }

  expect_failures = [var.alert_emails]
}

run "rejects_rate_above_one" {
  command = plan

  variables {
    quarantine_rate_threshold = 5
  }

  expect_failures = [var.quarantine_rate_threshold]
}

run "rejects_a_bad_landing_trigger_name" {
  command = plan

  variables {
    landing_trigger_function_name = "has spaces"
  }

  expect_failures = [var.landing_trigger_function_name]
}

run "rejects_aws_namespace" {
  command = plan

  variables {
    quality_namespace = "AWS/Glue"
  }

  expect_failures = [var.quality_namespace]
}
