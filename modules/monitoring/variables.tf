variable "create" {
  description = "Whether to create the alert topic, alarms, event rules and dashboard."
  type        = bool
  default     = true
}

variable "name_prefix" {
  description = "Prefix of alarm, rule and dashboard names, e.g. jozi-pizza-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name_prefix))
    error_message = "name_prefix must be 2-41 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, prod); the Environment dimension of the quality metric."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters or digits, starting with a letter."
  }
}

variable "topic_name" {
  description = "Name of the SNS alert topic, e.g. jozi-pizza-dev-alerts. Deterministic so IAM can grant sns:Publish on it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,256}$", var.topic_name))
    error_message = "topic_name must be 1-256 letters, digits, dashes or underscores."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the topic. Its key policy must let events.amazonaws.com and cloudwatch.amazonaws.com use it, or alarms and rules cannot publish."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "alert_emails" {
  description = "Email addresses subscribed to the alert topic (each must confirm the subscription email)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_emails must be email addresses."
  }
}

variable "glue_job_names" {
  description = "Glue job name by job key; each gets a long-run alarm and its failures are forwarded to the topic."
  type        = map(string)
  default     = {}
}

variable "glue_crawler_names" {
  description = "Glue crawler name by target; crawler failures are forwarded to the topic."
  type        = map(string)
  default     = {}
}

variable "job_long_run_minutes" {
  description = "A Glue job run longer than this raises the long-run alarm (keep it below the job timeout)."
  type        = number
  default     = 45

  validation {
    condition     = var.job_long_run_minutes >= 1 && var.job_long_run_minutes <= 2880
    error_message = "job_long_run_minutes must be between 1 and 2880."
  }
}

variable "lambda_function_name" {
  description = "Ingest Lambda function name for the error and throttle alarms; null skips them."
  type        = string
  default     = null
}

variable "landing_trigger_function_name" {
  description = "Landing trigger function name (modules/landing-trigger) for its error alarm; null (no landing trigger) skips it."
  type        = string
  default     = null

  validation {
    condition     = var.landing_trigger_function_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.landing_trigger_function_name))
    error_message = "landing_trigger_function_name must be a Lambda function name."
  }
}

variable "state_machine_name" {
  description = "Pipeline state machine name for the failure, timeout and abort alarms (its ARN is built in this account and region); null skips them."
  type        = string
  default     = null

  validation {
    condition     = var.state_machine_name == null || can(regex("^[A-Za-z0-9_-]{1,80}$", var.state_machine_name))
    error_message = "state_machine_name must be 1-80 letters, digits, dashes or underscores."
  }
}

variable "quality_namespace" {
  description = "CloudWatch namespace the jobs publish quality metrics to (lake.yaml `quality_metrics.namespace`; docs/terraform-interfaces.md)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9./_#:-]{1,255}$", var.quality_namespace)) && !startswith(var.quality_namespace, "AWS/")
    error_message = "quality_namespace must be a custom CloudWatch namespace (not AWS/...)."
  }
}

variable "quality_tables" {
  description = "Silver tables whose QuarantineRate is alarmed (one alarm each; the Table dimension)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.quality_tables : can(regex("^[a-z][a-z0-9_]*$", t))])
    error_message = "quality_tables must be lower_snake_case table names."
  }
}

variable "quarantine_rate_threshold" {
  description = "Alarm when a table's share of quarantined rows in a run exceeds this fraction (0-1)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.quarantine_rate_threshold > 0 && var.quarantine_rate_threshold < 1
    error_message = "quarantine_rate_threshold must be a fraction between 0 and 1 (exclusive)."
  }
}

variable "dlq_names" {
  description = "SQS dead-letter queues to alarm on when they hold messages, by label (ingest, schedule, landing: the label picks the alarm's explanation)."
  type        = map(string)
  default     = {}
}

variable "athena_workgroup_name" {
  description = "Athena workgroup whose bytes scanned appear on the dashboard; null leaves the widget out."
  type        = string
  default     = null
}

variable "create_dashboard" {
  description = "Whether to create the CloudWatch dashboard."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}

variable "glue_job_run_dpus" {
  description = "DPUs a run of each Glue job holds, by job name (workers x DPUs per worker; the jobs do not auto-scale): the dashboard turns elapsed time into DPU-hours per run."
  type        = map(number)
  default     = {}
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget in USD for this environment's resources (lake.yaml environments.<env>.monthly_budget_usd); null creates no budget."
  type        = number
  default     = null

  validation {
    condition     = var.monthly_budget_usd == null || try(var.monthly_budget_usd > 0, false)
    error_message = "monthly_budget_usd must be a positive amount (or null)."
  }
}

variable "budget_name" {
  description = "Name of the AWS Budgets budget."
  type        = string
  default     = null
}

variable "budget_tag" {
  description = "Cost allocation tag the budget counts (key and value); it must be activated in Billing as a cost allocation tag."
  type        = object({ key = string, value = string })
  default     = null
}
