#!/usr/bin/env bash
# Each stack's VMID lock file against the base branch's: entries there never
# change and disappear only through --prune, and a merge that gave two machines
# one VMID is caught with the command that repairs it. Needs the base commit in
# the clone (fetch-depth 0). Run on the merge of the request into its base, so
# CI judges the lock file main will have (see docs/lab.md, "Merging").
# Usage: scripts/ci/vmids-base.sh BASE_SHA
set -euo pipefail
cd "$(dirname "$0")/../.."

base_sha=${1:?usage: scripts/ci/vmids-base.sh BASE_SHA}
stacks=${STACKS:-staging prod}
python=${PYTHON:-venv/bin/python}

status=0
for stack in $stacks; do
  echo "== $stack"
  "$python" -m config.vmids --stack "$stack" --check --base "$base_sha" || status=1
done
exit "$status"
