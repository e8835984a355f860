# Every role's trust and policy, checked statement by statement against a mocked provider. The documents are
# built with jsonencode, so the assertions decode what each role and inline policy really carries (the JSON
# AWS receives): Statement[*].Action / Resource are lists, Condition is { test = { variable = values } }.

mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  name_prefix = "jozi-pizza-dev"
  bucket_arn  = "arn:aws:s3:::jozi-pizza-dev-lake"
  kms_key_arn = "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
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
    rejected       = "rejected/"
    ops            = "ops/"
    state          = "state/"
  }
  glue_database_names       = ["jozi_pizza_dev_bronze", "jozi_pizza_dev_silver", "jozi_pizza_dev_gold"]
  glue_job_names            = ["jozi-pizza-dev-bronze_to_silver", "jozi-pizza-dev-silver_to_gold"]
  glue_crawler_names        = ["jozi-pizza-dev-bronze-crawler", "jozi-pizza-dev-silver-crawler", "jozi-pizza-dev-gold-crawler"]
  ingest_function_name      = "jozi-pizza-dev-ingest"
  ingest_log_group_name     = "/aws/lambda/jozi-pizza-dev-ingest"
  ingest_secret_names       = ["jozi-pizza/dev/sources/jozi_store_api"]
  ingest_dlq_queue_name     = "jozi-pizza-dev-ingest-dlq"
  ingest_metrics_namespace  = "JoziLake/Quality"
  quality_metrics_namespace = "JoziLake/Quality"
  state_machine_name        = "jozi-pizza-dev-pipeline"
  alert_topic_name          = "jozi-pizza-dev-alerts"
  scheduler_dlq_queue_name  = "jozi-pizza-dev-schedule-dlq"
  tags                      = { owner = "data-platform" }
}

run "one_role_shape_for_every_component" {
  command = apply

  assert {
    condition     = keys(aws_iam_role.this) == ["glue_crawler", "glue_job", "ingest_lambda", "scheduler", "state_machine"]
    error_message = "one role per component: ingest Lambda, Glue jobs, Glue crawlers, state machine, scheduler"
  }

  assert {
    condition = alltrue([
      for key, role in aws_iam_role.this :
      jsondecode(role.assume_role_policy).Version == "2012-10-17"
      && jsondecode(aws_iam_role_policy.this[key].policy).Version == "2012-10-17"
      && length(jsondecode(aws_iam_role_policy.this[key].policy).Statement) > 0
      && aws_iam_role_policy.this[key].role == role.id
    ]) && [for policy in values(aws_iam_role_policy.this) : policy.name] == ["glue-crawler", "glue-job", "ingest", "scheduler", "state-machine"]
    error_message = "each role must carry a trust document and its one named inline policy"
  }

  assert {
    condition = alltrue([
      jsondecode(aws_iam_role.this["ingest_lambda"].assume_role_policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" },
      jsondecode(aws_iam_role.this["glue_job"].assume_role_policy).Statement[0].Principal == { Service = "glue.amazonaws.com" },
      jsondecode(aws_iam_role.this["glue_crawler"].assume_role_policy).Statement[0].Principal == { Service = "glue.amazonaws.com" },
      jsondecode(aws_iam_role.this["state_machine"].assume_role_policy).Statement[0].Principal == { Service = "states.amazonaws.com" },
      jsondecode(aws_iam_role.this["scheduler"].assume_role_policy).Statement[0].Principal == { Service = "scheduler.amazonaws.com" },
      alltrue([for role in values(aws_iam_role.this) : length(jsondecode(role.assume_role_policy).Statement) == 1 && jsondecode(role.assume_role_policy).Statement[0].Action == "sts:AssumeRole" && jsondecode(role.assume_role_policy).Statement[0].Effect == "Allow"]),
    ])
    error_message = "each role must be assumable by exactly its component's service"
  }

  assert {
    condition     = !can(jsondecode(aws_iam_role.this["ingest_lambda"].assume_role_policy).Statement[0].Condition) && !can(jsondecode(aws_iam_role.this["glue_job"].assume_role_policy).Statement[0].Condition)
    error_message = "Lambda and Glue trusts carry no source-context condition (the services do not send one for execution roles)"
  }
}

run "no_wildcard_actions_and_star_resources_only_where_aws_requires" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for policy in values(aws_iam_role_policy.this) : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in statement.Action : action != "*" && !endswith(action, ":*") && statement.Effect == "Allow"
        ]
      ]
    ]))
    error_message = "no statement may allow \"*\" or a whole service (\"svc:*\")"
  }

  assert {
    # "*" resources only for actions without resource-level permissions: X-Ray, log delivery, PutMetricData.
    condition = alltrue(flatten([
      for policy in values(aws_iam_role_policy.this) : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in statement.Action :
          !contains(statement.Resource, "*") || startswith(action, "xray:") || contains([
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
            "cloudwatch:PutMetricData",
          ], action)
        ]
      ]
    ]))
    error_message = "a \"*\" resource is allowed only for X-Ray, log delivery and namespaced PutMetricData"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement :
      statement.Condition == { StringEquals = { "cloudwatch:namespace" = ["Glue", "JoziLake/Quality"] } } if contains(statement.Action, "cloudwatch:PutMetricData")
    ])
    error_message = "Glue job metrics must be limited to the Glue and quality namespaces"
  }
}

run "s3_grants_name_only_the_prefixes_each_component_uses" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement : [
        for resource in statement.Resource :
        anytrue([for prefix in ["landing/", "bronze/", "rejected/", "state/", "silver/_state/", "silver/_reports/", "gold/_reports/", "ops/pipeline_stage_runs/"] : startswith(resource, "arn:aws:s3:::jozi-pizza-dev-lake/${prefix}")])
      ] if anytrue([for action in statement.Action : startswith(action, "s3:") && action != "s3:ListBucket"])
    ]))
    error_message = "the Lambda may touch objects only under landing/, bronze/, rejected/, state/, read silver's processed-batch records and the job reports, and write the pipeline's stage timings"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement : [
        for resource in statement.Resource : anytrue([for prefix in ["bronze/", "rejected/", "state/", "ops/pipeline_stage_runs/"] : startswith(resource, "arn:aws:s3:::jozi-pizza-dev-lake/${prefix}")])
      ] if contains(statement.Action, "s3:PutObject")
    ]))
    error_message = "the Lambda may write only bronze/, rejected/ (an unreadable file is set aside there), state/ (the lease, layer marks) and ops/pipeline_stage_runs/ (record_run)"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement :
      contains(statement.Action, "s3:GetObject") && contains(statement.Resource, "arn:aws:s3:::jozi-pizza-dev-lake/bronze/_state/*")
      && contains(statement.Resource, "arn:aws:s3:::jozi-pizza-dev-lake/bronze/_manifests/*")
    ])
    error_message = "the Lambda must read its cursors and manifests"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement : [
        for resource in statement.Resource : startswith(resource, "arn:aws:s3:::jozi-pizza-dev-lake/landing/") || contains(["arn:aws:s3:::jozi-pizza-dev-lake/state/*", "arn:aws:s3:::jozi-pizza-dev-lake/bronze/_state/*", "arn:aws:s3:::jozi-pizza-dev-lake/bronze/_manifests/*", "arn:aws:s3:::jozi-pizza-dev-lake/silver/_state/*"], resource)
      ] if contains(statement.Action, "s3:DeleteObject")
    ]))
    error_message = "the Lambda may delete only from landing/ (moving a rejected file out, after its copy is safe), state/ (releasing the lease) and an older lake's bookkeeping it moved to state/"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement :
      statement.Action == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] && statement.Resource == ["arn:aws:s3:::jozi-pizza-dev-lake/state/*"]
    ])
    error_message = "the Lambda must create, replace and delete the lease under state/"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement : [
        for resource in statement.Resource :
        resource == "arn:aws:s3:::jozi-pizza-dev-lake" || anytrue([
          for prefix in ["bronze/", "scripts/", "silver/", "gold/", "quarantine/", "ops/", "spark-ui/", "glue-temp/", "state/"] :
          startswith(resource, "arn:aws:s3:::jozi-pizza-dev-lake/${prefix}")
        ])
      ] if anytrue([for action in statement.Action : startswith(action, "s3:")])
    ]))
    error_message = "Glue jobs may touch only bronze, scripts, silver, gold, quarantine, ops, spark-ui, their temp dir and the lake's state (layer marks, processed files, held batches, replays)"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement : [
        for resource in statement.Resource :
        !startswith(resource, "arn:aws:s3:::jozi-pizza-dev-lake/bronze/") && !startswith(resource, "arn:aws:s3:::jozi-pizza-dev-lake/scripts/")
      ] if contains(statement.Action, "s3:PutObject") || contains(statement.Action, "s3:DeleteObject")
    ]))
    error_message = "Glue jobs must not modify bronze/ or the published scripts"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["glue_crawler"].policy).Statement : [
        for action in statement.Action : contains(["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"], action)
      ] if anytrue([for action in statement.Action : startswith(action, "s3:")])
    ]))
    error_message = "crawlers only read S3"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["glue_crawler"].policy).Statement : [
        for value in try(statement.Condition.StringLike["s3:prefix"], []) :
        anytrue([for layer in ["bronze", "silver", "gold", "quarantine", "ops"] : startswith(value, layer)])
      ] if contains(statement.Action, "s3:ListBucket")
    ]))
    error_message = "crawler listing must be limited to the prefixes it crawls (the layers, quarantine, ops)"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_iam_role_policy.this["glue_crawler"].policy).Statement :
      can(statement.Condition.StringLike["s3:prefix"]) if contains(statement.Action, "s3:ListBucket")
    ])
    error_message = "crawler listing must carry an s3:prefix condition"
  }

  assert {
    # S3 answers a read of a missing key with 404 only to a caller allowed ListBucket on the bucket; the
    # Lambda and the jobs read cursors, manifests and records that do not exist on a first run.
    condition = alltrue([
      for key in ["ingest_lambda", "glue_job"] : anytrue([
        for statement in jsondecode(aws_iam_role_policy.this[key].policy).Statement :
        statement.Action == ["s3:ListBucket"] && statement.Resource == ["arn:aws:s3:::jozi-pizza-dev-lake"] && !can(statement.Condition)
      ])
    ])
    error_message = "the Lambda and the jobs must be allowed to list the bucket without an s3:prefix condition, so a missing key reads as 404"
  }

  assert {
    condition = alltrue(flatten([
      for key in ["state_machine", "scheduler"] : [
        for statement in jsondecode(aws_iam_role_policy.this[key].policy).Statement : [for action in statement.Action : !startswith(action, "s3:")]
      ]
    ]))
    error_message = "Step Functions and Scheduler get no S3 access"
  }
}

run "catalog_kms_logs_and_secret_scoped" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for key in ["glue_job", "glue_crawler"] : [
        for statement in jsondecode(aws_iam_role_policy.this[key].policy).Statement : [
          for resource in statement.Resource :
          resource == "arn:aws:glue:af-south-1:123456789012:catalog"
          || resource == "arn:aws:glue:af-south-1:123456789012:database/default"
          || anytrue([for db in var.glue_database_names : contains(["arn:aws:glue:af-south-1:123456789012:database/${db}", "arn:aws:glue:af-south-1:123456789012:table/${db}/*"], resource)])
        ] if anytrue([for action in statement.Action : startswith(action, "glue:")])
      ]
    ]))
    error_message = "catalog actions must be scoped to the catalog, the lake's databases and their tables"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement : [
        for action in statement.Action : !contains(["glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable"], action)
      ]
    ]))
    error_message = "jobs read the catalog; only crawlers write it"
  }

  assert {
    # The crawlers create a partition index on every table they create (Glue's default, and the
    # configuration's CreatePartitionIndex): without the grant the crawl fails on AWS.
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["glue_crawler"].policy).Statement :
      contains(statement.Action, "glue:CreatePartitionIndex") && contains(statement.Action, "glue:GetPartitionIndexes")
      && contains(statement.Resource, "arn:aws:glue:af-south-1:123456789012:table/jozi_pizza_dev_silver/*")
    ])
    error_message = "the crawlers must be allowed to create and read partition indexes on the lake's tables"
  }

  assert {
    condition = alltrue(flatten([
      for policy in values(aws_iam_role_policy.this) : [
        for statement in jsondecode(policy.policy).Statement :
        toset(statement.Resource) == toset([var.kms_key_arn]) if anytrue([for action in statement.Action : startswith(action, "kms:")])
      ]
    ]))
    error_message = "KMS grants must name the lake key only"
  }

  assert {
    condition = alltrue([
      for policy in values(aws_iam_role_policy.this) :
      length([for statement in jsondecode(policy.policy).Statement : statement if statement.Sid == "UseLakeKey"]) == 1
    ])
    error_message = "every role may use the lake key (one shared statement each)"
  }

  assert {
    condition = alltrue(flatten([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement : [
        for resource in statement.Resource : startswith(resource, "arn:aws:logs:af-south-1:123456789012:log-group:/aws-glue/")
      ] if contains(statement.Action, "logs:PutLogEvents")
    ]))
    error_message = "Glue may write only /aws-glue/ log groups"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement :
      contains(statement.Action, "logs:PutLogEvents") && toset(statement.Resource) == toset(["arn:aws:logs:af-south-1:123456789012:log-group:/aws/lambda/jozi-pizza-dev-ingest:*"])
    ])
    error_message = "the Lambda may write only its own log group"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement :
      toset(statement.Action) == toset(["secretsmanager:GetSecretValue"])
      && toset(statement.Resource) == toset(["arn:aws:secretsmanager:af-south-1:123456789012:secret:jozi-pizza/dev/sources/jozi_store_api-??????"])
    ])
    error_message = "the Lambda may read exactly the sources' secrets"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["ingest_lambda"].policy).Statement :
      toset(statement.Action) == toset(["sqs:SendMessage"]) && toset(statement.Resource) == toset(["arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-ingest-dlq"])
    ])
    error_message = "the Lambda must be able to send to its dead-letter queue"
  }
}

run "orchestration_roles_scoped_and_trust_guarded" {
  command = apply

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["state_machine"].policy).Statement :
      toset(statement.Action) == toset(["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"])
      && toset(statement.Resource) == toset(["arn:aws:glue:af-south-1:123456789012:job/jozi-pizza-dev-bronze_to_silver", "arn:aws:glue:af-south-1:123456789012:job/jozi-pizza-dev-silver_to_gold"])
    ])
    error_message = "the state machine may run exactly the lake's jobs"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["state_machine"].policy).Statement :
      toset(statement.Action) == toset(["glue:StartCrawler", "glue:GetCrawler"]) && length(statement.Resource) == 3
      && alltrue([for arn in statement.Resource : startswith(arn, "arn:aws:glue:af-south-1:123456789012:crawler/jozi-pizza-dev-")])
    ])
    error_message = "the state machine may start exactly the lake's crawlers"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["state_machine"].policy).Statement :
      toset(statement.Action) == toset(["lambda:InvokeFunction"]) && contains(statement.Resource, "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-dev-ingest")
    ])
    error_message = "the state machine must invoke the ingest function"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["state_machine"].policy).Statement :
      toset(statement.Action) == toset(["sns:Publish"]) && toset(statement.Resource) == toset(["arn:aws:sns:af-south-1:123456789012:jozi-pizza-dev-alerts"])
    ])
    error_message = "the state machine must publish to the alert topic only"
  }

  assert {
    # A batch the silver job's quality gate held is alerted on the topic (jozi_lake.jobs.glue_adapter).
    condition = length([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement : statement
      if contains(statement.Action, "sns:Publish")
      ]) == 1 && anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement :
      toset(statement.Action) == toset(["sns:Publish"]) && toset(statement.Resource) == toset(["arn:aws:sns:af-south-1:123456789012:jozi-pizza-dev-alerts"])
    ])
    error_message = "the Glue jobs must publish to the alert topic, and to nothing else"
  }

  assert {
    # The topic is encrypted with the lake key: publishing needs its data keys (and decrypt, for SNS).
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement :
      contains(statement.Action, "kms:GenerateDataKey") && contains(statement.Action, "kms:Decrypt")
      && toset(statement.Resource) == toset([var.kms_key_arn])
    ])
    error_message = "the Glue jobs must be able to use the lake key the alert topic is encrypted with"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_iam_role_policy.this["scheduler"].policy).Statement :
      toset(statement.Action) == toset(["states:StartExecution"]) && toset(statement.Resource) == toset(["arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"])
    ])
    error_message = "the scheduler may start only the pipeline"
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.this["state_machine"].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == ["123456789012"]
      && jsondecode(aws_iam_role.this["state_machine"].assume_role_policy).Statement[0].Condition.ArnLike["aws:SourceArn"] == ["arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"]
    )
    error_message = "the state machine trust must be bound to this account and this state machine"
  }

  assert {
    condition     = jsondecode(aws_iam_role.this["scheduler"].assume_role_policy).Statement[0].Condition == { StringEquals = { "aws:SourceAccount" = ["123456789012"] } }
    error_message = "the scheduler trust must be bound to this account"
  }

  assert {
    condition = alltrue([
      for role in values(aws_iam_role.this) :
      role.tags["owner"] == "data-platform" && startswith(role.name, "jozi-pizza-dev-")
    ])
    error_message = "roles must be named {project}-{env}-<component> and tagged"
  }

  assert {
    condition = (
      output.granted_arns.state_machine == "arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"
      && output.granted_arns.lambda_function == "arn:aws:lambda:af-south-1:123456789012:function:jozi-pizza-dev-ingest"
      && output.granted_arns.glue_databases == ["arn:aws:glue:af-south-1:123456789012:database/jozi_pizza_dev_bronze", "arn:aws:glue:af-south-1:123456789012:database/jozi_pizza_dev_silver", "arn:aws:glue:af-south-1:123456789012:database/jozi_pizza_dev_gold"]
    )
    error_message = "granted_arns must list the ARNs the policies name"
  }
}

run "optional_grants_disappear_without_names" {
  command = apply

  variables {
    kms_key_arn               = null
    ingest_secret_names       = []
    ingest_dlq_queue_name     = null
    ingest_metrics_namespace  = null
    quality_metrics_namespace = null
    alert_topic_name          = null
    scheduler_dlq_queue_name  = null
  }

  assert {
    condition = alltrue(flatten([
      for policy in values(aws_iam_role_policy.this) : [
        for statement in jsondecode(policy.policy).Statement : [
          for action in statement.Action :
          !anytrue([for service in ["kms:", "secretsmanager:", "sqs:", "sns:", "cloudwatch:"] : startswith(action, service)]) || statement.Sid == "PublishGlueJobMetrics"
        ]
      ]
    ]))
    error_message = "KMS, secret, queue, topic and metric grants must only exist when their resource is named"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_iam_role_policy.this["glue_job"].policy).Statement :
      statement.Condition == { StringEquals = { "cloudwatch:namespace" = ["Glue"] } } if contains(statement.Action, "cloudwatch:PutMetricData")
    ])
    error_message = "without a quality namespace the jobs may publish only Glue's own metrics"
  }
}

run "landing_trigger_role_starts_the_pipeline_and_reads_only_its_queue" {
  command = apply

  variables {
    landing_queue_name             = "jozi-pizza-dev-landing"
    landing_trigger_log_group_name = "/aws/lambda/jozi-pizza-dev-landing-trigger"
  }

  assert {
    condition     = contains(keys(aws_iam_role.this), "landing_trigger") && aws_iam_role_policy.this["landing_trigger"].name == "landing-trigger"
    error_message = "a landing trigger gets its own role and inline policy"
  }

  assert {
    condition     = jsondecode(aws_iam_role.this["landing_trigger"].assume_role_policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" }
    error_message = "only Lambda may assume the landing trigger's role"
  }

  assert {
    condition = {
      for statement in jsondecode(aws_iam_role_policy.this["landing_trigger"].policy).Statement :
      statement.Sid => { actions = toset(statement.Action), resources = statement.Resource, condition = try(statement.Condition, null) }
      } == {
      ConsumeLandingQueue = {
        actions   = toset(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"])
        resources = ["arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing"]
        condition = null
      }
      FindAndStartPipelineRuns = {
        actions   = toset(["states:ListExecutions", "states:StartExecution"])
        resources = ["arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"]
        condition = null
      }
      WriteOwnLogs = {
        actions   = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
        resources = ["arn:aws:logs:af-south-1:123456789012:log-group:/aws/lambda/jozi-pizza-dev-landing-trigger:*"]
        condition = null
      }
      WriteTraces = {
        actions   = toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
        resources = ["*"]
        condition = null
      }
      DecryptLandingMessages = {
        actions   = toset(["kms:Decrypt"])
        resources = ["arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
        condition = { StringEquals = { "kms:EncryptionContext:aws:sqs:arn" = ["arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing"] } }
      }
      EncryptRunInput = {
        actions   = toset(["kms:GenerateDataKey"])
        resources = ["arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
        condition = { StringEquals = { "kms:EncryptionContext:aws:states:stateMachineArn" = ["arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"] } }
      }
    }
    error_message = "the landing trigger may consume its queue, list and start the pipeline's executions, log, trace, and use the key only for that queue and that state machine: no S3, no other queue"
  }

  assert {
    condition     = output.landing_trigger_role_arn == aws_iam_role.this["landing_trigger"].arn && output.granted_arns.landing_queue == "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing"
    error_message = "the role and the queue it is granted on are outputs"
  }
}

run "no_landing_trigger_role_without_its_queue" {
  command = apply

  assert {
    condition     = !contains(keys(aws_iam_role.this), "landing_trigger") && output.landing_trigger_role_arn == null && output.granted_arns.landing_queue == null
    error_message = "without a landing queue there is no landing trigger role"
  }
}

run "rejects_a_landing_queue_without_its_log_group" {
  command = plan

  variables {
    landing_queue_name = "jozi-pizza-dev-landing"
  }

  expect_failures = [var.landing_trigger_log_group_name]
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    name_prefix           = "Jozi_Pizza"
    bucket_arn            = "jozi-pizza-dev-lake"
    kms_key_arn           = "arn:aws:s3:::not-a-key"
    prefixes              = { bronze = "/bronze" }
    glue_database_names   = ["Jozi-Pizza"]
    glue_job_names        = []
    ingest_function_name  = "has spaces"
    ingest_log_group_name = "has spaces"
    role_path             = "no-slashes"
    max_session_duration  = 60
    landing_queue_name    = "jozi pizza landing"
  }

  expect_failures = [
    var.name_prefix,
    var.bucket_arn,
    var.kms_key_arn,
    var.prefixes,
    var.glue_database_names,
    var.glue_job_names,
    var.ingest_function_name,
    var.ingest_log_group_name,
    var.role_path,
    var.max_session_duration,
    var.landing_queue_name,
  ]
}

run "analyst_policy_reads_only_the_given_layers_and_no_role_by_default" {
  command = apply

  variables {
    analyst_workgroup_name = "jozi-pizza-dev"
    analyst_database_names = ["jozi_pizza_dev_gold"]
  }

  assert {
    condition     = length(aws_iam_policy.analyst) == 1 && length(aws_iam_role.analyst) == 0 && aws_iam_policy.analyst[0].name == "jozi-pizza-dev-analyst"
    error_message = "the analyst policy exists once a workgroup is named; the role only when principals are given"
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_policy.analyst[0].policy).Statement : s.Resource if s.Sid == "ReadReadableLayersObjects"] == [["arn:aws:s3:::jozi-pizza-dev-lake/gold/*"]]
    error_message = "analysts read gold objects only (silver only by analyst_layers)"
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_policy.analyst[0].policy).Statement :
      !contains(s.Action, "*") && alltrue([for r in s.Resource : r != "*"])
    ])
    error_message = "no analyst statement may allow every action or every resource"
  }
}

run "analyst_role_trusts_only_the_given_principals" {
  command = apply

  variables {
    analyst_workgroup_name          = "jozi-pizza-dev"
    analyst_layers                  = ["gold", "silver"]
    analyst_database_names          = ["jozi_pizza_dev_gold", "jozi_pizza_dev_silver"]
    analyst_role_trusted_principals = ["arn:aws:iam::210987654321:role/bi-tool"]
  }

  assert {
    condition     = jsondecode(aws_iam_role.analyst[0].assume_role_policy).Statement[0].Principal == { AWS = ["arn:aws:iam::210987654321:role/bi-tool"] }
    error_message = "the analyst role trusts exactly the principals given"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.analyst[0].role == aws_iam_role.analyst[0].name && aws_iam_role_policy_attachment.analyst[0].policy_arn == aws_iam_policy.analyst[0].arn
    error_message = "the analyst role carries the analyst policy"
  }
}

run "analyst_layers_never_open_raw_or_operational_prefixes" {
  command = plan

  variables {
    analyst_workgroup_name          = "jozi-pizza-dev"
    analyst_layers                  = ["gold", "bronze"]
    analyst_role_trusted_principals = ["*"]
  }

  expect_failures = [var.analyst_layers, var.analyst_role_trusted_principals]
}
