# Shared by every environment (environments/<env>/moved.tf is a symlink to this file): the modules were
# called from the environment itself before modules/lake composed them. These blocks move existing state
# to the new addresses instead of destroying and re-creating the lake; delete them once every environment
# has applied this layout.

moved {
  from = module.s3_lake
  to   = module.lake.module.s3_lake
}

moved {
  from = module.iam
  to   = module.lake.module.iam
}

moved {
  from = module.glue
  to   = module.lake.module.glue
}

moved {
  from = module.athena
  to   = module.lake.module.athena
}

moved {
  from = module.ingest_lambda
  to   = module.lake.module.ingest_lambda
}

moved {
  from = module.monitoring
  to   = module.lake.module.monitoring
}

moved {
  from = module.stepfunctions
  to   = module.lake.module.stepfunctions
}
