#!/usr/bin/env bash
# Offline plan of each committed stack, for requests that get no cloud secrets
# (forks): the readable plan, the JSON document and a Markdown summary to post
# or attach. Fails when a plan fails (invalid configuration, exit 2; a
# mandatory policy violated, exit 3), after writing every summary.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${PLAN_DIR:-build/plans}
stacks=${STACKS:-staging prod}
python=${PYTHON:-venv/bin/python}
mkdir -p "$out"
summary="$out/summary.md"

{
  echo "## Offline plan"
  echo
  echo "Commit \`$(git rev-parse --short HEAD)\`, planned under mocks (no cloud access, secrets as \`[secret]\`)."
} > "$summary"

status=0
for stack in $stacks; do
  rc=0
  "$python" -m stacks.plan --stack "$stack" --json "$out/$stack.json" > "$out/$stack.txt" 2>&1 || rc=$?
  case $rc in
    0) verdict="planned, policies pass" ;;
    2) verdict="invalid configuration" ;;
    3) verdict="mandatory policy violated" ;;
    *) verdict="failed (exit $rc)" ;;
  esac
  [[ $rc -eq 0 ]] || status=1
  {
    echo
    echo "### \`$stack\`: $verdict"
    echo
    head -n 1 "$out/$stack.txt"
    echo
    grep -A 50 '^Policies:' "$out/$stack.txt" || true
    echo
    echo "<details><summary>Full plan of $stack</summary>"
    echo
    echo '```'
    cat "$out/$stack.txt"
    echo '```'
    echo
    echo "</details>"
  } >> "$summary"
done

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
echo "Offline plans written to $out/"
exit "$status"
