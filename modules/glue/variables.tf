variable "name_prefix" {
  description = "Prefix of the module's own auxiliary names: the security configuration `<name_prefix>-lake`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,200}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, prod, ...): the jobs' `--env` argument."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters or digits, starting with a letter."
  }
}

variable "database_names" {
  description = "Catalog database name per medallion layer (lake.yaml `layers`; names computed once by the composition). One database and one crawler per layer; must include silver, where quarantine tables are catalogued."
  type        = map(string)

  validation {
    condition     = contains(keys(var.database_names), "silver") && alltrue([for layer, name in var.database_names : can(regex("^[a-z][a-z0-9_]*$", layer)) && can(regex("^[a-z0-9_]{1,255}$", name))])
    error_message = "database_names must map lowercase layer names (including silver) to lowercase database names of letters, digits and underscores."
  }
}

variable "crawler_names" {
  description = "Crawler name per crawl target: every key of `database_names`, plus `quarantine` when `crawl_quarantine` is true."
  type        = map(string)

  validation {
    condition = toset(keys(var.crawler_names)) == toset(concat(keys(var.database_names), var.crawl_quarantine ? ["quarantine"] : [])) && alltrue([
      for name in values(var.crawler_names) : can(regex("^[A-Za-z0-9_.-]{1,255}$", name))
    ])
    error_message = "crawler_names must name a crawler for every layer of database_names (plus quarantine when crawl_quarantine is true), each a valid Glue name."
  }
}

variable "bucket_name" {
  description = "Name of the lake bucket (s3-lake output `bucket_name`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "prefixes" {
  description = "Key prefixes from lake.yaml `prefixes` (s3-lake output `prefixes`); crawlers target the layer prefixes, jobs use scripts/, spark_ui/ and glue_temp/ (--TempDir)."
  type        = map(string)

  validation {
    condition     = alltrue([for key in concat(keys(var.database_names), ["quarantine", "scripts", "spark_ui", "glue_temp"]) : contains(keys(var.prefixes), key)])
    error_message = "prefixes must contain every layer, quarantine, scripts, spark_ui and glue_temp (as in lake.yaml)."
  }

  validation {
    condition     = alltrue([for prefix in values(var.prefixes) : can(regex("^[a-z0-9][a-z0-9_-]*/$", prefix))])
    error_message = "every prefix must be one lowercase path segment ending in '/', e.g. \"bronze/\"."
  }
}

variable "jobs" {
  description = "Glue jobs from lake.yaml `jobs`: job key => { name (computed once by the composition), script (its path inside code_dir, e.g. glue_scripts/x.py), description, timeout_minutes }."
  type = map(object({
    name            = string
    script          = string
    description     = string
    timeout_minutes = number
  }))

  validation {
    condition     = length(var.jobs) > 0 && alltrue([for key, job in var.jobs : can(regex("^[a-z][a-z0-9_]*$", key)) && can(regex("\\.py$", job.script)) && can(regex("^[A-Za-z0-9_.-]{1,255}$", job.name))])
    error_message = "jobs must be non-empty; keys lowercase names, each name a valid Glue job name, each script a .py path."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : job.timeout_minutes >= 1 && job.timeout_minutes <= 2880])
    error_message = "every job's timeout_minutes must be between 1 and 2880 (48 hours)."
  }
}

variable "job_role_arn" {
  description = "ARN of the role the jobs run as (iam output `glue_job_role_arn`)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.job_role_arn))
    error_message = "job_role_arn must be an IAM role ARN."
  }
}

variable "crawler_role_arn" {
  description = "ARN of the role the crawlers run as (iam output `glue_crawler_role_arn`)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.crawler_role_arn))
    error_message = "crawler_role_arn must be an IAM role ARN."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN the security configuration encrypts S3 output, CloudWatch logs and bookmarks with (s3-lake output `kms_key_arn`; the AWS-managed aws/s3 key cannot encrypt logs)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a customer-managed KMS key ARN (create it with s3-lake create_kms_key = true)."
  }
}

variable "code_dir" {
  description = "The built Glue code folder (`make build-glue`: build/glue/ with jozi_lake.zip and glue_scripts/<job>.py). Its files are uploaded to s3://<bucket>/<scripts prefix><content hash>/ and the jobs point at them."
  type        = string

  validation {
    condition     = fileexists("${var.code_dir}/jozi_lake.zip") && length(fileset(var.code_dir, "glue_scripts/*.py")) > 0
    error_message = "code_dir must hold jozi_lake.zip and glue_scripts/*.py: run `make build-glue` first."
  }
}

variable "glue_version" {
  description = "Glue version; 5.0 is Spark 3.5.4 / Python 3.11, the versions the local runner uses."
  type        = string
  default     = "5.0"

  validation {
    condition     = contains(["4.0", "5.0"], var.glue_version)
    error_message = "glue_version must be 4.0 or 5.0."
  }
}

variable "worker_type" {
  description = "Glue worker type (lake.yaml environments.<env>.glue_worker_type)."
  type        = string
  default     = "G.1X"

  validation {
    condition     = contains(["G.025X", "G.1X", "G.2X", "G.4X", "G.8X"], var.worker_type)
    error_message = "worker_type must be one of G.025X, G.1X, G.2X, G.4X, G.8X."
  }
}

variable "number_of_workers" {
  description = "Workers per job run (lake.yaml environments.<env>.glue_number_of_workers); 2 is Glue's minimum."
  type        = number
  default     = 2

  validation {
    condition     = var.number_of_workers >= 2 && var.number_of_workers <= 299 && floor(var.number_of_workers) == var.number_of_workers
    error_message = "number_of_workers must be a whole number between 2 and 299."
  }
}

variable "execution_class" {
  description = "STANDARD or FLEX (spare capacity, cheaper, may start later: fine for a nightly batch in dev)."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "FLEX"], var.execution_class)
    error_message = "execution_class must be STANDARD or FLEX."
  }
}

variable "max_retries" {
  description = "Glue-level retries per job run. The state machine already retries, so 0 avoids double retries."
  type        = number
  default     = 0

  validation {
    condition     = var.max_retries >= 0 && var.max_retries <= 10
    error_message = "max_retries must be between 0 and 10."
  }
}

variable "default_tables" {
  description = "Default of the `--tables` job argument; each run may override it."
  type        = string
  default     = "all"
}

variable "alert_topic_arn" {
  description = "ARN of the lake's SNS alert topic (monitoring output `topic_arn`): passed to every job as `--alert_topic_arn`, where the silver job publishes each batch its quality gate held (batch, source, rule and the fix). The job role needs sns:Publish on it (iam `alert_topic_name`). Null: no argument, and those alerts are lines of the job's log."
  type        = string
  default     = null

  validation {
    condition     = var.alert_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$", var.alert_topic_arn))
    error_message = "alert_topic_arn must be an SNS topic ARN (or null)."
  }
}

variable "additional_default_arguments" {
  description = "Extra default arguments for every job (e.g. {\"--conf\" = \"...\"}); they cannot replace the module's own arguments."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.additional_default_arguments) : startswith(name, "--")])
    error_message = "additional_default_arguments keys must start with '--'."
  }
}

variable "encrypt_data_catalog" {
  description = "Encrypt this account's Glue Data Catalog in this region (table definitions, partitions, connection passwords) with kms_key_arn. The setting is one per account and region: let exactly one environment of an account manage it (lake.yaml environments.<env>.encrypt_data_catalog), and give every principal that reads the catalog kms:Decrypt on the key."
  type        = bool
  default     = true
}

variable "crawl_quarantine" {
  description = "Add a crawler for quarantine/ that writes `quarantine_<table>` tables into the silver database, so rejected rows are queryable next to silver. The pipeline starts it in its own crawl stage (lake.yaml `pipeline`, target `quarantine`)."
  type        = bool
  default     = true
}

variable "recrawl_behavior" {
  description = "CRAWL_NEW_FOLDERS_ONLY (incremental: new partitions only, schema changes just logged) or CRAWL_EVERYTHING (full re-crawl that also updates table schemas in the catalog)."
  type        = string
  default     = "CRAWL_NEW_FOLDERS_ONLY"

  validation {
    condition     = contains(["CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVERYTHING"], var.recrawl_behavior)
    error_message = "recrawl_behavior must be CRAWL_NEW_FOLDERS_ONLY or CRAWL_EVERYTHING."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
