output "state_machine_arn" {
  description = "ARN of the pipeline state machine (start executions here; the CLI reads it)."
  value       = try(aws_sfn_state_machine.pipeline[0].arn, null)
}

output "state_machine_name" {
  description = "Name of the pipeline state machine."
  value       = try(aws_sfn_state_machine.pipeline[0].name, null)
}

output "definition" {
  description = "The state machine definition (Amazon States Language JSON) generated from the stage list."
  value       = jsonencode(local.definition)
}

output "timeout_seconds" {
  description = "The execution timeout: every bounded task's worst case (attempts at their timeouts plus retry waits) plus crawl_allowance_seconds."
  value       = local.timeout_seconds
}

output "stage_entry_states" {
  description = "Entry state name of each pipeline stage, in pipeline order: a crawl or job stage is entered at its plan (<stage>_plan), the others at their own task."
  value       = [for s in local.stages : local.entry_state[s.name]]
}

output "log_group_name" {
  description = "CloudWatch log group receiving execution history."
  value       = try(aws_cloudwatch_log_group.state_machine[0].name, null)
}

output "log_group_arn" {
  description = "ARN of the execution history log group."
  value       = try(aws_cloudwatch_log_group.state_machine[0].arn, null)
}

output "schedule_arn" {
  description = "ARN of the EventBridge Scheduler schedule (null when not created)."
  value       = try(aws_scheduler_schedule.pipeline[0].arn, null)
}

output "schedule_name" {
  description = "Name of the schedule (null when not created)."
  value       = try(aws_scheduler_schedule.pipeline[0].name, null)
}

output "schedule_dlq_arn" {
  description = "ARN of the schedule's dead-letter queue (null when not created)."
  value       = try(aws_sqs_queue.schedule_dlq[0].arn, null)
}

output "schedule_dlq_name" {
  description = "Name of the schedule's dead-letter queue (null when not created)."
  value       = try(aws_sqs_queue.schedule_dlq[0].name, null)
}

output "schedule_dlq_url" {
  description = "URL of the schedule's dead-letter queue (null when not created)."
  value       = try(aws_sqs_queue.schedule_dlq[0].url, null)
}

output "schedule_expression" {
  description = "Expression of the schedule (null when not created)."
  value       = try(aws_scheduler_schedule.pipeline[0].schedule_expression, null)
}

output "schedule_timezone" {
  description = "Time zone the schedule expression is evaluated in (null when not created)."
  value       = try(aws_scheduler_schedule.pipeline[0].schedule_expression_timezone, null)
}

output "schedule_state" {
  description = "ENABLED or DISABLED (null when not created)."
  value       = try(aws_scheduler_schedule.pipeline[0].state, null)
}

output "run_ended_rule_arn" {
  description = "ARN of the EventBridge rule that sends ended executions to the lake Lambda (null when not created)."
  value       = try(aws_cloudwatch_event_rule.run_ended[0].arn, null)
}

output "run_ended_rule_name" {
  description = "Name of the EventBridge rule that sends ended executions to the lake Lambda (null when not created)."
  value       = try(aws_cloudwatch_event_rule.run_ended[0].name, null)
}
