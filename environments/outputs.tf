# Shared by every environment: environments/<env>/outputs.tf is a symlink to this file, so the outputs
# the CLI reads (`terraform output -json`, src/jozi_lake/aws/outputs.py; docs/terraform-interfaces.md)
# are written once. Each passes the lake module's output of the same name through.

output "environment" {
  description = "Environment name."
  value       = module.lake.environment
}

output "region" {
  description = "AWS region of the lake (lake.yaml region)."
  value       = module.lake.region
}

output "bucket" {
  description = "Lake bucket name."
  value       = module.lake.bucket
}

output "lake_root" {
  description = "The --lake_root job argument (s3://<bucket>)."
  value       = module.lake.lake_root
}

output "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the lake, logs, topic, queues and secret."
  value       = module.lake.kms_key_arn
}

output "databases" {
  description = "Glue/Athena database by layer."
  value       = module.lake.databases
}

output "crawler_names" {
  description = "Glue crawler name by layer (plus quarantine when crawled)."
  value       = module.lake.crawler_names
}

output "job_names" {
  description = "Glue job name by lake.yaml job key."
  value       = module.lake.job_names
}

output "state_machine_arn" {
  description = "ARN of the pipeline state machine."
  value       = module.lake.state_machine_arn
}

output "state_machine_name" {
  description = "Name of the pipeline state machine."
  value       = module.lake.state_machine_name
}

output "athena_workgroup" {
  description = "Athena workgroup every query must run in."
  value       = module.lake.athena_workgroup
}

output "athena_view_query_ids" {
  description = "Named queries holding the CREATE OR REPLACE VIEW statements of sql/views, by view name; `lake create-views --env` runs them."
  value       = module.lake.athena_view_query_ids
}

output "athena_results_location" {
  description = "Enforced Athena result location."
  value       = module.lake.athena_results_location
}

output "athena_price_per_tb_usd" {
  description = "Athena price per TB scanned (USD), for cost reports."
  value       = module.lake.athena_price_per_tb_usd
}

output "athena_bytes_scanned_cutoff" {
  description = "Per-query scan limit in bytes."
  value       = module.lake.athena_bytes_scanned_cutoff
}

output "ingest_function_name" {
  description = "Name of the lake's Lambda function (ingest and the pipeline's summary)."
  value       = module.lake.ingest_function_name
}

output "source_secret_arns" {
  description = "The secret of each source credential (lake.yaml auth.secret), to put its value into (aws secretsmanager put-secret-value)."
  value       = module.lake.source_secret_arns
}

output "alert_topic_arn" {
  description = "ARN of the alert topic."
  value       = module.lake.alert_topic_arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the pipeline."
  value       = module.lake.dashboard_name
}

output "glue_code_version" {
  description = "Version of the Glue code the jobs run: the content hash of build/glue/ in its keys (scripts/<version>/)."
  value       = module.lake.glue_code_version
}

output "glue_code_uri" {
  description = "Where the deployed Glue code lives: s3://<bucket>/scripts/<glue_code_version>/."
  value       = module.lake.glue_code_uri
}

output "quality_metric" {
  description = "Namespace, metric and dimensions the jobs publish the quarantine rate with."
  value       = module.lake.quality_metric
}

output "glue_settings" {
  description = "Glue sizing of this environment (lake.yaml environments.<env>): worker type, workers, execution class."
  value       = module.lake.glue_settings
}

output "schedule" {
  description = "When the pipeline runs: expression, time zone and whether the schedule is enabled."
  value       = module.lake.schedule
}

output "analyst_policy_arn" {
  description = "The analyst managed policy: attach it to a permission set, user, group or BI tool role (docs/operating-on-aws.md)."
  value       = module.lake.analyst_policy_arn
}

output "role_arns" {
  description = "The lake's roles that read objects, by component (make smoke assumes or simulates each)."
  value       = module.lake.role_arns
}

output "landing_trigger" {
  description = "The landing trigger: whether it is on, its function, its queue and dead-letter queue URLs, the queue's sizing."
  value       = module.lake.landing_trigger
}
