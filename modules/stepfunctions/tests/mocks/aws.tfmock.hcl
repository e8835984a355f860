# Realistic computed values for the mocked AWS provider: random strings would fail ARN validation.
mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:af-south-1:111122223333:log-group:/aws/vendedlogs/states/jozi-pizza-test-pipeline"
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = {
    arn = "arn:aws:states:af-south-1:111122223333:stateMachine:jozi-pizza-test-pipeline"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:af-south-1:111122223333:jozi-pizza-test-pipeline-schedule-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/111122223333/jozi-pizza-test-pipeline-schedule-dlq"
  }
}

mock_resource "aws_scheduler_schedule" {
  defaults = {
    arn = "arn:aws:scheduler:af-south-1:111122223333:schedule/default/jozi-pizza-test-pipeline-schedule"
  }
}
