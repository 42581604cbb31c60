# One entry point for people and CI. `make test` installs everything it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
STACK ?= staging

.PHONY: install plan test lint typecheck unit validate cost clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) ## Create the virtualenv and install the pinned packages

plan: install ## Offline plan of STACK (default staging)
	$(PY) -m stacks.plan --stack $(STACK)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install ## pyright strict against the pinned provider SDKs
	$(VENV)/bin/pyright

unit: install ## pytest under Pulumi mocks
	$(PY) -m pytest

validate: install ## offline plan of every committed stack, with its cost estimate and budget policy
	for stack in staging prod; do $(PY) -m stacks.plan --stack $$stack --cost > /dev/null; done

test: lint typecheck unit validate ## Every check CI runs

cost: install ## Markdown table of every committed stack's monthly estimate (README "Cost")
	$(PY) -m cost.summary

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
