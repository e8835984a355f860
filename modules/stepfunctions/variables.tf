variable "create" {
  description = "Whether to create the state machine, its log group and the schedule."
  type        = bool
  default     = true
}

variable "state_machine_name" {
  description = "Name of the pipeline state machine (computed once by the composition, so IAM can build its ARN)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.state_machine_name))
    error_message = "state_machine_name must be 1-80 characters of letters, digits, '-' and '_'."
  }
}

variable "role_arn" {
  description = "ARN of the IAM role Step Functions assumes (from the iam module)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN."
  }
}

variable "pipeline" {
  description = "The pipeline stages in order (lake.yaml `pipeline`). kind is ingest | crawl | job | summary; crawl stages name a crawl target (a layer, or quarantine) as `layer`, job stages a job."
  type = list(object({
    name  = string
    kind  = string
    layer = optional(string)
    job   = optional(string)
  }))

  validation {
    condition     = length(var.pipeline) > 0 && alltrue([for s in var.pipeline : contains(["ingest", "crawl", "job", "summary"], s.kind)])
    error_message = "pipeline must be a non-empty list whose stage kinds are ingest, crawl, job or summary."
  }

  validation {
    condition     = alltrue([for s in var.pipeline : can(regex("^[a-z][a-z0-9_]{0,50}$", s.name))])
    error_message = "pipeline stage names must be lower_snake_case (they become state names)."
  }

  validation {
    condition     = length(distinct([for s in var.pipeline : s.name])) == length(var.pipeline)
    error_message = "pipeline stage names must be unique."
  }

  validation {
    condition = alltrue([for s in var.pipeline : (
      (s.kind != "crawl" || s.layer != null) && (s.kind != "job" || s.job != null)
    )])
    error_message = "every crawl stage needs a layer and every job stage needs a job."
  }

  validation {
    condition     = length([for s in var.pipeline : s if s.kind == "ingest"]) <= 1 && alltrue([for i, s in var.pipeline : s.kind != "ingest" || i == 0])
    error_message = "pipeline may contain at most one ingest stage, and it must be the first stage (it starts the run's state)."
  }
}

variable "lambda_function_arn" {
  description = "ARN of the lake's Lambda function: the ingest stage invokes it with action ingest, the summary stage with action summarise, and the run_ended rule with action record_run when an execution ends."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$", var.lambda_function_arn))
    error_message = "lambda_function_arn must be a Lambda function ARN."
  }
}

variable "crawler_names" {
  description = "Glue crawler name by crawl target (each layer, plus quarantine); every crawl stage's layer must be a key."
  type        = map(string)
}

variable "job_names" {
  description = "Glue job name by lake.yaml job key (bronze_to_silver, silver_to_gold); every job stage's job must be a key."
  type        = map(string)
}

variable "job_tables_argument" {
  description = "Value passed to each Glue job as --tables (all = every table the job knows)."
  type        = string
  default     = "all"

  validation {
    condition     = length(var.job_tables_argument) > 0
    error_message = "job_tables_argument must not be empty."
  }
}

variable "alert_topic_arn" {
  description = "ARN of the SNS topic that receives the success, nothing-new and failure notices."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alert_topic_arn))
    error_message = "alert_topic_arn must be an SNS topic ARN."
  }
}

variable "environment" {
  description = "Environment name (dev, prod); passed to the ingest Lambda and written into notices."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.environment))
    error_message = "environment must be a short lower-case name such as dev or prod."
  }
}

variable "crawler_poll_seconds" {
  description = "Seconds to wait between crawler state polls."
  type        = number
  default     = 30

  validation {
    condition     = var.crawler_poll_seconds >= 1 && var.crawler_poll_seconds <= 3600
    error_message = "crawler_poll_seconds must be between 1 and 3600."
  }
}

variable "job_timeout_minutes" {
  description = "Timeout of each Glue job by lake.yaml job key (lake.yaml jobs.<job>.timeout_minutes): the longest a job stage's run takes, from which the execution timeout is computed."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for minutes in values(var.job_timeout_minutes) : minutes >= 1 && minutes <= 2880])
    error_message = "job_timeout_minutes values must be between 1 and 2880 (Glue's limit of 48 hours)."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the lake Lambda (ingest and summary stages): the longest one invocation takes, from which the execution timeout is computed."
  type        = number
  default     = 900

  validation {
    condition     = var.lambda_timeout_seconds >= 1 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be between 1 and 900 (Lambda's maximum)."
  }
}

variable "crawl_allowance_seconds" {
  description = "Time the execution allows beyond the worst case of its bounded tasks (every job and Lambda attempt at its timeout, plus retry waits): the crawls, which have no timeout of their own, and the notices. The execution timeout is the sum; an execution running longer fails with States.Timeout (and the timed-out alarm)."
  type        = number
  default     = 3600

  validation {
    condition     = var.crawl_allowance_seconds >= 600 && var.crawl_allowance_seconds <= 86400
    error_message = "crawl_allowance_seconds must be between 600 (10 minutes) and 86400 (one day)."
  }
}

variable "control_timeout_seconds" {
  description = "TimeoutSeconds of each run-control call to the lake Lambda (lease_acquire, plan, lease_release): short reads and conditional writes of small objects, so far below the function's own timeout."
  type        = number
  default     = 60

  validation {
    condition     = var.control_timeout_seconds >= 5 && var.control_timeout_seconds <= 900
    error_message = "control_timeout_seconds must be between 5 and 900 (Lambda's maximum)."
  }
}

variable "lease_wait_seconds" {
  description = "Wait between two attempts at the lake's lease while another run holds it."
  type        = number
  default     = 60

  validation {
    condition     = var.lease_wait_seconds >= 1 && var.lease_wait_seconds <= 3600
    error_message = "lease_wait_seconds must be between 1 and 3600."
  }
}

variable "lease_wait_attempts" {
  description = "How many more times an execution tries the lease after finding it held, before it ends without running (Succeed state lake_busy: the holding run processes what is waiting). 0 ends at once."
  type        = number
  default     = 15

  validation {
    condition     = var.lease_wait_attempts >= 0 && var.lease_wait_attempts <= 240 && floor(var.lease_wait_attempts) == var.lease_wait_attempts
    error_message = "lease_wait_attempts must be a whole number between 0 and 240."
  }
}

variable "task_failed_max_attempts" {
  description = "Retries of a Lambda stage after a generic States.TaskFailed (a function error). Failed Glue job runs are not retried (a code or data problem; a rerun could outlast the execution's timeout)."
  type        = number
  default     = 1

  validation {
    condition     = var.task_failed_max_attempts >= 0 && var.task_failed_max_attempts <= 5
    error_message = "task_failed_max_attempts must be between 0 and 5."
  }
}

variable "service_retry_max_attempts" {
  description = "Retries for transient service errors (Lambda service exceptions, Glue concurrency and crawler-running errors, throttling)."
  type        = number
  default     = 6

  validation {
    condition     = var.service_retry_max_attempts >= 0 && var.service_retry_max_attempts <= 20
    error_message = "service_retry_max_attempts must be between 0 and 20."
  }
}

variable "log_level" {
  description = "Execution history logging level sent to CloudWatch Logs: ALL, ERROR or FATAL."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be ALL, ERROR or FATAL (OFF is not allowed: execution history must be logged)."
  }
}

variable "include_execution_data" {
  description = "Whether logs include state input/output. Off by default: payloads may carry source data."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the state machine log group, in days (lake.yaml environments.<env>.log_retention_days)."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key encrypting the log group, the state machine data, the schedule and its dead-letter queue."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:...:kms:<region>:<account>:key/<id>)."
  }
}

variable "tracing_enabled" {
  description = "Whether X-Ray tracing is enabled for executions."
  type        = bool
  default     = true
}

variable "create_schedule" {
  description = "Whether to create the EventBridge Scheduler schedule that starts the pipeline."
  type        = bool
  default     = true
}

variable "schedule_name" {
  description = "Name of the EventBridge Scheduler schedule (computed once by the composition)."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z_.-]{1,64}$", var.schedule_name))
    error_message = "schedule_name must be 1-64 letters, digits, dots, dashes or underscores."
  }
}

variable "run_ended_rule_name" {
  description = "Name of the EventBridge rule that sends every ended execution to the lake Lambda (action record_run), which writes its stage timings to ops/pipeline_stage_runs (computed once by the composition)."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z_.-]{1,64}$", var.run_ended_rule_name))
    error_message = "run_ended_rule_name must be 1-64 letters, digits, dots, dashes or underscores."
  }
}

variable "schedule_dlq_name" {
  description = "Name of the SQS dead-letter queue for starts the schedule could not deliver (computed once by the composition, so IAM can grant on it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.schedule_dlq_name))
    error_message = "schedule_dlq_name must be an SQS queue name."
  }
}

variable "log_group_name" {
  description = "Name of the execution-history log group; /aws/vendedlogs/states/... avoids the CloudWatch Logs resource-policy size limit."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_/.#-]{1,512}$", var.log_group_name))
    error_message = "log_group_name must be a CloudWatch Logs group name."
  }
}

variable "schedule_expression" {
  description = "EventBridge Scheduler expression (lake.yaml schedule.expression): cron(...), rate(...) or at(...)."
  type        = string

  validation {
    condition     = can(regex("^(cron|rate|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be cron(...), rate(...) or at(...)."
  }
}

variable "schedule_timezone" {
  description = "IANA time zone the schedule expression is evaluated in (lake.yaml schedule.timezone)."
  type        = string
  default     = "UTC"

  validation {
    condition     = can(regex("^(UTC|[A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.schedule_timezone))
    error_message = "schedule_timezone must be an IANA time zone such as Africa/Johannesburg or UTC."
  }
}

variable "schedule_enabled" {
  description = "Whether the schedule is ENABLED (true) or DISABLED (false)."
  type        = bool
  default     = true
}

variable "scheduler_role_arn" {
  description = "ARN of the IAM role EventBridge Scheduler assumes to start executions and write to the DLQ. Required when create_schedule is true."
  type        = string
  default     = null

  validation {
    condition     = var.scheduler_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.scheduler_role_arn))
    error_message = "scheduler_role_arn must be an IAM role ARN."
  }
}

variable "schedule_retry_attempts" {
  description = "How many times Scheduler retries a failed StartExecution before sending the event to the DLQ."
  type        = number
  default     = 3

  validation {
    condition     = var.schedule_retry_attempts >= 0 && var.schedule_retry_attempts <= 185
    error_message = "schedule_retry_attempts must be between 0 and 185."
  }
}

variable "schedule_max_event_age_seconds" {
  description = "How long Scheduler keeps retrying an undelivered start before it goes to the DLQ."
  type        = number
  default     = 3600

  validation {
    condition     = var.schedule_max_event_age_seconds >= 60 && var.schedule_max_event_age_seconds <= 86400
    error_message = "schedule_max_event_age_seconds must be between 60 and 86400."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}
