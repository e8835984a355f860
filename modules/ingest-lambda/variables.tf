variable "create" {
  description = "Whether to create the function and its log group, dead-letter queue and token secret."
  type        = bool
  default     = true
}

variable "function_name" {
  description = "Name of the lake's Lambda function (ingest, and the pipeline's summary stage). Computed once by the composition so IAM can build its ARN."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, dashes or underscores."
  }
}

variable "role_arn" {
  description = "ARN of the function's execution role (iam output ingest_lambda_role_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN."
  }
}

variable "package_path" {
  description = "Path of the deployment zip built by scripts/build_lambda.py (build/lambda/ingest.zip). Its hash decides when code is redeployed."
  type        = string

  validation {
    condition     = endswith(var.package_path, ".zip") && fileexists(var.package_path)
    error_message = "package_path must point at an existing .zip; build it first with `python scripts/build_lambda.py`."
  }
}

variable "handler" {
  description = "Handler entry point inside the zip."
  type        = string
  default     = "ingest_handler.handler"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like module.function, e.g. ingest_handler.handler."
  }
}

variable "runtime" {
  description = "Python runtime; 3.11 matches Glue 5.0 and the local virtualenv."
  type        = string
  default     = "python3.11"

  validation {
    condition     = contains(["python3.11", "python3.12"], var.runtime)
    error_message = "runtime must be python3.11 or python3.12."
  }
}

variable "architecture" {
  description = "Instruction set: arm64 (cheaper per GB-second) or x86_64. The package is pure Python, so either works."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "timeout_seconds" {
  description = "Function timeout. One run pages through every source endpoint, so it needs minutes, not seconds."
  type        = number
  default     = 600

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 1 and 900 (Lambda's maximum)."
  }
}

variable "memory_size_mb" {
  description = "Memory in MB (CPU scales with it); pages are streamed to S3, so modest memory suffices."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240
    error_message = "memory_size_mb must be between 128 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; null (the default) reserves none. A reservation must leave 100 executions unreserved in the account, and fresh accounts (af-south-1 is an opt-in region) start with a quota of 10, so any reservation fails the deploy there. The state machine already runs one pipeline (one ingest) at a time; reserve only with a raised quota."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || (try(var.reserved_concurrency >= 1 && var.reserved_concurrency <= 1000, false))
    error_message = "reserved_concurrency must be null (no reservation) or between 1 and 1000."
  }
}

variable "environment" {
  description = "Environment name (dev, prod), passed as LAKE_ENV."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters or digits, starting with a letter."
  }
}

variable "bucket_name" {
  description = "Lake bucket the function writes bronze batches to (LAKE_BUCKET)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "alert_topic_arn" {
  description = "SNS topic the function publishes poison-file and held-batch alerts to (LAKE_ALERT_TOPIC_ARN); null: alerts are only logged."
  type        = string
  default     = null

  validation {
    condition     = var.alert_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alert_topic_arn))
    error_message = "alert_topic_arn must be an SNS topic ARN (or null)."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted token secret can still be restored (0 deletes at once; 7-30 otherwise)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "dlq_name" {
  description = "Name of the dead-letter queue for failed asynchronous invocations (computed once by the composition, so IAM can grant on it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be an SQS queue name."
  }
}

variable "log_group_name" {
  description = "Name of the function's log group, created here encrypted and with retention (computed once by the composition, so IAM can grant on it; Lambda's own convention is /aws/lambda/<function>)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_/.#-]{1,512}$", var.log_group_name))
    error_message = "log_group_name must be a CloudWatch Logs group name."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the environment variables, log group, dead-letter queue and token secret."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group in days (lake.yaml environments.<env>.log_retention_days)."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: Active samples and traces invocations, PassThrough only forwards upstream traces."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

variable "vpc_subnet_ids" {
  description = "Subnets to run the function in. Empty (the default) runs it outside a VPC, which is enough for a public HTTPS API and avoids a NAT gateway."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.vpc_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "vpc_subnet_ids must be subnet IDs (subnet-...)."
  }
}

variable "vpc_security_group_ids" {
  description = "Security groups for the function when vpc_subnet_ids is set."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.vpc_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "vpc_security_group_ids must be security group IDs (sg-...)."
  }
}

variable "code_signing_config_arn" {
  description = "ARN of a Lambda code signing configuration to enforce signed packages; null deploys unsigned zips."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]+$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code signing config ARN."
  }
}

variable "additional_environment_variables" {
  description = "Extra environment variables (e.g. log level). They cannot replace the module's own variables."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}

variable "source_secret_names" {
  description = "One Secrets Manager secret per credential the sources in lake.yaml use (their auth.secret -> the secret's name, computed by the composition). Each is created here with no value (it is put out of band) and passed to the function as LAKE_SOURCE_SECRETS."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key, name in var.source_secret_names : can(regex("^[A-Za-z0-9_-]+$", key)) && can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", name))])
    error_message = "source_secret_names keys must be lake.yaml auth.secret names and values Secrets Manager secret names."
  }
}
