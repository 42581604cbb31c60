#!/usr/bin/env bash
# Install the pinned Pulumi CLI (PULUMI_VERSION) into ~/.pulumi/bin, unless present.
set -euo pipefail
version=${PULUMI_VERSION:?set PULUMI_VERSION, e.g. 3.272.0}
if command -v pulumi > /dev/null && [[ "$(pulumi version)" == "v$version" ]]; then
  exit 0
fi
curl -fsSL https://get.pulumi.com | sh -s -- --version "$version"
"$HOME/.pulumi/bin/pulumi" version
