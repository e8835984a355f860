output "ingest_lambda_role_arn" {
  description = "ARN of the ingestion Lambda's execution role."
  value       = aws_iam_role.this["ingest_lambda"].arn
}

output "ingest_lambda_role_name" {
  description = "Name of the ingestion Lambda's execution role."
  value       = aws_iam_role.this["ingest_lambda"].name
}

output "glue_job_role_arn" {
  description = "ARN of the role the Glue jobs run as."
  value       = aws_iam_role.this["glue_job"].arn
}

output "glue_job_role_name" {
  description = "Name of the role the Glue jobs run as."
  value       = aws_iam_role.this["glue_job"].name
}

output "glue_crawler_role_arn" {
  description = "ARN of the role the Glue crawlers run as."
  value       = aws_iam_role.this["glue_crawler"].arn
}

output "glue_crawler_role_name" {
  description = "Name of the role the Glue crawlers run as."
  value       = aws_iam_role.this["glue_crawler"].name
}

output "state_machine_role_arn" {
  description = "ARN of the pipeline state machine's role."
  value       = aws_iam_role.this["state_machine"].arn
}

output "state_machine_role_name" {
  description = "Name of the pipeline state machine's role."
  value       = aws_iam_role.this["state_machine"].name
}

output "scheduler_role_arn" {
  description = "ARN of the role EventBridge Scheduler uses to start the state machine."
  value       = aws_iam_role.this["scheduler"].arn
}

output "scheduler_role_name" {
  description = "Name of the role EventBridge Scheduler uses to start the state machine."
  value       = aws_iam_role.this["scheduler"].name
}

output "landing_trigger_role_arn" {
  description = "ARN of the landing trigger's execution role (null without a landing trigger). Published once its policy is attached: the event source mapping checks at creation that the role may read the queue."
  value       = try(aws_iam_role.this["landing_trigger"].arn, null)
  depends_on  = [aws_iam_role_policy.this]
}

output "landing_trigger_role_name" {
  description = "Name of the landing trigger's execution role (null without a landing trigger)."
  value       = try(aws_iam_role.this["landing_trigger"].name, null)
}

output "role_arns" {
  description = "All role ARNs by component: ingest_lambda, glue_job, glue_crawler, state_machine, scheduler, and landing_trigger with a landing trigger."
  value       = { for component, role in aws_iam_role.this : component => role.arn }
}

output "granted_arns" {
  description = "The ARNs (and ARN patterns) of other modules' resources the roles are granted on, built from the names given: lambda_function, lambda_log_group, secrets (patterns `<name>-??????`), ingest_dlq, scheduler_dlq, alert_topic, landing_queue and landing_logs (null without a landing trigger), state_machine, glue_jobs, glue_crawlers, glue_databases, glue_tables. The composition tests compare them with the resources created."
  value = {
    lambda_function  = local.ingest_function_arn
    lambda_log_group = local.ingest_log_group_arn
    secrets          = local.ingest_secret_arns
    ingest_dlq       = local.ingest_dlq_arn
    scheduler_dlq    = local.scheduler_dlq_arn
    alert_topic      = local.alert_topic_arn
    landing_queue    = local.landing_queue_arn
    landing_logs     = local.landing_log_group_arn
    state_machine    = local.state_machine_arn
    glue_jobs        = local.glue_job_arns
    glue_crawlers    = local.glue_crawler_arns
    glue_databases   = local.glue_database_arns
    glue_tables      = local.glue_table_arns
  }
}

output "analyst_policy_arn" {
  description = "ARN of the analyst managed policy (attach it to an IAM Identity Center permission set, a user, a group or a BI tool's role); null without `analyst_workgroup_name`."
  value       = try(aws_iam_policy.analyst[0].arn, null)
}

output "analyst_role_arn" {
  description = "ARN of the optional analyst role (created only when `analyst_role_trusted_principals` is not empty); null otherwise."
  value       = try(aws_iam_role.analyst[0].arn, null)
}
