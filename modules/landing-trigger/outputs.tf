output "enabled" {
  description = "Whether the landing trigger exists (a landed file starts a run)."
  value       = var.create
}

output "rule_arn" {
  description = "ARN of the EventBridge rule (null when not created)."
  value       = try(aws_cloudwatch_event_rule.landing[0].arn, null)
}

output "event_pattern" {
  description = "The rule's event pattern: Object Created events of the bucket under the landing prefixes."
  value       = jsonencode(local.event_pattern)
}

output "queue_arn" {
  description = "ARN of the landing queue (null when not created)."
  value       = try(aws_sqs_queue.landing[0].arn, null)
}

output "queue_url" {
  description = "URL of the landing queue (null when not created)."
  value       = try(aws_sqs_queue.landing[0].url, null)
}

output "dlq_arn" {
  description = "ARN of the landing dead-letter queue (null when not created)."
  value       = try(aws_sqs_queue.dlq[0].arn, null)
}

output "dlq_url" {
  description = "URL of the landing dead-letter queue (null when not created): inspect or redrive its messages from here."
  value       = try(aws_sqs_queue.dlq[0].url, null)
}

output "function_arn" {
  description = "ARN of the landing trigger function (null when not created)."
  value       = try(aws_lambda_function.trigger[0].arn, null)
}

output "function_name" {
  description = "Name of the landing trigger function (null when not created)."
  value       = try(aws_lambda_function.trigger[0].function_name, null)
}

output "max_receive_count" {
  description = "The landing queue's maxReceiveCount: ceil(runs_to_outlast x run timeout / visibility timeout) + 2."
  value       = local.max_receive_count
}

output "visibility_timeout_seconds" {
  description = "The landing queue's visibility timeout: how often a deferred file is looked at again."
  value       = var.visibility_timeout_seconds
}

output "message_retention_seconds" {
  description = "The landing queue's message retention: every receive of a message's life fits in it."
  value       = local.message_retention_seconds
}

output "function_package" {
  description = "The zip, runtime and architecture the trigger function deploys (the lake Lambda's package)."
  value       = var.create ? var.lambda_package : null
}
