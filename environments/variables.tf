# Shared by every environment: environments/<env>/variables.tf is a symlink to this file. These are the
# per-deployment inputs (values in each environment's terraform.tfvars); everything else is lake.yaml's.
# modules/lake validates them.

variable "alert_emails" {
  description = "Email addresses subscribed to the alert topic; at least one in a protected environment (prod)."
  type        = list(string)
  default     = []
}

variable "ingest_package_path" {
  description = "The Lambda zip built by `make build-lambda` (tests point this at the ingest-lambda module's fixture zip)."
  type        = string
  default     = "../../build/lambda/ingest.zip"
}

variable "glue_code_dir" {
  description = "The built Glue code folder (`make build-glue`; tests point this at the glue module's fixture folder)."
  type        = string
  default     = "../../build/glue"
}

variable "extra_tags" {
  description = "Tags added to every resource besides Project, Environment and ManagedBy (e.g. CostCentre)."
  type        = map(string)
  default     = {}
}
