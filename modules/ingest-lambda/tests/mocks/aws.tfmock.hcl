# Realistic computed values for the mocked AWS provider: random strings would fail ARN validation.
mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:af-south-1:111122223333:log-group:/aws/lambda/jozi-pizza-test-ingest"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:af-south-1:111122223333:jozi-pizza-test-ingest-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/111122223333/jozi-pizza-test-ingest-dlq"
  }
}

mock_resource "aws_secretsmanager_secret" {
  defaults = {
    arn = "arn:aws:secretsmanager:af-south-1:111122223333:secret:jozi-pizza/test/source-api-token-AbCdEf"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:af-south-1:111122223333:function:jozi-pizza-test-ingest"
    invoke_arn    = "arn:aws:apigateway:af-south-1:lambda:path/2015-03-31/functions/arn:aws:lambda:af-south-1:111122223333:function:jozi-pizza-test-ingest/invocations"
    qualified_arn = "arn:aws:lambda:af-south-1:111122223333:function:jozi-pizza-test-ingest:$LATEST"
  }
}
