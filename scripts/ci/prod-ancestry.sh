#!/usr/bin/env bash
# Refuse to deploy a commit that is not a descendant of the commit the stack runs now:
# approving an older waiting run (or re-running an old pipeline) would roll it back.
# The commit the stack runs is the `git.head` the CLI records with each update
# (`pulumi stack history --json`, most recent first). Needs a logged-in `pulumi`
# and the full history of the branch (checkout with fetch-depth 0 / GIT_DEPTH 0).
# Usage: STACK=prod scripts/ci/prod-ancestry.sh [COMMIT]   (default: HEAD)
set -euo pipefail
stack=${STACK:?set STACK to the stack name}
candidate=$(git rev-parse --verify "${1:-HEAD}^{commit}")

history=$(mktemp)
trap 'rm -f "$history"' EXIT
pulumi stack history --stack "$stack" --json --page-size 50 --non-interactive > "$history"
deployed=$(
  python3 - "$history" << 'PY'
import json
import sys

updates = json.load(open(sys.argv[1])) or []
for update in updates:
    if update.get("kind") == "update" and update.get("result") == "succeeded":
        print((update.get("environment") or {}).get("git.head") or "unknown")
        break
PY
)

if [[ -z "$deployed" ]]; then
  echo "Stack $stack has no successful update yet: $candidate is its first deployment"
  exit 0
fi
if [[ "$deployed" == unknown ]]; then
  echo "error: $stack's last update recorded no commit (git.head), so $candidate cannot be shown" \
    "to descend from it; deploy $stack from CI, from a clean checkout" >&2
  exit 1
fi
if ! git cat-file -e "$deployed^{commit}" 2> /dev/null; then
  echo "error: $stack runs $deployed, which this clone does not have; check out with the full" \
    "history (fetch-depth: 0 / GIT_DEPTH: 0) or find who deployed it from elsewhere" >&2
  exit 1
fi
if ! git merge-base --is-ancestor "$deployed" "$candidate"; then
  echo "error: $candidate is not a descendant of $deployed, which $stack runs now: deploying it" \
    "would roll $stack back; deploy the newest pipeline of the default branch instead" >&2
  exit 1
fi
echo "$candidate descends from $deployed, which $stack runs now"
