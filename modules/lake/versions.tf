terraform {
  # 1.10: the environments' S3 backend locks with use_lockfile; cross-variable validations need >= 1.9.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
    }
  }
}
