mock_provider "aws" {
  source = "../tests-mocks" # the one shared set of mocked values
}

variables {
  bucket_name        = "jozi-pizza-dev-lake"
  bronze_expiry_days = 90
  prefixes = {
    bronze         = "bronze/"
    silver         = "silver/"
    gold           = "gold/"
    quarantine     = "quarantine/"
    landing        = "landing/"
    scripts        = "scripts/"
    athena_results = "athena-results/"
    spark_ui       = "spark-ui/"
    glue_temp      = "glue-temp/"
  }
  tags = { owner = "data-platform" }
}

run "names_follow_lake_yaml_convention" {
  command = apply

  assert {
    condition     = aws_s3_bucket.lake.bucket == "jozi-pizza-dev-lake" && aws_kms_alias.lake[0].name == "alias/jozi-pizza-dev-lake"
    error_message = "the lake bucket takes the name it is given (modules/lake computes it as jozi_lake.config does) and its key the alias alias/<bucket>"
  }

  assert {
    condition     = aws_s3_bucket.logs.bucket == "jozi-pizza-dev-lake-logs"
    error_message = "the log bucket must default to {bucket}-logs"
  }

  assert {
    condition     = output.prefixes["bronze"] == "bronze/" && output.prefix_uris["gold"] == "s3://jozi-pizza-dev-lake/gold/"
    error_message = "prefixes must pass through and prefix_uris must be s3://bucket/prefix"
  }

  assert {
    condition     = aws_s3_bucket.lake.tags["owner"] == "data-platform" && aws_kms_key.lake[0].tags["owner"] == "data-platform"
    error_message = "tags must reach the buckets and the key"
  }
}

run "encryption_is_kms_with_created_key_and_bucket_keys" {
  command = apply

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.lake.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "the lake bucket must default to SSE-KMS"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.lake.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.lake[0].arn
    error_message = "the created customer-managed key must encrypt the lake"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.lake.rule).bucket_key_enabled == true
    error_message = "bucket keys must be on"
  }

  assert {
    condition     = aws_kms_key.lake[0].enable_key_rotation == true
    error_message = "the created key must rotate"
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:af-south-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "kms_key_arn must expose the created key"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.logs.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "the access-log bucket must be encrypted (SSE-S3, the only kind log delivery accepts)"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_kms_key.lake[0].policy).Statement :
      statement.Principal == { Service = "logs.af-south-1.amazonaws.com" }
      && try(statement.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], "") == "arn:aws:logs:af-south-1:123456789012:log-group:*"
    ])
    error_message = "the key policy must let CloudWatch Logs use the key for this account's log groups only"
  }
}

run "topic_publishers_and_log_delivery_use_the_key_by_encryption_context" {
  command = apply

  variables {
    kms_key_sns_topic_publishers        = { "jozi-pizza-dev-alerts" = ["events.amazonaws.com", "cloudwatch.amazonaws.com"] }
    kms_key_sqs_queue_senders           = { "jozi-pizza-dev-landing" = ["events.amazonaws.com"], "jozi-pizza-dev-landing-dlq" = ["events.amazonaws.com"] }
    kms_key_log_delivery_state_machines = ["jozi-pizza-dev-pipeline"]
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_kms_key.lake[0].policy).Statement :
      statement.Principal == { Service = ["events.amazonaws.com"] }
      && try(statement.Condition, null) == { StringEquals = { "kms:EncryptionContext:aws:sqs:arn" = [
        "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing",
        "arn:aws:sqs:af-south-1:123456789012:jozi-pizza-dev-landing-dlq",
      ] } }
      && try(toset(statement.Action) == toset(["kms:GenerateDataKey*", "kms:Decrypt"]), false)
    ])
    error_message = "EventBridge must use the key for the landing queue and its dead-letter queue, scoped by the queues' encryption context"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_kms_key.lake[0].policy).Statement :
      statement.Principal == { Service = ["cloudwatch.amazonaws.com", "events.amazonaws.com"] }
      && try(statement.Condition, null) == { StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = ["arn:aws:sns:af-south-1:123456789012:jozi-pizza-dev-alerts"] } }
      && try(toset(statement.Action) == toset(["kms:GenerateDataKey*", "kms:Decrypt"]), false)
    ])
    error_message = "alarms and EventBridge rules must use the key for the alert topic, scoped by its encryption context"
  }

  assert {
    # EventBridge's KMS calls carry no aws:SourceAccount/aws:SourceArn: a service statement conditioned on
    # them never matches (issue 17: every Glue failure alert was dropped).
    condition = alltrue([
      for statement in jsondecode(aws_kms_key.lake[0].policy).Statement :
      !can(statement.Condition.StringEquals["aws:SourceAccount"]) && !can(statement.Condition.ArnLike["aws:SourceArn"]) if can(statement.Principal.Service)
    ])
    error_message = "no service statement of the key policy may depend on source-context keys"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_kms_key.lake[0].policy).Statement :
      statement.Principal == { Service = "delivery.logs.amazonaws.com" } && statement.Action == "kms:Decrypt"
      && try(statement.Condition, null) == { StringEquals = { "kms:EncryptionContext:aws:states:stateMachineArn" = ["arn:aws:states:af-south-1:123456789012:stateMachine:jozi-pizza-dev-pipeline"] } }
    ])
    error_message = "vended-log delivery may decrypt exactly the pipeline's execution data"
  }
}

run "public_access_blocked_and_ownership_enforced" {
  command = apply

  assert {
    condition = alltrue([
      for block in [aws_s3_bucket_public_access_block.lake, aws_s3_bucket_public_access_block.logs] :
      block.block_public_acls && block.block_public_policy && block.ignore_public_acls && block.restrict_public_buckets
    ])
    error_message = "both buckets must block every kind of public access"
  }

  assert {
    condition = alltrue([
      for controls in [aws_s3_bucket_ownership_controls.lake, aws_s3_bucket_ownership_controls.logs] :
      one(controls.rule).object_ownership == "BucketOwnerEnforced"
    ])
    error_message = "both buckets must disable ACLs (BucketOwnerEnforced)"
  }

  assert {
    condition     = aws_s3_bucket_versioning.lake.versioning_configuration[0].status == "Enabled"
    error_message = "the lake bucket must be versioned"
  }
}

run "policies_deny_plain_http_and_foreign_encryption" {
  command = apply

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.lake[0].policy).Statement :
      statement.Effect == "Deny" && statement.Action == "s3:*"
      && try(statement.Condition.Bool["aws:SecureTransport"], "") == "false"
      && contains(flatten([statement.Resource]), "arn:aws:s3:::jozi-pizza-dev-lake/*")
    ])
    error_message = "the lake bucket policy must deny requests without TLS"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.logs.policy).Statement :
      statement.Effect == "Deny" && try(statement.Condition.Bool["aws:SecureTransport"], "") == "false"
    ])
    error_message = "the log bucket policy must deny requests without TLS"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.lake[0].policy).Statement :
      statement.Effect == "Deny" && statement.Action == "s3:PutObject"
      && try(statement.Condition.StringNotEquals["s3:x-amz-server-side-encryption"], "") == "aws:kms"
    ])
    error_message = "the lake bucket policy must deny uploads that ask for non-KMS encryption"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.lake[0].policy).Statement :
      try(statement.Condition.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"], "") == aws_kms_key.lake[0].arn
    ])
    error_message = "the lake bucket policy must deny uploads naming another KMS key"
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.logs.policy).Statement :
      statement.Effect == "Allow" && statement.Principal == { Service = "logging.s3.amazonaws.com" }
      && try(statement.Condition.ArnLike["aws:SourceArn"], "") == "arn:aws:s3:::jozi-pizza-dev-lake"
      && statement.Resource == "arn:aws:s3:::jozi-pizza-dev-lake-logs/s3-access/jozi-pizza-dev-lake/*"
    ])
    error_message = "only the lake bucket's access logs may be delivered into the log bucket"
  }

  assert {
    condition     = aws_s3_bucket_logging.lake.target_bucket == "jozi-pizza-dev-lake-logs"
    error_message = "the lake bucket must log access to the log bucket"
  }
}

run "lifecycle_rules_per_prefix" {
  command = apply

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.lake.transition_default_minimum_object_size == "all_storage_classes_128K"
    error_message = "transition_default_minimum_object_size must be set explicitly"
  }

  assert {
    condition = anytrue([
      for rule in aws_s3_bucket_lifecycle_configuration.lake.rule :
      try(rule.filter[0].prefix == "bronze/" && one(rule.transition).storage_class == "STANDARD_IA"
      && one(rule.transition).days == 30 && rule.expiration[0].days == 90, false)
    ])
    error_message = "bronze must move to STANDARD_IA after 30 days and expire after bronze_expiry_days"
  }

  assert {
    condition = anytrue([
      for rule in aws_s3_bucket_lifecycle_configuration.lake.rule :
      try(rule.filter[0].prefix == "athena-results/" && rule.expiration[0].days == 30, false)
    ])
    error_message = "Athena results must expire"
  }

  assert {
    condition = anytrue([
      for rule in aws_s3_bucket_lifecycle_configuration.lake.rule :
      try(rule.filter[0].prefix == "" && rule.noncurrent_version_expiration[0].noncurrent_days == 30
      && rule.abort_incomplete_multipart_upload[0].days_after_initiation == 7, false)
    ])
    error_message = "a whole-bucket rule must expire noncurrent versions and abort incomplete multipart uploads"
  }

  assert {
    condition = alltrue([
      for rule in aws_s3_bucket_lifecycle_configuration.lake.rule : length(rule.filter) == 1 && rule.status == "Enabled"
    ])
    error_message = "every lifecycle rule needs an explicit filter"
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.logs.rule).expiration[0].days == 365
    error_message = "access logs must expire after log_expiry_days"
  }

  assert {
    condition     = length(aws_s3_bucket_notification.lake) == 0
    error_message = "EventBridge notifications are off unless asked for"
  }

  assert {
    condition = anytrue([
      for rule in aws_s3_bucket_lifecycle_configuration.lake.rule :
      rule.filter[0].prefix == "glue-temp/" && rule.expiration[0].days == 7 if rule.id == "temp-expiry"
    ])
    error_message = "Glue's scratch data under lake.yaml's glue_temp prefix must expire"
  }
}

run "existing_key_and_eventbridge" {
  command = apply

  variables {
    create_kms_key                   = false
    kms_key_arn                      = "arn:aws:kms:af-south-1:123456789012:key/99999999-8888-7777-6666-555555555555"
    enable_eventbridge_notifications = true
    bucket_name                      = "custom-lake-name"
  }

  assert {
    condition     = length(aws_kms_key.lake) == 0 && output.kms_key_arn == var.kms_key_arn
    error_message = "an existing key must be used as is, without creating one"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.lake.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == var.kms_key_arn
    error_message = "the existing key must encrypt the lake"
  }

  assert {
    condition     = aws_s3_bucket.lake.bucket == "custom-lake-name" && aws_s3_bucket_notification.lake[0].eventbridge == true
    error_message = "the bucket must take any given name and EventBridge notifications must be on"
  }
}

run "aws_managed_key_when_no_key_given" {
  command = apply

  variables {
    create_kms_key = false
  }

  assert {
    condition     = output.kms_key_arn == null && one(aws_s3_bucket_server_side_encryption_configuration.lake.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "no key at all must still mean SSE-KMS, with the AWS-managed aws/s3 key"
  }
}

run "policies_can_be_left_off_for_emulators_only_when_asked" {
  command = apply

  variables {
    attach_lake_bucket_policy = false
  }

  assert {
    condition     = length(aws_s3_bucket_policy.lake) == 0 && aws_s3_bucket_policy.logs.bucket != null
    error_message = "attach_lake_bucket_policy = false must leave the lake bucket's policy out and keep the log bucket's (its log-delivery grant makes access logging work)"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.lake.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "encryption must not depend on the policies"
  }
}

run "rejects_both_created_and_existing_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:af-south-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }

  expect_failures = [aws_s3_bucket_server_side_encryption_configuration.lake]
}

run "rejects_expiry_before_transition" {
  command = plan

  variables {
    bronze_expiry_days     = 40
    bronze_transition_days = 60
  }

  expect_failures = [aws_s3_bucket_lifecycle_configuration.lake]
}

run "rejects_bad_inputs" {
  command = plan

  variables {
    prefixes                            = { bronze = "bronze" }
    bronze_transition_days              = 10
    bronze_transition_storage_class     = "GLACIER"
    kms_key_arn                         = "not-an-arn"
    kms_key_sns_topic_publishers        = { "bad topic" = ["arn:aws:iam::123456789012:root"] }
    kms_key_sqs_queue_senders           = { "queue" = [] }
    kms_key_log_delivery_state_machines = ["has spaces"]
    bucket_name                         = "Not_A_Bucket"
  }

  expect_failures = [
    var.prefixes,
    var.bronze_transition_days,
    var.bronze_transition_storage_class,
    var.kms_key_arn,
    var.kms_key_sns_topic_publishers,
    var.kms_key_sqs_queue_senders,
    var.kms_key_log_delivery_state_machines,
    var.bucket_name,
  ]
}
