terraform {
  # 1.10: the S3 backend's use_lockfile (S3-native state locking, backend.tf).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
    }
  }
}
