# Operating a deployed environment (ENV=dev|prod). Needs AWS credentials and an applied environment.
.PHONY: upload-glue

upload-glue: $(STAMP) ## Publish the Glue package + entry scripts to ENV's lake and point the jobs at them
	@if [ "$(ENV)" = "local" ]; then echo "upload-glue needs ENV=dev or ENV=prod"; exit 2; fi
	$(LAKE) upload-scripts --env $(ENV)
