# One entry point for people and CI. `make test` installs everything it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
STACK ?= staging

.PHONY: install install-system plan test lint typecheck unit validate ansible-check clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) install-system ## Create the virtualenv and install the pinned packages

# cloud-init is not on PyPI: the user-data schema check uses Debian's package.
install-system: ## Debian packages the validators need (idempotent)
	command -v cloud-init >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends cloud-init; }

plan: install ## Offline plan of STACK (default staging)
	$(PY) -m stacks.plan --stack $(STACK)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install ## pyright strict against the pinned provider SDKs
	$(VENV)/bin/pyright

unit: install ## pytest under Pulumi mocks
	$(PY) -m pytest

# ansible-lint finds ansible-playbook on PATH; the venv may be a symlink, so use its real path.
ansible-check: install ## ansible-lint (production profile, offline) and a syntax check of every playbook
	cd ansible && PATH="$$(realpath ../$(VENV))/bin:$$PATH" ../$(VENV)/bin/ansible-lint --offline --profile production
	cd ansible && for playbook in *.yml; do \
	  ../$(VENV)/bin/ansible-playbook --syntax-check -i localhost, "$$playbook"; done

validate: install ## offline plan of every committed stack
	for stack in staging prod; do $(PY) -m stacks.plan --stack $$stack > /dev/null; done

test: lint typecheck unit ansible-check validate ## Every check CI runs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
