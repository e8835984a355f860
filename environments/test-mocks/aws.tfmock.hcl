# Realistic computed values for the mocked AWS provider, so module validations of ARNs and names pass.
mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "af-south-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    key_id = "11111111-2222-3333-4444-555555555555"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/jozi-pizza-mocked"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn = "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-mocked-ingest"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:af-south-1:123456789012:jozi-pizza-mocked-alerts"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-mocked-dlq"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:af-south-1:123456789012:log-group:jozi-pizza-mocked"
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = {
    arn = "arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-mocked-pipeline"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:af-south-1:123456789012:secret:jozi-pizza/mocked/source-api-token-AbCdEf"
  }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = {
    arn = "arn:aws:events:af-south-1:123456789012:rule/jozi-pizza-mocked"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::jozi-pizza-mocked-lake"
    id  = "jozi-pizza-mocked-lake"
  }
}
