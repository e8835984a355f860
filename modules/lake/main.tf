# The lake on AWS, composed from the eight resource modules. Every shared fact comes from lake.yaml (project,
# region, prefixes, layers, sources, jobs, pipeline stages, schedule, quality namespace and the block of
# this environment: Glue sizes, retention, expiry, scan cutoff, force_destroy, schedule, log level, KMS and
# secret windows). Every resource name is computed here, once, and passed to the module that creates the
# resource and to the iam module that grants on it; no module derives a name another module refers to.
# An environment (environments/<env>) is only a backend, this module called with its name, and its tfvars.

locals {
  lake     = yamldecode(file(var.lake_file))
  project  = local.lake.project
  region   = local.lake.region
  settings = local.lake.environments[var.environment]
  prefixes = local.lake.prefixes

  # The names. Bucket and databases follow src/jozi_lake/config.py (EnvConfig.bucket, EnvConfig.database),
  # the rest docs/terraform-interfaces.md. The CLI reads them from the outputs, never derives them.
  name_prefix = "${local.project}-${var.environment}"
  # Catalogued areas: the layers plus ops/ (the lake's own run tables), each its own database and crawler
  # (jozi_lake.config.LakeConfig.catalogued_areas).
  catalogued = concat(local.lake.layers, ["ops"])
  names = {
    bucket           = "${local.name_prefix}-lake"
    workgroup        = local.name_prefix
    databases        = { for area in local.catalogued : area => replace("${local.project}_${var.environment}_${area}", "-", "_") }
    jobs             = { for key in keys(local.lake.jobs) : key => "${local.name_prefix}-${key}" }
    crawlers         = merge({ for area in local.catalogued : area => "${local.name_prefix}-${area}-crawler" }, { quarantine = "${local.name_prefix}-quarantine-crawler" })
    lambda_function  = "${local.name_prefix}-ingest"
    lambda_log_group = "/aws/lambda/${local.name_prefix}-ingest"
    ingest_dlq       = "${local.name_prefix}-ingest-dlq"
    # One secret per credential of the sources (lake.yaml auth.secret of every authenticated http source).
    source_secrets          = { for secret in local.source_secrets : secret => "${local.project}/${var.environment}/sources/${secret}" }
    state_machine           = "${local.name_prefix}-pipeline"
    state_machine_log_group = "/aws/vendedlogs/states/${local.name_prefix}-pipeline"
    schedule                = "${local.name_prefix}-pipeline-schedule"
    schedule_dlq            = "${local.name_prefix}-pipeline-schedule-dlq"
    run_ended_rule          = "${local.name_prefix}-pipeline-ended"
    alert_topic             = "${local.name_prefix}-alerts"
    budget                  = "${local.name_prefix}-monthly"
    # The landing trigger (lake.yaml landing_trigger): rule, queue, its dead-letter queue, function, logs.
    landing_rule      = "${local.name_prefix}-landing"
    landing_queue     = "${local.name_prefix}-landing"
    landing_dlq       = "${local.name_prefix}-landing-dlq"
    landing_function  = "${local.name_prefix}-landing-trigger"
    landing_log_group = "/aws/lambda/${local.name_prefix}-landing-trigger"
  }

  # Event-driven landing: a file dropped under landing/<source>/ starts the state machine (so only with one).
  landing_trigger = tobool(try(local.settings.landing_trigger, false)) && var.create_state_machine
  # What the rule matches: the landing folder of each declared source (jozi_lake.layout.Layout.landing).
  landing_prefixes = [for name in keys(local.sources) : "${local.prefixes.landing}${name}/"]

  quality_namespace = local.lake.quality_metrics.namespace
  # Sources as jozi_lake.sources resolves them: a source's template first, merged key by key (auth, a
  # mapping, one level deep); its secret is auth.secret, or the source's name. tests/terraform checks that
  # this gives the secrets the Python side expects.
  source_templates = try(local.lake.source_templates, {})
  sources = {
    for name, s in local.lake.sources : name => merge(try(local.source_templates[s.template], {}), s, {
      auth = merge(try(local.source_templates[s.template].auth, {}), try(s.auth, {}))
    })
  }
  source_secrets = distinct([
    for name, s in local.sources : try(s.auth.secret, name)
    if try(s.kind, "") == "http" && try(s.auth.type, "none") != "none"
  ])
  pipeline = [for s in local.lake.pipeline : {
    name  = s.name
    kind  = s.kind
    layer = try(s.layer, null)
    job   = try(s.job, null)
  }]
  jobs = { for key, job in local.lake.jobs : key => {
    name            = local.names.jobs[key]
    script          = job.script
    description     = job.description
    timeout_minutes = job.timeout_minutes
  } }
  # The crawlers the state machine starts: one per crawl stage (quarantine is a stage of its own: a Glue
  # trigger chained to a crawler Step Functions started would never fire).
  pipeline_crawlers = [for s in local.pipeline : local.names.crawlers[s.layer] if s.kind == "crawl"]

  # The layers analysts read (modules/iam analyst policy): gold always, silver when lake.yaml says so.
  analyst_layers = concat(["gold"], try(local.lake.analyst_access.read_silver, false) ? ["silver"] : [])

  longest_job_minutes = max([for job in values(local.lake.jobs) : job.timeout_minutes]...)

  # Who publishes to the alert topic: the monitoring module's EventBridge rules and alarms.
  alert_topic_publishers = ["budgets.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"]

  # DPUs a run of each job holds (fixed workers, no auto scaling): workers x DPUs per worker type.
  dpus_per_worker = { "G.025X" = 0.25, "G.1X" = 1, "G.2X" = 2, "G.4X" = 4, "G.8X" = 8 }
  job_run_dpus    = { for key in keys(local.lake.jobs) : local.names.jobs[key] => local.settings.glue_number_of_workers * lookup(local.dpus_per_worker, local.settings.glue_worker_type, 1) }

  # Cost allocation tags (lake.yaml cost_center): the budget filters on Lake, the one tag naming exactly
  # this environment's resources.
  tags = merge(var.tags, {
    Project     = local.project
    Environment = var.environment
    ManagedBy   = "terraform"
    CostCenter  = local.lake.cost_center
    Lake        = local.name_prefix
  })
}

module "s3_lake" {
  source = "../s3-lake"

  bucket_name = local.names.bucket
  prefixes    = local.prefixes

  create_kms_key                  = true
  kms_key_deletion_window_in_days = local.settings.kms_key_deletion_window_days
  # The services that publish to the KMS-encrypted alert topic (EventBridge rules for Glue failures,
  # CloudWatch alarms, the budget) use the key under the topic's encryption context; vended-log delivery
  # decrypts the encrypted state machine's execution data when it writes the execution log.
  kms_key_sns_topic_publishers        = { (local.names.alert_topic) = local.alert_topic_publishers }
  kms_key_log_delivery_state_machines = var.create_state_machine ? [local.names.state_machine] : []
  # The landing rule sends to its encrypted queue (and what it cannot deliver to the dead-letter queue).
  kms_key_sqs_queue_senders = local.landing_trigger ? {
    (local.names.landing_queue) = ["events.amazonaws.com"]
    (local.names.landing_dlq)   = ["events.amazonaws.com"]
  } : {}
  # S3 sends the bucket's object events to EventBridge for the landing rule.
  enable_eventbridge_notifications = local.landing_trigger

  bronze_expiry_days        = local.settings.bronze_expiry_days
  force_destroy             = local.settings.force_destroy
  attach_lake_bucket_policy = var.attach_lake_bucket_policy
  tags                      = local.tags
}

module "iam" {
  source = "../iam"

  name_prefix = local.name_prefix
  bucket_arn  = module.s3_lake.bucket_arn
  prefixes    = module.s3_lake.prefixes
  kms_key_arn = module.s3_lake.kms_key_arn

  glue_database_names       = values(local.names.databases)
  glue_job_names            = values(local.names.jobs)
  glue_crawler_names        = local.pipeline_crawlers
  ingest_function_name      = local.names.lambda_function
  ingest_log_group_name     = local.names.lambda_log_group
  ingest_secret_names       = values(local.names.source_secrets)
  ingest_dlq_queue_name     = local.names.ingest_dlq
  state_machine_name        = local.names.state_machine
  alert_topic_name          = local.names.alert_topic
  scheduler_dlq_queue_name  = local.names.schedule_dlq
  quality_metrics_namespace = local.quality_namespace

  landing_queue_name             = local.landing_trigger ? local.names.landing_queue : null
  landing_trigger_log_group_name = local.landing_trigger ? local.names.landing_log_group : null

  # Analysts: the workgroup and the layers lake.yaml `analyst_access` opens (gold; silver by its switch).
  analyst_workgroup_name          = local.names.workgroup
  analyst_layers                  = local.analyst_layers
  analyst_database_names          = [for layer in local.analyst_layers : local.names.databases[layer]]
  analyst_role_trusted_principals = var.analyst_role_trusted_principals
  tags                            = local.tags
}

module "glue" {
  source = "../glue"

  name_prefix      = local.name_prefix
  environment      = var.environment
  database_names   = local.names.databases
  crawler_names    = local.names.crawlers
  bucket_name      = module.s3_lake.bucket_name
  prefixes         = module.s3_lake.prefixes
  jobs             = local.jobs
  job_role_arn     = module.iam.glue_job_role_arn
  crawler_role_arn = module.iam.glue_crawler_role_arn
  kms_key_arn      = module.s3_lake.kms_key_arn

  # The catalog's encryption is one setting per account and region: lake.yaml says which environment owns it.
  encrypt_data_catalog = local.settings.encrypt_data_catalog

  # The built code (jozi_lake.zip + glue_scripts/): uploaded under its content hash, the jobs pointed at it.
  # The jobs read the quality namespace from the lake.yaml inside the zip, so it is no job argument.
  code_dir = var.glue_code_dir
  # A batch the silver job's quality gate holds is alerted on the alert topic (--alert_topic_arn; the job
  # role may publish there, modules/iam).
  alert_topic_arn = module.monitoring.topic_arn

  worker_type       = local.settings.glue_worker_type
  number_of_workers = local.settings.glue_number_of_workers
  execution_class   = local.settings.glue_execution_class
  tags              = local.tags
}

module "athena" {
  source = "../athena"

  workgroup_name                 = local.names.workgroup
  bucket_name                    = module.s3_lake.bucket_name
  results_prefix                 = local.prefixes.athena_results
  kms_key_arn                    = module.s3_lake.kms_key_arn
  database_name                  = local.names.databases["gold"]
  sql_dir                        = var.sql_dir
  bytes_scanned_cutoff_per_query = local.settings.athena_bytes_scanned_cutoff
  price_per_tb_usd               = var.athena_price_per_tb_usd
  tags                           = local.tags
}

module "ingest_lambda" {
  source = "../ingest-lambda"

  function_name  = local.names.lambda_function
  log_group_name = local.names.lambda_log_group
  dlq_name       = local.names.ingest_dlq
  role_arn       = module.iam.ingest_lambda_role_arn
  package_path   = var.ingest_package_path
  environment    = var.environment
  bucket_name    = module.s3_lake.bucket_name
  # Files the ingest rejects are alerted on the alert topic (one SNS message each).
  alert_topic_arn = module.monitoring.topic_arn

  source_secret_names         = local.names.source_secrets
  secret_recovery_window_days = local.settings.secret_recovery_window_days

  kms_key_arn        = module.s3_lake.kms_key_arn
  log_retention_days = local.settings.log_retention_days
  tags               = local.tags
}

module "monitoring" {
  source = "../monitoring"

  name_prefix  = local.name_prefix
  environment  = var.environment
  topic_name   = local.names.alert_topic
  kms_key_arn  = module.s3_lake.kms_key_arn
  alert_emails = var.alert_emails

  glue_job_names = local.names.jobs
  # Every crawler the glue module made (each a crawl stage of the pipeline).
  glue_crawler_names        = module.glue.crawler_names
  job_long_run_minutes      = floor(local.longest_job_minutes * 0.75)
  lambda_function_name      = local.names.lambda_function
  state_machine_name        = local.names.state_machine
  quality_namespace         = local.quality_namespace
  quality_tables            = keys(local.sources)
  quarantine_rate_threshold = var.quarantine_rate_threshold
  dlq_names = merge(
    { ingest = local.names.ingest_dlq, schedule = local.names.schedule_dlq },
    local.landing_trigger ? { landing = local.names.landing_dlq } : {},
  )
  landing_trigger_function_name = local.landing_trigger ? local.names.landing_function : null
  athena_workgroup_name         = module.athena.workgroup_name
  glue_job_run_dpus             = local.job_run_dpus
  budget_name                   = local.names.budget
  monthly_budget_usd            = var.create_budget ? try(local.settings.monthly_budget_usd, null) : null
  budget_tag                    = { key = "Lake", value = local.name_prefix }
  tags                          = local.tags
}

module "stepfunctions" {
  source = "../stepfunctions"

  create              = var.create_state_machine
  state_machine_name  = local.names.state_machine
  log_group_name      = local.names.state_machine_log_group
  environment         = var.environment
  role_arn            = module.iam.state_machine_role_arn
  pipeline            = local.pipeline
  lambda_function_arn = module.ingest_lambda.function_arn
  crawler_names       = module.glue.crawler_names
  job_names           = module.glue.job_names
  alert_topic_arn     = module.monitoring.topic_arn
  # The execution timeout is computed from these (every attempt at its timeout plus retry waits) and an
  # hour for the crawls, which have no timeout of their own.
  job_timeout_minutes     = { for key, job in local.lake.jobs : key => job.timeout_minutes }
  lambda_timeout_seconds  = module.ingest_lambda.timeout_seconds
  crawl_allowance_seconds = 3600

  log_level          = local.settings.state_machine_log_level
  log_retention_days = local.settings.log_retention_days
  kms_key_arn        = module.s3_lake.kms_key_arn

  schedule_name       = local.names.schedule
  schedule_dlq_name   = local.names.schedule_dlq
  run_ended_rule_name = local.names.run_ended_rule
  schedule_expression = local.lake.schedule.expression
  schedule_timezone   = local.lake.schedule.timezone
  schedule_enabled    = local.settings.schedule_enabled
  scheduler_role_arn  = module.iam.scheduler_role_arn
  tags                = local.tags
}

module "landing_trigger" {
  source = "../landing-trigger"

  create         = local.landing_trigger
  rule_name      = local.names.landing_rule
  queue_name     = local.names.landing_queue
  dlq_name       = local.names.landing_dlq
  function_name  = local.names.landing_function
  log_group_name = local.names.landing_log_group
  role_arn       = module.iam.landing_trigger_role_arn
  lambda_package = module.ingest_lambda.package # the lake Lambda's zip carries lambda/landing_trigger.py too
  environment    = var.environment

  bucket_name       = module.s3_lake.bucket_name
  landing_prefixes  = local.landing_prefixes
  state_machine_arn = module.stepfunctions.state_machine_arn
  # A deferred message outlives the longest run (and one queued behind it): sized from the state
  # machine's own execution timeout.
  run_timeout_seconds = module.stepfunctions.timeout_seconds

  kms_key_arn        = module.s3_lake.kms_key_arn
  log_retention_days = local.settings.log_retention_days
  tags               = local.tags
}
