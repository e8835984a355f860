# Everything the CLI needs to talk to the environment (`terraform output -json` of environments/<env>, which
# passes these through under the same names); see docs/terraform-interfaces.md for the contract.

output "environment" {
  description = "Environment name."
  value       = var.environment
}

output "region" {
  description = "AWS region of the lake (lake.yaml region)."
  value       = local.region
}

output "tags" {
  description = "Tags of every resource (Project, Environment, ManagedBy and `tags`): the environments' provider default_tags."
  value       = local.tags
}

output "names" {
  description = "Every resource name, computed once from lake.yaml: bucket, workgroup, databases, jobs, crawlers, lambda_function, lambda_log_group, ingest_dlq, source_secrets, state_machine, state_machine_log_group, schedule, schedule_dlq, alert_topic, budget, and the landing trigger's landing_rule, landing_queue, landing_dlq, landing_function, landing_log_group (used only when it is on)."
  value       = local.names
}

output "protected" {
  description = "Whether the environment refuses force_destroy and requires an alert email."
  value       = var.protected
}

output "settings" {
  description = "The environment's block of lake.yaml `environments`, as applied."
  value       = local.settings
}

output "bucket" {
  description = "Lake bucket name."
  value       = module.s3_lake.bucket_name
}

output "lake_root" {
  description = "The --lake_root job argument (s3://<bucket>)."
  value       = module.s3_lake.lake_root
}

output "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the lake, logs, topic, queues and secret."
  value       = module.s3_lake.kms_key_arn
}

output "databases" {
  description = "Glue/Athena database by layer."
  value       = module.glue.database_names

  precondition {
    condition     = module.glue.database_names == local.names.databases
    error_message = "the glue module's database names differ from the names IAM was granted on (modules/lake local.names)."
  }
}

output "crawler_names" {
  description = "Glue crawler name by layer (plus quarantine when crawled)."
  value       = module.glue.crawler_names

  precondition {
    condition     = alltrue([for target, name in module.glue.crawler_names : lookup(local.names.crawlers, target, "") == name])
    error_message = "the glue module's crawler names differ from the names IAM was granted on (modules/lake local.names)."
  }
}

output "job_names" {
  description = "Glue job name by lake.yaml job key."
  value       = module.glue.job_names

  precondition {
    condition     = module.glue.job_names == local.names.jobs
    error_message = "the glue module's job names differ from the names IAM was granted on (modules/lake local.names)."
  }
}

output "state_machine_arn" {
  description = "ARN of the pipeline state machine."
  value       = module.stepfunctions.state_machine_arn
}

output "state_machine_name" {
  description = "Name of the pipeline state machine."
  value       = local.names.state_machine
}

output "athena_workgroup" {
  description = "Athena workgroup every query must run in."
  value       = module.athena.workgroup_name
}

output "athena_view_query_ids" {
  description = "Named queries holding the CREATE OR REPLACE VIEW statements of sql/views, by view name; `lake create-views --env` runs them."
  value       = module.athena.view_query_ids
}

output "athena_results_location" {
  description = "Enforced Athena result location."
  value       = module.athena.results_location
}

output "athena_price_per_tb_usd" {
  description = "Athena price per TB scanned (USD), for cost reports."
  value       = module.athena.price_per_tb_usd
}

output "athena_bytes_scanned_cutoff" {
  description = "Per-query scan limit in bytes."
  value       = module.athena.bytes_scanned_cutoff_per_query
}

output "ingest_function_name" {
  description = "Name of the lake's Lambda function (ingest and the pipeline's summary)."
  value       = module.ingest_lambda.function_name
}

output "source_secret_arns" {
  description = "The secret of each source credential (lake.yaml auth.secret), to put its value into (aws secretsmanager put-secret-value)."
  value       = module.ingest_lambda.source_secret_arns
}

output "alert_topic_arn" {
  description = "ARN of the alert topic."
  value       = module.monitoring.topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.monitoring.dashboard_name
}

output "glue_code_version" {
  description = "Version of the Glue code the jobs run: the content hash of build/glue/ in its keys (scripts/<version>/)."
  value       = module.glue.code_version
}

output "glue_code_uri" {
  description = "Where the deployed Glue code lives: s3://<bucket>/scripts/<glue_code_version>/."
  value       = module.glue.code_uri
}

output "quality_metric" {
  description = "Namespace, metric and dimensions the jobs publish the quarantine rate with."
  value       = module.monitoring.quality_metric
}

output "glue_settings" {
  description = "Glue sizing of this environment (lake.yaml environments.<env>): worker type, workers, execution class."
  value = {
    worker_type       = local.settings.glue_worker_type
    number_of_workers = local.settings.glue_number_of_workers
    execution_class   = local.settings.glue_execution_class
  }
}

output "schedule" {
  description = "When the pipeline runs: expression, time zone and whether the schedule is enabled."
  value = {
    expression = module.stepfunctions.schedule_expression
    timezone   = module.stepfunctions.schedule_timezone
    state      = module.stepfunctions.schedule_state
  }
}

output "landing_trigger" {
  description = "The landing trigger (lake.yaml environments.<env>.landing_trigger): whether it is on, its function, its queue and dead-letter queue (URLs to inspect or redrive), and the queue's sizing (maxReceiveCount x visibility timeout outlasts two runs)."
  value = {
    enabled                    = module.landing_trigger.enabled
    function_name              = module.landing_trigger.function_name
    queue_url                  = module.landing_trigger.queue_url
    dlq_url                    = module.landing_trigger.dlq_url
    max_receive_count          = module.landing_trigger.max_receive_count
    visibility_timeout_seconds = module.landing_trigger.visibility_timeout_seconds
  }
}

output "granted_arns" {
  description = "The ARNs the IAM roles are granted on (iam output `granted_arns`), for checks against the resources created."
  value       = module.iam.granted_arns
}

output "analyst_policy_arn" {
  description = "ARN of the analyst managed policy: Athena in the lake workgroup, the gold (and optionally silver) catalog and objects, query results (docs/operating-on-aws.md)."
  value       = module.iam.analyst_policy_arn
}

output "analyst_role_arn" {
  description = "ARN of the optional analyst role (null unless `analyst_role_trusted_principals` is set)."
  value       = module.iam.analyst_role_arn
}

output "role_arns" {
  description = "The lake's roles that read objects, by component (make smoke checks that a first-run read as each answers 404; the landing trigger's role reads none)."
  value = {
    ingest_lambda = module.iam.ingest_lambda_role_arn
    glue_job      = module.iam.glue_job_role_arn
    glue_crawler  = module.iam.glue_crawler_role_arn
  }
}
