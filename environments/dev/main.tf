# The dev environment: the lake (modules/lake) with lake.yaml's `environments.dev` block.
# Dev is disposable and runs on demand (lake.yaml environments.dev).
# outputs.tf, variables.tf and moved.tf are symlinks to the files every environment shares (../*.tf).

module "lake" {
  source = "../../modules/lake"

  environment = "dev"
  lake_file   = "${path.root}/../../lake.yaml"
  sql_dir     = "${path.root}/../../sql"

  alert_emails        = var.alert_emails
  ingest_package_path = var.ingest_package_path
  glue_code_dir       = var.glue_code_dir
  tags                = var.extra_tags
}
