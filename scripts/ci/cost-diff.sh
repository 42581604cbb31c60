#!/usr/bin/env bash
# The monthly cost of each stack on the base branch and on this request, and
# the difference, then the offline preview of what applying the request over
# the base creates, updates, replaces and deletes (with its ETA), as Markdown
# for the request's comment: $COST_DIR/comment.md (default build/cost). The
# base commit is planned from its own files (git archive), with this checkout's
# virtualenv; a base that predates the estimate or cannot be planned counts as
# nothing, which the comment says. Needs no secret: fork requests get it too.
# Exits 1 when a request cannot be planned, or replaces or deletes a protected
# or stateful resource (the preview's exit 4), after writing the comment.
# Usage: scripts/ci/cost-diff.sh BASE_SHA
set -euo pipefail
cd "$(dirname "$0")/../.."

base_sha=${1:?usage: scripts/ci/cost-diff.sh BASE_SHA}
out=${COST_DIR:-build/cost}
# Every committed stack (the account's cap judges them together).
stacks=${STACKS:-$(for f in Pulumi.*.yaml; do s=${f#Pulumi.}; s=${s%.yaml}; [[ $s == dev-* ]] || echo "$s"; done)}
python=${PYTHON:-venv/bin/python}
# Absolute, but not resolved: the virtualenv's python is a symlink to the base interpreter.
python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"

rm -rf "$out"
mkdir -p "$out/base-tree"
out=$(realpath "$out")
git archive "$base_sha" | tar -x -C "$out/base-tree"

comment="$out/comment.md"
{
  echo "## Cost"
  echo
  echo "Base \`$(git rev-parse --short "$base_sha")\`, request \`$(git rev-parse --short HEAD)\`: monthly estimates from the offline plans (\`python -m stacks.plan --cost\`)."
} > "$comment"

status=0
changes="$out/changes.md"
{
  echo
  echo "## Changes"
  echo
  echo "What applying the request over the base would do, from the offline plans (\`python -m stacks.plan --against\`): replacements of protected or stateful resources come first."
} > "$changes"

for stack in $stacks; do
  (cd "$out/base-tree" && "$python" -m stacks.plan --stack "$stack" --cost-json "$out/base-$stack.json" \
    --json "$out/base-$stack-plan.json") > "$out/base-$stack.txt" 2>&1 || true
  against=()
  [[ -f "$out/base-$stack-plan.json" ]] && against=(--against "$out/base-$stack-plan.json" --diff-json "$out/changes-$stack.json")
  rc=0
  "$python" -m stacks.plan --stack "$stack" --cost-json "$out/request-$stack.json" "${against[@]}" \
    > "$out/request-$stack.txt" 2>&1 || rc=$?
  echo >> "$comment"
  if [[ -f "$out/request-$stack.json" ]]; then
    # Exit 3 (a policy such as the budget failed) and 4 (a guarded replacement) still write the estimate.
    "$python" -m cost.diff "$out/base-$stack.json" "$out/request-$stack.json" >> "$comment"
  else
    echo "#### \`$stack\`: no estimate (the plan exited $rc; see the job log)" >> "$comment"
  fi
  {
    echo
    if [[ ! -f "$out/base-$stack-plan.json" ]]; then
      echo "#### \`$stack\`: no preview (the base branch could not be planned; see the job log)"
    elif ! grep -q '^Changes of stack' "$out/request-$stack.txt"; then
      echo "#### \`$stack\`: no preview (the plan exited $rc; see the job log)"
    else
      verdict=$(grep -E '^[0-9]+ to create, ' "$out/request-$stack.txt" | tail -n 1)
      [[ $rc -eq 4 ]] && verdict="$verdict, **protected or stateful resources replaced or deleted**"
      echo "#### \`$stack\`: $verdict"
      echo
      grep '^ETA: ' "$out/request-$stack.txt" || true
      echo
      echo "<details><summary>Preview of $stack</summary>"
      echo
      echo '```'
      sed -n '/^Changes of stack/,$p' "$out/request-$stack.txt" | grep -v '^Changes written to' | head -n 400
      echo '```'
      echo
      echo "</details>"
    fi
  } >> "$changes"
  [[ $rc -eq 0 || $rc -eq 3 ]] || status=1
done
{
  cat "$changes"
  echo
  "$python" -m cost.diff --account "$out"
} >> "$comment"

if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  cat "$comment" >> "$GITHUB_STEP_SUMMARY"
fi
echo "Cost comparison written to $comment"
exit "$status"
