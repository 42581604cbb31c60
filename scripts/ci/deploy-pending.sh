#!/usr/bin/env bash
# Whether a run of the deploy workflow is unfinished (queued, running, waiting for
# approval): writes deploying=true|false to $GITHUB_OUTPUT. Drift joins the deploy's
# concurrency group, where a newly pending job cancels the pending one before it,
# so drift stands aside while a deploy could be pending.
# Needs GH_TOKEN (actions: read) and GITHUB_REPOSITORY.
set -euo pipefail
: "${GH_TOKEN:?GH_TOKEN is required}" "${GITHUB_REPOSITORY:?}"
unfinished=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow deploy.yml --limit 20 \
  --json status --jq '[.[] | select(.status != "completed")] | length')
if [[ "$unfinished" -gt 0 ]]; then
  echo "::notice::$unfinished deploy run(s) unfinished: drift waits for the next schedule"
  echo "deploying=true" >> "${GITHUB_OUTPUT:-/dev/stdout}"
else
  echo "deploying=false" >> "${GITHUB_OUTPUT:-/dev/stdout}"
fi
