output "topic_arn" {
  description = "ARN of the alert topic (the state machine publishes its notices here)."
  value       = try(aws_sns_topic.alerts[0].arn, null)
}

output "topic_name" {
  description = "Name of the alert topic."
  value       = try(aws_sns_topic.alerts[0].name, null)
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms by key (e.g. pipeline-failed, quarantine-rate-orders)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "event_rule_names" {
  description = "Names of the EventBridge rules forwarding Glue job and crawler failures."
  value       = concat(aws_cloudwatch_event_rule.glue_job_failed[*].name, aws_cloudwatch_event_rule.glue_crawler_failed[*].name)
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null when not created)."
  value       = try(aws_cloudwatch_dashboard.pipeline[0].dashboard_name, null)
}

output "quality_metric" {
  description = "Where the jobs publish the quarantine metric: namespace, metric name and dimension names."
  value = {
    namespace  = var.quality_namespace
    metric     = "QuarantineRate"
    dimensions = ["Environment", "Table"]
  }
}

output "email_subscriptions" {
  description = "Email endpoints subscribed to the alert topic (each must confirm before it receives alerts)."
  value       = sort([for s in aws_sns_topic_subscription.email : s.endpoint])
}

output "budget_name" {
  description = "Name of the monthly cost budget (null when none)."
  value       = try(aws_budgets_budget.monthly[0].name, null)
}
