#!/usr/bin/env bash
# Run one pulumi command on $STACK in GitLab CI: AWS credentials from the job's
# OIDC token (AWS_ID_TOKEN + AWS_ROLE_ARN, read natively by the AWS SDK), the
# backend from CI variables (PULUMI_BACKEND_URL, or Pulumi Cloud with
# PULUMI_ACCESS_TOKEN), output kept in build/pulumi/<command>-<stack>.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${STACK:?set STACK to the stack name}"
command=${1:?usage: pulumi.sh COMMAND [ARGS...]}

if [[ -n "${AWS_ID_TOKEN:-}" && -n "${AWS_ROLE_ARN:-}" ]]; then
  token_file=$(mktemp)
  printf '%s' "$AWS_ID_TOKEN" > "$token_file"
  export AWS_WEB_IDENTITY_TOKEN_FILE=$token_file
  export AWS_ROLE_SESSION_NAME="gitlab-${CI_PIPELINE_ID:-local}-$STACK"
fi
export PULUMI_SKIP_UPDATE_CHECK=true

if [[ -n "${PULUMI_BACKEND_URL:-}" ]]; then
  pulumi login "$PULUMI_BACKEND_URL"
else
  pulumi login
fi

if [[ "${REQUIRE_DESCENDANT:-}" == true ]]; then
  scripts/ci/prod-ancestry.sh
fi

mkdir -p build/pulumi
log="build/pulumi/$command-$STACK.txt"
rc=0
pulumi "$@" --stack "$STACK" --non-interactive --color never 2>&1 | tee "$log" || rc=$?
exit "$rc"
