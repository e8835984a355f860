# The log bucket's policy is no longer optional (it carries the log-delivery grant): keep the existing one.
moved {
  from = aws_s3_bucket_policy.logs[0]
  to   = aws_s3_bucket_policy.logs
}
