# Realistic values for computed attributes: mocked strings are otherwise random and fail ARN checks.
mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "af-south-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_resource "aws_athena_workgroup" {
  defaults = {
    arn = "arn:aws:athena:af-south-1:123456789012:workgroup/jozi-pizza-dev"
  }
}
