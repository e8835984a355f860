# One environment of the lake, composed from the seven modules. Every shared fact (names, prefixes, sources,
# jobs, pipeline stages, schedule, per-environment sizes) comes from lake.yaml; this file only wires.
# environments/dev/main.tf and environments/prod/main.tf are identical: the differences live in
# environment.tf (the name), variables.tf (what is required), terraform.tfvars and lake.yaml.

locals {
  lake     = yamldecode(file("${path.root}/../../lake.yaml"))
  project  = local.lake.project
  region   = local.lake.region
  settings = local.lake.environments[local.environment]

  # Names follow src/jozi_lake/config.py (bucket, databases) and docs/terraform-interfaces.md (the rest).
  # They are computed here once so IAM can grant on resources before they exist.
  name_prefix          = "${local.project}-${local.environment}"
  database_names       = { for layer in local.lake.layers : layer => replace("${local.project}_${local.environment}_${layer}", "-", "_") }
  job_names            = { for key in keys(local.lake.jobs) : key => "${local.name_prefix}-${key}" }
  crawler_names        = { for layer in local.lake.layers : layer => "${local.name_prefix}-${layer}-crawler" }
  ingest_function_name = "${local.name_prefix}-ingest"
  ingest_dlq_name      = "${local.ingest_function_name}-dlq"
  token_secret_name    = "${local.project}/${local.environment}/source-api-token"
  state_machine_name   = "${local.name_prefix}-pipeline"
  schedule_name        = "${local.state_machine_name}-schedule"
  schedule_dlq_name    = "${local.schedule_name}-dlq"
  alert_topic_name     = "${local.name_prefix}-alerts"
  quality_namespace    = local.lake.quality_metrics.namespace

  sources = [for s in local.lake.source_api.sources : { name = s.name, endpoint = s.endpoint }]
  pipeline = [for s in local.lake.pipeline : {
    name  = s.name
    kind  = s.kind
    layer = try(s.layer, null)
    job   = try(s.job, null)
  }]
  jobs = { for key, job in local.lake.jobs : key => {
    script          = job.script
    description     = job.description
    timeout_minutes = job.timeout_minutes
  } }

  # The pipeline may run every job to its timeout plus crawls; the state machine gives up after that.
  pipeline_timeout_seconds = (sum([for job in values(local.lake.jobs) : job.timeout_minutes]) + 60) * 60
  longest_job_minutes      = max([for job in values(local.lake.jobs) : job.timeout_minutes]...)

  tags = merge(var.extra_tags, {
    Project     = local.project
    Environment = local.environment
    ManagedBy   = "terraform"
  })
}

module "s3_lake" {
  source = "../../modules/s3-lake"

  project     = local.project
  environment = local.environment
  prefixes    = local.lake.prefixes

  create_kms_key                  = true
  kms_key_deletion_window_in_days = var.kms_key_deletion_window_days
  # Alarms and EventBridge rules publish to the KMS-encrypted alert topic, so they need the key too;
  # vended-log delivery decrypts the encrypted state machine's execution data when it writes the logs.
  kms_key_service_principals = ["events.amazonaws.com", "cloudwatch.amazonaws.com", "delivery.logs.amazonaws.com"]

  bronze_expiry_days = local.settings.bronze_expiry_days
  force_destroy      = var.force_destroy
  tags               = local.tags
}

module "iam" {
  source = "../../modules/iam"

  name_prefix = local.name_prefix
  bucket_arn  = module.s3_lake.bucket_arn
  prefixes    = module.s3_lake.prefixes
  kms_key_arn = module.s3_lake.kms_key_arn

  glue_database_names       = values(local.database_names)
  glue_job_names            = values(local.job_names)
  glue_crawler_names        = values(local.crawler_names)
  ingest_function_name      = local.ingest_function_name
  ingest_log_group_name     = "/aws/lambda/${local.ingest_function_name}"
  ingest_secret_name        = local.token_secret_name
  ingest_dlq_queue_name     = local.ingest_dlq_name
  state_machine_name        = local.state_machine_name
  alert_topic_name          = local.alert_topic_name
  scheduler_dlq_queue_name  = local.schedule_dlq_name
  quality_metrics_namespace = local.quality_namespace
  tags                      = local.tags
}

module "glue" {
  source = "../../modules/glue"

  project          = local.project
  environment      = local.environment
  layers           = local.lake.layers
  bucket_name      = module.s3_lake.bucket_name
  prefixes         = module.s3_lake.prefixes
  jobs             = local.jobs
  job_role_arn     = module.iam.glue_job_role_arn
  crawler_role_arn = module.iam.glue_crawler_role_arn
  kms_key_arn      = module.s3_lake.kms_key_arn

  # The silver job publishes QuarantineRate per table to this namespace (the monitoring alarms' input).
  additional_default_arguments = { "--quality_namespace" = local.quality_namespace }

  scripts_version   = var.scripts_version
  worker_type       = local.settings.glue_worker_type
  number_of_workers = local.settings.glue_number_of_workers
  execution_class   = local.settings.glue_execution_class
  tags              = local.tags
}

module "athena" {
  source = "../../modules/athena"

  project                        = local.project
  environment                    = local.environment
  bucket_name                    = module.s3_lake.bucket_name
  results_prefix                 = local.lake.prefixes.athena_results
  kms_key_arn                    = module.s3_lake.kms_key_arn
  database_name                  = local.database_names["gold"]
  sql_dir                        = "${path.root}/../../sql"
  bytes_scanned_cutoff_per_query = local.settings.athena_bytes_scanned_cutoff
  price_per_tb_usd               = var.athena_price_per_tb_usd
  tags                           = local.tags
}

module "ingest_lambda" {
  source = "../../modules/ingest-lambda"

  function_name = local.ingest_function_name
  role_arn      = module.iam.ingest_lambda_role_arn
  package_path  = var.ingest_package_path
  environment   = local.environment
  bucket_name   = module.s3_lake.bucket_name
  bronze_prefix = local.lake.prefixes.bronze

  source_base_url   = var.source_base_url
  sources           = local.sources
  pagination        = local.lake.source_api.pagination
  page_size         = local.lake.source_api.page_size
  auth_header       = local.lake.source_api.auth_header
  token_secret_name = local.token_secret_name
  dlq_name          = local.ingest_dlq_name

  kms_key_arn        = module.s3_lake.kms_key_arn
  log_retention_days = local.settings.log_retention_days
  tags               = local.tags
}

module "monitoring" {
  source = "../../modules/monitoring"

  name_prefix  = local.name_prefix
  environment  = local.environment
  topic_name   = local.alert_topic_name
  kms_key_arn  = module.s3_lake.kms_key_arn
  alert_emails = var.alert_emails

  glue_job_names = local.job_names
  # Every crawler the glue module made, including the quarantine crawler the pipeline does not start.
  glue_crawler_names   = module.glue.crawler_names
  job_long_run_minutes = floor(local.longest_job_minutes * 0.75)
  lambda_function_name = local.ingest_function_name
  state_machine_name   = local.state_machine_name
  # Below the state machine timeout, so a slow run warns before it fails.
  pipeline_long_run_minutes = min(1440, floor(local.pipeline_timeout_seconds / 60 * 0.75))
  quality_namespace         = local.quality_namespace
  quality_tables            = [for s in local.sources : s.name]
  quarantine_rate_threshold = var.quarantine_rate_threshold
  dlq_names                 = { ingest = local.ingest_dlq_name, schedule = local.schedule_dlq_name }
  athena_workgroup_name     = module.athena.workgroup_name
  tags                      = local.tags
}

module "stepfunctions" {
  source = "../../modules/stepfunctions"

  state_machine_name  = local.state_machine_name
  environment         = local.environment
  role_arn            = module.iam.state_machine_role_arn
  pipeline            = local.pipeline
  ingest_function_arn = module.ingest_lambda.function_arn
  crawler_names       = { for layer in local.lake.layers : layer => module.glue.crawler_names[layer] }
  job_names           = module.glue.job_names
  alert_topic_arn     = module.monitoring.topic_arn
  timeout_seconds     = local.pipeline_timeout_seconds

  log_level          = var.state_machine_log_level
  log_retention_days = local.settings.log_retention_days
  kms_key_arn        = module.s3_lake.kms_key_arn

  schedule_name       = local.schedule_name
  schedule_expression = local.lake.schedule.expression
  schedule_timezone   = local.lake.schedule.timezone
  schedule_enabled    = var.schedule_enabled
  scheduler_role_arn  = module.iam.scheduler_role_arn
  tags                = local.tags
}
