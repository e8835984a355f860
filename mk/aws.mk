# Operating a deployed environment (ENV=dev|prod): needs AWS credentials and an applied environment.
# The other verbs (ingest, run-job, crawl, query, run-pipeline, status, tables) take ENV in the Makefile.
# The Glue code is deployed by `make apply` (Terraform uploads build/glue/ under a content-hash key).
.PHONY: views

views: $(STAMP) ## Create or replace the sql/views views in ENV=dev|prod's Athena gold database
	$(LAKE) create-views --env $(ENV)
