# The dev composition against a mocked provider: names from lake.yaml, cheap settings, wiring between modules.
# Run with `terraform init -backend=false -plugin-dir=/opt/tf-plugins && terraform test`.

mock_provider "aws" {
  source = "../../modules/tests-mocks" # the one shared set of mocked values
}

# The lake bucket's computed name/ARN (a mock would make them random).
override_resource {
  target = module.s3_lake.aws_s3_bucket.lake
  values = {
    id  = "jozi-pizza-dev-lake"
    arn = "arn:aws:s3:::jozi-pizza-dev-lake"
  }
}

variables {
  # The committed fixture stands in for build/lambda/ingest.zip, so tests need no build step.
  ingest_package_path = "../../modules/ingest-lambda/tests/fixtures/ingest.zip"
}

run "composition" {
  command = apply

  assert {
    condition = jsonencode(output.databases) == jsonencode({
      bronze = "jozi_pizza_dev_bronze"
      silver = "jozi_pizza_dev_silver"
      gold   = "jozi_pizza_dev_gold"
    })
    error_message = "databases must be {project}_{env}_{layer} with dashes as underscores"
  }

  assert {
    condition     = jsonencode(output.job_names) == jsonencode({ bronze_to_silver = "jozi-pizza-dev-bronze_to_silver", silver_to_gold = "jozi-pizza-dev-silver_to_gold" })
    error_message = "one Glue job per lake.yaml job, named {project}-{env}-{job}"
  }

  assert {
    condition     = output.region == "af-south-1" && output.lake_root == "s3://jozi-pizza-dev-lake"
    error_message = "region and lake root must follow lake.yaml"
  }

  assert {
    condition = alltrue([
      output.ingest_function_name == "jozi-pizza-dev-ingest",
      output.state_machine_name == "jozi-pizza-dev-pipeline",
      output.athena_workgroup != null,
      output.alert_topic_arn != null,
      output.athena_price_per_tb_usd == 5,
    ])
    error_message = "the CLI's outputs must be present and use the deterministic names"
  }

  assert {
    condition     = output.glue_settings == { worker_type = "G.1X", number_of_workers = 2, execution_class = "FLEX" }
    error_message = "dev must run 2 G.1X workers on FLEX (lake.yaml environments.dev)"
  }

  assert {
    condition     = output.schedule.state == "DISABLED"
    error_message = "dev runs on demand: its schedule exists but is disabled by default"
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "dev still needs the lake's own key: Glue security configurations and encrypted logs require a customer-managed key"
  }

  assert {
    condition     = module.stepfunctions.stage_entry_states == ["ingest", "crawl_bronze", "bronze_to_silver", "crawl_silver", "silver_to_gold", "crawl_gold", "quality_summary"]
    error_message = "the state machine must walk lake.yaml's pipeline in order"
  }

  assert {
    condition = alltrue([
      jsondecode(module.stepfunctions.definition).States.bronze_to_silver.Parameters.JobName == output.job_names["bronze_to_silver"],
      jsondecode(module.stepfunctions.definition).States.crawl_gold.Parameters.Name == output.crawler_names["gold"],
      jsondecode(module.stepfunctions.definition).States.ingest.Parameters.FunctionName == module.ingest_lambda.function_arn,
      jsondecode(module.stepfunctions.definition).States.notify_failure.Parameters.TopicArn == output.alert_topic_arn,
      jsondecode(module.stepfunctions.definition).TimeoutSeconds == (60 + 60 + 60) * 60,
    ])
    error_message = "the state machine must start this environment's jobs, crawlers, Lambda and topic"
  }

  assert {
    condition     = output.schedule.expression == "cron(30 0 * * ? *)" && output.schedule.timezone == "Africa/Johannesburg"
    error_message = "the schedule must use lake.yaml's expression in the store's time zone"
  }

  assert {
    condition = alltrue([
      module.ingest_lambda.environment_variables.LAKE_BUCKET == output.bucket,
      module.ingest_lambda.environment_variables.LAKE_ENV == "dev",
      module.ingest_lambda.environment_variables.SOURCE_PAGINATION == "cursor",
      module.ingest_lambda.environment_variables.SOURCE_PAGE_SIZE == "500",
      length(jsondecode(module.ingest_lambda.environment_variables.SOURCE_ENDPOINTS)) == 9,
      jsondecode(module.ingest_lambda.environment_variables.SOURCE_ENDPOINTS)[0] == { name = "orders", endpoint = "/v1/orders" },
      module.ingest_lambda.environment_variables.SOURCE_TOKEN_SECRET_ARN == output.source_token_secret_arn,
    ])
    error_message = "the ingest Lambda must receive lake.yaml's source API settings and the secret's ARN"
  }

  assert {
    condition = alltrue([for table in ["orders", "order_items", "menu", "kitchen_events", "dispatch_events", "drivers", "complaints", "ratings", "load_shedding"] :
    contains(keys(module.monitoring.alarm_names), "quarantine-rate-${replace(table, "_", "-")}")])
    error_message = "every source table needs a quarantine-rate alarm"
  }

  assert {
    condition = alltrue([
      contains(module.monitoring.event_rule_names, "jozi-pizza-dev-glue-job-failed"),
      contains(module.monitoring.event_rule_names, "jozi-pizza-dev-glue-crawler-failed"),
      contains(keys(module.monitoring.alarm_names), "pipeline-failed"),
      contains(keys(module.monitoring.alarm_names), "schedule-dlq-not-empty"),
      contains(keys(module.monitoring.alarm_names), "ingest-dlq-not-empty"),
    ])
    error_message = "Glue failures, pipeline failures and both dead-letter queues must reach the alert topic"
  }
}

run "rejects_plain_http_source" {
  command = plan

  variables {
    source_base_url = "http://api.jozi-pizza.example"
  }

  expect_failures = [var.source_base_url]
}
