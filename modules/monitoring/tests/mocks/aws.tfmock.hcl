# Realistic computed values for the mocked AWS provider: random strings would fail ARN validation.
mock_data "aws_caller_identity" {
  defaults = {
    account_id = "111122223333"
    arn        = "arn:aws:iam::111122223333:user/terraform"
    user_id    = "AIDAEXAMPLE"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "af-south-1"
    id   = "af-south-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:af-south-1:111122223333:jozi-pizza-test-alerts"
  }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = {
    arn = "arn:aws:events:af-south-1:111122223333:rule/jozi-pizza-test-glue-job-failed"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:af-south-1:111122223333:alarm:jozi-pizza-test-alarm"
  }
}

mock_resource "aws_cloudwatch_dashboard" {
  defaults = {
    dashboard_arn = "arn:aws:cloudwatch::111122223333:dashboard/jozi-pizza-test-pipeline"
  }
}

mock_resource "aws_sns_topic_subscription" {
  defaults = {
    arn = "arn:aws:sns:af-south-1:111122223333:jozi-pizza-test-alerts:6f1c1e38-0000-4000-8000-000000000000"
  }
}
