"""Both CI systems compare the VMID lock files with the request's base, in a job that has its history."""

from typing import Any, cast

import yaml

from tests.conftest import ROOT


def _load(path: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / path).read_text())


def test_github_compares_with_the_pull_requests_base_in_a_full_clone() -> None:
    jobs = _load(".github/workflows/pull-request.yml")["jobs"]
    [job] = [j for j in jobs.values() if any("vmids-base.sh" in s.get("run", "") for s in j["steps"])]
    checkout = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = [s.get("run", "") for s in job["steps"]]
    assert 'scripts/ci/vmids-base.sh "${{ github.event.pull_request.base.sha }}"' in runs


def test_gitlab_compares_with_the_merge_requests_base_in_a_full_clone() -> None:
    doc = _load(".gitlab-ci.yml")
    jobs = [cast(dict[str, Any], j) for j in doc.values() if isinstance(j, dict)]
    [job] = [j for j in jobs if any("vmids-base.sh" in str(s) for s in j.get("script", []))]
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert 'scripts/ci/vmids-base.sh "$CI_MERGE_REQUEST_DIFF_BASE_SHA"' in job["script"]
