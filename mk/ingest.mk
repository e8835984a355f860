# Ingestion extras (generate, serve-source and ingest are in the Makefile).
#   make drop                  # copy file drops under landing/<source>/ into bronze (each drop once)
#   make drop EXPORT=csv       # first export the generated data as CSV files into landing/
#   make build-lambda          # build/lambda/ingest.zip for Terraform (deterministic: same code, same hash)
.PHONY: drop build-lambda
EXPORT ?=

drop: $(STAMP) ## Copy file drops (landing/<source>/*.csv|*.jsonl) into bronze; EXPORT=csv|json exports first
	$(LAKE) drop --env $(ENV) $(if $(EXPORT),--export $(EXPORT),)

build-lambda: $(STAMP) ## Build the ingest Lambda zip at build/lambda/ingest.zip
	$(BIN)/python scripts/build_lambda.py
