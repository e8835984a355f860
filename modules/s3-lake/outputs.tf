output "bucket_name" {
  description = "Name of the lake bucket."
  value       = aws_s3_bucket.lake.bucket
}

output "bucket_arn" {
  description = "ARN of the lake bucket; IAM policies append a prefix to it."
  value       = local.bucket_arn

  # Built from the name so it is known at plan; still only published once the bucket exists.
  depends_on = [aws_s3_bucket.lake]
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the lake bucket."
  value       = aws_s3_bucket.lake.bucket_regional_domain_name
}

output "lake_root" {
  description = "The `--lake_root` job argument: `s3://<bucket>`."
  value       = "s3://${aws_s3_bucket.lake.bucket}"
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the lake: the created key, the given key, or null when the AWS-managed aws/s3 key is used."
  value       = local.kms_key_arn
}

output "kms_key_alias_name" {
  description = "Alias of the created KMS key (`alias/<bucket_name>`), or null when no key was created."
  value       = var.create_kms_key ? aws_kms_alias.lake[0].name : null
}

output "prefixes" {
  description = "The key prefixes (key => \"prefix/\"), passed through so consumers wire from one output."
  value       = var.prefixes
}

output "prefix_uris" {
  description = "Each prefix as an S3 URI (key => \"s3://<bucket>/<prefix>\")."
  value       = { for key, prefix in var.prefixes : key => "s3://${aws_s3_bucket.lake.bucket}/${prefix}" }
}

output "log_bucket_name" {
  description = "Name of the bucket receiving the lake bucket's server access logs."
  value       = aws_s3_bucket.logs.bucket
}

output "log_bucket_arn" {
  description = "ARN of the access-log bucket."
  value       = local.log_bucket_arn
  depends_on  = [aws_s3_bucket.logs]
}
