# One role per component, each allowed only what that component does: S3 grants name the lake bucket
# plus the prefixes the component really touches, catalog grants name its databases and tables, and the
# ARNs of resources created elsewhere (Lambda, state machine, topic, queues, secret, log group) are built
# from their names so the roles can exist before those resources (no dependency cycles).
#
# Every role has the same shape (`local.roles`): its inline policy's name, a description, a trusted service
# with optional trust conditions and a list of policy statements. One aws_iam_role, one trust document, one
# policy document (both jsonencode) and one inline policy per entry; statements several roles share (the lake key, Glue's logs, bucket location) are
# written once below and concatenated into each role's list.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  tags = merge(var.tags, { "lake:component" = "iam" })

  # --- ARNs built from names ---------------------------------------------------------------------------
  arn_tail             = "${local.region}:${local.account_id}"
  ingest_function_arn  = "arn:${local.partition}:lambda:${local.arn_tail}:function:${var.ingest_function_name}"
  ingest_log_group_arn = "arn:${local.partition}:logs:${local.arn_tail}:log-group:${var.ingest_log_group_name}"
  state_machine_arn    = "arn:${local.partition}:states:${local.arn_tail}:stateMachine:${var.state_machine_name}"
  # Executions of the pipeline state machine: arn:...:execution:<state machine name>:<execution name>.
  state_machine_execution_arns = "arn:${local.partition}:states:${local.arn_tail}:execution:${var.state_machine_name}:*"
  # Secrets Manager appends "-" and six random characters to a secret's ARN.
  ingest_secret_arns = [for name in var.ingest_secret_names : "arn:${local.partition}:secretsmanager:${local.arn_tail}:secret:${name}-??????"]
  ingest_dlq_arn     = var.ingest_dlq_queue_name == null ? null : "arn:${local.partition}:sqs:${local.arn_tail}:${var.ingest_dlq_queue_name}"
  scheduler_dlq_arn  = var.scheduler_dlq_queue_name == null ? null : "arn:${local.partition}:sqs:${local.arn_tail}:${var.scheduler_dlq_queue_name}"
  alert_topic_arn    = var.alert_topic_name == null ? null : "arn:${local.partition}:sns:${local.arn_tail}:${var.alert_topic_name}"
  # The landing trigger (modules/landing-trigger): its queue and log group; no role without the queue.
  landing_trigger       = var.landing_queue_name != null
  landing_queue_arn     = local.landing_trigger ? "arn:${local.partition}:sqs:${local.arn_tail}:${var.landing_queue_name}" : null
  landing_log_group_arn = local.landing_trigger ? "arn:${local.partition}:logs:${local.arn_tail}:log-group:${var.landing_trigger_log_group_name}" : null
  glue_job_arns         = [for name in var.glue_job_names : "arn:${local.partition}:glue:${local.arn_tail}:job/${name}"]
  glue_crawler_arns     = [for name in var.glue_crawler_names : "arn:${local.partition}:glue:${local.arn_tail}:crawler/${name}"]
  glue_log_groups_arn   = "arn:${local.partition}:logs:${local.arn_tail}:log-group:/aws-glue/*"

  # Spark's Glue catalog client looks up the "default" database at start-up, so jobs may read it too.
  glue_catalog_arn          = "arn:${local.partition}:glue:${local.arn_tail}:catalog"
  glue_database_arns        = [for name in var.glue_database_names : "arn:${local.partition}:glue:${local.arn_tail}:database/${name}"]
  glue_table_arns           = [for name in var.glue_database_names : "arn:${local.partition}:glue:${local.arn_tail}:table/${name}/*"]
  glue_default_database_arn = "arn:${local.partition}:glue:${local.arn_tail}:database/default"

  # --- S3 scopes ---------------------------------------------------------------------------------------
  p       = var.prefixes
  objects = { for key, prefix in var.prefixes : key => "${var.bucket_arn}/${prefix}*" }

  # The crawlers only list the folders they crawl: ListBucket through s3:prefix, "bronze" (the folder probe)
  # and "bronze/*".
  crawler_list_patterns = flatten([for key in ["bronze", "silver", "gold", "quarantine", "ops"] : [trimsuffix(local.p[key], "/"), "${local.p[key]}*"]])

  # --- Statements shared by several roles (each written once) ------------------------------------------
  # Every statement has the same shape, so a role's list can concatenate shared and own statements.
  kms_statements = var.kms_key_arn == null ? [] : [{
    # Data keys for SSE-KMS reads/writes (with bucket keys) and for encrypted logs, queues and topics.
    sid        = "UseLakeKey"
    actions    = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources  = [var.kms_key_arn]
    conditions = []
  }]

  # The Lambda only reads and writes SSE-KMS objects, reads its KMS-encrypted secret and sends to its
  # encrypted dead-letter queue: data keys and decryption, no Encrypt or DescribeKey (grants match use,
  # tests/terraform/test_rendered_grants.py).
  ingest_kms_statements = var.kms_key_arn == null ? [] : [{
    sid        = "UseLakeKey"
    actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources  = [var.kms_key_arn]
    conditions = []
  }]

  # AssociateKmsKey: the Glue security configuration encrypts the job and crawler log groups with the key.
  glue_logs_statement = {
    sid        = "WriteGlueLogs"
    actions    = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources  = [local.glue_log_groups_arn, "${local.glue_log_groups_arn}:log-stream:*"]
    conditions = []
  }

  locate_bucket_statement = {
    sid        = "LocateBucket"
    actions    = ["s3:GetBucketLocation"]
    resources  = [var.bucket_arn]
    conditions = []
  }

  catalog_read_actions = [
    "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
    "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
  ]

  # A role whose code reads keys that may not exist yet (cursors, manifests, processed-batch records, run
  # reports: a first run) may list the bucket without an s3:prefix condition. S3 answers a read of a missing
  # key with 404 only to a caller allowed s3:ListBucket on the bucket, and decides that without a listing
  # request, so a grant narrowed by s3:prefix is not certain to count: the read would get 403 AccessDenied,
  # which the code rightly does not take for "first run". Listing shows key names, never contents.
  list_bucket_statement = {
    sid        = "ListBucketSoMissingKeysReadAsNotFound"
    actions    = ["s3:ListBucket"]
    resources  = [var.bucket_arn]
    conditions = []
  }

  # PutMetricData has no resource type ("*" is required); a namespace condition narrows it.
  put_metrics_statement = { for role, namespaces in {
    ingest_lambda = compact([var.ingest_metrics_namespace])
    glue_job      = compact(["Glue", var.quality_metrics_namespace])
    } : role => {
    sid        = role == "glue_job" ? "PublishGlueJobMetrics" : "PublishIngestMetrics"
    actions    = ["cloudwatch:PutMetricData"]
    resources  = ["*"]
    conditions = [{ test = "StringEquals", variable = "cloudwatch:namespace", values = namespaces }]
  } if length(namespaces) > 0 }

  # --- The landing trigger's role (only with the trigger) ---------------------------------------------------
  # The function (lambda/landing_trigger.py) lists and starts executions of the pipeline and nothing else of
  # ours: it reaches no code that touches the bucket, so it has no S3 grant at all. The Lambda service reads
  # the landing queue as this role (the event source mapping), and the lake key only for that queue's
  # messages and the execution input Step Functions encrypts with the state machine's key.
  landing_trigger_roles = !local.landing_trigger ? {} : {
    landing_trigger = {
      policy_name      = "landing-trigger"
      description      = "Runs the landing trigger: S3 events of landing/ files (via the landing queue) start the pipeline."
      service          = "lambda.amazonaws.com"
      trust_sid        = "LambdaAssumesRole"
      trust_conditions = []
      statements = concat(
        [
          # The event source mapping polls the queue as the function's role and deletes what it handled.
          { sid = "ConsumeLandingQueue", actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], resources = [local.landing_queue_arn], conditions = [] },
          # Is a run in progress, or did one start after these files? Then start one (jozi_lake.landing).
          { sid = "FindAndStartPipelineRuns", actions = ["states:ListExecutions", "states:StartExecution"], resources = [local.state_machine_arn], conditions = [] },
          { sid = "WriteOwnLogs", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = ["${local.landing_log_group_arn}:*"], conditions = [] },
          # X-Ray accepts no resource-level permissions for these actions: "*" is the only valid resource.
          { sid = "WriteTraces", actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources = ["*"], conditions = [] },
        ],
        var.kms_key_arn == null ? [] : [
          {
            # Messages of the landing queue, encrypted by SQS with the queue as encryption context.
            sid        = "DecryptLandingMessages"
            actions    = ["kms:Decrypt"]
            resources  = [var.kms_key_arn]
            conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:aws:sqs:arn", values = [local.landing_queue_arn] }]
          },
          {
            # StartExecution on a state machine encrypted with the key: Step Functions encrypts the input.
            sid        = "EncryptRunInput"
            actions    = ["kms:GenerateDataKey"]
            resources  = [var.kms_key_arn]
            conditions = [{ test = "StringEquals", variable = "kms:EncryptionContext:aws:states:stateMachineArn", values = [local.state_machine_arn] }]
          },
        ],
      )
    }
  }

  roles = merge(local.core_roles, local.landing_trigger_roles)

  # --- The roles -----------------------------------------------------------------------------------------
  # Lambda and Glue do not document aws:SourceArn/aws:SourceAccount for execution-role assumption; a
  # condition the service never sends would break every run, so those trusts rely on iam:PassRole being
  # limited to this account's deployers. Step Functions and Scheduler document them and are bound.
  core_roles = {
    ingest_lambda = {
      policy_name      = "ingest"
      description      = "Runs the lake Lambda: sources -> bronze/ (unreadable files -> rejected/), the pipeline's summary."
      service          = "lambda.amazonaws.com"
      trust_sid        = "LambdaAssumesRole"
      trust_conditions = []
      statements = concat(
        [
          # A landed file that cannot be read is moved to rejected/ (copied there, then deleted from landing/).
          { sid = "ReadAndMoveLandingFiles", actions = ["s3:GetObject", "s3:DeleteObject"], resources = [local.objects["landing"]], conditions = [] },
          { sid = "SetAsideRejectedFiles", actions = ["s3:GetObject", "s3:PutObject"], resources = [local.objects["rejected"]], conditions = [] },
          # New batches (single put_object calls: no multipart upload).
          { sid = "WriteBronzeBatches", actions = ["s3:PutObject"], resources = [local.objects["bronze"]], conditions = [] },
          # The lake's own state (prefixes.state): the run lease (created, replaced and deleted with conditional
          # writes), watermarks, drop ledgers, manifests, the layer change marks, processed files and held
          # batches the plan reads.
          { sid = "ReadWriteLakeState", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = [local.objects["state"]], conditions = [] },
          # An older lake's bookkeeping is moved to state/ once (jozi_lake.migrate: read, then delete).
          {
            sid        = "MoveOldBookkeeping"
            actions    = ["s3:GetObject", "s3:DeleteObject"]
            resources  = ["${var.bucket_arn}/${local.p["bronze"]}_state/*", "${var.bucket_arn}/${local.p["bronze"]}_manifests/*", "${var.bucket_arn}/${local.p["silver"]}_state/*"]
            conditions = []
          },
          # The summary stage reads the run's job reports.
          {
            sid        = "ReadJobReports"
            actions    = ["s3:GetObject"]
            resources  = ["${var.bucket_arn}/${local.p["silver"]}_reports/*", "${var.bucket_arn}/${local.p["gold"]}_reports/*"]
            conditions = []
          },
          # record_run: a finished execution's stage timings, one file per run in the ops table
          # pipeline_stage_runs (jozi_lake.ops_tables.PIPELINE_STAGE_RUNS); the Glue jobs write the others.
          { sid = "RecordPipelineRuns", actions = ["s3:PutObject"], resources = ["${var.bucket_arn}/${local.p["ops"]}pipeline_stage_runs/*"], conditions = [] },
          local.list_bucket_statement,
          # The log group itself is created (encrypted, with retention) by Terraform, not by the function.
          { sid = "WriteOwnLogs", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = ["${local.ingest_log_group_arn}:*"], conditions = [] },
          # X-Ray accepts no resource-level permissions for these actions: "*" is the only valid resource.
          { sid = "WriteTraces", actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources = ["*"], conditions = [] },
        ],
        local.ingest_kms_statements,
        length(local.ingest_secret_arns) == 0 ? [] : [{
          sid        = "ReadSourceSecrets"
          actions    = ["secretsmanager:GetSecretValue"]
          resources  = local.ingest_secret_arns
          conditions = []
        }],
        local.ingest_dlq_arn == null ? [] : [{ sid = "SendToDeadLetterQueue", actions = ["sqs:SendMessage"], resources = [local.ingest_dlq_arn], conditions = [] }],
        [for role, statement in local.put_metrics_statement : statement if role == "ingest_lambda"],
        # The plan: a crawl stage's last crawl is its crawler's LastCrawl (jozi_lake.run_control).
        length(local.glue_crawler_arns) == 0 ? [] : [{ sid = "ReadCrawlerLastCrawl", actions = ["glue:GetCrawler"], resources = local.glue_crawler_arns, conditions = [] }],
        # The lease: a holder execution that is no longer RUNNING (timed out, aborted) is taken over at once.
        # record_run: a finished execution's status and history, folded into its stages.
        [{ sid = "ReadPipelineExecutions", actions = ["states:DescribeExecution", "states:GetExecutionHistory"], resources = [local.state_machine_execution_arns], conditions = [] }],
        # Files the ingest rejects: one alert each on the alert topic (jozi_lake.notify).
        local.alert_topic_arn == null ? [] : [{ sid = "PublishAlerts", actions = ["sns:Publish"], resources = [local.alert_topic_arn], conditions = [] }],
      )
    }

    glue_job = {
      policy_name      = "glue-job"
      description      = "Runs the Glue jobs: bronze/ -> silver/ + quarantine/ -> gold/."
      service          = "glue.amazonaws.com"
      trust_sid        = "GlueAssumesRole"
      trust_conditions = []
      statements = concat(
        [
          { sid = "ReadBronzeAndCode", actions = ["s3:GetObject"], resources = [local.objects["bronze"], local.objects["scripts"]], conditions = [] },
          {
            # Outputs are rewritten per touched partition (delete + put), silver/_state/ records which
            # bronze batches were processed, ops/ holds the lake's run tables.
            sid        = "ReadWriteOutputsAndTemp"
            actions    = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
            resources  = [for key in ["silver", "gold", "quarantine", "ops", "glue_temp"] : local.objects[key]]
            conditions = []
          },
          { sid = "WriteSparkEventLogs", actions = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], resources = [local.objects["spark_ui"]], conditions = [] },
          # The lake's state: the layers each job changed (jozi_lake.backlog.mark_changed), the bronze files
          # silver processed, the batches a fail rule held, the replay requests a job consumes.
          { sid = "ReadWriteLakeState", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = [local.objects["state"]], conditions = [] },
          local.list_bucket_statement,
          local.locate_bucket_statement,
          {
            sid        = "ReadLakeCatalog"
            actions    = local.catalog_read_actions
            resources  = concat([local.glue_catalog_arn, local.glue_default_database_arn], local.glue_database_arns, local.glue_table_arns)
            conditions = []
          },
          local.glue_logs_statement,
          # Glue's job and observability metrics, and the lake's quality metrics.
          local.put_metrics_statement["glue_job"],
        ],
        # The lake key (UseLakeKey) also gives the data keys SNS needs to publish to the encrypted topic.
        local.kms_statements,
        # A batch the silver job's quality gate held: one alert on the alert topic (jozi_lake.notify).
        local.alert_topic_arn == null ? [] : [{ sid = "PublishAlerts", actions = ["sns:Publish"], resources = [local.alert_topic_arn], conditions = [] }],
      )
    }

    glue_crawler = {
      policy_name      = "glue-crawler"
      description      = "Runs the Glue crawlers that catalog bronze/, silver/, quarantine/, gold/ and ops/."
      service          = "glue.amazonaws.com"
      trust_sid        = "GlueAssumesRole"
      trust_conditions = []
      statements = concat(
        [
          { sid = "ReadLayers", actions = ["s3:GetObject"], resources = [for key in ["bronze", "silver", "gold", "quarantine", "ops"] : local.objects[key]], conditions = [] },
          {
            sid        = "ListLayers"
            actions    = ["s3:ListBucket"]
            resources  = [var.bucket_arn]
            conditions = [{ test = "StringLike", variable = "s3:prefix", values = local.crawler_list_patterns }]
          },
          local.locate_bucket_statement,
          {
            # Schema changes are only logged (update/delete behaviour LOG), so no DeleteTable/DeletePartition.
            # Crawlers create a partition index on the tables they create (configuration CreatePartitionIndex).
            sid = "CatalogLakeTables"
            actions = concat(local.catalog_read_actions, [
              "glue:CreateTable", "glue:UpdateTable",
              "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition",
              "glue:CreatePartitionIndex", "glue:GetPartitionIndexes",
            ])
            resources  = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
            conditions = []
          },
          local.glue_logs_statement,
        ],
        local.kms_statements,
      )
    }

    state_machine = {
      policy_name = "state-machine"
      description = "Runs the pipeline state machine: ingest -> crawl -> jobs -> summary -> alerts."
      service     = "states.amazonaws.com"
      trust_sid   = "StatesAssumesRoleForThePipelineOnly"
      trust_conditions = [
        { test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] },
        { test = "ArnLike", variable = "aws:SourceArn", values = [local.state_machine_arn] },
      ]
      statements = concat(
        [
          # The ingest and summary stages invoke the lake's Lambda (and versions/aliases of it).
          { sid = "InvokeLakeFunction", actions = ["lambda:InvokeFunction"], resources = [local.ingest_function_arn, "${local.ingest_function_arn}:*"], conditions = [] },
          # The .sync integration polls GetJobRun(s) and stops the run when the execution is aborted.
          { sid = "RunGlueJobs", actions = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"], resources = local.glue_job_arns, conditions = [] },
          { sid = "RunGlueCrawlers", actions = ["glue:StartCrawler", "glue:GetCrawler"], resources = local.glue_crawler_arns, conditions = [] },
          # X-Ray accepts no resource-level permissions for these actions: "*" is the only valid resource.
          {
            sid        = "WriteTraces"
            actions    = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
            resources  = ["*"]
            conditions = []
          },
          {
            # Execution logging is set up through CloudWatch Logs vended log delivery, whose actions accept
            # no resource narrower than "*" (AWS Step Functions logging documentation).
            sid = "DeliverExecutionLogs"
            actions = [
              "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
              "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
            ]
            resources  = ["*"]
            conditions = []
          },
        ],
        local.kms_statements,
        local.alert_topic_arn == null ? [] : [{ sid = "PublishAlerts", actions = ["sns:Publish"], resources = [local.alert_topic_arn], conditions = [] }],
      )
    }

    scheduler = {
      policy_name = "scheduler"
      description = "Lets EventBridge Scheduler start the pipeline state machine."
      service     = "scheduler.amazonaws.com"
      trust_sid   = "SchedulerAssumesRoleForThisAccount"
      # Scheduler documents aws:SourceAccount for its execution role; schedules of other accounts cannot use it.
      trust_conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
      statements = concat(
        [{ sid = "StartPipeline", actions = ["states:StartExecution"], resources = [local.state_machine_arn], conditions = [] }],
        local.kms_statements,
        local.scheduler_dlq_arn == null ? [] : [{ sid = "SendToDeadLetterQueue", actions = ["sqs:SendMessage"], resources = [local.scheduler_dlq_arn], conditions = [] }],
      )
    }
  }
}

locals {
  # Policies are rendered with jsonencode (not aws_iam_policy_document), so the JSON a mocked `terraform test`
  # apply records is the JSON AWS receives: the offline checks (tests/terraform/test_rendered_*.py) read it.
  # A statement's conditions are a list of { test, variable, values }; IAM wants { test = { variable = values } }.
  trust_documents = { for key, role in local.roles : key => {
    Version = "2012-10-17"
    Statement = [merge(
      {
        Sid       = role.trust_sid
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { Service = role.service }
      },
      { for name, value in { Condition = local.condition_blocks[key].trust } : name => value if length(role.trust_conditions) > 0 },
    )]
  } }

  policy_documents = { for key, role in local.roles : key => {
    Version = "2012-10-17"
    Statement = [for i, statement in role.statements : merge(
      {
        Sid      = statement.sid
        Effect   = "Allow"
        Action   = statement.actions
        Resource = statement.resources
      },
      { for name, value in { Condition = local.condition_blocks[key].statements[i] } : name => value if length(statement.conditions) > 0 },
    )]
  } }

  condition_blocks = { for key, role in local.roles : key => {
    trust = { for test in distinct([for c in role.trust_conditions : c.test]) : test => {
      for c in role.trust_conditions : c.variable => c.values if c.test == test
    } }
    statements = [for statement in role.statements : { for test in distinct([for c in statement.conditions : c.test]) : test => {
      for c in statement.conditions : c.variable => c.values if c.test == test
    } }]
  } }
}

resource "aws_iam_role" "this" {
  for_each = local.roles

  name                 = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  description          = each.value.description
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  max_session_duration = var.max_session_duration
  assume_role_policy   = jsonencode(local.trust_documents[each.key])

  tags = local.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = local.roles

  name   = each.value.policy_name
  role   = aws_iam_role.this[each.key].id
  policy = jsonencode(local.policy_documents[each.key])
}
