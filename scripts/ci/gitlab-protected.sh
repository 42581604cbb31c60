#!/usr/bin/env bash
# The GitLab prod job's own check, at run time, of what its rules promise: it runs for a
# protected ref, in the environment and tier it deploys to. GitLab hands protected
# variables (prod's role ARN) only to protected refs; this makes a misconfigured
# project fail loudly instead of deploying with whatever it got.
# Usage: scripts/ci/gitlab-protected.sh ENVIRONMENT TIER
set -euo pipefail
environment=${1:?usage: gitlab-protected.sh ENVIRONMENT TIER}
tier=${2:?usage: gitlab-protected.sh ENVIRONMENT TIER}
status=0
if [[ "${CI_COMMIT_REF_PROTECTED:-}" != true ]]; then
  echo "error: ${CI_COMMIT_REF_NAME:-this ref} is not a protected branch; $environment deploys only from one" >&2
  status=1
fi
if [[ "${CI_ENVIRONMENT_NAME:-}" != "$environment" || "${CI_ENVIRONMENT_TIER:-}" != "$tier" ]]; then
  echo "error: the job deploys to '${CI_ENVIRONMENT_NAME:-none}' (tier '${CI_ENVIRONMENT_TIER:-none}')," \
    "expected '$environment' (tier '$tier')" >&2
  status=1
fi
if [[ $status -eq 0 ]]; then
  echo "protected ref ${CI_COMMIT_REF_NAME:-}, environment $environment ($tier)"
fi
exit "$status"
