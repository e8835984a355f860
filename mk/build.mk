# The code bundles Terraform deploys (jozi_lake.tooling.bundle): deterministic, so an unchanged tree
# builds the same bytes and `make apply` changes nothing.
#   make build          # both
#   make build-glue     # build/glue/jozi_lake.zip + build/glue/glue_scripts/<job>.py
#   make build-lambda   # build/lambda/ingest.zip
.PHONY: build build-glue build-lambda

build: build-glue build-lambda ## Build the Glue bundle and the Lambda zip into build/ (what Terraform deploys)

build-glue: $(STAMP) ## Build build/glue/ (the jobs' code, with lake.yaml and the contracts)
	$(BIN)/python -m jozi_lake.tooling.bundle glue

build-lambda: $(STAMP) ## Build build/lambda/ingest.zip (the lake Lambda, with lake.yaml as JSON)
	$(BIN)/python -m jozi_lake.tooling.bundle lambda
