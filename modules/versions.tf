# The Terraform and provider versions of every module and environment: one file, linked as versions.tf
# from each (modules/<name>/versions.tf -> ../versions.tf, environments/<env>/versions.tf ->
# ../../modules/versions.tf), so a provider bump is one edit. Not a module itself (no main.tf).
terraform {
  # 1.10: the environments' S3 backend locks with use_lockfile (S3-native state locking, backend.tf);
  # cross-variable validations need >= 1.9.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.70.0 added transition_default_minimum_object_size to aws_s3_bucket_lifecycle_configuration
      # (modules/s3-lake); < 6.0: the next major changes arguments these modules set.
      version = ">= 5.70, < 6.0"
    }
  }
}
