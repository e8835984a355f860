variable "environment" {
  description = "Environment name: a key of lake.yaml `environments` other than `local` (dev, prod). It selects the environment's block and is part of every name."
  type        = string

  validation {
    condition     = var.environment != "local" && contains(keys(yamldecode(file(var.lake_file)).environments), var.environment) && can(regex("^[a-z][a-z0-9]{1,15}$", var.environment))
    error_message = "environment must be one of lake.yaml's environments other than local (2-16 lowercase letters or digits)."
  }
}

variable "lake_file" {
  description = "Path of the project's lake.yaml (environments pass \"$${path.root}/../../lake.yaml\")."
  type        = string

  validation {
    condition     = fileexists(var.lake_file) && can(yamldecode(file(var.lake_file)).environments)
    error_message = "lake_file must be an existing lake.yaml with an `environments` block."
  }

  validation {
    condition     = alltrue([for name, env in yamldecode(file(var.lake_file)).environments : can(tobool(try(env.landing_trigger, false))) if env != null])
    error_message = "lake.yaml environments.<env>.landing_trigger must be true or false."
  }
}

variable "protected" {
  description = "A protected environment holds data that must survive and failures that must reach a person: its lake.yaml block may not set force_destroy, and it needs at least one alert email. environments/prod sets it."
  type        = bool
  default     = false

  validation {
    condition     = !var.protected || !try(yamldecode(file(var.lake_file)).environments[var.environment].force_destroy, false)
    error_message = "a protected environment's lake.yaml block must set force_destroy: false (its bucket must never be emptied by a destroy)."
  }
}

variable "sql_dir" {
  description = "The project's sql/ folder (queries/*.sql and views/*.sql become Athena named queries)."
  type        = string
}

variable "ingest_package_path" {
  description = "The Lambda zip built by `make build-lambda` (build/lambda/ingest.zip); tests pass modules/ingest-lambda/tests/fixtures/ingest.zip."
  type        = string
}

variable "glue_code_dir" {
  description = "The built Glue code folder from `make build-glue` (build/glue/: jozi_lake.zip and glue_scripts/<job>.py), which Terraform uploads; tests pass modules/glue/tests/fixtures/code."
  type        = string
}

variable "alert_emails" {
  description = "Email addresses subscribed to the alert topic (each must confirm the subscription). Required when `protected`."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_emails must be email addresses."
  }

  validation {
    condition     = !var.protected || length(var.alert_emails) > 0
    error_message = "a protected environment needs at least one alert email: alarms must be wired to a real subscription."
  }
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

variable "tags" {
  description = "Tags added to every resource besides Project, Environment and ManagedBy, which this module sets (e.g. CostCentre)."
  type        = map(string)
  default     = {}
}

variable "create_budget" {
  description = "Create the monthly cost budget (lake.yaml monthly_budget_usd). False only on emulators without budgets:DescribeSubscribersForNotification (moto; docs/aws-emulator.md)."
  type        = bool
  default     = true
}

variable "create_state_machine" {
  description = "Create the state machine, its log group and schedule (and the landing trigger, which starts it). False only on emulators without states:ValidateStateMachineDefinition (moto; docs/aws-emulator.md)."
  type        = bool
  default     = true
}

variable "attach_lake_bucket_policy" {
  description = "Attach the lake bucket's TLS-only / KMS-only policy. False only on emulators that apply Deny statements without their conditions, which would deny Terraform's own code upload (moto; docs/aws-emulator.md)."
  type        = bool
  default     = true
}

variable "analyst_role_trusted_principals" {
  description = "IAM principal ARNs that may assume the analyst role (e.g. a BI tool's role in another account); empty (the default) creates no role, only the analyst managed policy."
  type        = list(string)
  default     = []
}
