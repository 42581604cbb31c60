# One entry point for people and CI. `make test` installs everything it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
STACK ?= staging

.PHONY: install plan test lint typecheck unit validate validate-fleet bench clean

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

validate: install ## offline plan of every committed stack
	for stack in staging prod; do $(PY) -m stacks.plan --stack $$stack > /dev/null; done

validate-fleet: install ## hook scripts (shellcheck), project playbooks (ansible-lint), VMID lock files
	$(VENV)/bin/shellcheck components/proxmox/scripts/*.sh
	cd ansible/playbooks/projects && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ansible-lint --offline --profile production *.yml
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ANSIBLE_LOCALHOST_WARNING=false ansible-playbook --syntax-check -i localhost, ansible/playbooks/projects/*.yml > /dev/null
	for stack in staging prod; do $(PY) -m config.vmids --stack $$stack --check; done

bench: install ## prod's offline plan with a 600-student roster vs the bare SDK (ratio, target <= 1.3)
	$(PY) -m benchmarks.fleet --students 600 --runs 3

test: lint typecheck unit validate validate-fleet ## Every check CI runs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
