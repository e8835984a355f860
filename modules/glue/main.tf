# The Glue side of the lake: one catalog database and one crawler per layer (plus a quarantine crawler),
# the Glue jobs from lake.yaml `jobs`, and one security configuration (KMS for S3 output, CloudWatch logs
# and bookmarks) used by every job and crawler.

locals {
  lake_root = "s3://${var.bucket_name}"
  tags      = merge(var.tags, { "lake:component" = "glue" })
  layers    = keys(var.database_names)

  # The code version is a hash of the built files: sha256 over one "<sha256 of the file>  <path>" line per
  # file in path order (what `sha256sum` prints for them), first 16 hex characters. Unchanged code, same
  # keys, same jobs: a plan without code changes shows nothing; new code gets new keys the jobs move to.
  code_files   = toset(concat(["jozi_lake.zip"], tolist(fileset(var.code_dir, "glue_scripts/*.py"))))
  code_version = substr(sha256(join("", [for f in sort(tolist(local.code_files)) : "${filesha256("${var.code_dir}/${f}")}  ${f}\n"])), 0, 16)
  code_prefix  = "${var.prefixes["scripts"]}${local.code_version}/"

  script_locations = { for key, job in var.jobs : key => "${local.lake_root}/${local.code_prefix}${job.script}" }
  extra_py_files   = "${local.lake_root}/${local.code_prefix}jozi_lake.zip"
  temp_dir         = "${local.lake_root}/${var.prefixes["glue_temp"]}"

  # Crawl targets: every layer into its own database; quarantine/ into the silver database with a
  # `quarantine_` table prefix (its table folders have the same names as silver's, so one crawler over both
  # folders would produce clashing table names).
  crawl_targets = merge(
    { for layer in local.layers : layer => { prefix = var.prefixes[layer], database_layer = layer, table_prefix = "" } },
    var.crawl_quarantine ? { quarantine = { prefix = var.prefixes["quarantine"], database_layer = "silver", table_prefix = "quarantine_" } } : {},
  )

  # Bookkeeping (bronze/_manifests, bronze/_state, silver/_state, silver/_reports), Spark markers
  # (_SUCCESS, _temporary/) and hidden files and folders (.part-*.crc, .spark-staging-*/ where Spark writes a
  # dynamic-overwrite job's files before it moves them) are not data: the same rule every reader applies
  # (jozi_lake.layout.is_data_key: no path part starting with _ or .). Patterns are relative to the include
  # path; * stays within one path part, ** crosses them.
  crawler_exclusions = ["_*/**", "**/_*", "**/_*/**", ".*", ".*/**", "**/.*", "**/.*/**"]

  crawler_configuration = jsonencode({
    Version = 1
    # s3://bucket/<layer>/<table>/...: the table is always the third path level (bucket = 1), so tables
    # with compatible schemas are never merged into one "layer" table.
    Grouping = {
      TableGroupingPolicy     = "CombineCompatibleSchemas"
      TableLevelConfiguration = 3
    }
    CrawlerOutput = {
      # Add new columns, never drop or retype existing ones (they are the contract).
      Tables = { AddOrUpdateBehavior = "MergeNewColumns" }
      # Partitions take the table's schema: avoids HIVE_PARTITION_SCHEMA_MISMATCH in Athena.
      Partitions = { AddOrUpdateBehavior = "InheritFromTable" }
    }
    CreatePartitionIndex = true
  })

  # Incremental crawls may only log schema changes (InvalidInputException otherwise).
  incremental = var.recrawl_behavior == "CRAWL_NEW_FOLDERS_ONLY"

  module_arguments = {
    "--lake_root"    = local.lake_root
    "--env"          = var.environment
    "--tables"       = var.default_tables
    "--run_id"       = "manual" # every pipeline run passes its own
    "--job-language" = "python"
    "--TempDir"      = local.temp_dir
    # No --enable-continuous-cloudwatch-log: Glue 5.0 always streams the driver and executor logs to
    # CloudWatch and ignores that argument.
    "--enable-glue-datacatalog"      = "true"
    "--enable-metrics"               = "true"
    "--enable-observability-metrics" = "true"
    "--enable-spark-ui"              = "true"
    # The lake keeps its own processed-batch record (silver/_state/); bookmarks would be a second truth.
    "--job-bookmark-option" = "job-bookmark-disable"
  }

  # lake.yaml optional_job_arguments: what only a deployed job has. The alert topic, where the silver job
  # publishes a batch it held (jozi_lake.jobs.glue_adapter); without one those alerts stay in the job's log.
  deployment_arguments = var.alert_topic_arn == null ? {} : { "--alert_topic_arn" = var.alert_topic_arn }
}

resource "aws_glue_catalog_database" "layer" {
  for_each = var.database_names

  name         = each.value
  description  = "${title(each.key)} layer of the lake in s3://${var.bucket_name}/${var.prefixes[each.key]}."
  location_uri = "${local.lake_root}/${var.prefixes[each.key]}"

  tags = local.tags
}

# The Data Catalog's own encryption (table definitions, partitions, connection passwords) with the lake key.
# One setting per account and region, so one environment per account manages it (lake.yaml
# environments.<env>.encrypt_data_catalog); every principal that reads the catalog (crawlers, Athena users)
# then needs kms:Decrypt on the key, which the lake's roles and policies have.
resource "aws_glue_data_catalog_encryption_settings" "this" {
  count = var.encrypt_data_catalog ? 1 : 0

  data_catalog_encryption_settings {
    connection_password_encryption {
      aws_kms_key_id                       = var.kms_key_arn
      return_connection_password_encrypted = true
    }

    encryption_at_rest {
      catalog_encryption_mode = "SSE-KMS"
      sse_aws_kms_key_id      = var.kms_key_arn
    }
  }
}

resource "aws_glue_security_configuration" "this" {
  name = "${var.name_prefix}-lake"

  encryption_configuration {
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = var.kms_key_arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = var.kms_key_arn
    }

    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.kms_key_arn
    }
  }
}

resource "aws_glue_crawler" "this" {
  for_each = local.crawl_targets

  name                   = var.crawler_names[each.key]
  description            = "Catalogs s3://${var.bucket_name}/${each.value.prefix} into ${var.database_names[each.value.database_layer]}."
  role                   = var.crawler_role_arn
  database_name          = aws_glue_catalog_database.layer[each.value.database_layer].name
  table_prefix           = each.value.table_prefix
  security_configuration = aws_glue_security_configuration.this.name
  configuration          = local.crawler_configuration

  s3_target {
    path       = "${local.lake_root}/${each.value.prefix}"
    exclusions = local.crawler_exclusions
  }

  recrawl_policy {
    recrawl_behavior = var.recrawl_behavior
  }

  schema_change_policy {
    update_behavior = local.incremental ? "LOG" : "UPDATE_IN_DATABASE"
    delete_behavior = "LOG"
  }

  lineage_configuration {
    crawler_lineage_settings = "DISABLE"
  }

  tags = local.tags
}

# No Glue trigger starts the quarantine crawler: Glue fires a conditional trigger only when the crawler it
# watches was itself started by a trigger, and the state machine starts the silver crawler. Quarantine is a
# crawl stage of the pipeline of its own (lake.yaml `pipeline`), like every other crawl.

# The code, uploaded by Terraform under the content-hash prefix and encrypted with the lake key. source_hash
# (not etag: an SSE-KMS object's ETag is no MD5) makes a changed file a change; a new version changes the
# keys, and create_before_destroy puts the new objects in place before the jobs move and the old go.
resource "aws_s3_object" "code" {
  for_each = local.code_files

  bucket                 = var.bucket_name
  key                    = "${local.code_prefix}${each.key}"
  source                 = "${var.code_dir}/${each.key}"
  source_hash            = filemd5("${var.code_dir}/${each.key}")
  content_type           = endswith(each.key, ".zip") ? "application/zip" : "text/x-python"
  server_side_encryption = "aws:kms"
  kms_key_id             = var.kms_key_arn
  bucket_key_enabled     = true

  tags = local.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_glue_job" "this" {
  for_each = var.jobs

  name                   = each.value.name
  description            = each.value.description
  role_arn               = var.job_role_arn
  glue_version           = var.glue_version
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  execution_class        = var.execution_class
  timeout                = each.value.timeout_minutes
  max_retries            = var.max_retries
  security_configuration = aws_glue_security_configuration.this.name

  command {
    name = "glueetl"
    # Through the object, so a job moves to new code only once its files are uploaded.
    script_location = "s3://${var.bucket_name}/${aws_s3_object.code[each.value.script].key}"
    python_version  = "3"
  }

  # The pipeline never overlaps itself: a second concurrent run fails fast (ConcurrentRunsExceeded).
  execution_property {
    max_concurrent_runs = 1
  }

  default_arguments = merge(var.additional_default_arguments, local.module_arguments, local.deployment_arguments, {
    "--extra-py-files" = "s3://${var.bucket_name}/${aws_s3_object.code["jozi_lake.zip"].key}"
    # One event-log folder per job keeps the Spark history server's listing readable.
    "--spark-event-logs-path" = "${local.lake_root}/${var.prefixes["spark_ui"]}${each.key}/"
  })

  tags = local.tags

  lifecycle {
    precondition {
      condition     = contains(local.code_files, each.value.script)
      error_message = "every job's script must be in code_dir (lake.yaml jobs.<job>.script; run `make build-glue`)."
    }

    precondition {
      condition     = var.execution_class != "FLEX" || contains(["G.1X", "G.2X"], var.worker_type)
      error_message = "FLEX execution runs only on G.1X or G.2X workers."
    }
  }
}
