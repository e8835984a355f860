output "function_name" {
  description = "Name of the ingest function (the CLI invokes it by name)."
  value       = try(aws_lambda_function.ingest[0].function_name, null)
}

output "package" {
  description = "The deployment zip and what it runs on: the landing trigger deploys the same zip (its second handler) with the same runtime and architecture."
  value = {
    path         = var.package_path
    runtime      = var.runtime
    architecture = var.architecture
  }
}

output "timeout_seconds" {
  description = "The function's timeout in seconds (the longest one invocation takes)."
  value       = var.timeout_seconds
}

output "function_arn" {
  description = "ARN of the ingest function (the state machine invokes it)."
  value       = try(aws_lambda_function.ingest[0].arn, null)
}

output "log_group_name" {
  description = "Log group of the function."
  value       = try(aws_cloudwatch_log_group.function[0].name, null)
}

output "source_secret_arns" {
  description = "ARN of each source credential's secret, by its lake.yaml auth.secret name (put the values into these)."
  value       = { for key, secret in aws_secretsmanager_secret.source : key => secret.arn }
}

output "source_secret_names" {
  description = "Name of each source credential's secret, by its lake.yaml auth.secret name."
  value       = { for key, secret in aws_secretsmanager_secret.source : key => secret.name }
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue for failed asynchronous invocations."
  value       = try(aws_sqs_queue.dlq[0].arn, null)
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = try(aws_sqs_queue.dlq[0].name, null)
}

output "environment_variables" {
  description = "The environment variables the function receives (no secret values: credentials are referenced by ARN)."
  value       = local.environment_variables
}
