output "database_names" {
  description = "Catalog database name per layer."
  value       = { for layer, database in aws_glue_catalog_database.layer : layer => database.name }
}

output "database_arns" {
  description = "Catalog database ARN per layer."
  value       = { for layer, database in aws_glue_catalog_database.layer : layer => database.arn }
}

output "crawler_names" {
  description = "Crawler name per target (each layer, plus `quarantine` when crawl_quarantine is true)."
  value       = { for target, crawler in aws_glue_crawler.this : target => crawler.name }
}

output "crawler_arns" {
  description = "Crawler ARN per target."
  value       = { for target, crawler in aws_glue_crawler.this : target => crawler.arn }
}

output "job_names" {
  description = "Glue job name per lake.yaml job key."
  value       = { for key, job in aws_glue_job.this : key => job.name }
}

output "job_default_arguments" {
  description = "Default arguments of each job (by job key), as deployed: lake.yaml job arguments with their deployment values, the alert topic, Glue's own switches."
  value       = { for key, job in aws_glue_job.this : key => job.default_arguments }
}

output "job_arns" {
  description = "Glue job ARN per job key."
  value       = { for key, job in aws_glue_job.this : key => job.arn }
}

output "code_version" {
  description = "Version of the deployed Glue code: the content hash in its keys (s3://<bucket>/scripts/<code_version>/)."
  value       = local.code_version
}

output "code_uri" {
  description = "Where the deployed Glue code lives: s3://<bucket>/scripts/<code_version>/."
  value       = "${local.lake_root}/${local.code_prefix}"
}

output "code_object_keys" {
  description = "Key of each uploaded code file, by its path inside code_dir."
  value       = { for path, object in aws_s3_object.code : path => object.key }
}

output "script_locations" {
  description = "S3 location of each job's script (job key => s3://<bucket>/scripts/<code_version>/glue_scripts/<job>.py)."
  value       = local.script_locations
}

output "extra_py_files" {
  description = "S3 location of the packaged jozi_lake library the jobs import (--extra-py-files)."
  value       = local.extra_py_files
}

output "temp_dir" {
  description = "The jobs' --TempDir."
  value       = local.temp_dir
}

output "data_catalog_encrypted" {
  description = "Whether this module manages the Data Catalog's encryption (SSE-KMS with the lake key)."
  value       = length(aws_glue_data_catalog_encryption_settings.this) > 0
}

output "security_configuration_name" {
  description = "Name of the Glue security configuration (KMS for S3, CloudWatch logs and bookmarks) used by jobs and crawlers."
  value       = aws_glue_security_configuration.this.name
}
