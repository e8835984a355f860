# Operating a deployed environment (ENV=dev|prod): needs AWS credentials and an applied environment.
# The other verbs (ingest, run-job, crawl, query, run-pipeline, status, tables) take ENV in the Makefile.
# The Glue code is deployed by `make apply` (Terraform uploads build/glue/ under a content-hash key).
.PHONY: views

views: $(STAMP) ## Create or replace the sql/views views in ENV=dev|prod's Athena gold database
	$(LAKE) create-views --env $(ENV)

.PHONY: smoke
smoke: $(STAMP) ## Check a deployed ENV=dev|prod with your credentials: 404 reads per role, a run, an alert, Athena
	@$(MAKE) --no-print-directory tf-env-check ENV=$(ENV)
	$(BIN)/python -m jozi_lake.tooling.smoke --env $(ENV)
