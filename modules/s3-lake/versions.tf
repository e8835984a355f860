terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.70.0 added transition_default_minimum_object_size to aws_s3_bucket_lifecycle_configuration;
      # the repository-wide floor (5.67) would accept providers that reject this module.
      version = ">= 5.70, < 6.0"
    }
  }
}
