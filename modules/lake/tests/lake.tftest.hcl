# The composition against a mocked provider, once with each environment's settings from lake.yaml:
# names from lake.yaml, per-environment sizes and knobs, wiring between modules, and IAM granting on exactly
# the resources created. Run with `terraform init -backend=false -plugin-dir=/opt/tf-plugins && terraform test`.

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  lake_file = "../../lake.yaml"
  sql_dir   = "../../sql"
  # The committed fixture stands in for build/lambda/ingest.zip, so tests need no build step.
  ingest_package_path = "../ingest-lambda/tests/fixtures/ingest.zip"
  # ... and the glue module's tiny code folder for build/glue/.
  glue_code_dir = "../glue/tests/fixtures/code"
}

run "dev" {
  command = apply

  variables {
    environment  = "dev"
    alert_emails = []
  }

  assert {
    condition = jsonencode(output.databases) == jsonencode({
      bronze = "jozi_pizza_dev_bronze"
      silver = "jozi_pizza_dev_silver"
      gold   = "jozi_pizza_dev_gold"
      ops    = "jozi_pizza_dev_ops"
    })
    error_message = "databases (the layers and ops) must be {project}_{env}_{area} with dashes as underscores (jozi_lake.config)"
  }

  assert {
    condition     = jsonencode(output.job_names) == jsonencode({ bronze_to_silver = "jozi-pizza-dev-bronze_to_silver", silver_to_gold = "jozi-pizza-dev-silver_to_gold" })
    error_message = "one Glue job per lake.yaml job, named {project}-{env}-{job}"
  }

  assert {
    condition = output.crawler_names == {
      bronze     = "jozi-pizza-dev-bronze-crawler"
      silver     = "jozi-pizza-dev-silver-crawler"
      gold       = "jozi-pizza-dev-gold-crawler"
      ops        = "jozi-pizza-dev-ops-crawler"
      quarantine = "jozi-pizza-dev-quarantine-crawler"
    }
    error_message = "one crawler per layer and ops plus quarantine, named {project}-{env}-{target}-crawler"
  }

  assert {
    condition     = output.region == "af-south-1" && output.bucket == "jozi-pizza-dev-lake" && output.lake_root == "s3://jozi-pizza-dev-lake"
    error_message = "region, bucket ({project}-{env}-lake, as jozi_lake.config derives it) and lake root must follow lake.yaml"
  }

  assert {
    condition = alltrue([
      output.ingest_function_name == "jozi-pizza-dev-ingest",
      output.state_machine_name == "jozi-pizza-dev-pipeline",
      output.athena_workgroup == "jozi-pizza-dev",
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
    error_message = "dev runs on demand: its schedule exists but is disabled (lake.yaml schedule_enabled: false)"
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "dev still needs the lake's own key: Glue security configurations and encrypted logs require a customer-managed key"
  }

  assert {
    condition     = output.settings.kms_key_deletion_window_days == 7 && output.settings.force_destroy == true && output.settings.state_machine_log_level == "ALL" && !output.protected
    error_message = "dev is disposable: a 7-day key window, a destroyable bucket and full execution logs, unprotected"
  }

  assert {
    # A recovery window keeps the secret's name taken for 7-30 days after a destroy, so dev could not be
    # re-created within that time; 0 deletes it at once.
    condition     = output.settings.secret_recovery_window_days == 0
    error_message = "dev's token secret must be deleted at once on destroy (lake.yaml secret_recovery_window_days: 0)"
  }

  assert {
    condition     = length(module.monitoring.email_subscriptions) == 0
    error_message = "dev needs no alert inbox"
  }

  assert {
    condition     = module.stepfunctions.stage_entry_states == ["ingest", "crawl_bronze_plan", "bronze_to_silver_plan", "crawl_silver_plan", "crawl_quarantine_plan", "silver_to_gold_plan", "crawl_gold_plan", "crawl_ops_plan", "quality_summary"]
    error_message = "the state machine must walk lake.yaml's pipeline in order"
  }

  assert {
    # Quarantine is a crawl stage: a Glue trigger chained to the silver crawler never fires after a crawl the
    # state machine started.
    condition     = jsondecode(module.stepfunctions.definition).States.crawl_quarantine.Parameters.Name == output.crawler_names["quarantine"]
    error_message = "the state machine must crawl quarantine/ in its own stage"
  }

  assert {
    condition = alltrue([
      jsondecode(module.stepfunctions.definition).States.bronze_to_silver.Parameters.JobName == output.job_names["bronze_to_silver"],
      jsondecode(module.stepfunctions.definition).States.crawl_gold.Parameters.Name == output.crawler_names["gold"],
      jsondecode(module.stepfunctions.definition).States.ingest.Resource == module.ingest_lambda.function_arn,
      jsondecode(module.stepfunctions.definition).States.quality_summary.Resource == module.ingest_lambda.function_arn,
      jsondecode(module.stepfunctions.definition).States.quality_summary.Parameters.env == "dev",
      jsondecode(module.stepfunctions.definition).States.notify_failure.Parameters.TopicArn == output.alert_topic_arn,
      # Every job and Lambda attempt at its timeout, the retry waits, and an hour for the crawls.
      jsondecode(module.stepfunctions.definition).TimeoutSeconds == module.stepfunctions.timeout_seconds,
      module.stepfunctions.timeout_seconds > (60 + 60 + 60) * 60,
    ])
    error_message = "the state machine must start this environment's jobs, crawlers, Lambda (ingest and summary) and topic"
  }

  assert {
    condition     = output.schedule.expression == "cron(30 0 * * ? *)" && output.schedule.timezone == "Africa/Johannesburg"
    error_message = "the schedule must use lake.yaml's expression in the store's time zone"
  }

  assert {
    condition = alltrue([
      module.ingest_lambda.environment_variables.LAKE_BUCKET == output.bucket,
      module.ingest_lambda.environment_variables.LAKE_ENV == "dev",
      jsondecode(module.ingest_lambda.environment_variables.LAKE_SOURCE_SECRETS) == output.source_secret_arns,
      keys(output.source_secret_arns) == ["jozi_store_api"],
      module.ingest_lambda.source_secret_names.jozi_store_api == "jozi-pizza/dev/sources/jozi_store_api",
      module.ingest_lambda.environment_variables.LAKE_ALERT_TOPIC_ARN == output.alert_topic_arn,
    ])
    error_message = "the Lambda gets one secret per credential of lake.yaml's sources (the nine store sources share jozi_store_api) and the alert topic"
  }

  assert {
    # The silver job alerts a batch its quality gate held on the same topic (lake.yaml optional_job_arguments).
    condition = alltrue([
      for key, arguments in module.glue.job_default_arguments : arguments["--alert_topic_arn"] == output.alert_topic_arn
    ])
    error_message = "every Glue job must get --alert_topic_arn, the alert topic's ARN"
  }

  assert {
    condition = alltrue([for table in ["orders", "order_items", "menu", "kitchen_events", "dispatch_events", "drivers", "complaints", "ratings", "load_shedding"] :
    contains(keys(module.monitoring.alarm_names), "quarantine-rate-${replace(table, "_", "-")}")])
    error_message = "every source table needs a quarantine-rate alarm"
  }

  assert {
    condition     = output.quality_metric.namespace == "JoziLake/Quality"
    error_message = "the alarms must watch lake.yaml's quality_metrics.namespace"
  }

  assert {
    condition = (
      output.glue_code_version == "0f9196e8b6d40c94" && output.glue_code_uri == "s3://jozi-pizza-dev-lake/scripts/0f9196e8b6d40c94/"
      && module.glue.script_locations["bronze_to_silver"] == "s3://jozi-pizza-dev-lake/scripts/0f9196e8b6d40c94/glue_scripts/bronze_to_silver.py"
      && module.glue.code_object_keys["jozi_lake.zip"] == "scripts/0f9196e8b6d40c94/jozi_lake.zip"
    )
    error_message = "the jobs must run the code Terraform uploads from glue_code_dir, under its content hash"
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

  # IAM builds ARNs from the names it is given (so roles exist before the resources). Each must be the ARN
  # of a resource that was created, under the name that resource really has (AWS's ARN formats; the mocked
  # account is 123456789012 in af-south-1).
  assert {
    condition = toset(output.granted_arns.glue_jobs) == toset([for name in values(output.job_names) : "arn:aws:glue:af-south-1:123456789012:job/${name}"]) && toset(output.granted_arns.glue_jobs) == toset([
      for state in values(jsondecode(module.stepfunctions.definition).States) : "arn:aws:glue:af-south-1:123456789012:job/${state.Parameters.JobName}"
      if try(state.Resource, "") == "arn:aws:states:::glue:startJobRun.sync"
    ])
    error_message = "the state machine role must be granted on exactly the Glue jobs created and started"
  }

  assert {
    condition = toset(output.granted_arns.glue_crawlers) == toset([
      for state in values(jsondecode(module.stepfunctions.definition).States) : "arn:aws:glue:af-south-1:123456789012:crawler/${state.Parameters.Name}"
      if try(state.Resource, "") == "arn:aws:states:::aws-sdk:glue:startCrawler"
      ]) && alltrue([
      for arn in output.granted_arns.glue_crawlers : contains([for name in values(output.crawler_names) : "arn:aws:glue:af-south-1:123456789012:crawler/${name}"], arn)
    ])
    error_message = "the state machine role must be granted on exactly the crawlers it starts, each one created"
  }

  assert {
    condition = alltrue([
      output.granted_arns.state_machine == "arn:aws:states:af-south-1:123456789012:stateMachine:${module.stepfunctions.state_machine_name}",
      output.granted_arns.lambda_function == "arn:aws:lambda:af-south-1:123456789012:function:${module.ingest_lambda.function_name}",
      output.granted_arns.lambda_log_group == "arn:aws:logs:af-south-1:123456789012:log-group:${module.ingest_lambda.log_group_name}",
      output.granted_arns.secrets == [for name in values(module.ingest_lambda.source_secret_names) : "arn:aws:secretsmanager:af-south-1:123456789012:secret:${name}-??????"],
      output.granted_arns.ingest_dlq == "arn:aws:sqs:af-south-1:123456789012:${module.ingest_lambda.dlq_name}",
      output.granted_arns.scheduler_dlq == "arn:aws:sqs:af-south-1:123456789012:${module.stepfunctions.schedule_dlq_name}",
      output.granted_arns.alert_topic == "arn:aws:sns:af-south-1:123456789012:${module.monitoring.topic_name}",
    ])
    error_message = "IAM must grant on the state machine, Lambda, its log group, secret, both queues and the topic that were created"
  }

  assert {
    condition = (
      toset(output.granted_arns.glue_databases) == toset([for name in values(output.databases) : "arn:aws:glue:af-south-1:123456789012:database/${name}"])
      && toset(output.granted_arns.glue_tables) == toset([for name in values(output.databases) : "arn:aws:glue:af-south-1:123456789012:table/${name}/*"])
    )
    error_message = "catalog grants must name exactly the databases created and their tables"
  }

  assert {
    condition = alltrue([
      output.landing_trigger.enabled,
      output.landing_trigger.function_name == "jozi-pizza-dev-landing-trigger",
      output.names.landing_queue == "jozi-pizza-dev-landing",
      output.names.landing_dlq == "jozi-pizza-dev-landing-dlq",
    ])
    error_message = "lake.yaml's dev block turns the landing trigger on, with the names computed here"
  }

  assert {
    # One zip, two handlers: the trigger runs exactly the code, runtime and architecture of the lake Lambda.
    condition = alltrue([
      module.landing_trigger.function_package == module.ingest_lambda.package,
      module.ingest_lambda.package.path == "../ingest-lambda/tests/fixtures/ingest.zip",
    ])
    error_message = "the landing trigger must deploy the lake Lambda's package (modules/ingest-lambda output package)"
  }

  assert {
    # One prefix per lake.yaml source, under lake.yaml's landing prefix: the rule matches nothing else.
    condition = jsondecode(module.landing_trigger.event_pattern).detail.object.key == [
      for name in sort(keys(yamldecode(file("../../lake.yaml")).sources)) : { prefix = "${yamldecode(file("../../lake.yaml")).prefixes.landing}${name}/" }
    ] && jsondecode(module.landing_trigger.event_pattern).detail.bucket.name == ["jozi-pizza-dev-lake"]
    error_message = "the landing rule matches the lake bucket's landing folder of every declared source"
  }

  assert {
    condition = alltrue([
      module.landing_trigger.max_receive_count == ceil(2 * module.stepfunctions.timeout_seconds / module.landing_trigger.visibility_timeout_seconds) + 2,
      module.landing_trigger.max_receive_count * module.landing_trigger.visibility_timeout_seconds > 2 * module.stepfunctions.timeout_seconds,
      module.landing_trigger.message_retention_seconds >= (module.landing_trigger.max_receive_count + 1) * module.landing_trigger.visibility_timeout_seconds,
    ])
    error_message = "a deferred landing message must outlive two runs of the state machine's computed timeout"
  }

  assert {
    condition = alltrue([
      output.granted_arns.landing_queue == "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing",
      output.granted_arns.landing_logs == "arn:aws:logs:af-south-1:123456789012:log-group:/aws/lambda/jozi-pizza-dev-landing-trigger",
      contains(keys(module.iam.role_arns), "landing_trigger"),
      module.monitoring.alarm_names["landing-dlq-not-empty"] == "jozi-pizza-dev-landing-dlq-not-empty",
      module.monitoring.alarm_names["landing-trigger-errors"] == "jozi-pizza-dev-landing-trigger-errors",
    ])
    error_message = "the landing trigger's role is granted on its queue and log group, its dead-letter queue and errors alarm"
  }
}

run "no_landing_trigger_without_a_state_machine" {
  command = apply

  variables {
    environment          = "dev"
    alert_emails         = []
    create_state_machine = false
  }

  assert {
    condition     = !output.landing_trigger.enabled && output.landing_trigger.queue_url == null && !contains(keys(module.iam.role_arns), "landing_trigger")
    error_message = "the landing trigger starts the state machine: without one there is none (emulators)"
  }
}

run "prod" {
  command = apply

  # What prod's name and lake.yaml block decide. The wiring that does not depend on the environment (stage
  # order, timeouts, schedule expression, the Lambda's source settings, alarms per table) is asserted once,
  # in the dev run.
  variables {
    environment  = "prod"
    protected    = true
    alert_emails = ["data-alerts@jozi-pizza.example"]
  }

  assert {
    condition = alltrue([
      output.databases == { bronze = "jozi_pizza_prod_bronze", silver = "jozi_pizza_prod_silver", gold = "jozi_pizza_prod_gold", ops = "jozi_pizza_prod_ops" },
      output.job_names == { bronze_to_silver = "jozi-pizza-prod-bronze_to_silver", silver_to_gold = "jozi-pizza-prod-silver_to_gold" },
      output.region == "af-south-1",
      output.bucket == "jozi-pizza-prod-lake",
      output.lake_root == "s3://jozi-pizza-prod-lake",
      output.ingest_function_name == "jozi-pizza-prod-ingest",
      output.state_machine_name == "jozi-pizza-prod-pipeline",
      output.athena_workgroup == "jozi-pizza-prod",
      output.alert_topic_arn != null,
      output.athena_price_per_tb_usd == 5,
      output.landing_trigger.function_name == "jozi-pizza-prod-landing-trigger",
    ])
    error_message = "prod's names follow lake.yaml: {project}_prod_{layer} databases, {project}-prod-* resources, and the CLI's outputs are present"
  }

  assert {
    condition     = output.glue_settings == { worker_type = "G.1X", number_of_workers = 5, execution_class = "STANDARD" } && output.schedule.state == "ENABLED"
    error_message = "prod must run 5 G.1X workers on STANDARD capacity and run nightly (lake.yaml environments.prod)"
  }

  assert {
    condition = alltrue([
      output.kms_key_arn == "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555",
      output.settings.kms_key_deletion_window_days == 30,
      output.settings.force_destroy == false,
      output.protected,
      output.settings.state_machine_log_level == "ERROR",
      output.settings.secret_recovery_window_days == 30,
    ])
    error_message = "prod encrypts with the lake's own key, keeps a destroyed key and a deleted secret 30 days, never force-destroys the bucket, logs errors only and is protected"
  }

  assert {
    condition     = length(module.monitoring.email_subscriptions) == 1 && module.monitoring.email_subscriptions[0] == "data-alerts@jozi-pizza.example"
    error_message = "prod alarms must reach the subscribed inbox"
  }

  assert {
    condition = alltrue([
      jsondecode(module.stepfunctions.definition).States.bronze_to_silver.Parameters.JobName == "jozi-pizza-prod-bronze_to_silver",
      jsondecode(module.stepfunctions.definition).States.crawl_gold.Parameters.Name == "jozi-pizza-prod-gold-crawler",
      jsondecode(module.stepfunctions.definition).States.quality_summary.Parameters.env == "prod",
      module.ingest_lambda.environment_variables.LAKE_ENV == "prod",
      module.ingest_lambda.environment_variables.LAKE_BUCKET == "jozi-pizza-prod-lake",
      contains(module.monitoring.event_rule_names, "jozi-pizza-prod-glue-job-failed"),
    ])
    error_message = "prod's state machine, Lambda and rules must use prod's resources"
  }

  assert {
    condition = alltrue([
      output.granted_arns.state_machine == "arn:aws:states:af-south-1:123456789012:stateMachine:${module.stepfunctions.state_machine_name}",
      output.granted_arns.lambda_function == "arn:aws:lambda:af-south-1:123456789012:function:${module.ingest_lambda.function_name}",
      toset(output.granted_arns.glue_jobs) == toset([for name in values(output.job_names) : "arn:aws:glue:af-south-1:123456789012:job/${name}"]),
    ])
    error_message = "prod's roles must be granted on prod's resources"
  }
}

run "rejects_an_environment_lake_yaml_does_not_define" {
  command = plan

  variables {
    environment = "local"
  }

  expect_failures = [var.environment]
}

run "protected_requires_an_alert_email" {
  command = plan

  variables {
    environment  = "prod"
    protected    = true
    alert_emails = []
  }

  expect_failures = [var.alert_emails]
}

run "protected_never_force_destroys" {
  command = plan

  variables {
    # lake.yaml's dev block sets force_destroy: true, which a protected environment refuses.
    environment  = "dev"
    protected    = true
    alert_emails = ["data-alerts@jozi-pizza.example"]
  }

  expect_failures = [var.protected]
}
