mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  name_prefix = "jozi-pizza-dev"
  environment = "dev"
  database_names = {
    bronze = "jozi_pizza_dev_bronze"
    silver = "jozi_pizza_dev_silver"
    gold   = "jozi_pizza_dev_gold"
  }
  crawler_names = {
    bronze     = "jozi-pizza-dev-bronze-crawler"
    silver     = "jozi-pizza-dev-silver-crawler"
    gold       = "jozi-pizza-dev-gold-crawler"
    quarantine = "jozi-pizza-dev-quarantine-crawler"
  }
  bucket_name = "jozi-pizza-dev-lake"
  prefixes = {
    bronze         = "bronze/"
    silver         = "silver/"
    gold           = "gold/"
    quarantine     = "quarantine/"
    landing        = "landing/"
    scripts        = "scripts/"
    athena_results = "athena-results/"
    spark_ui       = "spark-ui/"
    glue_temp      = "glue-temp/"
  }
  jobs = {
    bronze_to_silver = { name = "jozi-pizza-dev-bronze_to_silver", script = "glue_scripts/bronze_to_silver.py", description = "bronze to silver", timeout_minutes = 60 }
    silver_to_gold   = { name = "jozi-pizza-dev-silver_to_gold", script = "glue_scripts/silver_to_gold.py", description = "silver to gold", timeout_minutes = 45 }
  }
  job_role_arn     = "arn:aws:iam::123456789012:role/jozi-pizza-dev-glue-job"
  crawler_role_arn = "arn:aws:iam::123456789012:role/jozi-pizza-dev-glue-crawler"
  kms_key_arn      = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  execution_class  = "FLEX"
  # A tiny built code folder standing in for build/glue/ (make build-glue), so tests need no build.
  code_dir = "./tests/fixtures/code"
  tags     = { owner = "data-platform" }
}

run "databases_take_the_given_names" {
  command = apply

  assert {
    condition = output.database_names == {
      bronze = "jozi_pizza_dev_bronze"
      silver = "jozi_pizza_dev_silver"
      gold   = "jozi_pizza_dev_gold"
    }
    error_message = "one database per layer, named as given (modules/lake computes the names)"
  }

  assert {
    condition     = aws_glue_catalog_database.layer["gold"].location_uri == "s3://jozi-pizza-dev-lake/gold/"
    error_message = "each database must point at its layer prefix"
  }
}

run "code_is_uploaded_under_its_content_hash" {
  command = apply

  assert {
    # (cd tests/fixtures/code && sha256sum glue_scripts/bronze_to_silver.py glue_scripts/silver_to_gold.py jozi_lake.zip | sha256sum | cut -c1-16)
    condition     = output.code_version == "0f9196e8b6d40c94" && output.code_uri == "s3://jozi-pizza-dev-lake/scripts/0f9196e8b6d40c94/"
    error_message = "the code version must be the first 16 hex of sha256 over the files' sha256sum lines, in path order"
  }

  assert {
    condition = output.code_object_keys == {
      "jozi_lake.zip"                    = "scripts/0f9196e8b6d40c94/jozi_lake.zip"
      "glue_scripts/bronze_to_silver.py" = "scripts/0f9196e8b6d40c94/glue_scripts/bronze_to_silver.py"
      "glue_scripts/silver_to_gold.py"   = "scripts/0f9196e8b6d40c94/glue_scripts/silver_to_gold.py"
    }
    error_message = "every built file must be uploaded under scripts/<code version>/ with its path in the code folder"
  }

  assert {
    condition = alltrue([
      for path, object in aws_s3_object.code :
      object.bucket == "jozi-pizza-dev-lake" && object.source == "./tests/fixtures/code/${path}"
      && object.source_hash == filemd5("./tests/fixtures/code/${path}")
      && object.server_side_encryption == "aws:kms" && object.kms_key_id == var.kms_key_arn
      && object.tags["owner"] == "data-platform"
    ])
    error_message = "code objects must be uploaded from the code folder, tracked by content and encrypted with the lake key"
  }

  assert {
    condition     = aws_s3_object.code["jozi_lake.zip"].content_type == "application/zip" && aws_s3_object.code["glue_scripts/silver_to_gold.py"].content_type == "text/x-python"
    error_message = "code objects must carry their content types"
  }
}

run "jobs_run_the_published_scripts_with_the_lake_arguments" {
  command = apply

  assert {
    condition     = aws_glue_job.this["bronze_to_silver"].name == "jozi-pizza-dev-bronze_to_silver"
    error_message = "jobs must take the names they are given"
  }

  assert {
    condition     = aws_glue_job.this["bronze_to_silver"].command[0].script_location == "s3://jozi-pizza-dev-lake/scripts/0f9196e8b6d40c94/glue_scripts/bronze_to_silver.py"
    error_message = "scripts must run from s3://<bucket>/scripts/<code version>/glue_scripts/<job>.py, the uploaded object"
  }

  assert {
    condition = alltrue([
      for job in aws_glue_job.this :
      job.default_arguments["--extra-py-files"] == "s3://jozi-pizza-dev-lake/scripts/0f9196e8b6d40c94/jozi_lake.zip"
      && job.default_arguments["--lake_root"] == "s3://jozi-pizza-dev-lake"
      && job.default_arguments["--env"] == "dev"
      && job.default_arguments["--tables"] == "all"
      && job.default_arguments["--run_id"] != ""
      && job.default_arguments["--TempDir"] == "s3://jozi-pizza-dev-lake/glue-temp/"
      && job.default_arguments["--job-bookmark-option"] == "job-bookmark-disable"
      && job.default_arguments["--enable-glue-datacatalog"] == "true"
      && !contains(keys(job.default_arguments), "--enable-continuous-cloudwatch-log") # ignored by Glue 5.0
      && job.default_arguments["--enable-metrics"] == "true"
      && job.default_arguments["--enable-observability-metrics"] == "true"
      && job.default_arguments["--enable-spark-ui"] == "true"
      && startswith(job.default_arguments["--spark-event-logs-path"], "s3://jozi-pizza-dev-lake/spark-ui/")
      && job.default_arguments["--job-language"] == "python"
    ])
    error_message = "every job needs the lake arguments, observability flags, bookmarks off and the shared library"
  }

  assert {
    condition = alltrue([
      for job in aws_glue_job.this :
      job.glue_version == "5.0" && job.execution_class == "FLEX" && job.worker_type == "G.1X" && job.number_of_workers == 2
      && job.execution_property[0].max_concurrent_runs == 1 && job.max_retries == 0
      && job.security_configuration == aws_glue_security_configuration.this.name
      && job.role_arn == var.job_role_arn && job.tags["owner"] == "data-platform"
    ])
    error_message = "jobs must be Glue 5.0, sized as given, single-run, without Glue-level retries and encrypted"
  }

  assert {
    condition     = aws_glue_job.this["silver_to_gold"].timeout == 45
    error_message = "the timeout must come from the job definition"
  }

  assert {
    condition     = alltrue([for job in aws_glue_job.this : !contains(keys(job.default_arguments), "--quality_namespace")])
    error_message = "the jobs read the quality namespace from the lake.yaml in their bundle, not from an argument"
  }

  assert {
    condition     = alltrue([for job in aws_glue_job.this : !contains(keys(job.default_arguments), "--alert_topic_arn")])
    error_message = "without an alert topic the jobs get no --alert_topic_arn (their alerts stay in the job log)"
  }
}

run "jobs_get_the_alert_topic" {
  command = apply

  variables {
    alert_topic_arn = "arn:aws:sns:af-south-1:123456789012:jozi-pizza-dev-alerts"
  }

  assert {
    condition = alltrue([
      for key, job in aws_glue_job.this : job.default_arguments["--alert_topic_arn"] == var.alert_topic_arn
      && output.job_default_arguments[key]["--alert_topic_arn"] == var.alert_topic_arn
    ])
    error_message = "every job must get --alert_topic_arn (lake.yaml optional_job_arguments): the silver job alerts held batches there"
  }
}

run "rejects_an_alert_topic_that_is_no_topic_arn" {
  command = plan

  variables {
    alert_topic_arn = "jozi-pizza-dev-alerts"
  }

  expect_failures = [var.alert_topic_arn]
}

run "arguments_can_be_added_but_not_replaced" {
  command = apply

  variables {
    # New code (one script changed): a new version the jobs move to on this apply.
    code_dir                     = "./tests/fixtures/code-changed"
    additional_default_arguments = { "--conf" = "spark.sql.shuffle.partitions=16", "--lake_root" = "s3://elsewhere", "--extra-py-files" = "s3://elsewhere/x.zip" }
  }

  assert {
    condition     = aws_glue_job.this["silver_to_gold"].default_arguments["--conf"] == "spark.sql.shuffle.partitions=16"
    error_message = "additional arguments must reach the jobs"
  }

  assert {
    condition = (
      aws_glue_job.this["silver_to_gold"].default_arguments["--lake_root"] == "s3://jozi-pizza-dev-lake"
      && aws_glue_job.this["silver_to_gold"].default_arguments["--extra-py-files"] == "s3://jozi-pizza-dev-lake/scripts/22b541f847432cb2/jozi_lake.zip"
    )
    error_message = "additional arguments must not override the module's own"
  }

  assert {
    condition     = output.code_version == "22b541f847432cb2" && output.script_locations["silver_to_gold"] == "s3://jozi-pizza-dev-lake/scripts/22b541f847432cb2/glue_scripts/silver_to_gold.py"
    error_message = "changed code must get a new version"
  }

  assert {
    condition     = aws_glue_job.this["silver_to_gold"].command[0].script_location == "s3://jozi-pizza-dev-lake/scripts/22b541f847432cb2/glue_scripts/silver_to_gold.py" && aws_glue_job.this["bronze_to_silver"].command[0].script_location == "s3://jozi-pizza-dev-lake/scripts/22b541f847432cb2/glue_scripts/bronze_to_silver.py"
    error_message = "an apply with new code moves the existing jobs to it (Terraform owns the script location; no ignore_changes)"
  }
}

run "security_configuration_encrypts_everything_with_the_key" {
  command = apply

  assert {
    condition = (
      aws_glue_security_configuration.this.encryption_configuration[0].s3_encryption[0].s3_encryption_mode == "SSE-KMS"
      && aws_glue_security_configuration.this.encryption_configuration[0].s3_encryption[0].kms_key_arn == var.kms_key_arn
      && aws_glue_security_configuration.this.encryption_configuration[0].cloudwatch_encryption[0].cloudwatch_encryption_mode == "SSE-KMS"
      && aws_glue_security_configuration.this.encryption_configuration[0].cloudwatch_encryption[0].kms_key_arn == var.kms_key_arn
      && aws_glue_security_configuration.this.encryption_configuration[0].job_bookmarks_encryption[0].job_bookmarks_encryption_mode == "CSE-KMS"
    )
    error_message = "S3 output, logs and bookmarks must be encrypted with the lake key"
  }

  assert {
    condition = (
      aws_glue_data_catalog_encryption_settings.this[0].data_catalog_encryption_settings[0].encryption_at_rest[0].catalog_encryption_mode == "SSE-KMS"
      && aws_glue_data_catalog_encryption_settings.this[0].data_catalog_encryption_settings[0].encryption_at_rest[0].sse_aws_kms_key_id == var.kms_key_arn
      && aws_glue_data_catalog_encryption_settings.this[0].data_catalog_encryption_settings[0].connection_password_encryption[0].aws_kms_key_id == var.kms_key_arn
      && aws_glue_data_catalog_encryption_settings.this[0].data_catalog_encryption_settings[0].connection_password_encryption[0].return_connection_password_encrypted
      && output.data_catalog_encrypted
    )
    error_message = "the Data Catalog (tables, partitions, connection passwords) must be encrypted with the lake key"
  }
}

run "another_environment_may_own_the_catalog_encryption" {
  command = apply

  variables {
    encrypt_data_catalog = false
  }

  assert {
    condition     = length(aws_glue_data_catalog_encryption_settings.this) == 0 && !output.data_catalog_encrypted
    error_message = "an environment that does not own the account's catalog setting must not manage it"
  }
}

run "crawlers_per_layer_plus_quarantine" {
  command = apply

  assert {
    condition     = keys(output.crawler_names) == ["bronze", "gold", "quarantine", "silver"]
    error_message = "one crawler per layer plus one for quarantine"
  }

  assert {
    condition = (
      aws_glue_crawler.this["quarantine"].database_name == "jozi_pizza_dev_silver"
      && aws_glue_crawler.this["quarantine"].table_prefix == "quarantine_"
      && aws_glue_crawler.this["quarantine"].s3_target[0].path == "s3://jozi-pizza-dev-lake/quarantine/"
    )
    error_message = "quarantine must be catalogued next to silver as quarantine_<table>"
  }

  assert {
    condition = alltrue([
      for layer in ["bronze", "silver", "gold"] :
      aws_glue_crawler.this[layer].s3_target[0].path == "s3://jozi-pizza-dev-lake/${layer}/"
      && aws_glue_crawler.this[layer].database_name == "jozi_pizza_dev_${layer}"
      && aws_glue_crawler.this[layer].name == "jozi-pizza-dev-${layer}-crawler"
    ])
    error_message = "each layer crawler targets its prefix, writes its database and takes its given name"
  }

  assert {
    condition = alltrue([
      for crawler in aws_glue_crawler.this :
      crawler.recrawl_policy[0].recrawl_behavior == "CRAWL_NEW_FOLDERS_ONLY"
      && crawler.schema_change_policy[0].update_behavior == "LOG" && crawler.schema_change_policy[0].delete_behavior == "LOG"
      && crawler.security_configuration == aws_glue_security_configuration.this.name
      && crawler.role == var.crawler_role_arn
    ])
    error_message = "incremental crawls require LOG/LOG schema change policies; crawlers must use the security configuration"
  }

  assert {
    condition = alltrue([
      for crawler in aws_glue_crawler.this :
      jsondecode(crawler.configuration).Grouping.TableGroupingPolicy == "CombineCompatibleSchemas"
      && jsondecode(crawler.configuration).Grouping.TableLevelConfiguration == 3
      && jsondecode(crawler.configuration).CrawlerOutput.Tables.AddOrUpdateBehavior == "MergeNewColumns"
      && jsondecode(crawler.configuration).CrawlerOutput.Partitions.AddOrUpdateBehavior == "InheritFromTable"
    ])
    error_message = "crawler configuration must combine compatible schemas, merge new columns and inherit partition schemas"
  }

  assert {
    condition = alltrue([
      for crawler in aws_glue_crawler.this :
      alltrue([for pattern in ["_*/**", "**/_*", "**/.*", ".*/**", "**/.*/**"] : contains(crawler.s3_target[0].exclusions, pattern)])
    ])
    error_message = "manifests, state, reports, hidden temp files and files inside hidden folders (.spark-staging-*) must be excluded"
  }

  # No trigger starts the quarantine crawler (Glue would not fire it after a crawl Step Functions started):
  # the pipeline has a crawl stage for it, checked on the rendered environments by
  # tests/terraform/test_rendered_pipeline.py.
}

run "full_recrawl_updates_schemas" {
  command = apply

  variables {
    recrawl_behavior = "CRAWL_EVERYTHING"
    crawl_quarantine = false
    crawler_names = {
      bronze = "jozi-pizza-dev-bronze-crawler"
      silver = "jozi-pizza-dev-silver-crawler"
      gold   = "jozi-pizza-dev-gold-crawler"
    }
  }

  assert {
    condition     = aws_glue_crawler.this["gold"].schema_change_policy[0].update_behavior == "UPDATE_IN_DATABASE" && !contains(keys(aws_glue_crawler.this), "quarantine")
    error_message = "a full re-crawl updates schemas in the catalog; crawl_quarantine = false drops that crawler"
  }
}

run "flex_needs_small_workers" {
  command = plan

  variables {
    worker_type = "G.4X"
  }

  expect_failures = [aws_glue_job.this]
}

run "rejects_a_job_whose_script_was_not_built" {
  command = plan

  variables {
    jobs = {
      bronze_to_silver = { name = "jozi-pizza-dev-bronze_to_silver", script = "glue_scripts/not_built.py", description = "x", timeout_minutes = 60 }
    }
  }

  expect_failures = [aws_glue_job.this]
}

run "rejects_crawlers_that_do_not_match_the_layers" {
  command = plan

  variables {
    # No quarantine crawler although crawl_quarantine is true, and a crawler for a layer without a database.
    crawler_names = {
      bronze   = "jozi-pizza-dev-bronze-crawler"
      silver   = "jozi-pizza-dev-silver-crawler"
      gold     = "jozi-pizza-dev-gold-crawler"
      platinum = "jozi-pizza-dev-platinum-crawler"
    }
  }

  expect_failures = [var.crawler_names]
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    database_names    = { bronze = "jozi_pizza_dev_bronze", gold = "Jozi-Gold" }
    jobs              = { "Bad-Key" = { name = "has spaces", script = "x.sh", description = "x", timeout_minutes = 0 } }
    kms_key_arn       = "alias/aws/s3"
    job_role_arn      = "jozi-pizza-dev-glue-job"
    worker_type       = "Standard"
    number_of_workers = 1
    execution_class   = "SPOT"
    code_dir          = "./tests/fixtures/missing"
  }

  expect_failures = [
    var.database_names,
    var.jobs,
    var.kms_key_arn,
    var.job_role_arn,
    var.worker_type,
    var.number_of_workers,
    var.execution_class,
    var.code_dir,
  ]
}
