# The one set of mocked AWS values for every `terraform test` suite in modules/ and environments/
# (`mock_provider "aws" { source = "<relative path to this folder>" }`). Mocked computed strings are
# otherwise random 8-character values, which fail the provider's ARN validation and are not JSON.
# One mocked account and region for every suite: 123456789012 in af-south-1.
# This folder holds no .tf file, so the Makefile and the HCL rule tests never take it for a module.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
    user_id    = "AIDAMOCKEDUSER"
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

# A rendered policy document is a computed string: give it a valid (empty) policy so roles and
# inline policies accept it. Tests assert on the documents' `statement` blocks, which keep what the
# configuration says (terraform-provider-aws 36700).
mock_data "aws_iam_policy_document" {
  defaults = {
    json          = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
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
    arn = "arn:aws:iam::123456789012:role/lake-mocked"
  }
}

mock_resource "aws_iam_policy" {
  defaults = {
    arn = "arn:aws:iam::123456789012:policy/mock-policy"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:af-south-1:123456789012:function:lake-mocked"
    invoke_arn    = "arn:aws:apigateway:af-south-1:lambda:path/2015-03-31/functions/arn:aws:lambda:af-south-1:123456789012:function:lake-mocked/invocations"
    qualified_arn = "arn:aws:lambda:af-south-1:123456789012:function:lake-mocked:$LATEST"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:af-south-1:123456789012:lake-mocked-alerts"
  }
}

mock_resource "aws_sns_topic_subscription" {
  defaults = {
    arn = "arn:aws:sns:af-south-1:123456789012:lake-mocked-alerts:6f1c1e38-0000-4000-8000-000000000000"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:af-south-1:123456789012:lake-mocked-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/lake-mocked-dlq"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:af-south-1:123456789012:log-group:lake-mocked"
  }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = {
    arn = "arn:aws:events:af-south-1:123456789012:rule/lake-mocked"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:af-south-1:123456789012:alarm:lake-mocked"
  }
}

mock_resource "aws_cloudwatch_dashboard" {
  defaults = {
    dashboard_arn = "arn:aws:cloudwatch::123456789012:dashboard/lake-mocked"
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = {
    arn = "arn:aws:states:af-south-1:123456789012:stateMachine:lake-mocked"
  }
}

mock_resource "aws_scheduler_schedule" {
  defaults = {
    arn = "arn:aws:scheduler:af-south-1:123456789012:schedule/default/lake-mocked"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:af-south-1:123456789012:secret:lake-mocked-AbCdEf"
  }
}

mock_resource "aws_athena_workgroup" {
  defaults = {
    arn = "arn:aws:athena:af-south-1:123456789012:workgroup/lake-mocked"
  }
}
