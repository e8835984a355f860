# One role per component, each allowed only what that component does: S3 grants name the lake bucket
# plus the prefixes the component really touches, catalog grants name its databases and tables, and the
# ARNs of resources created elsewhere (Lambda, state machine, topic, queues, secret) are built from their
# names so the roles can exist before those resources (no dependency cycles).

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.name

  tags = merge(var.tags, { "lake:component" = "iam" })

  # --- ARNs built from names ---------------------------------------------------------------------------
  arn_tail             = "${local.region}:${local.account_id}"
  ingest_function_arn  = "arn:${local.partition}:lambda:${local.arn_tail}:function:${var.ingest_function_name}"
  ingest_log_group_arn = "arn:${local.partition}:logs:${local.arn_tail}:log-group:/aws/lambda/${var.ingest_function_name}"
  state_machine_arn    = "arn:${local.partition}:states:${local.arn_tail}:stateMachine:${var.state_machine_name}"
  # Secrets Manager appends "-" and six random characters to a secret's ARN.
  ingest_secret_arn   = var.ingest_secret_name == null ? null : "arn:${local.partition}:secretsmanager:${local.arn_tail}:secret:${var.ingest_secret_name}-??????"
  ingest_dlq_arn      = var.ingest_dlq_queue_name == null ? null : "arn:${local.partition}:sqs:${local.arn_tail}:${var.ingest_dlq_queue_name}"
  scheduler_dlq_arn   = var.scheduler_dlq_queue_name == null ? null : "arn:${local.partition}:sqs:${local.arn_tail}:${var.scheduler_dlq_queue_name}"
  alert_topic_arn     = var.alert_topic_name == null ? null : "arn:${local.partition}:sns:${local.arn_tail}:${var.alert_topic_name}"
  glue_job_arns       = [for name in var.glue_job_names : "arn:${local.partition}:glue:${local.arn_tail}:job/${name}"]
  glue_crawler_arns   = [for name in var.glue_crawler_names : "arn:${local.partition}:glue:${local.arn_tail}:crawler/${name}"]
  glue_log_groups_arn = "arn:${local.partition}:logs:${local.arn_tail}:log-group:/aws-glue/*"

  # Spark's Glue catalog client looks up the "default" database at start-up, so jobs may read it too.
  glue_catalog_arn          = "arn:${local.partition}:glue:${local.arn_tail}:catalog"
  glue_database_arns        = [for name in var.glue_database_names : "arn:${local.partition}:glue:${local.arn_tail}:database/${name}"]
  glue_table_arns           = [for name in var.glue_database_names : "arn:${local.partition}:glue:${local.arn_tail}:table/${name}/*"]
  glue_default_database_arn = "arn:${local.partition}:glue:${local.arn_tail}:database/default"

  # --- S3 scopes ---------------------------------------------------------------------------------------
  bronze     = var.prefixes["bronze"]
  silver     = var.prefixes["silver"]
  gold       = var.prefixes["gold"]
  quarantine = var.prefixes["quarantine"]
  landing    = var.prefixes["landing"]
  scripts    = var.prefixes["scripts"]
  spark_ui   = var.prefixes["spark_ui"]
  temp       = var.glue_temp_prefix

  # ListBucket is granted per prefix through s3:prefix: "bronze" (the folder probe) and "bronze/*".
  list_patterns = {
    for component, prefixes in {
      ingest_lambda = [local.landing, local.bronze]
      glue_job      = [local.bronze, local.silver, local.gold, local.quarantine, local.scripts, local.spark_ui, local.temp]
      glue_crawler  = [local.bronze, local.silver, local.gold, local.quarantine]
    } : component => flatten([for prefix in prefixes : [trimsuffix(prefix, "/"), "${prefix}*"]])
  }

  objects = { for key, prefix in merge(var.prefixes, { temp = local.temp }) : key => "${var.bucket_arn}/${prefix}*" }

  kms_statements = var.kms_key_arn == null ? {} : {
    # Data keys for SSE-KMS reads/writes (with bucket keys) and for encrypted logs, queues and topics.
    read_write = {
      Sid      = "UseLakeKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      Resource = var.kms_key_arn
    }
  }
}

################################################################################
# Ingestion Lambda
################################################################################

resource "aws_iam_role" "ingest_lambda" {
  name                 = "${local.name_prefix}-ingest-lambda"
  description          = "Runs the ingestion Lambda: store API -> bronze/."
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration

  # Lambda does not document aws:SourceArn/aws:SourceAccount for execution-role assumption; a condition the
  # service never sends would break every invocation. Passing the role needs iam:PassRole in this account.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumesRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "ingest_lambda" {
  name = "ingest"
  role = aws_iam_role.ingest_lambda.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadLandingFiles"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = local.objects["landing"]
        },
        {
          # New batches and the bookkeeping in bronze/_state/ and bronze/_manifests/ are written here.
          Sid      = "WriteBronzeBatches"
          Effect   = "Allow"
          Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]
          Resource = local.objects["bronze"]
        },
        {
          Sid    = "ReadIngestStateAndManifests"
          Effect = "Allow"
          Action = ["s3:GetObject"]
          Resource = [
            "${var.bucket_arn}/${local.bronze}_state/*",
            "${var.bucket_arn}/${local.bronze}_manifests/*",
          ]
        },
        {
          Sid       = "ListLandingAndBronze"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = var.bucket_arn
          Condition = { StringLike = { "s3:prefix" = local.list_patterns["ingest_lambda"] } }
        },
        {
          # The log group itself is created (encrypted, with retention) by Terraform, not by the function.
          Sid      = "WriteOwnLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "${local.ingest_log_group_arn}:*"
        },
        {
          # X-Ray accepts no resource-level permissions for these actions: "*" is the only valid resource.
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = "*"
        },
      ],
      values(local.kms_statements),
      local.ingest_secret_arn == null ? [] : [{
        Sid      = "ReadSourceApiSecret"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = local.ingest_secret_arn
      }],
      local.ingest_dlq_arn == null ? [] : [{
        Sid      = "SendToDeadLetterQueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = local.ingest_dlq_arn
      }],
      var.ingest_metrics_namespace == null ? [] : [{
        # PutMetricData has no resource type ("*" is required); the namespace condition narrows it.
        Sid       = "PublishIngestMetrics"
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = "*"
        Condition = { StringEquals = { "cloudwatch:namespace" = var.ingest_metrics_namespace } }
      }],
    )
  })
}

################################################################################
# Glue jobs
################################################################################

resource "aws_iam_role" "glue_job" {
  name                 = "${local.name_prefix}-glue-job"
  description          = "Runs the Glue jobs: bronze/ -> silver/ + quarantine/ -> gold/."
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration

  # Glue does not document source-context keys for job/crawler role assumption (a condition it does not
  # send would stop every run); only principals with iam:PassRole in this account can hand the role to Glue.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GlueAssumesRole"
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "glue_job" {
  name = "glue-job"
  role = aws_iam_role.glue_job.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadBronzeAndCode"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = [local.objects["bronze"], local.objects["scripts"]]
        },
        {
          # Outputs are rewritten per touched partition (delete + put), and silver/_state/ records which
          # bronze batches were processed.
          Sid    = "ReadWriteOutputsAndTemp"
          Effect = "Allow"
          Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
          Resource = [
            local.objects["silver"],
            local.objects["gold"],
            local.objects["quarantine"],
            local.objects["temp"],
          ]
        },
        {
          Sid      = "WriteSparkEventLogs"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
          Resource = local.objects["spark_ui"]
        },
        {
          Sid       = "ListOwnPrefixes"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = var.bucket_arn
          Condition = { StringLike = { "s3:prefix" = local.list_patterns["glue_job"] } }
        },
        {
          Sid      = "LocateBucket"
          Effect   = "Allow"
          Action   = ["s3:GetBucketLocation"]
          Resource = var.bucket_arn
        },
        {
          Sid    = "ReadLakeCatalog"
          Effect = "Allow"
          Action = [
            "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
            "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
          ]
          Resource = concat([local.glue_catalog_arn, local.glue_default_database_arn], local.glue_database_arns, local.glue_table_arns)
        },
        {
          # AssociateKmsKey: the security configuration encrypts the job's log groups with the lake key.
          Sid      = "WriteGlueLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
          Resource = [local.glue_log_groups_arn, "${local.glue_log_groups_arn}:log-stream:*"]
        },
        {
          # PutMetricData has no resource type ("*" is required); the namespace condition narrows it to the
          # job and observability metrics Glue publishes for the job, and the lake's quality metrics.
          Sid       = "PublishGlueJobMetrics"
          Effect    = "Allow"
          Action    = ["cloudwatch:PutMetricData"]
          Resource  = "*"
          Condition = { StringEquals = { "cloudwatch:namespace" = compact(["Glue", var.quality_metrics_namespace]) } }
        },
      ],
      values(local.kms_statements),
    )
  })
}

################################################################################
# Glue crawlers
################################################################################

resource "aws_iam_role" "glue_crawler" {
  name                 = "${local.name_prefix}-glue-crawler"
  description          = "Runs the Glue crawlers that catalog bronze/, silver/, quarantine/ and gold/."
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration

  # See the Glue job role for why there is no source-context condition.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GlueAssumesRole"
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "glue_crawler" {
  name = "glue-crawler"
  role = aws_iam_role.glue_crawler.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadLayers"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = [local.objects["bronze"], local.objects["silver"], local.objects["gold"], local.objects["quarantine"]]
        },
        {
          Sid       = "ListLayers"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = var.bucket_arn
          Condition = { StringLike = { "s3:prefix" = local.list_patterns["glue_crawler"] } }
        },
        {
          Sid      = "LocateBucket"
          Effect   = "Allow"
          Action   = ["s3:GetBucketLocation"]
          Resource = var.bucket_arn
        },
        {
          # Schema changes are only logged (update/delete behaviour LOG), so no DeleteTable/DeletePartition.
          Sid    = "CatalogLakeTables"
          Effect = "Allow"
          Action = [
            "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
            "glue:CreateTable", "glue:UpdateTable",
            "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
            "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition",
          ]
          Resource = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
        },
        {
          Sid      = "WriteGlueLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
          Resource = [local.glue_log_groups_arn, "${local.glue_log_groups_arn}:log-stream:*"]
        },
      ],
      values(local.kms_statements),
    )
  })
}

################################################################################
# Step Functions (the pipeline state machine)
################################################################################

resource "aws_iam_role" "state_machine" {
  name                 = "${local.name_prefix}-state-machine"
  description          = "Runs the pipeline state machine: ingest -> crawl -> jobs -> alerts."
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "StatesAssumesRoleForThePipelineOnly"
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = local.state_machine_arn }
      }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name = "state-machine"
  role = aws_iam_role.state_machine.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "InvokeIngestFunction"
          Effect   = "Allow"
          Action   = ["lambda:InvokeFunction"]
          Resource = [local.ingest_function_arn, "${local.ingest_function_arn}:*"]
        },
        {
          # The .sync integration polls GetJobRun(s) and stops the run when the execution is aborted.
          Sid      = "RunGlueJobs"
          Effect   = "Allow"
          Action   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
          Resource = local.glue_job_arns
        },
        {
          Sid      = "RunGlueCrawlers"
          Effect   = "Allow"
          Action   = ["glue:StartCrawler", "glue:GetCrawler"]
          Resource = local.glue_crawler_arns
        },
        {
          # X-Ray accepts no resource-level permissions for these actions: "*" is the only valid resource.
          Sid      = "WriteTraces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
          Resource = "*"
        },
        {
          # Execution logging is set up through CloudWatch Logs vended log delivery, whose actions accept
          # no resource narrower than "*" (AWS Step Functions logging documentation).
          Sid    = "DeliverExecutionLogs"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
          ]
          Resource = "*"
        },
      ],
      values(local.kms_statements),
      local.alert_topic_arn == null ? [] : [{
        Sid      = "PublishAlerts"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = local.alert_topic_arn
      }],
    )
  })
}

################################################################################
# EventBridge Scheduler (starts the pipeline nightly)
################################################################################

resource "aws_iam_role" "scheduler" {
  name                 = "${local.name_prefix}-scheduler"
  description          = "Lets EventBridge Scheduler start the pipeline state machine."
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration

  # Scheduler documents aws:SourceAccount for its execution role; schedules of other accounts cannot use it.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulerAssumesRoleForThisAccount"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name = "scheduler"
  role = aws_iam_role.scheduler.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "StartPipeline"
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = local.state_machine_arn
      }],
      values(local.kms_statements),
      local.scheduler_dlq_arn == null ? [] : [{
        Sid      = "SendToDeadLetterQueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = local.scheduler_dlq_arn
      }],
    )
  })
}
