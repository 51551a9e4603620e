# Thin aliases: everything else lives in pyproject.toml and the agent's CLI.
# `make retry-dispute` and `make test` set everything up on their own (venv, packages, a browser).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# What is installed, one stamp each: the tool (every target), the test tools (make test, make
# unit), the lint tools (make lint), a browser. The demo installs neither test nor lint tools.
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LINT_STAMP := $(VENV)/.installed-lint
BROWSER_STAMP := $(VENV)/.browser

# pytest workers (pytest-xdist: auto = one per core) and scenarios run at once.
TEST_WORKERS ?= auto
SCENARIO_JOBS ?= 3

# Variables passed through to `retry-dispute run` (see README).
SITE ?=
SESSION ?=
ORDER ?=
PROFILE ?=
ARGS ?=

RUN_FLAGS := $(if $(SITE),--site $(SITE)) $(if $(SESSION),--storage-state $(SESSION)) \
             $(if $(ORDER),--order $(ORDER)) $(if $(PROFILE),--profile $(PROFILE))

.DEFAULT_GOAL := help

.PHONY: help setup browser test unit mutants scenarios retry-dispute mock-site bench lint clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables for retry-dispute: SITE, SESSION, ORDER, PROFILE, ARGS (see README)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install -q --group test
	@touch $(TEST_STAMP)

$(LINT_STAMP): $(STAMP)
	$(PY) -m pip install -q --group lint
	@touch $(LINT_STAMP)

$(BROWSER_STAMP): $(STAMP) agent/browser.py agent/fonts.py
	$(PY) -m agent browser --install
	@touch $(BROWSER_STAMP)

setup: $(STAMP) $(BROWSER_STAMP) ## the virtual environment, the packages and a browser

browser: $(STAMP) ## install a browser when none is found
	$(PY) -m agent browser --install

# `make test` runs pytest on every core (pytest-xdist, one browser per worker) while the scenario
# catalogue runs beside it (its lanes mostly wait out backoffs and chat timers); the catalogue's
# output is shown once pytest is done. Either one failing fails `make test`.
test: setup $(TEST_STAMP) ## the tests and the scenario catalogue, side by side
	@mkdir -p runs
	@$(PY) -m agent scenario --jobs $(SCENARIO_JOBS) scenarios/*.toml >runs/scenarios.log 2>&1 & \
	  catalogue=$$!; \
	  $(PY) -m pytest -q -n $(TEST_WORKERS); tests=$$?; \
	  kill -0 $$catalogue 2>/dev/null && echo "waiting for the scenario catalogue (runs/scenarios.log)"; \
	  wait $$catalogue; scenarios=$$?; \
	  echo; echo "scenario catalogue (runs/scenarios.log):"; cat runs/scenarios.log; \
	  test $$tests -eq 0 || echo "make test: pytest failed (exit $$tests)" >&2; \
	  test $$scenarios -eq 0 || echo "make test: the scenario catalogue failed (exit $$scenarios)" >&2; \
	  test $$tests -eq 0 && test $$scenarios -eq 0

unit: $(TEST_STAMP) ## the unit tests only (no browser)
	$(PY) -m pytest -q -n $(TEST_WORKERS) tests/unit

mutants: $(TEST_STAMP) ## each guard of "never a duplicate", broken on purpose, must fail a unit test
	$(PY) tests/mutants.py

scenarios: setup ## the scenario catalogue against the bundled storefront
	$(PY) -m agent scenario --jobs $(SCENARIO_JOBS) scenarios/*.toml

# A run that ends without a dispute (not eligible, gave up, ...) exits non-zero for scripts and
# CI; make then adds its own "Error N" line. The line before it says what the code means.
retry-dispute: setup ## the demo, or a real run with SITE=, SESSION=, ORDER=, ARGS=
	@$(PY) -m agent run $(RUN_FLAGS) $(ARGS) || { code=$$?; \
	  $(PY) -c "import sys; from agent.outcome import describe_exit_code as d; print('make: retry-dispute ended with ' + d(int(sys.argv[1])) + '; this is the outcome, not a crash', file=sys.stderr)" $$code; \
	  exit $$code; }

mock-site: setup ## serve the bundled storefront on 127.0.0.1 (PORT=, FAULTS=, SKIN=aliexpress)
	$(PY) -m agent mock-site $(if $(PORT),--port $(PORT)) $(if $(FAULTS),--faults $(FAULTS)) \
	  $(if $(SKIN),--skin $(SKIN))

bench: setup ## the benchmarks (ARGS=--quick for a smoke run)
	$(PY) tests/bench/run.py $(ARGS)

lint: $(LINT_STAMP) ## ruff (lint and format) and mypy
	$(VENV)/bin/ruff check agent mock_site tests
	$(VENV)/bin/ruff format --check agent mock_site tests
	$(VENV)/bin/mypy

clean: ## remove the virtual environment and the run folders
	rm -rf $(VENV) runs test-results
