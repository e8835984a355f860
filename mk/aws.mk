# Operating a deployed environment (ENV=dev|prod): needs AWS credentials and an applied environment.
# The other verbs (ingest, run-job, crawl, query, run-pipeline, status, tables) take ENV in the Makefile.
.PHONY: upload-glue views

upload-glue: $(STAMP) ## Publish the Glue code (package + entry scripts) for ENV=dev|prod and point the jobs at it
	@if [ "$(ENV)" != "dev" ] && [ "$(ENV)" != "prod" ]; then \
	  echo "error: upload-glue needs ENV=dev or ENV=prod (got ENV=$(ENV); local runs need no upload)" >&2; exit 2; fi
	$(LAKE) upload-scripts --env $(ENV)

views: $(STAMP) ## Create or replace the sql/views views in ENV=dev|prod's Athena gold database
	$(LAKE) create-views --env $(ENV)
