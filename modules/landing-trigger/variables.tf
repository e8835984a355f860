variable "create" {
  description = "Whether to create the landing trigger (lake.yaml environments.<env>.landing_trigger; modules/lake also needs the state machine)."
  type        = bool
  default     = true
}

variable "rule_name" {
  description = "Name of the EventBridge rule matching the landing files' Object Created events (computed once by the composition)."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z_.-]{1,64}$", var.rule_name))
    error_message = "rule_name must be 1-64 letters, digits, dots, dashes or underscores."
  }
}

variable "queue_name" {
  description = "Name of the landing queue the rule sends to and the function consumes (computed once by the composition, so IAM can grant on it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.queue_name))
    error_message = "queue_name must be an SQS queue name (standard queue)."
  }
}

variable "dlq_name" {
  description = "Name of the landing dead-letter queue: messages deferred more often than any run lasts, and events the rule could not deliver (computed once by the composition; monitoring alarms on it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,80}$", var.dlq_name))
    error_message = "dlq_name must be an SQS queue name (standard queue)."
  }
}

variable "function_name" {
  description = "Name of the landing trigger function (computed once by the composition)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, dashes or underscores."
  }
}

variable "log_group_name" {
  description = "Name of the function's log group, created here encrypted and with retention (computed once by the composition, so IAM can grant on it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_/.#-]{1,512}$", var.log_group_name))
    error_message = "log_group_name must be a CloudWatch Logs group name."
  }
}

variable "bucket_name" {
  description = "The lake bucket whose landing files start runs (the rule matches its name; the function ignores events of any other)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name."
  }
}

variable "landing_prefixes" {
  description = "Key prefixes of the declared sources' landing folders (lake.yaml prefixes.landing + <source>/, e.g. \"landing/orders/\"): only objects under these reach the queue."
  type        = list(string)

  validation {
    condition     = length(var.landing_prefixes) > 0 && alltrue([for prefix in var.landing_prefixes : can(regex("^[a-z0-9][a-z0-9_-]*/[A-Za-z0-9_.-]+/$", prefix))])
    error_message = "landing_prefixes must be a non-empty list of \"<landing prefix>/<source>/\" key prefixes."
  }
}

variable "state_machine_arn" {
  description = "ARN of the pipeline state machine the function starts (LAKE_STATE_MACHINE_ARN). Required when create is true."
  type        = string
  default     = null

  validation {
    condition     = var.state_machine_arn == null || can(regex("^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$", var.state_machine_arn))
    error_message = "state_machine_arn must be a Step Functions state machine ARN."
  }
}

variable "run_timeout_seconds" {
  description = "The state machine's execution timeout (stepfunctions output timeout_seconds): the longest a run in progress defers a message, from which the queue's maxReceiveCount and retention are sized."
  type        = number

  validation {
    condition     = var.run_timeout_seconds >= 60 && var.run_timeout_seconds <= 31536000
    error_message = "run_timeout_seconds must be between 60 and 31536000 (Step Functions' maximum of a year)."
  }
}

variable "runs_to_outlast" {
  description = "How many longest runs a deferred message must outlive before it goes to the dead-letter queue: the run in progress and those queued behind it on the lease (a schedule start during a landing run)."
  type        = number
  default     = 2

  validation {
    condition     = var.runs_to_outlast >= 1 && var.runs_to_outlast <= 10 && floor(var.runs_to_outlast) == var.runs_to_outlast
    error_message = "runs_to_outlast must be a whole number between 1 and 10."
  }
}

variable "visibility_timeout_seconds" {
  description = "How long a received (or deferred) message stays hidden before SQS delivers it again: how often a file waiting for a run in progress is looked at again."
  type        = number
  default     = 300

  validation {
    condition     = var.visibility_timeout_seconds >= 30 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 30 and 43200 (SQS's maximum of 12 hours)."
  }
}

variable "start_slot_seconds" {
  description = "Length of a start slot: every landing start in one slot has the same execution name (<slot start>-landing), so two invocations racing past the running check start one run (LAKE_LANDING_SLOT_SECONDS)."
  type        = number
  default     = 300

  validation {
    condition     = var.start_slot_seconds >= 60 && var.start_slot_seconds <= 3600 && floor(var.start_slot_seconds) == var.start_slot_seconds
    error_message = "start_slot_seconds must be a whole number of seconds between 60 and 3600."
  }
}

variable "batch_size" {
  description = "Most messages the event source mapping hands the function at once (one per landed file)."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000 (SQS with a batching window)."
  }
}

variable "batching_window_seconds" {
  description = "How long the event source mapping gathers messages before invoking the function: files of one burst within it are one batch."
  type        = number
  default     = 60

  validation {
    condition     = var.batching_window_seconds >= 1 && var.batching_window_seconds <= 300
    error_message = "batching_window_seconds must be between 1 and 300 (Lambda's maximum)."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the event source mapping makes (2 is Lambda's minimum); bounds the function without reserving account concurrency (which fails on accounts with a quota of 10)."
  type        = number
  default     = 2

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency
    error_message = "maximum_concurrency must be a whole number between 2 and 1000."
  }
}

variable "event_max_age_seconds" {
  description = "How long EventBridge keeps retrying an event it cannot deliver to the queue before it goes to the dead-letter queue."
  type        = number
  default     = 86400

  validation {
    condition     = var.event_max_age_seconds >= 60 && var.event_max_age_seconds <= 86400
    error_message = "event_max_age_seconds must be between 60 and 86400."
  }
}

variable "event_retry_attempts" {
  description = "How many times EventBridge retries delivering an event to the queue before it goes to the dead-letter queue."
  type        = number
  default     = 185

  validation {
    condition     = var.event_retry_attempts >= 0 && var.event_retry_attempts <= 185
    error_message = "event_retry_attempts must be between 0 and 185."
  }
}

variable "role_arn" {
  description = "ARN of the function's execution role (iam output landing_trigger_role_arn, published once its policy is attached). Required when create is true."
  type        = string
  default     = null

  validation {
    condition     = var.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN."
  }
}

variable "lambda_package" {
  description = "The lake Lambda's zip and what it runs on (ingest-lambda output `package`): the zip carries lambda/landing_trigger.py too, so the trigger deploys the same code, runtime and architecture as the lake Lambda. Tests pass modules/ingest-lambda/tests/fixtures/ingest.zip."
  type = object({
    path         = string
    runtime      = string
    architecture = string
  })

  validation {
    condition     = endswith(var.lambda_package.path, ".zip") && fileexists(var.lambda_package.path)
    error_message = "lambda_package.path must point at an existing .zip; build it first with `make build-lambda`."
  }
}

variable "handler" {
  description = "Handler entry point inside the zip."
  type        = string
  default     = "landing_trigger.handler"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_.]*\\.[A-Za-z_][A-Za-z0-9_]*$", var.handler))
    error_message = "handler must look like module.function, e.g. landing_trigger.handler."
  }
}

variable "timeout_seconds" {
  description = "Function timeout: two ListExecutions and at most one StartExecution per batch."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout_seconds >= 3 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 3 and 900."
  }
}

variable "memory_size_mb" {
  description = "Memory in MB; the function reads a batch of small messages."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240
    error_message = "memory_size_mb must be between 128 and 10240."
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

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting both queues, the log group and the environment variables (the key policy must let events.amazonaws.com use it for the two queues: s3-lake kms_key_sqs_queue_senders)."
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

variable "tags" {
  description = "Tags added to every taggable resource."
  type        = map(string)
  default     = {}
}
