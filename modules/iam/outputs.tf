output "ingest_lambda_role_arn" {
  description = "ARN of the ingestion Lambda's execution role."
  value       = aws_iam_role.ingest_lambda.arn
}

output "ingest_lambda_role_name" {
  description = "Name of the ingestion Lambda's execution role."
  value       = aws_iam_role.ingest_lambda.name
}

output "glue_job_role_arn" {
  description = "ARN of the role the Glue jobs run as."
  value       = aws_iam_role.glue_job.arn
}

output "glue_job_role_name" {
  description = "Name of the role the Glue jobs run as."
  value       = aws_iam_role.glue_job.name
}

output "glue_crawler_role_arn" {
  description = "ARN of the role the Glue crawlers run as."
  value       = aws_iam_role.glue_crawler.arn
}

output "glue_crawler_role_name" {
  description = "Name of the role the Glue crawlers run as."
  value       = aws_iam_role.glue_crawler.name
}

output "state_machine_role_arn" {
  description = "ARN of the pipeline state machine's role."
  value       = aws_iam_role.state_machine.arn
}

output "state_machine_role_name" {
  description = "Name of the pipeline state machine's role."
  value       = aws_iam_role.state_machine.name
}

output "scheduler_role_arn" {
  description = "ARN of the role EventBridge Scheduler uses to start the state machine."
  value       = aws_iam_role.scheduler.arn
}

output "scheduler_role_name" {
  description = "Name of the role EventBridge Scheduler uses to start the state machine."
  value       = aws_iam_role.scheduler.name
}

output "role_arns" {
  description = "All role ARNs by component: ingest_lambda, glue_job, glue_crawler, state_machine, scheduler."
  value = {
    ingest_lambda = aws_iam_role.ingest_lambda.arn
    glue_job      = aws_iam_role.glue_job.arn
    glue_crawler  = aws_iam_role.glue_crawler.arn
    state_machine = aws_iam_role.state_machine.arn
    scheduler     = aws_iam_role.scheduler.arn
  }
}
