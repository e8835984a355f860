mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  workgroup_name                 = "jozi-pizza-dev"
  bucket_name                    = "jozi-pizza-dev-lake"
  kms_key_arn                    = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  database_name                  = "jozi_pizza_dev_gold"
  sql_dir                        = "./tests/fixtures/sql"
  bytes_scanned_cutoff_per_query = 1073741824
  tags                           = { owner = "data-platform" }
}

run "workgroup_enforces_encrypted_results_and_cutoff" {
  command = apply

  assert {
    condition     = aws_athena_workgroup.this.name == "jozi-pizza-dev" && aws_athena_workgroup.this.tags["owner"] == "data-platform"
    error_message = "the workgroup takes the name it is given and is tagged"
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration == true
    error_message = "the workgroup configuration must be enforced, or clients could override location and encryption"
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].bytes_scanned_cutoff_per_query == 1073741824
    error_message = "the per-query scan cutoff must be set"
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].engine_version[0].selected_engine_version == "Athena engine version 3"
    error_message = "engine version 3 is what the SQL is written for"
  }

  assert {
    condition = (
      aws_athena_workgroup.this.configuration[0].result_configuration[0].output_location == "s3://jozi-pizza-dev-lake/athena-results/"
      && aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option == "SSE_KMS"
      && aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].kms_key_arn == var.kms_key_arn
      && aws_athena_workgroup.this.configuration[0].result_configuration[0].expected_bucket_owner == "123456789012"
    )
    error_message = "results must go to athena-results/ in the lake bucket, SSE-KMS with the lake key"
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].publish_cloudwatch_metrics_enabled == true
    error_message = "CloudWatch metrics must be on"
  }

  assert {
    condition     = output.price_per_tb_usd == 5
    error_message = "the price per TB defaults to 5 USD"
  }
}

run "sql_files_become_named_queries" {
  command = apply

  assert {
    condition     = keys(output.named_query_ids) == ["late_share_by_hour", "untitled"] && keys(output.view_query_ids) == ["v_daily"]
    error_message = "one named query per queries/*.sql and views/*.sql file, keyed by file stem"
  }

  assert {
    condition = (
      aws_athena_named_query.query["late_share_by_hour"].name == "late_share_by_hour"
      && aws_athena_named_query.query["late_share_by_hour"].description == "Share of late deliveries per local order hour."
      && aws_athena_named_query.query["late_share_by_hour"].database == "jozi_pizza_dev_gold"
      && strcontains(aws_athena_named_query.query["late_share_by_hour"].query, "GROUP BY order_hour")
    )
    error_message = "a named query takes its name from the file stem, its description from the header, and runs on gold"
  }

  assert {
    condition     = aws_athena_named_query.query["untitled"].description == "Orders per day, no title or description header."
    error_message = "without a header the first comment line is the description"
  }

  assert {
    condition = (
      aws_athena_named_query.view["v_daily"].name == "create_view_v_daily"
      && startswith(aws_athena_named_query.view["v_daily"].query, "-- title: Daily KPIs")
      && strcontains(aws_athena_named_query.view["v_daily"].query, "CREATE OR REPLACE VIEW v_daily")
      && strcontains(aws_athena_named_query.view["v_daily"].description, "One row per order date.")
    )
    error_message = "views are deployed as named CREATE OR REPLACE VIEW statements"
  }
}

run "rejects_a_view_file_without_create_view" {
  command = plan

  variables {
    sql_dir = "./tests/fixtures/bad_view"
  }

  expect_failures = [aws_athena_named_query.view]
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    sql_dir                        = "./tests/fixtures/empty"
    bytes_scanned_cutoff_per_query = 1000
    kms_key_arn                    = "alias/aws/s3"
    database_name                  = "Jozi-Gold"
    results_prefix                 = "/results"
    price_per_tb_usd               = 0
    workgroup_name                 = "no spaces allowed"
  }

  expect_failures = [
    var.sql_dir,
    var.bytes_scanned_cutoff_per_query,
    var.kms_key_arn,
    var.database_name,
    var.results_prefix,
    var.price_per_tb_usd,
    var.workgroup_name,
  ]
}
