#!/usr/bin/env bash
# Create, or replace in place, the pull-request comment that carries MARKER, with
# FILE's Markdown as its body, so later pushes update one comment. The search
# walks every page of the pull request's comments (100 a page).
# Usage: scripts/ci/github-comment.sh MARKER FILE
# Needs GH_TOKEN (pull-requests: write), GITHUB_REPOSITORY and PR_NUMBER.
set -euo pipefail

marker=${1:?usage: github-comment.sh MARKER FILE}
file=${2:?usage: github-comment.sh MARKER FILE}
: "${GH_TOKEN:?GH_TOKEN is required}" "${GITHUB_REPOSITORY:?}" "${PR_NUMBER:?}"

tag="<!-- $marker -->"
body="$tag"$'\n'"$(cat "$file")"
comments="repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments"
# sed, not head: head would close the pipe early and pipefail would fail the search.
id=$(gh api --paginate "$comments?per_page=100" --jq ".[] | select(.body | contains(\"$tag\")) | .id" | sed -n 1p)
if [[ -n "$id" ]]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -f body="$body" > /dev/null
  echo "updated comment $id"
else
  gh api --method POST "$comments" -f body="$body" > /dev/null
  echo "created a comment"
fi
