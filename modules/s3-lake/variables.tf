variable "bucket_name" {
  description = "Name of the lake bucket, computed once by the composition (modules/lake: `{project}-{environment}-lake`). The KMS alias is `alias/<bucket_name>` and the access-log bucket `<bucket_name>-logs` unless `log_bucket_name` says otherwise."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,56}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name of at most 58 characters (the log bucket appends -logs)."
  }
}

variable "prefixes" {
  description = "Top-level key prefixes from lake.yaml `prefixes` (key => \"prefix/\"). Lifecycle rules are scoped by them (`glue_temp` is scratch data that expires); the map is passed back out unchanged."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["bronze", "silver", "gold", "quarantine", "landing", "scripts", "athena_results", "spark_ui", "glue_temp"] : contains(keys(var.prefixes), key)])
    error_message = "prefixes must contain bronze, silver, gold, quarantine, landing, scripts, athena_results, spark_ui and glue_temp (as in lake.yaml)."
  }

  validation {
    condition     = alltrue([for prefix in values(var.prefixes) : can(regex("^[a-z0-9][a-z0-9_-]*/$", prefix))])
    error_message = "every prefix must be one lowercase path segment ending in '/', e.g. \"bronze/\"."
  }
}

variable "create_kms_key" {
  description = "Create a customer-managed KMS key (with rotation) for the lake. When false, `kms_key_arn` is used, or the AWS-managed aws/s3 key when that is null too. Glue security configurations and CloudWatch Logs encryption need a customer-managed key."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Existing KMS key ARN for SSE-KMS when `create_kms_key` is false; null (with create_kms_key = false) selects the AWS-managed aws/s3 key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Waiting period before a destroyed customer-managed key is really deleted (7-30 days); the lake's data is unreadable without it."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be between 7 and 30."
  }
}

variable "kms_key_sns_topic_publishers" {
  description = "SNS topics (by name, in this account and region) encrypted with the created key, each with the AWS service principals that publish to it (e.g. events.amazonaws.com for EventBridge rules, cloudwatch.amazonaws.com for alarms, budgets.amazonaws.com for budget notifications). The key lets exactly these principals use it, only under the encryption context SNS puts on every publisher's KMS call (aws:sns:topicArn = the topic): EventBridge's KMS calls carry no aws:SourceAccount, so that key cannot be the scope. CloudWatch Logs is always allowed for this account's log groups."
  type        = map(list(string))
  default     = {}

  validation {
    condition = alltrue(flatten([
      for topic, principals in var.kms_key_sns_topic_publishers : concat(
        [can(regex("^[A-Za-z0-9_-]{1,256}$", topic)), length(principals) > 0],
        [for principal in principals : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", principal))],
      )
    ]))
    error_message = "kms_key_sns_topic_publishers must map SNS topic names to non-empty lists of service principals such as \"events.amazonaws.com\"."
  }
}

variable "kms_key_sqs_queue_senders" {
  description = "SQS queues (by name, in this account and region) encrypted with the created key, each with the AWS service principals that send to it through their own identity (e.g. events.amazonaws.com for an EventBridge rule's target and its dead-letter queue). The key lets exactly these principals use it, only under the encryption context SQS puts on the sender's KMS call (aws:sqs:arn = the queue): EventBridge's KMS calls carry no aws:SourceAccount/aws:SourceArn. Roles (the Lambda consuming a queue) are granted by their IAM policies instead."
  type        = map(list(string))
  default     = {}

  validation {
    condition = alltrue(flatten([
      for queue, principals in var.kms_key_sqs_queue_senders : concat(
        [can(regex("^[A-Za-z0-9_-]{1,80}$", queue)), length(principals) > 0],
        [for principal in principals : can(regex("^[a-z0-9.-]+\\.amazonaws\\.com$", principal))],
      )
    ]))
    error_message = "kms_key_sqs_queue_senders must map SQS queue names to non-empty lists of service principals such as \"events.amazonaws.com\"."
  }
}

variable "kms_key_log_delivery_state_machines" {
  description = "Names of state machines (this account and region) encrypted with the created key whose execution logs CloudWatch vended-log delivery writes: delivery.logs.amazonaws.com may decrypt their execution data (encryption context aws:states:stateMachineArn), nothing else."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.kms_key_log_delivery_state_machines : can(regex("^[A-Za-z0-9_-]{1,80}$", name))])
    error_message = "kms_key_log_delivery_state_machines must be state machine names (1-80 letters, digits, dashes, underscores)."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete non-empty buckets. Keep false anywhere the data matters."
  type        = bool
  default     = false
}

variable "bronze_transition_days" {
  description = "Days after which bronze objects move to `bronze_transition_storage_class`; bronze is re-read only on backfills."
  type        = number
  default     = 30

  validation {
    condition     = var.bronze_transition_days >= 30
    error_message = "bronze_transition_days must be at least 30 (S3 refuses STANDARD_IA/ONEZONE_IA transitions earlier)."
  }
}

variable "bronze_transition_storage_class" {
  description = "Cheaper storage class for ageing bronze objects (instant-retrieval classes only, so backfills still work without restores)."
  type        = string
  default     = "STANDARD_IA"

  validation {
    condition     = contains(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR"], var.bronze_transition_storage_class)
    error_message = "bronze_transition_storage_class must be STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING or GLACIER_IR."
  }
}

variable "bronze_expiry_days" {
  description = "Days after which bronze objects expire (lake.yaml environments.<env>.bronze_expiry_days); must exceed bronze_transition_days."
  type        = number

  validation {
    condition     = var.bronze_expiry_days >= 31 && floor(var.bronze_expiry_days) == var.bronze_expiry_days
    error_message = "bronze_expiry_days must be a whole number of days, at least 31."
  }
}

variable "noncurrent_version_expiry_days" {
  description = "Days a replaced or deleted object version is kept (the undo window for bad overwrites)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiry_days >= 1
    error_message = "noncurrent_version_expiry_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which unfinished multipart uploads (e.g. from a killed Spark job) are aborted so their parts stop costing money."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "athena_results_expiry_days" {
  description = "Days Athena query results are kept under the athena_results prefix."
  type        = number
  default     = 30

  validation {
    condition     = var.athena_results_expiry_days >= 1
    error_message = "athena_results_expiry_days must be at least 1."
  }
}

variable "spark_ui_expiry_days" {
  description = "Days Spark event logs (for the Spark UI / history server) are kept under the spark_ui prefix."
  type        = number
  default     = 30

  validation {
    condition     = var.spark_ui_expiry_days >= 1
    error_message = "spark_ui_expiry_days must be at least 1."
  }
}

variable "temp_expiry_days" {
  description = "Days scratch objects under the `glue_temp` prefix are kept."
  type        = number
  default     = 7

  validation {
    condition     = var.temp_expiry_days >= 1
    error_message = "temp_expiry_days must be at least 1."
  }
}

variable "log_bucket_name" {
  description = "Override for the access-log bucket name; null means `{bucket}-logs`."
  type        = string
  default     = null

  validation {
    condition     = var.log_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.log_bucket_name))
    error_message = "log_bucket_name must be a valid S3 bucket name."
  }
}

variable "log_expiry_days" {
  description = "Days S3 server access logs are kept in the log bucket."
  type        = number
  default     = 365

  validation {
    condition     = var.log_expiry_days >= 1
    error_message = "log_expiry_days must be at least 1."
  }
}

variable "attach_lake_bucket_policy" {
  description = "Attach the lake bucket's TLS-only / KMS-only policy. Keep true on AWS; false exists only for emulators such as moto that apply Deny statements without their conditions, which would deny every object request (docs/aws-emulator.md). The log bucket's policy, which carries the log-delivery grant access logging needs, is always attached."
  type        = bool
  default     = true
}

variable "enable_eventbridge_notifications" {
  description = "Send the lake bucket's object events to EventBridge (the landing trigger's rule reacts to new landing/ files: modules/landing-trigger)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
