provider "aws" {
  region = module.lake.region

  # Tag everything (moto and Athena's ListTagsForResource also need tags on workgroups).
  default_tags {
    tags = module.lake.tags
  }
}
