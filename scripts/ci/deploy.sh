#!/usr/bin/env bash
# Deploy $STACK only if a preview with the policy pack passes: `pulumi up` runs
# after a `pulumi preview --policy-pack policy` that exits 0, so a mandatory
# violation stops the job before any change is applied.
# Usage: scripts/ci/deploy.sh MESSAGE (with what scripts/ci/pulumi.sh needs).
set -euo pipefail
cd "$(dirname "$0")/../.."
message=${1:?usage: deploy.sh MESSAGE}
scripts/ci/pulumi.sh preview --diff --policy-pack policy
# The policies run again during the update, on what it really applies.
scripts/ci/pulumi.sh up --yes --skip-preview --diff --policy-pack policy --message "$message"
