# The function's configuration, encryption and failure handling, checked against a mocked provider.

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  function_name     = "jozi-pizza-test-ingest"
  log_group_name    = "/aws/lambda/jozi-pizza-test-ingest"
  dlq_name          = "jozi-pizza-test-ingest-dlq"
  role_arn          = "arn:aws:iam::123456789012:role/jozi-pizza-test-ingest-lambda"
  package_path      = "./tests/fixtures/ingest.zip"
  environment       = "test"
  bucket_name       = "jozi-pizza-test-lake"
  source_base_url   = "https://api.example.co.za"
  token_secret_name = "jozi-pizza/test/source-api-token"
  kms_key_arn       = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  sources = [
    { name = "orders", endpoint = "/v1/orders" },
    { name = "menu", endpoint = "/v1/menu" },
  ]
}

run "function_configuration" {
  command = apply

  assert {
    condition = alltrue([
      aws_lambda_function.ingest[0].handler == "ingest_handler.handler",
      aws_lambda_function.ingest[0].runtime == "python3.11",
      aws_lambda_function.ingest[0].timeout == 600,
    ])
    error_message = "the function must run ingest_handler.handler on python3.11"
  }

  assert {
    # A reservation must leave 100 executions unreserved; fresh accounts (and opt-in regions such as
    # af-south-1) start with a quota of 10, so any reservation fails the first apply there. The state
    # machine already runs one pipeline at a time.
    condition     = aws_lambda_function.ingest[0].reserved_concurrent_executions == -1
    error_message = "the function must reserve no concurrency by default (fresh accounts cannot spare any)"
  }

  assert {
    condition     = aws_lambda_function.ingest[0].source_code_hash == filebase64sha256("./tests/fixtures/ingest.zip")
    error_message = "the code hash must follow the package so a new zip redeploys"
  }

  assert {
    condition = alltrue([
      aws_lambda_function.ingest[0].environment[0].variables.LAKE_BUCKET == "jozi-pizza-test-lake",
      aws_lambda_function.ingest[0].environment[0].variables.LAKE_ENV == "test",
      aws_lambda_function.ingest[0].environment[0].variables.LAKE_BRONZE_PREFIX == "bronze/",
      aws_lambda_function.ingest[0].environment[0].variables.SOURCE_BASE_URL == "https://api.example.co.za",
      aws_lambda_function.ingest[0].environment[0].variables.SOURCE_PAGINATION == "cursor",
      aws_lambda_function.ingest[0].environment[0].variables.SOURCE_PAGE_SIZE == "500",
      aws_lambda_function.ingest[0].environment[0].variables.SOURCE_AUTH_HEADER == "Authorization",
      aws_lambda_function.ingest[0].environment[0].variables.SOURCE_TOKEN_SECRET_ARN == aws_secretsmanager_secret.source_token[0].arn,
    ])
    error_message = "the environment variables must carry the lake and source settings the handler reads"
  }

  assert {
    condition = jsondecode(aws_lambda_function.ingest[0].environment[0].variables.SOURCE_ENDPOINTS) == [
      { name = "orders", endpoint = "/v1/orders" },
      { name = "menu", endpoint = "/v1/menu" },
    ]
    error_message = "SOURCE_ENDPOINTS must be the JSON list of sources in lake.yaml order"
  }

  assert {
    condition = alltrue([
      aws_lambda_function.ingest[0].kms_key_arn == var.kms_key_arn,
      aws_cloudwatch_log_group.function[0].kms_key_id == var.kms_key_arn,
      aws_sqs_queue.dlq[0].kms_master_key_id == var.kms_key_arn,
      aws_secretsmanager_secret.source_token[0].kms_key_id == var.kms_key_arn,
    ])
    error_message = "environment variables, logs, DLQ and secret must all be encrypted with the given KMS key"
  }

  assert {
    condition = alltrue([
      aws_lambda_function.ingest[0].tracing_config[0].mode == "Active",
      aws_lambda_function.ingest[0].dead_letter_config[0].target_arn == aws_sqs_queue.dlq[0].arn,
      aws_sqs_queue.dlq[0].name == "jozi-pizza-test-ingest-dlq",
      aws_cloudwatch_log_group.function[0].name == "/aws/lambda/jozi-pizza-test-ingest",
      aws_cloudwatch_log_group.function[0].retention_in_days == 14,
      aws_lambda_function.ingest[0].logging_config[0].log_group == "/aws/lambda/jozi-pizza-test-ingest",
      aws_lambda_function_event_invoke_config.ingest[0].maximum_retry_attempts == 0,
    ])
    error_message = "tracing, DLQ, log group and no async retries must be configured"
  }

  assert {
    condition     = length(aws_lambda_function.ingest[0].vpc_config) == 0
    error_message = "the function runs outside a VPC unless subnets are given"
  }
}

run "extra_environment_cannot_override_module_variables" {
  command = plan

  variables {
    additional_environment_variables = { LOG_LEVEL = "DEBUG", LAKE_BUCKET = "someone-elses-bucket" }
  }

  assert {
    condition = alltrue([
      output.environment_variables.LOG_LEVEL == "DEBUG",
      output.environment_variables.LAKE_BUCKET == "jozi-pizza-test-lake",
    ])
    error_message = "extra variables are added but never replace the module's own"
  }
}

run "optional_vpc" {
  command = plan

  variables {
    vpc_subnet_ids         = ["subnet-0abc1234", "subnet-0def5678"]
    vpc_security_group_ids = ["sg-0123abcd"]
  }

  assert {
    condition     = aws_lambda_function.ingest[0].vpc_config[0].subnet_ids == toset(["subnet-0abc1234", "subnet-0def5678"])
    error_message = "subnets given means the function runs in the VPC"
  }
}

run "vpc_needs_security_groups" {
  command = plan

  variables {
    vpc_subnet_ids = ["subnet-0abc1234"]
  }

  expect_failures = [aws_lambda_function.ingest]
}

run "rejects_missing_package" {
  command = plan

  variables {
    package_path = "./tests/fixtures/missing.zip"
  }

  expect_failures = [var.package_path]
}

run "rejects_plain_http_source" {
  command = plan

  variables {
    source_base_url = "http://api.example.co.za"
  }

  expect_failures = [var.source_base_url]
}

run "rejects_unknown_pagination" {
  command = plan

  variables {
    pagination = "offset"
  }

  expect_failures = [var.pagination]
}

run "rejects_duplicate_sources" {
  command = plan

  variables {
    sources = [{ name = "orders", endpoint = "/v1/orders" }, { name = "orders", endpoint = "/v2/orders" }]
  }

  expect_failures = [var.sources]
}

run "rejects_old_runtime" {
  command = plan

  variables {
    runtime = "python3.8"
  }

  expect_failures = [var.runtime]
}

run "rejects_bad_names" {
  command = plan

  variables {
    dlq_name       = "no spaces"
    log_group_name = "no spaces"
  }

  expect_failures = [var.dlq_name, var.log_group_name]
}
