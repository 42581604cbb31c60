#!/usr/bin/env bash
# Merge-request preview of $STACK: `pulumi preview` with the policy pack, then
# the output as one merge-request note per stack, updated in place on new pushes.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${STACK:?set STACK to the stack name}"
rc=0
scripts/ci/pulumi.sh preview --diff --policy-pack policy || rc=$?
venv/bin/python -m scripts.mr_note \
  --marker "campus-preview:$STACK" \
  --title "pulumi preview of $STACK" \
  --exit-code "$rc" \
  "build/pulumi/preview-$STACK.txt"
exit "$rc"
