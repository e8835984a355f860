# Remote state in S3 with S3-native locking (use_lockfile, Terraform >= 1.10); no DynamoDB table needed.
# The state bucket is created once per account outside this configuration: see environments/README.md.
# For offline work use `terraform init -backend=false` (validate, test) or the local-state override
# described there.
terraform {
  backend "s3" {
    bucket       = "jozi-pizza-terraform-state"
    key          = "environments/dev/terraform.tfstate"
    region       = "af-south-1"
    encrypt      = true
    use_lockfile = true
  }
}
