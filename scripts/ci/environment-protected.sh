#!/usr/bin/env bash
# Refuse to go on unless the GitHub environment this job deploys to is protected, as
# read from the API at run time: an environment nobody configured is created
# unprotected on first use, and required reviewers only exist where the plan offers
# them, so the workflow file alone proves nothing.
# Usage: scripts/ci/environment-protected.sh ENVIRONMENT [--reviewers]
#   always: a deployment branch policy (protected branches or listed branches);
#   --reviewers: also required reviewers, at least one, with self-review prevented.
# Needs GH_TOKEN (the job's token with `actions: read`) and GITHUB_REPOSITORY.
set -euo pipefail
environment=${1:?usage: environment-protected.sh ENVIRONMENT [--reviewers]}
reviewers=${2:-}
: "${GH_TOKEN:?GH_TOKEN is required (permissions: actions: read)}" "${GITHUB_REPOSITORY:?}"
api=${GITHUB_API_URL:-https://api.github.com}

body=$(mktemp)
trap 'rm -f "$body"' EXIT
status=$(curl -sS -o "$body" -w '%{http_code}' \
  -H "Authorization: Bearer $GH_TOKEN" \
  -H "Accept: application/vnd.github+json" \
  -H "X-GitHub-Api-Version: 2022-11-28" \
  "$api/repos/$GITHUB_REPOSITORY/environments/$environment")
if [[ "$status" != 200 ]]; then
  echo "error: cannot read environment '$environment' of $GITHUB_REPOSITORY (HTTP $status); create it" \
    "under Settings > Environments with its protection rules before deploying" >&2
  exit 1
fi

python3 - "$environment" "$reviewers" "$body" << 'PY'
import json
import sys

name, mode, path = sys.argv[1], sys.argv[2], sys.argv[3]
env = json.load(open(path))
problems = []
policy = env.get("deployment_branch_policy")
if not policy or not (policy.get("protected_branches") or policy.get("custom_branch_policies")):
    problems.append("no deployment branch policy: any branch could deploy to it")
if mode == "--reviewers":
    rules = [r for r in env.get("protection_rules") or [] if r.get("type") == "required_reviewers"]
    if not rules or not any(r.get("reviewers") for r in rules):
        problems.append("no required reviewers: the job would deploy without an approval")
    elif not all(r.get("prevent_self_review") for r in rules):
        problems.append("self-review allowed: whoever pushed could approve their own deployment")
if problems:
    for problem in problems:
        print(f"error: environment '{name}' is not protected: {problem}", file=sys.stderr)
    sys.exit(1)
print(f"environment '{name}' is protected")
PY
