variable "source_base_url" {
  description = "Base URL of the store's operational API (https). The ingest Lambda appends lake.yaml's endpoints to it."
  type        = string

  validation {
    condition     = can(regex("^https://[^\\s/]+(/[^\\s]*)?$", var.source_base_url))
    error_message = "source_base_url must be an https:// URL."
  }
}

variable "alert_emails" {
  description = "Email addresses subscribed to the alert topic. Required in prod: a failed nightly run must reach a person."
  type        = list(string)

  validation {
    condition     = length(var.alert_emails) > 0
    error_message = "prod needs at least one alert email: alarms must be wired to a real subscription."
  }

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_emails must be email addresses."
  }
}

variable "scripts_version" {
  description = "Version folder of the published Glue code (s3://<bucket>/scripts/<version>/); `lake upload` publishes versions."
  type        = string
  default     = "current"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", var.scripts_version))
    error_message = "scripts_version must be 1-64 letters, digits, dots, dashes or underscores."
  }
}

variable "ingest_package_path" {
  description = "The ingest Lambda zip built by `python scripts/build_lambda.py` (tests point this at the module's fixture zip)."
  type        = string
  default     = "../../build/lambda/ingest.zip"
}

variable "schedule_enabled" {
  description = "Whether the nightly schedule starts the pipeline."
  type        = bool
  default     = true
}

variable "state_machine_log_level" {
  description = "Step Functions execution logging level (ALL, ERROR or FATAL). Prod logs errors only (cost, and no payloads)."
  type        = string
  default     = "ERROR"
}

variable "quarantine_rate_threshold" {
  description = "Alarm when a run quarantines more than this fraction of a table's rows."
  type        = number
  default     = 0.05
}

variable "athena_price_per_tb_usd" {
  description = "Athena price per TB scanned in the lake's region, for the CLI's cost report."
  type        = number
  default     = 5
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before a destroyed KMS key is deleted. Prod keeps the maximum: without the key the lake is unreadable."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Let `terraform destroy` empty and delete the lake bucket. Never in prod."
  type        = bool
  default     = false

  validation {
    condition     = !var.force_destroy
    error_message = "prod's lake bucket must never be force-destroyed."
  }
}

variable "extra_tags" {
  description = "Tags added to every resource besides Project, Environment and ManagedBy (e.g. CostCentre)."
  type        = map(string)
  default     = {}
}
