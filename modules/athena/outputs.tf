output "workgroup_name" {
  description = "Name of the Athena workgroup every query must run in."
  value       = aws_athena_workgroup.this.name
}

output "workgroup_arn" {
  description = "ARN of the Athena workgroup."
  value       = aws_athena_workgroup.this.arn
}

output "results_location" {
  description = "Enforced query result location (s3://<bucket>/<results_prefix>)."
  value       = local.results_location
}

output "named_query_ids" {
  description = "Named query ID per query file stem (sql_dir/queries/<stem>.sql)."
  value       = { for stem, query in aws_athena_named_query.query : stem => query.id }
}

output "view_query_ids" {
  description = "Named query ID per view (sql_dir/views/<view>.sql); run them (e.g. with the CLI) to create or replace the views."
  value       = { for stem, query in aws_athena_named_query.view : stem => query.id }
}

output "price_per_tb_usd" {
  description = "Athena price per TB scanned (USD) for the CLI's cost report."
  value       = var.price_per_tb_usd
}

output "bytes_scanned_cutoff_per_query" {
  description = "Per-query scan limit in bytes enforced by the workgroup."
  value       = var.bytes_scanned_cutoff_per_query
}
