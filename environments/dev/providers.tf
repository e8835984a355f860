provider "aws" {
  region = local.region

  # Tag everything (moto and Athena's ListTagsForResource also need tags on workgroups).
  default_tags {
    tags = local.tags
  }
}
