# The only line that differs between environments/dev and environments/prod besides variables and tfvars:
# the environment's name, which selects its block in lake.yaml `environments`.
locals {
  environment = "dev"
}
