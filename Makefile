# nashra: `make run` starts the local stack, `make test` runs every check CI runs and
# `make check` is the inner loop (lint, types, import contracts, doctests, unit tests).
# All create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | sha256sum | cut -c1-12)
# `make run` needs the package and the local stack only; `make test` adds the dev tools.
RUN_STAMP := $(VENV)/.run-$(HASH)
STAMP := $(VENV)/.test-$(HASH)

.PHONY: run test check lint typecheck doctest unit build bench clean system-deps

# uv (from PyPI) installs in seconds what pip takes minutes for; it lives in its own venv.
UV := .venv-uv/bin/uv
$(UV):
	$(PYTHON) -m venv .venv-uv
	.venv-uv/bin/pip install -q uv==0.13.9

$(VENV)/bin/python: | $(UV)
	$(UV) venv -q --python $(PYTHON) $(VENV)

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(UV) pip install -q --python $(BIN)/python -e '.[local]'
	rm -f $(VENV)/.run-*
	touch $@

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(UV) pip install -q --python $(BIN)/python -e '.[dev]'
	rm -f $(VENV)/.test-* $(VENV)/.run-*
	touch $@ $(RUN_STAMP)

# Template and packaging tools (sam, checkov) for tests/infra. Their pins clash with the
# app's and with each other, so each gets its own venv under .venv-tools/ and its command
# is linked into .venv-tools/bin/ (see infra/requirements-tools.txt).
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed-$(shell cat infra/requirements-tools.txt | sha256sum | cut -c1-12)

.PHONY: tools
tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): infra/requirements-tools.txt | $(UV)
	rm -rf $(TOOLS)
	for tool in aws-sam-cli checkov; do \
	  $(UV) venv -q --python $(PYTHON) $(TOOLS)/$$tool || exit 1; \
	  $(UV) pip install -q --python $(TOOLS)/$$tool/bin/python \
	    "$$(grep "^$$tool==" infra/requirements-tools.txt)" || exit 1; \
	done
	mkdir -p $(TOOLS)/bin
	ln -sf ../aws-sam-cli/bin/sam $(TOOLS)/bin/sam
	ln -sf ../checkov/bin/checkov $(TOOLS)/bin/checkov
	touch $@

# npm feed parsers read the built feeds in tests/contract/test_npm_parsers.py (needs
# Node.js 20+). The stamp lives in node_modules, which `npm ci` recreates from the lock.
NPM_DIR := tests/contract/npm
NPM_STAMP := $(NPM_DIR)/node_modules/.installed-$(shell cat $(NPM_DIR)/package-lock.json | sha256sum | cut -c1-12)

.PHONY: npm-deps
npm-deps: $(NPM_STAMP)

$(NPM_STAMP): $(NPM_DIR)/package-lock.json
	npm ci --prefix $(NPM_DIR) --no-audit --no-fund
	touch $@

# newsboat reads the built feeds in the tests, and headless chromium opens them and the
# feed pages (tests/browser); both Debian packages.
system-deps:
	@{ command -v newsboat && command -v chromium; } >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq newsboat chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq newsboat chromium; fi; }

run: $(RUN_STAMP)
	$(BIN)/nashra dev content

lint: $(STAMP)
	$(BIN)/ruff check functions tests bench
	$(BIN)/ruff format --check functions tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Every `>>>` example under functions/ runs: the examples in the docstrings are tests too.
doctest: $(STAMP)
	$(BIN)/pytest -q --doctest-modules functions

# The corpus (every hostile file through validate and build) runs in `make test`.
unit: $(STAMP)
	$(BIN)/pytest -q tests/unit -m "not corpus"

# The inner loop: no AWS, no tools, no network; seconds, not minutes (`make -j3 check`
# runs its steps side by side).
check: lint typecheck doctest unit

# Two workers (pytest-xdist), each test module on one worker: a module's fixtures (the
# local stack, the built site, Chromium's screenshots) are set up once and never shared.
test: $(STAMP) tools system-deps npm-deps lint typecheck doctest
	$(BIN)/pytest -q -n 2 --dist loadscope

build: $(RUN_STAMP)
	$(BIN)/nashra build content --out public

bench: $(STAMP)
	$(BIN)/python bench/build.py
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/scheduled.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/worst_case.py
	$(BIN)/python bench/vs_hugo.py
	$(BIN)/python bench/incremental.py
	$(BIN)/python bench/edge.py
	$(BIN)/python bench/critical_path.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/archive.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) $(TOOLS) .venv-uv public .pytest_cache .mypy_cache .ruff_cache .aws-sam
