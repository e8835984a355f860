# environments/dev wires modules/lake for dev; the composition itself is tested in modules/lake/tests.

mock_provider "aws" {
  # modules/tests-mocks plus this environment's ARNs (environments/arns.tfmock.hcl.tmpl), written there by
  # `make tf-test` / `make tf-render` (jozi_lake.tooling.rendered) before it runs this file. That folder is
  # generated, so this file lives in render/, not tests/: a plain `terraform init` or `validate` reads
  # tests/ and would fail on a clean clone where build/ does not exist yet.
  source = "../../build/tf-mocks/dev"
}

variables {
  # The committed fixture stands in for build/lambda/ingest.zip, so tests need no build step.
  ingest_package_path = "../../modules/ingest-lambda/tests/fixtures/ingest.zip"
  glue_code_dir       = "../../modules/glue/tests/fixtures/code"
}

run "dev_is_the_lake_with_its_lake_yaml_block" {
  # An apply (offline under the mocks): its final state is what jozi_lake.tooling.rendered writes to
  # build/rendered/dev/ for the offline checks (tests/terraform/test_rendered_*.py).
  command = apply

  assert {
    condition = alltrue([
      output.environment == "dev",
      output.bucket == "jozi-pizza-dev-lake",
      output.job_names == { bronze_to_silver = "jozi-pizza-dev-bronze_to_silver", silver_to_gold = "jozi-pizza-dev-silver_to_gold" },
      output.glue_settings.execution_class == "FLEX",
      !module.lake.protected,
    ])
    error_message = "environments/dev must call modules/lake as dev, unprotected, and pass its outputs through"
  }
}
