variable "workgroup_name" {
  description = "Name of the workgroup, computed once by the composition (modules/lake: `{project}-{environment}`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.workgroup_name))
    error_message = "workgroup_name must be 1-128 letters, digits, dots, dashes or underscores."
  }
}

variable "bucket_name" {
  description = "Name of the lake bucket (s3-lake output `bucket_name`); query results go to s3://<bucket>/<results_prefix>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "results_prefix" {
  description = "Key prefix of query results (lake.yaml prefixes.athena_results)."
  type        = string
  default     = "athena-results/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.results_prefix))
    error_message = "results_prefix must be one lowercase path segment ending in '/'."
  }
}

variable "kms_key_arn" {
  description = "KMS key ARN used to encrypt query results with SSE-KMS (s3-lake output `kms_key_arn`)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "database_name" {
  description = "Catalog database the named queries run against (the gold database, glue output `database_names[\"gold\"]`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.database_name))
    error_message = "database_name must be lowercase letters, digits and underscores."
  }
}

variable "sql_dir" {
  description = "Folder holding `queries/*.sql` (one named query per file, named by the file stem) and `views/*.sql` (CREATE OR REPLACE VIEW statements, deployed as named queries the CLI runs)."
  type        = string

  validation {
    condition     = length(fileset(var.sql_dir, "queries/*.sql")) + length(fileset(var.sql_dir, "views/*.sql")) > 0
    error_message = "sql_dir must contain at least one queries/*.sql or views/*.sql file."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query scanning more than this many bytes (lake.yaml environments.<env>.athena_bytes_scanned_cutoff); at least 10 MB."
  type        = number

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "bytes_scanned_cutoff_per_query must be at least 10485760 (10 MB, Athena's minimum)."
  }
}

variable "price_per_tb_usd" {
  description = "Athena price per TB scanned in USD, passed through for the CLI's cost report (5 in most regions; check the region's price)."
  type        = number
  default     = 5

  validation {
    condition     = var.price_per_tb_usd > 0
    error_message = "price_per_tb_usd must be positive."
  }
}

variable "publish_cloudwatch_metrics" {
  description = "Publish per-query metrics (data scanned, runtime) to CloudWatch."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the workgroup even when it holds named queries or history."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
