# One entry point for people and CI. `make test` installs everything it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
STACK ?= staging

.PHONY: install plan test lint typecheck unit validate manifests clean

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

MANIFESTS := build/manifests
manifests: install ## Kubernetes manifests the program writes: built-in kinds, then custom resources
	rm -rf $(MANIFESTS)
	$(PY) -m tests.stacks.render_manifests $(MANIFESTS) > /dev/null
	$(VENV)/bin/kubernetes-validate --quiet --strict \
	  -k "$$($(PY) -c 'from tests.stacks.render_manifests import KUBERNETES_VERSION as v; print(v)')" \
	  $(MANIFESTS)/*/core/*.yaml
	$(VENV)/bin/check-jsonschema --schemafile tests/schemas/clusterissuer.cert-manager.io-v1.json \
	  $(MANIFESTS)/*/crd/ClusterIssuer/*.yaml
	$(VENV)/bin/check-jsonschema --schemafile tests/schemas/schedule.velero.io-v1.json \
	  $(MANIFESTS)/*/crd/Schedule/*.yaml

test: lint typecheck unit validate manifests ## Every check CI runs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
