# The Athena side of the lake: one workgroup that forces every query's results into the lake bucket
# (SSE-KMS) and caps the bytes a query may scan, plus the project's SQL as named queries.
#
# Views: Terraform has no native Athena view resource (a view is a Glue table whose definition is
# Presto-encoded JSON that only Athena writes correctly). Each sql/views/<view>.sql file is therefore
# deployed as a named query holding its CREATE OR REPLACE VIEW statement, for analysts to read or run
# from the console. The views themselves are created by `make views ENV=<env>` (`lake create-views`),
# run by the operator after the first gold crawl and whenever a view file changes: it reads the same
# files and runs each statement with the environment's database names.

data "aws_caller_identity" "current" {}

locals {
  workgroup_name   = var.workgroup_name
  results_location = "s3://${var.bucket_name}/${var.results_prefix}"
  tags             = merge(var.tags, { "lake:component" = "athena" })

  query_files = { for path in fileset(var.sql_dir, "queries/*.sql") : trimsuffix(basename(path), ".sql") => path }
  view_files  = { for path in fileset(var.sql_dir, "views/*.sql") : trimsuffix(basename(path), ".sql") => path }

  # Each SQL file starts with `-- title: ...` and `-- description: ...` comment lines; the description
  # (else the title, else the first comment line) becomes the named query's description.
  sql_text = { for stem, path in merge(local.query_files, local.view_files) : stem => file("${var.sql_dir}/${path}") }
  sql_descriptions = {
    for stem, text in local.sql_text : stem => substr(trimspace(coalesce(
      try(regex("(?m)^--\\s*description:\\s*(.+)$", text)[0], null),
      try(regex("(?m)^--\\s*title:\\s*(.+)$", text)[0], null),
      try(regex("^\\s*--\\s*(.+)", text)[0], null),
      "SQL from ${stem}.sql",
    )), 0, 1024)
  }
}

resource "aws_athena_workgroup" "this" {
  name          = local.workgroup_name
  description   = "Queries over the ${local.workgroup_name} lake; results encrypted in ${local.results_location}."
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    # Without enforcement the location, encryption and cutoff below are only defaults a client may override.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = var.publish_cloudwatch_metrics
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query
    requester_pays_enabled             = false

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = local.results_location
      expected_bucket_owner = data.aws_caller_identity.current.account_id

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = local.tags
}

resource "aws_athena_named_query" "query" {
  for_each = local.query_files

  name        = each.key
  description = local.sql_descriptions[each.key]
  workgroup   = aws_athena_workgroup.this.id
  database    = var.database_name
  query       = local.sql_text[each.key]
}

resource "aws_athena_named_query" "view" {
  for_each = local.view_files

  name        = "create_view_${each.key}"
  description = substr("Creates or replaces view ${each.key}: ${local.sql_descriptions[each.key]}", 0, 1024)
  workgroup   = aws_athena_workgroup.this.id
  database    = var.database_name
  query       = local.sql_text[each.key]

  lifecycle {
    precondition {
      condition     = can(regex("(?i)create\\s+or\\s+replace\\s+view", local.sql_text[each.key]))
      error_message = "Every views/*.sql file must hold a CREATE OR REPLACE VIEW statement."
    }
  }
}
