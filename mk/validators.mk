# Tools of the offline checks that are not Python packages of the project: asl-validator (npm) for the
# rendered state machine definition. tools/node/package.json pins it and package-lock.json pins what it
# pulls in; `npm ci` installs exactly that into .tools/node (project-local, never global), again only when
# the lock file changes. parliament (the identity-policy linter) is a Python library pinned in the dev
# extra, so .venv has it. tests/terraform/test_rendered_validators.py runs both; `make test` sets
# LAKE_REQUIRE_VALIDATORS=1 so a missing tool fails the run instead of skipping the checks.

NODE_TOOLS := .tools/node
ASL_VALIDATOR := $(NODE_TOOLS)/node_modules/.bin/asl-validator
NODE_TOOLS_STAMP := $(NODE_TOOLS)/.installed-stamp

$(NODE_TOOLS_STAMP): tools/node/package.json tools/node/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for asl-validator (apt-get install npm, or Node.js >= 18)" >&2; exit 1; }
	@mkdir -p $(NODE_TOOLS)
	cp tools/node/package.json tools/node/package-lock.json $(NODE_TOOLS)/
	npm ci --prefix $(NODE_TOOLS) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: validators
validators: $(STAMP) $(NODE_TOOLS_STAMP) ## Install the offline validators (asl-validator into .tools/node; parliament is in .venv)
