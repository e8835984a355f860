# Jozi Pizza Co. medallion lake. `make demo` and `make test` are all a newcomer needs.
# Every target sets up .venv itself. ENV=local (default) needs no AWS account; ENV=dev|prod uses AWS.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?= local
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAKE := $(BIN)/lake
STAMP := $(VENV)/.installed-stamp

# Demo/generator knobs, passed only when set (make demo DAYS=30 ORDERS_PER_DAY=200 SEED=7 START=2026-06-01);
# the defaults are the generator's own (lake demo --help shows them).
DEMO_ARGS = $(if $(DAYS),--days $(DAYS)) $(if $(ORDERS_PER_DAY),--orders-per-day $(ORDERS_PER_DAY)) \
            $(if $(SEED),--seed $(SEED)) $(if $(START),--start $(START))

export PYTHON

.PHONY: help venv demo test test-python lint fmt-py generate serve-source ingest run-job run-jobs crawl \
        run-pipeline query tables status check-contracts clean-lake clean java-check

help: ## Show the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@scripts/bootstrap.sh

venv: $(STAMP) ## Create .venv and install the project (done automatically by other targets)

java-check:
	@scripts/check-java.sh

demo: $(STAMP) java-check ## Generate $(DAYS) days of store data, run the whole local pipeline, print the answers
	$(LAKE) demo $(DEMO_ARGS)

test: $(STAMP) java-check lint tf-check validators ## Run every check: ruff, mypy, terraform fmt/test, checkov, validators, pytest
	@LAKE_REQUIRE_VALIDATORS=1 scripts/run-pytest.sh

test-python: $(STAMP) java-check ## Only the Python tests
	@scripts/run-pytest.sh

lint: $(STAMP) ## ruff over the Python code, mypy over the package
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt-py: $(STAMP) ## Format the Python code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

generate: $(STAMP) ## Generate the store's operational data for the local fixture API
	$(LAKE) generate $(DEMO_ARGS)

serve-source: $(STAMP) ## Serve the generated data on 127.0.0.1 as the store's API (Ctrl-C stops)
	$(LAKE) serve-source

ingest: $(STAMP) ## Pull the source API into bronze (local: starts the local API itself)
	$(LAKE) ingest --env $(ENV)

run-job: $(STAMP) java-check ## Run one job: make run-job JOB=bronze_to_silver
	$(LAKE) run-job $(JOB) --env $(ENV)

run-jobs: $(STAMP) java-check ## bronze -> silver -> gold in one local Spark session, with the run report
	$(LAKE) run-job all --env $(ENV)

crawl: $(STAMP) ## Crawl the lake into the catalog (LAYER=bronze|silver|gold, default all)
	$(LAKE) crawl --env $(ENV) $(if $(LAYER),--layer $(LAYER),)

run-pipeline: $(STAMP) ## ingest -> crawl -> silver -> crawl -> gold -> crawl -> quality summary
	$(LAKE) run-pipeline --env $(ENV)

query: $(STAMP) ## Run SQL or a named query: make query Q=late_share_by_hour_weekday (or SQL='select ...')
	$(LAKE) query --env $(ENV) $(if $(Q),"$(Q)",) $(if $(SQL),--sql "$(SQL)",)

tables: $(STAMP) ## List the catalogued tables
	$(LAKE) tables --env $(ENV)

status: $(STAMP) ## Last runs, row counts and quality results
	$(LAKE) status --env $(ENV)

check-contracts: $(STAMP) java-check ## Analyse every contract and gold model with Spark over empty tables (no lake)
	$(LAKE) contract check

clean-lake: ## Delete the local lake (generated source data, bronze/silver/gold, catalog)
	rm -rf lake

clean: clean-lake ## Also remove the virtualenvs and caches
	rm -rf $(VENV) .venv-tools .tools .pytest_cache .ruff_cache .mypy_cache build dist benchmarks/work
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

-include mk/*.mk
