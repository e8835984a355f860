# The prod environment: the lake (modules/lake) with lake.yaml's `environments.prod` block.
# Prod is protected: its lake.yaml block may not force-destroy the bucket and its alarms
# must reach a person (at least one alert email in terraform.tfvars).
# outputs.tf, variables.tf and moved.tf are symlinks to the files every environment shares (../*.tf).

module "lake" {
  source = "../../modules/lake"

  environment = "prod"
  protected   = true
  lake_file   = "${path.root}/../../lake.yaml"
  sql_dir     = "${path.root}/../../sql"

  alert_emails        = var.alert_emails
  ingest_package_path = var.ingest_package_path
  glue_code_dir       = var.glue_code_dir
  tags                = var.extra_tags
}
