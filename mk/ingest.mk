# Ingestion extras (generate, serve-source and ingest are in the Makefile).
#   make drop                  # copy file drops under landing/<source>/ into bronze (each drop once)
#   make drop EXPORT=csv       # first export the generated data as CSV files into landing/
.PHONY: drop
EXPORT ?=

drop: $(STAMP) ## Copy file drops (landing/<source>/*.csv|*.jsonl) into bronze; EXPORT=csv|json exports first
	$(LAKE) drop --env $(ENV) $(if $(EXPORT),--export $(EXPORT),)
