# Thin aliases: everything else lives in pyproject.toml and the agent's CLI.
# `make retry-dispute` and `make test` set everything up on their own (venv, packages, a browser).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.browser

# Variables passed through to `retry-dispute run` (see README).
SITE ?=
SESSION ?=
ORDER ?=
PROFILE ?=
ARGS ?=

RUN_FLAGS := $(if $(SITE),--site $(SITE)) $(if $(SESSION),--storage-state $(SESSION)) \
             $(if $(ORDER),--order $(ORDER)) $(if $(PROFILE),--profile $(PROFILE))

.PHONY: setup browser test unit scenarios retry-dispute mock-site bench lint clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -e . --group test --group lint
	@touch $(STAMP)

$(BROWSER_STAMP): $(STAMP) agent/browser.py
	$(PY) -m agent browser --install
	@touch $(BROWSER_STAMP)

setup: $(STAMP) $(BROWSER_STAMP)

browser: $(STAMP)
	$(PY) -m agent browser --install

test: setup
	$(PY) -m pytest -q
	$(PY) -m agent scenario scenarios/*.toml

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

scenarios: setup
	$(PY) -m agent scenario scenarios/*.toml

retry-dispute: setup
	$(PY) -m agent run $(RUN_FLAGS) $(ARGS)

mock-site: setup
	$(PY) -m agent mock-site $(if $(PORT),--port $(PORT)) $(if $(FAULTS),--faults $(FAULTS))

bench: setup
	$(PY) tests/bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check agent mock_site tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) runs test-results
