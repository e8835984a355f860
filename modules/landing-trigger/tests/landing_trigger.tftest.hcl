# The landing trigger's wiring, checked against a mocked provider: the rule's pattern, who may send to the
# queues, the batching of the event source mapping, and the queue's sizing from the run timeout. The role
# the function runs as is modules/iam's (tested there: landing_trigger_role_*).

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  rule_name           = "jozi-pizza-dev-landing"
  queue_name          = "jozi-pizza-dev-landing"
  dlq_name            = "jozi-pizza-dev-landing-dlq"
  function_name       = "jozi-pizza-dev-landing-trigger"
  log_group_name      = "/aws/lambda/jozi-pizza-dev-landing-trigger"
  bucket_name         = "jozi-pizza-dev-lake"
  landing_prefixes    = ["landing/orders/", "landing/drivers/"]
  state_machine_arn   = "arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"
  run_timeout_seconds = 20000
  role_arn            = "arn:aws:iam::123456789012:role/jozi-pizza-dev-landing-trigger"
  lambda_package      = { path = "../ingest-lambda/tests/fixtures/ingest.zip", runtime = "python3.11", architecture = "arm64" }
  environment         = "dev"
  kms_key_arn         = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  tags                = { owner = "data-platform" }
}

# The mocks give every queue one ARN: these two get the ones AWS would give, so the wiring can be followed.
override_resource {
  target = aws_sqs_queue.landing[0]
  values = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/jozi-pizza-dev-landing"
  }
}

override_resource {
  target = aws_sqs_queue.dlq[0]
  values = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/jozi-pizza-dev-landing-dlq"
  }
}

override_resource {
  target = aws_cloudwatch_event_rule.landing[0]
  values = { arn = "arn:aws:events:af-south-1:123456789012:rule/jozi-pizza-dev-landing" }
}

run "the_rule_matches_object_created_under_the_sources_landing_prefixes_only" {
  command = apply

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.landing[0].event_pattern) == {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = {
        bucket = { name = ["jozi-pizza-dev-lake"] }
        object = { key = [{ prefix = "landing/drivers/" }, { prefix = "landing/orders/" }] }
      }
    }
    error_message = "the rule must match Object Created events of the lake bucket under the declared sources' landing prefixes, nothing else"
  }

  assert {
    condition     = aws_cloudwatch_event_target.queue[0].arn == aws_sqs_queue.landing[0].arn && aws_cloudwatch_event_target.queue[0].dead_letter_config[0].arn == aws_sqs_queue.dlq[0].arn
    error_message = "the rule sends to the landing queue, and what it cannot deliver to the dead-letter queue"
  }
}

run "only_the_rule_may_send_to_the_queues_over_tls" {
  command = apply

  assert {
    condition = alltrue([
      for policy in [aws_sqs_queue_policy.landing[0].policy, aws_sqs_queue_policy.dlq[0].policy] : anytrue([
        for statement in jsondecode(policy).Statement :
        statement.Effect == "Allow" && statement.Principal == { Service = "events.amazonaws.com" } && statement.Action == "sqs:SendMessage"
        && statement.Condition == { ArnEquals = { "aws:SourceArn" = "arn:aws:events:af-south-1:123456789012:rule/jozi-pizza-dev-landing" } }
      ])
    ])
    error_message = "EventBridge may send to both queues only for the landing rule (aws:SourceArn)"
  }

  assert {
    condition = alltrue([
      for policy in [aws_sqs_queue_policy.landing[0].policy, aws_sqs_queue_policy.dlq[0].policy] :
      length([for statement in jsondecode(policy).Statement : statement if statement.Effect == "Allow"]) == 1
      && anytrue([for statement in jsondecode(policy).Statement : statement.Effect == "Deny" && statement.Condition == { Bool = { "aws:SecureTransport" = "false" } }])
    ])
    error_message = "nothing else is allowed by the queue policies, and plain HTTP is denied"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_policy.landing[0].policy).Statement[0].Resource == aws_sqs_queue.landing[0].arn && aws_sqs_queue_policy.landing[0].queue_url == aws_sqs_queue.landing[0].url
    error_message = "each queue's policy names that queue"
  }

  assert {
    condition     = aws_sqs_queue.landing[0].kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dlq[0].kms_master_key_id == var.kms_key_arn
    error_message = "both queues are encrypted with the lake key"
  }
}

run "a_burst_is_one_batch_and_deferred_messages_come_back" {
  command = apply

  assert {
    condition = alltrue([
      aws_lambda_event_source_mapping.queue[0].event_source_arn == aws_sqs_queue.landing[0].arn,
      aws_lambda_event_source_mapping.queue[0].batch_size == 100,
      aws_lambda_event_source_mapping.queue[0].maximum_batching_window_in_seconds == 60,
      length(aws_lambda_event_source_mapping.queue[0].function_response_types) == 1,
      contains(aws_lambda_event_source_mapping.queue[0].function_response_types, "ReportBatchItemFailures"),
      aws_lambda_event_source_mapping.queue[0].scaling_config[0].maximum_concurrency == 2,
    ])
    error_message = "the mapping batches a burst (window 60 s, 100 messages), reports failures per message and runs at most two invocations at once"
  }

  assert {
    condition     = aws_lambda_function.trigger[0].handler == "landing_trigger.handler" && aws_lambda_function.trigger[0].timeout == 30 && aws_lambda_function.trigger[0].reserved_concurrent_executions == -1
    error_message = "the function runs the landing trigger's handler of the lake zip, briefly, without reserving concurrency"
  }

  assert {
    condition = aws_lambda_function.trigger[0].environment[0].variables == tomap({
      LAKE_ENV                  = "dev"
      LAKE_BUCKET               = "jozi-pizza-dev-lake"
      LAKE_STATE_MACHINE_ARN    = "arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"
      LAKE_LANDING_SLOT_SECONDS = "300"
    })
    error_message = "the function's environment is jozi_lake.landing.TriggerSettings"
  }
}

run "a_deferred_message_outlives_two_longest_runs" {
  command = apply

  assert {
    # ceil(2 x 20000 / 300) + 2 = 136 receives, 5 minutes apart: 11 h 20 min, two runs of 5 h 33 min.
    condition     = jsondecode(aws_sqs_queue.landing[0].redrive_policy) == { deadLetterTargetArn = aws_sqs_queue.dlq[0].arn, maxReceiveCount = 136 }
    error_message = "maxReceiveCount x visibility timeout must outlast two runs of the state machine's timeout"
  }

  assert {
    condition     = aws_sqs_queue.landing[0].visibility_timeout_seconds == 300 && aws_sqs_queue.landing[0].message_retention_seconds == 345600 && aws_sqs_queue.dlq[0].message_retention_seconds == 1209600
    error_message = "retention holds every receive (four days at least) and the dead-letter queue keeps messages longer than the queue"
  }
}

run "a_long_timeout_stretches_the_retention" {
  command = apply

  variables {
    run_timeout_seconds        = 200000
    visibility_timeout_seconds = 1200
  }

  assert {
    # ceil(2 x 200000 / 1200) + 2 = 336 receives; (336 + 1) x 1200 s = 404400 s, beyond the four-day floor.
    condition     = output.max_receive_count == 336 && aws_sqs_queue.landing[0].message_retention_seconds == 404400
    error_message = "the retention must grow with maxReceiveCount x visibility timeout"
  }
}

run "refuses_more_receives_than_sqs_allows" {
  command = plan

  variables {
    run_timeout_seconds = 200000
  }

  expect_failures = [aws_sqs_queue.landing]
}

run "nothing_without_the_switch" {
  command = apply

  variables {
    create            = false
    state_machine_arn = null
    role_arn          = null
  }

  assert {
    condition     = length(aws_lambda_function.trigger) == 0 && length(aws_sqs_queue.landing) == 0 && length(aws_cloudwatch_event_rule.landing) == 0 && output.queue_arn == null && !output.enabled
    error_message = "with create = false the module creates nothing"
  }
}

run "refuses_a_visibility_timeout_below_the_function_and_window" {
  command = plan

  variables {
    visibility_timeout_seconds = 120
  }

  expect_failures = [aws_sqs_queue.landing]
}

run "refuses_a_start_without_a_state_machine" {
  command = plan

  variables {
    state_machine_arn = null
  }

  expect_failures = [aws_lambda_function.trigger]
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    rule_name                  = "has spaces"
    queue_name                 = "queue.fifo"
    landing_prefixes           = ["landing"]
    state_machine_arn          = "arn:aws:lambda:af-south-1:123456789012:function:x"
    run_timeout_seconds        = 0
    visibility_timeout_seconds = 10
    batching_window_seconds    = 600
    maximum_concurrency        = 1
    lambda_package             = { path = "missing.zip", runtime = "python3.11", architecture = "arm64" }
  }

  expect_failures = [
    var.rule_name,
    var.queue_name,
    var.landing_prefixes,
    var.state_machine_arn,
    var.run_timeout_seconds,
    var.visibility_timeout_seconds,
    var.batching_window_seconds,
    var.maximum_concurrency,
    var.lambda_package,
  ]
}
