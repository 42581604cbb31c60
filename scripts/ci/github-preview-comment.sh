#!/usr/bin/env bash
# The pull-request comment of $STACK's preview, posted whether the preview passed
# or failed (OUTCOME, the step's outcome), replacing the stack's previous one.
# Reads the preview's output from build/pulumi/preview-$STACK.txt (scripts/ci/pulumi.sh).
# Needs STACK, OUTCOME, and what github-comment.sh needs; HEAD_SHA names the commit.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${STACK:?set STACK to the stack name}" "${OUTCOME:?set OUTCOME to the outcome of the preview step}"

log="build/pulumi/preview-$STACK.txt"
body=$(mktemp)
if [[ "$OUTCOME" == success ]]; then verdict="passed"; else verdict="failed ($OUTCOME)"; fi
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
{
  echo "### pulumi preview of \`$STACK\` with the policy pack: $verdict"
  echo
  echo "Commit \`${HEAD_SHA:-unknown}\`, [run]($run_url)."
  echo
  if [[ -s "$log" ]]; then
    # Comments hold 65,536 characters: keep the end, where the policy violations and summary are.
    echo "<details><summary>Output</summary>"
    echo
    echo '```'
    tail -c 60000 "$log"
    echo '```'
    echo
    echo "</details>"
  else
    echo "The preview wrote no output; see the run."
  fi
} > "$body"
scripts/ci/github-comment.sh "campus-preview:$STACK" "$body"
