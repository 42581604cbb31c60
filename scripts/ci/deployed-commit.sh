#!/usr/bin/env bash
# Print the checked-out commit as a step output; with EXPECTED_COMMIT set, refuse
# to go on unless it is that commit (prod deploys exactly what staging received).
set -euo pipefail
commit=$(git rev-parse HEAD)
if [[ -n "${EXPECTED_COMMIT:-}" && "$commit" != "$EXPECTED_COMMIT" ]]; then
  echo "error: checked out $commit, but staging received $EXPECTED_COMMIT" >&2
  exit 1
fi
echo "Deploying commit $commit"
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "sha=$commit" >> "$GITHUB_OUTPUT"
fi
