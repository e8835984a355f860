# Addresses before the roles became one map (remove once every environment has applied this version).

moved {
  from = aws_iam_role.ingest_lambda
  to   = aws_iam_role.this["ingest_lambda"]
}

moved {
  from = aws_iam_role_policy.ingest_lambda
  to   = aws_iam_role_policy.this["ingest_lambda"]
}

moved {
  from = aws_iam_role.glue_job
  to   = aws_iam_role.this["glue_job"]
}

moved {
  from = aws_iam_role_policy.glue_job
  to   = aws_iam_role_policy.this["glue_job"]
}

moved {
  from = aws_iam_role.glue_crawler
  to   = aws_iam_role.this["glue_crawler"]
}

moved {
  from = aws_iam_role_policy.glue_crawler
  to   = aws_iam_role_policy.this["glue_crawler"]
}

moved {
  from = aws_iam_role.state_machine
  to   = aws_iam_role.this["state_machine"]
}

moved {
  from = aws_iam_role_policy.state_machine
  to   = aws_iam_role_policy.this["state_machine"]
}

moved {
  from = aws_iam_role.scheduler
  to   = aws_iam_role.this["scheduler"]
}

moved {
  from = aws_iam_role_policy.scheduler
  to   = aws_iam_role_policy.this["scheduler"]
}
