variable "name_prefix" {
  description = "Prefix of the role names (`<name_prefix>-<component>`, e.g. `<prefix>-glue-job`); computed once by the composition (modules/lake: `{project}-{environment}`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,48}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-50 lowercase letters, digits and dashes, starting with a letter (role names are at most 64 characters)."
  }
}

variable "bucket_arn" {
  description = "ARN of the lake bucket (s3-lake output `bucket_arn`); every S3 grant is this ARN plus a prefix."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:<partition>:s3:::<bucket>)."
  }
}

variable "prefixes" {
  description = "Key prefixes from lake.yaml `prefixes` (s3-lake output `prefixes`); `glue_temp` is the Glue jobs' --TempDir."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["bronze", "silver", "gold", "quarantine", "landing", "rejected", "scripts", "spark_ui", "glue_temp", "athena_results", "ops", "state"] : contains(keys(var.prefixes), key)])
    error_message = "prefixes must contain bronze, silver, gold, quarantine, landing, rejected, scripts, spark_ui, glue_temp, athena_results, ops and state (as in lake.yaml)."
  }

  validation {
    condition     = alltrue([for prefix in values(var.prefixes) : can(regex("^[a-z0-9][a-z0-9_-]*/$", prefix))])
    error_message = "every prefix must be one lowercase path segment ending in '/', e.g. \"bronze/\"."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key of the lake (s3-lake output `kms_key_arn`); null when the AWS-managed aws/s3 key is used, which needs no IAM grant."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "glue_database_names" {
  description = "Glue catalog databases the jobs read and the crawlers write (the names the glue module is given)."
  type        = list(string)

  validation {
    condition     = length(var.glue_database_names) > 0 && alltrue([for name in var.glue_database_names : can(regex("^[a-z0-9_]{1,255}$", name))])
    error_message = "glue_database_names must be a non-empty list of lowercase names of letters, digits and underscores."
  }
}

variable "glue_job_names" {
  description = "Names of the Glue jobs the state machine may start (ARNs are built from them, so roles can exist before the jobs)."
  type        = list(string)

  validation {
    condition     = length(var.glue_job_names) > 0 && alltrue([for name in var.glue_job_names : can(regex("^[A-Za-z0-9_.-]{1,255}$", name))])
    error_message = "glue_job_names must be a non-empty list of Glue job names."
  }
}

variable "glue_crawler_names" {
  description = "Names of the Glue crawlers the state machine may start (those of the pipeline's crawl stages)."
  type        = list(string)

  validation {
    condition     = length(var.glue_crawler_names) > 0 && alltrue([for name in var.glue_crawler_names : can(regex("^[A-Za-z0-9_.-]{1,255}$", name))])
    error_message = "glue_crawler_names must be a non-empty list of Glue crawler names."
  }
}

variable "ingest_function_name" {
  description = "Name of the lake's Lambda function (ingest and summary stages); its ARN, which the state machine may invoke, is built from it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.ingest_function_name))
    error_message = "ingest_function_name must be a Lambda function name (1-64 letters, digits, dashes, underscores)."
  }
}

variable "ingest_log_group_name" {
  description = "Name of the ingestion Lambda's log group (the one the function logs to); the Lambda may write only there."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_/.#-]{1,512}$", var.ingest_log_group_name))
    error_message = "ingest_log_group_name must be a CloudWatch Logs group name."
  }
}

variable "ingest_secret_names" {
  description = "Names of the Secrets Manager secrets holding the sources' credentials; the Lambda may read only these (ARN pattern `<name>-??????`). Empty grants no secret access."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.ingest_secret_names : can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", name))])
    error_message = "ingest_secret_names must be Secrets Manager secret names."
  }
}

variable "ingest_dlq_queue_name" {
  description = "Name of the SQS queue used as the ingestion Lambda's dead-letter / on-failure destination; null grants no SQS access."
  type        = string
  default     = null

  validation {
    condition     = var.ingest_dlq_queue_name == null || can(regex("^[A-Za-z0-9_-]{1,80}(\\.fifo)?$", var.ingest_dlq_queue_name))
    error_message = "ingest_dlq_queue_name must be an SQS queue name."
  }
}

variable "ingest_metrics_namespace" {
  description = "CloudWatch namespace the ingestion Lambda may publish custom metrics to (PutMetricData is limited to it); null grants none."
  type        = string
  default     = null
}

variable "quality_metrics_namespace" {
  description = "CloudWatch namespace the Glue jobs publish data-quality metrics to (QuarantineRate, QuarantinedRows; lake.yaml `quality_metrics.namespace`), besides Glue's own `Glue` namespace; null allows only `Glue`."
  type        = string
  default     = null

  validation {
    condition     = var.quality_metrics_namespace == null || can(regex("^[A-Za-z0-9./_#:-]{1,255}$", var.quality_metrics_namespace))
    error_message = "quality_metrics_namespace must be a CloudWatch namespace (letters, digits and . / _ # : -)."
  }
}

variable "state_machine_name" {
  description = "Name of the pipeline state machine; the scheduler may start only this one, and the state machine's trust is bound to it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.state_machine_name))
    error_message = "state_machine_name must be 1-80 letters, digits, dashes or underscores."
  }
}

variable "alert_topic_name" {
  description = "Name of the SNS alert topic: the state machine publishes failure alerts, the Lambda rejected files and the Glue jobs held batches to it (with the lake key for its encryption); null grants no SNS access."
  type        = string
  default     = null

  validation {
    condition     = var.alert_topic_name == null || can(regex("^[A-Za-z0-9_-]{1,256}(\\.fifo)?$", var.alert_topic_name))
    error_message = "alert_topic_name must be an SNS topic name."
  }
}

variable "scheduler_dlq_queue_name" {
  description = "Name of the SQS queue receiving schedule invocations that failed after retries; null grants no SQS access."
  type        = string
  default     = null

  validation {
    condition     = var.scheduler_dlq_queue_name == null || can(regex("^[A-Za-z0-9_-]{1,80}(\\.fifo)?$", var.scheduler_dlq_queue_name))
    error_message = "scheduler_dlq_queue_name must be an SQS queue name."
  }
}

variable "landing_queue_name" {
  description = "Name of the landing trigger's SQS queue (modules/landing-trigger); set, it creates the landing_trigger role, which consumes this queue and lists and starts executions of the pipeline state machine. Null (the default): no landing trigger, no role."
  type        = string
  default     = null

  validation {
    condition     = var.landing_queue_name == null || can(regex("^[A-Za-z0-9_-]{1,80}$", var.landing_queue_name))
    error_message = "landing_queue_name must be an SQS queue name (standard queue)."
  }
}

variable "landing_trigger_log_group_name" {
  description = "Name of the landing trigger function's log group, the only one its role may write to. Required with landing_queue_name."
  type        = string
  default     = null

  validation {
    condition     = var.landing_trigger_log_group_name == null || can(regex("^[A-Za-z0-9_/.#-]{1,512}$", var.landing_trigger_log_group_name))
    error_message = "landing_trigger_log_group_name must be a CloudWatch Logs group name."
  }

  validation {
    condition     = (var.landing_queue_name == null) == (var.landing_trigger_log_group_name == null)
    error_message = "landing_trigger_log_group_name and landing_queue_name go together: both set (a landing trigger) or both null."
  }
}

variable "role_path" {
  description = "IAM path for the roles (organisations often reserve a path for workload roles)."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path must start and end with '/'."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary policy ARN attached to every role, for accounts that require one; null attaches none."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "max_session_duration" {
  description = "Maximum session length of the roles in seconds (1-12 hours); Glue jobs longer than an hour need more than the default."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}

variable "analyst_workgroup_name" {
  description = "The lake's Athena workgroup (the only one the analyst policy may run queries in); null creates no analyst policy."
  type        = string
  default     = null

  validation {
    condition     = var.analyst_workgroup_name == null || can(regex("^[A-Za-z0-9._-]{1,128}$", var.analyst_workgroup_name))
    error_message = "analyst_workgroup_name must be an Athena workgroup name."
  }
}

variable "analyst_layers" {
  description = "Prefix keys (of `prefixes`) whose objects analysts may read: gold, and silver when lake.yaml `analyst_access.read_silver` is true."
  type        = list(string)
  default     = ["gold"]

  validation {
    condition     = length(var.analyst_layers) > 0 && alltrue([for key in var.analyst_layers : contains(["gold", "silver"], key)])
    error_message = "analyst_layers may hold only gold and silver: bronze, quarantine, landing, rejected, scripts, state and ops stay closed to analysts."
  }
}

variable "analyst_database_names" {
  description = "Catalog databases of the analyst layers (the gold database, and silver's with it); the analyst policy reads only these."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.analyst_database_names : can(regex("^[a-z0-9_]{1,255}$", name))])
    error_message = "analyst_database_names must be lowercase names of letters, digits and underscores."
  }
}

variable "analyst_role_trusted_principals" {
  description = "IAM principal ARNs (accounts, roles, users) that may assume the analyst role, e.g. a BI tool's role; empty (the default) creates no role: attach the analyst policy to a permission set, user or group instead."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.analyst_role_trusted_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", arn))])
    error_message = "analyst_role_trusted_principals must be IAM account root, role or user ARNs."
  }
}
