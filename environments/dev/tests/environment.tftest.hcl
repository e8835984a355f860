# environments/dev wires modules/lake for dev; the composition itself is tested in modules/lake/tests.

mock_provider "aws" {
  source = "../../modules/tests-mocks" # the one shared set of mocked values
}

variables {
  # The committed fixture stands in for build/lambda/ingest.zip, so tests need no build step.
  ingest_package_path = "../../modules/ingest-lambda/tests/fixtures/ingest.zip"
  glue_code_dir       = "../../modules/glue/tests/fixtures/code"
}

# The shared mocks give every resource of a type the same ARN; the resources whose ARNs other resources
# reference get the ARN AWS would give them (ARN formats of the AWS docs, the names modules/lake computes),
# so the rendered state wires them the way an account would and the offline checks can follow each ARN.
override_resource {
  target = module.lake.module.monitoring.aws_sns_topic.alerts[0]
  values = { arn = "arn:aws:sns:af-south-1:123456789012:jozi-pizza-dev-alerts" }
}

override_resource {
  target = module.lake.module.ingest_lambda.aws_lambda_function.ingest[0]
  values = {
    arn           = "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-dev-ingest"
    qualified_arn = "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-dev-ingest:$LATEST"
  }
}

override_resource {
  target = module.lake.module.ingest_lambda.aws_sqs_queue.dlq[0]
  values = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-ingest-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/jozi-pizza-dev-ingest-dlq"
  }
}

override_resource {
  target = module.lake.module.ingest_lambda.aws_cloudwatch_log_group.function[0]
  values = { arn = "arn:aws:logs:af-south-1:123456789012:log-group:/aws/lambda/jozi-pizza-dev-ingest" }
}

override_resource {
  target = module.lake.module.ingest_lambda.aws_secretsmanager_secret.source_token[0]
  values = { arn = "arn:aws:secretsmanager:af-south-1:123456789012:secret:jozi-pizza/dev/source-api-token-AbCdEf" }
}

override_resource {
  target = module.lake.module.stepfunctions.aws_sfn_state_machine.pipeline[0]
  values = { arn = "arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline" }
}

override_resource {
  target = module.lake.module.stepfunctions.aws_cloudwatch_log_group.state_machine[0]
  values = { arn = "arn:aws:logs:af-south-1:123456789012:log-group:/aws/vendedlogs/states/jozi-pizza-dev-pipeline" }
}

override_resource {
  target = module.lake.module.stepfunctions.aws_sqs_queue.schedule_dlq[0]
  values = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-pipeline-schedule-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/jozi-pizza-dev-pipeline-schedule-dlq"
  }
}

override_resource {
  target = module.lake.module.landing_trigger.aws_sqs_queue.landing[0]
  values = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/jozi-pizza-dev-landing"
  }
}

override_resource {
  target = module.lake.module.landing_trigger.aws_sqs_queue.dlq[0]
  values = {
    arn = "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing-dlq"
    url = "https://sqs.af-south-1.amazonaws.com/123456789012/jozi-pizza-dev-landing-dlq"
  }
}

override_resource {
  target = module.lake.module.landing_trigger.aws_cloudwatch_event_rule.landing[0]
  values = { arn = "arn:aws:events:af-south-1:123456789012:rule/jozi-pizza-dev-landing" }
}

override_resource {
  target = module.lake.module.landing_trigger.aws_lambda_function.trigger[0]
  values = {
    arn           = "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-dev-landing-trigger"
    qualified_arn = "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-dev-landing-trigger:$LATEST"
  }
}

override_resource {
  target = module.lake.module.landing_trigger.aws_cloudwatch_log_group.function[0]
  values = { arn = "arn:aws:logs:af-south-1:123456789012:log-group:/aws/lambda/jozi-pizza-dev-landing-trigger" }
}

override_resource {
  target = module.lake.module.athena.aws_athena_workgroup.this
  values = { arn = "arn:aws:athena:af-south-1:123456789012:workgroup/jozi-pizza-dev" }
}

override_resource {
  target = module.lake.module.iam.aws_iam_role.this["ingest_lambda"]
  values = { arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-ingest-lambda" }
}

override_resource {
  target = module.lake.module.iam.aws_iam_role.this["glue_job"]
  values = { arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-glue-job" }
}

override_resource {
  target = module.lake.module.iam.aws_iam_role.this["glue_crawler"]
  values = { arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-glue-crawler" }
}

override_resource {
  target = module.lake.module.iam.aws_iam_role.this["state_machine"]
  values = { arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-state-machine" }
}

override_resource {
  target = module.lake.module.iam.aws_iam_role.this["landing_trigger"]
  values = { arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-landing-trigger" }
}

override_resource {
  target = module.lake.module.iam.aws_iam_role.this["scheduler"]
  values = { arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-scheduler" }
}

run "dev_is_the_lake_with_its_lake_yaml_block" {
  # An apply (offline under the mocks): its final state is what scripts/render_tf_state.py writes to
  # build/rendered/dev/ for the offline checks (tests/terraform/test_rendered_*.py).
  command = apply

  assert {
    condition = alltrue([
      output.environment == "dev",
      output.bucket == "jozi-pizza-dev-lake",
      output.job_names == { bronze_to_silver = "jozi-pizza-dev-bronze_to_silver", silver_to_gold = "jozi-pizza-dev-silver_to_gold" },
      output.glue_settings.execution_class == "FLEX",
      !module.lake.protected,
    ])
    error_message = "environments/dev must call modules/lake as dev, unprotected, and pass its outputs through"
  }
}
