# The function's configuration, encryption and failure handling, checked against a mocked provider.

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  function_name  = "jozi-pizza-test-ingest"
  log_group_name = "/aws/lambda/jozi-pizza-test-ingest"
  dlq_name       = "jozi-pizza-test-ingest-dlq"
  role_arn       = "arn:aws:iam::123456789012:role/jozi-pizza-test-ingest-lambda"
  package_path   = "./tests/fixtures/ingest.zip"
  environment    = "test"
  bucket_name    = "jozi-pizza-test-lake"
  source_secret_names = {
    store_api = "jozi-pizza/test/sources/store_api"
    stripe    = "jozi-pizza/test/sources/stripe"
  }
  kms_key_arn = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
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
      length(aws_lambda_function.ingest[0].environment[0].variables) == 3,
    ])
    error_message = "the function gets its environment, its bucket and the secrets' ARNs, nothing the packaged lake.json says"
  }

  assert {
    condition = jsondecode(aws_lambda_function.ingest[0].environment[0].variables.LAKE_SOURCE_SECRETS) == {
      store_api = aws_secretsmanager_secret.source["store_api"].arn
      stripe    = aws_secretsmanager_secret.source["stripe"].arn
    }
    error_message = "LAKE_SOURCE_SECRETS must map each credential name to its secret's ARN"
  }

  assert {
    condition     = aws_secretsmanager_secret.source["stripe"].name == "jozi-pizza/test/sources/stripe"
    error_message = "one secret per credential, under the name the composition computed"
  }

  assert {
    condition = alltrue([
      aws_lambda_function.ingest[0].kms_key_arn == var.kms_key_arn,
      aws_cloudwatch_log_group.function[0].kms_key_id == var.kms_key_arn,
      aws_sqs_queue.dlq[0].kms_master_key_id == var.kms_key_arn,
      alltrue([for secret in aws_secretsmanager_secret.source : secret.kms_key_id == var.kms_key_arn]),
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

run "rejects_a_bad_secret_name" {
  command = plan

  variables {
    source_secret_names = { "bad key!" = "x" }
  }

  expect_failures = [var.source_secret_names]
}
