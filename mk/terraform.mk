# Terraform targets: deploy an environment (init/plan/apply/destroy ENV=dev|prod) and check every
# module and environment offline (fmt, validate, terraform test with mocked providers, checkov).
# Modules and environments are found by globbing, so new ones are covered without editing this file.

TF ?= terraform
# A TF_CLI_CONFIG_FILE that points at a missing file makes every terraform call print a warning block;
# such a setting configures nothing, so drop it for the commands run from here.
ifneq ($(TF_CLI_CONFIG_FILE),)
ifeq ($(wildcard $(TF_CLI_CONFIG_FILE)),)
unexport TF_CLI_CONFIG_FILE
endif
endif
TF_PLUGIN_DIR ?= /opt/tf-plugins
CHECKOV_VERSION ?= 3.3.30
TOOLS_VENV := .venv-tools
CHECKOV := $(TOOLS_VENV)/bin/checkov
CHECKOV_STAMP := $(TOOLS_VENV)/.checkov-$(CHECKOV_VERSION)

TF_MODULE_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard modules/*/*.tf))))
TF_ENV_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard environments/*/*.tf))))
TF_ROOTS := $(TF_MODULE_DIRS) $(TF_ENV_DIRS)
TF_ENV_DIR := environments/$(ENV)

# Offline machines carry the AWS provider in a filesystem mirror; elsewhere use the registry with a
# shared plugin cache so each of the many `init`s does not download the provider again.
ifneq ($(wildcard $(TF_PLUGIN_DIR)/registry.terraform.io/hashicorp/aws),)
TF_INIT_SOURCE := -plugin-dir=$(abspath $(TF_PLUGIN_DIR))
else
TF_INIT_SOURCE :=
export TF_PLUGIN_CACHE_DIR ?= $(HOME)/.terraform.d/plugin-cache
endif

# Offline init (no backend), skipped when nothing in the directory changed since the last one: provider
# start-up dominates these checks, and `make validate` + tf-test would otherwise init every directory twice.
TF_INIT_OFFLINE = if [ ! -f $(1)/.terraform/.offline-init ] || [ -n "$$(find -L $(1) -maxdepth 1 -name '*.tf' -newer $(1)/.terraform/.offline-init)" ]; then \
	  $(TF) -chdir=$(1) init -backend=false -input=false -no-color $(TF_INIT_SOURCE) >/dev/null && touch $(1)/.terraform/.offline-init; fi

.PHONY: init plan apply destroy fmt fmt-check validate tf-test tf-render security tf-check tf-env-check aws-credentials-check tf-docs

tf-env-check:
	@if [ "$(ENV)" != "dev" ] && [ "$(ENV)" != "prod" ]; then \
	  echo "error: Terraform needs ENV=dev or ENV=prod (got ENV=$(ENV); the local lake needs no Terraform)" >&2; exit 2; fi
	@if [ ! -d "$(TF_ENV_DIR)" ] || [ -z "$$(ls $(TF_ENV_DIR)/*.tf 2>/dev/null)" ]; then \
	  echo "error: $(TF_ENV_DIR) holds no Terraform configuration" >&2; exit 2; fi
	@mkdir -p $${TF_PLUGIN_CACHE_DIR:-/tmp}

# boto3 resolves the same credential chain the AWS provider uses (env vars, profiles, SSO, instance
# roles): failing here gives one clear line instead of a screen of provider errors.
aws-credentials-check: $(STAMP)
	@$(BIN)/python -c "import sys, boto3; \
	s = boto3.Session(); \
	sys.exit(0) if s.get_credentials() else sys.exit('error: no AWS credentials found (checked AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE=' + str(s.profile_name) + ', ~/.aws/credentials, ~/.aws/config/SSO, instance/container roles). Run \"aws configure\" or \"aws sso login\", or export AWS_PROFILE, then retry.')"

init: tf-env-check aws-credentials-check ## terraform init in environments/$(ENV) (ENV=dev|prod, with the remote state backend)
	$(TF) -chdir=$(TF_ENV_DIR) init -input=false $(TF_INIT_SOURCE)

# The environments deploy build/lambda/ingest.zip and upload build/glue/ (`make build`, mk/build.mk);
# rebuilding is cheap and deterministic (same sources, same bytes), so Terraform changes the function and
# the Glue code (a new content-hash key, the jobs moved to it) only when the code really changed.
plan: init build ## terraform plan for ENV=dev|prod (needs AWS credentials; builds the Lambda zip and the Glue bundle)
	$(TF) -chdir=$(TF_ENV_DIR) plan -input=false -out=plan.tfplan

apply: init ## Apply the saved plan of ENV=dev|prod (run `make plan` first)
	@if [ ! -f "$(TF_ENV_DIR)/plan.tfplan" ]; then echo "error: no saved plan in $(TF_ENV_DIR); run 'make plan ENV=$(ENV)' first" >&2; exit 2; fi
	$(TF) -chdir=$(TF_ENV_DIR) apply -input=false plan.tfplan
	@rm -f $(TF_ENV_DIR)/plan.tfplan

# Destroy evaluates the same configuration, which reads the built files (their hashes name the code keys).
destroy: init build ## Destroy everything in ENV=dev|prod (asks for confirmation)
	$(TF) -chdir=$(TF_ENV_DIR) destroy

fmt: ## terraform fmt over modules/ and environments/
	$(TF) fmt -recursive modules
	$(TF) fmt -recursive environments

# Module READMEs: the Inputs/Outputs tables are rendered from variables.tf/outputs.tf (checked by pytest,
# tests/terraform/test_tf_docs.py).
tf-docs: $(STAMP) ## Render every module README's Inputs/Outputs tables from its variables.tf and outputs.tf
	$(BIN)/python scripts/render_tf_docs.py

fmt-check:
	@$(TF) fmt -check -recursive -diff modules || { echo "error: run 'make fmt'" >&2; exit 1; }
	@$(TF) fmt -check -recursive -diff environments || { echo "error: run 'make fmt'" >&2; exit 1; }

validate: ## init -backend=false + validate every module and environment (offline)
	@set -e; for dir in $(TF_ROOTS); do \
	  echo "validate $$dir"; \
	  $(call TF_INIT_OFFLINE,$$dir); \
	  $(TF) -chdir=$$dir validate -no-color >/dev/null || { $(TF) -chdir=$$dir validate; exit 1; }; \
	done

# An environment's tests apply it against the mocked provider; their final state is written to
# build/rendered/<env>/ on the way (jozi_lake.tooling.rendered), so the offline checks in pytest
# (tests/terraform/test_rendered_*.py, the validators) read it instead of running terraform again.
# The roots are tested side by side, TF_JOBS at a time (default: one per core): each root's run is
# mostly the AWS provider starting and loading its schema, and the roots share nothing (measured on
# 2 cores: 102 s one at a time, 75 s two at a time). --output-sync keeps each root's lines together.
TF_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
TF_TEST_ROOTS := $(addprefix tf-test/,$(TF_ROOTS))
.PHONY: $(TF_TEST_ROOTS)

tf-test: $(STAMP) ## terraform test (mocked AWS provider, no credentials) in every module and environment; renders the environments
	@$(MAKE) --no-print-directory -j$(TF_JOBS) --output-sync=target $(TF_TEST_ROOTS)

$(TF_TEST_ROOTS): tf-test/%:
	@dir=$*; \
	  if [ -z "$$(ls $$dir/tests/*.tftest.hcl $$dir/render/*.tftest.hcl $$dir/*.tftest.hcl 2>/dev/null)" ]; then \
	    echo "error: $$dir has no terraform tests" >&2; exit 1; fi; \
	  $(call TF_INIT_OFFLINE,$$dir); \
	  case $$dir in \
	    environments/*) $(BIN)/python -m jozi_lake.tooling.rendered $${dir#environments/} ;; \
	    *) $(TF) -chdir=$$dir test -no-color > $$dir/.terraform/test.log 2>&1 || { cat $$dir/.terraform/test.log; echo "error: terraform test failed in $$dir" >&2; exit 1; }; \
	       echo "terraform test $$dir: $$(tail -n 1 $$dir/.terraform/test.log)" ;; \
	  esac

tf-render: $(STAMP) ## Render every environment offline (mocked apply) into build/rendered/<env>/, unless current
	$(BIN)/python -m jozi_lake.tooling.rendered --if-stale

$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

security: $(CHECKOV_STAMP) ## checkov over modules/ and environments/ (zero failed checks; skips are inline with reasons)
	@out=$$($(CHECKOV) --config-file .checkov.yaml --directory modules --directory environments) || { echo "$$out"; exit 1; }; \
	  echo "$$out"; \
	  if echo "$$out" | grep -q "Parsing errors: [1-9]"; then \
	    echo "error: checkov could not parse a file, so its checks did not run (LOG_LEVEL=DEBUG shows which)" >&2; exit 1; fi

# No separate `validate` here: terraform test validates the whole configuration before its first run
# (checked: an unsupported argument in a count = 0 resource fails the suite), and every root has
# tests (tf-test fails a root without them), so `make validate` stays as a quick standalone check.
tf-check: fmt-check tf-test security ## Everything Terraform, offline: fmt, tests (which validate), checkov
