"""CI against the stacks' configuration: runners that reach their targets, prod out of requests' reach.

- every job that runs Pulumi on a stack runs on that stack's lab runner, with exactly
  the labels (GitHub) or tags (GitLab) its stack file names under `lab:runner`;
- no job a pull or merge request can start decrypts prod (no prod stack, no prod role,
  no prod environment);
- the prod jobs check, at run time, that their environment is protected and that they
  only move prod forward;
- the image and the actions are pinned, and no passphrase is shared between stacks.
"""

import json
import re
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from tests.conftest import ROOT, stack_file

WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = ("staging", "prod")


def runner(stack: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(stack_file(stack).config["lab:runner"]))


def workflow(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((WORKFLOWS / name).read_text()))


def gitlab() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text()))


def _runs_pulumi(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith("pulumi/actions@") or "scripts/ci/pulumi.sh" in str(
        step.get("run", "")
    )


def pulumi_jobs_github() -> list[tuple[str, str, dict[str, Any]]]:
    """(file, job, job) for every job that runs Pulumi (pulumi/actions or scripts/ci/pulumi.sh)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name, job in workflow(path.name)["jobs"].items():
            if any(_runs_pulumi(s) for s in job["steps"]):
                found.append((path.name, name, job))
    return found


def job_stacks_github(job: dict[str, Any]) -> list[str]:
    stacks: set[str] = set()
    for step in job["steps"]:
        if not _runs_pulumi(step):
            continue
        stack = step["with"]["stack-name"] if "uses" in step else step["env"]["STACK"]
        if stack == "${{ matrix.stack }}":
            stacks |= set(job["strategy"]["matrix"]["stack"])
        else:
            stacks.add(stack)
    return sorted(stacks)


def test_every_stack_names_its_lab_runner() -> None:
    for stack in STACKS:
        lab = runner(stack)
        assert lab["githubLabels"][0] == "self-hosted" and stack in lab["githubLabels"]
        assert stack in lab["gitlabTags"]
    # One runner per stack: a request's staging preview never runs where prod deploys.
    assert runner("staging")["githubLabels"] != runner("prod")["githubLabels"]
    assert runner("staging")["host"] != runner("prod")["host"]


def test_github_pulumi_jobs_run_on_their_stack_s_lab_runner() -> None:
    jobs = pulumi_jobs_github()
    assert {(f, n) for f, n, _ in jobs} == {
        ("pull-request.yml", "preview"),
        ("deploy.yml", "staging"),
        ("deploy.yml", "prod"),
        ("drift.yml", "drift"),
    }
    for file, name, job in jobs:
        for stack in job_stacks_github(job):
            labels = job["runs-on"]
            if labels == "${{ matrix.runner }}":
                labels = next(
                    i["runner"] for i in job["strategy"]["matrix"]["include"] if i["stack"] == stack
                )
            assert labels == runner(stack)["githubLabels"], f"{file}: {name} ({stack})"


def test_gitlab_pulumi_jobs_run_on_their_stack_s_lab_runner() -> None:
    jobs: dict[str, dict[str, Any]] = {}
    for name, raw in gitlab().items():
        if isinstance(raw, dict) and cast(dict[str, Any], raw).get("extends") == ".pulumi":
            jobs[name] = cast(dict[str, Any], raw)
    assert set(jobs) == {"preview", "deploy:staging", "deploy:prod", "drift"}
    for name, job in jobs.items():
        tags = cast(list[str], job["tags"])
        if "parallel" in job:
            stacks = cast(list[str], job["parallel"]["matrix"][0]["STACK"])
            assert tags == ["campus-lab", "$STACK"], name
            for stack in stacks:
                assert [t.replace("$STACK", stack) for t in tags] == runner(stack)["gitlabTags"], name
        else:
            assert tags == runner(str(job["variables"]["STACK"]))["gitlabTags"], name


def test_actionlint_knows_exactly_the_configured_labels() -> None:
    doc = yaml.safe_load((ROOT / ".github" / "actionlint.yaml").read_text())
    configured = {label for s in STACKS for label in runner(s)["githubLabels"]} - {"self-hosted"}
    assert set(doc["self-hosted-runner"]["labels"]) == configured


def test_no_pull_request_job_decrypts_prod() -> None:
    wf = workflow("pull-request.yml")
    text = (WORKFLOWS / "pull-request.yml").read_text()
    for name, job in wf["jobs"].items():
        assert "environment" not in job, name
        if any(_runs_pulumi(s) for s in job["steps"]):
            assert job_stacks_github(job) == ["staging"], name
        if "strategy" in job:
            assert "prod" not in job["strategy"]["matrix"].get("stack", []), name
    assert set(re.findall(r"vars\.(AWS_\w+_ROLE_ARN)", text)) == {"AWS_PREVIEW_ROLE_ARN"}
    assert "PASSPHRASE" not in text


def _gitlab_request_jobs(ci: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = {}
    for name, job in ci.items():
        if not isinstance(job, dict) or name.startswith(".") or name in ("workflow", "default", "variables"):
            continue
        rules = cast(list[dict[str, Any]], cast(dict[str, Any], job).get("rules") or [])
        if any("merge_request_event" in str(r.get("if", "")) for r in rules):
            jobs[name] = cast(dict[str, Any], job)
    return jobs


def test_no_merge_request_job_decrypts_prod() -> None:
    ci = gitlab()
    jobs = _gitlab_request_jobs(ci)
    assert set(jobs) == {"test", "cost", "preview"}
    for name, job in jobs.items():
        assert "environment" not in job, name
        assert "prod" not in json.dumps(job.get("parallel", {})), name
        variables = job.get("variables", {})
        assert variables.get("STACK") in (None, "staging"), name
        assert variables.get("AWS_ROLE_ARN") in (None, "$AWS_PREVIEW_ROLE_ARN"), name
    # The note token is used only for requests from this project's own branches.
    note = next(line for line in ci["cost"]["script"] if "mr_note" in line)
    assert note.startswith('if [ "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID" = "$CI_MERGE_REQUEST_PROJECT_ID" ]')


def test_github_prod_checks_protection_then_ancestry_before_up() -> None:
    prod = workflow("deploy.yml")["jobs"]["prod"]
    runs = [str(s.get("run", "")) for s in prod["steps"]]
    # The first Pulumi step (the policy preview, then up) comes after both checks.
    up = next(i for i, s in enumerate(prod["steps"]) if _runs_pulumi(s))
    protected = runs.index("scripts/ci/environment-protected.sh prod --reviewers")
    ancestry = next(i for i, r in enumerate(runs) if "STACK=prod scripts/ci/prod-ancestry.sh" in r)
    assert protected < ancestry < up
    assert prod["permissions"]["actions"] == "read"
    assert prod["steps"][protected]["env"]["GH_TOKEN"] == "${{ github.token }}"
    drift = workflow("drift.yml")["jobs"]["drift"]
    assert drift["environment"] == "${{ matrix.stack }}-readonly"
    assert any("environment-protected.sh" in str(s.get("run", "")) for s in drift["steps"])


def test_gitlab_prod_checks_its_ref_and_only_moves_forward() -> None:
    prod = gitlab()["deploy:prod"]
    assert prod["script"][0] == "scripts/ci/gitlab-protected.sh prod production"
    assert prod["variables"]["REQUIRE_DESCENDANT"] == "true" and prod["variables"]["GIT_DEPTH"] == "0"
    pulumi_sh = (ROOT / "scripts" / "ci" / "pulumi.sh").read_text()
    check = pulumi_sh.index('if [[ "${REQUIRE_DESCENDANT:-}" == true ]]; then\n  scripts/ci/prod-ancestry.sh')
    assert pulumi_sh.index("pulumi login") < check < pulumi_sh.index('pulumi "$@"')
    assert "prod" not in json.dumps(gitlab()["deploy:staging"])


@pytest.mark.parametrize(
    "path", [ROOT / ".gitlab-ci.yml", *sorted(WORKFLOWS.glob("*.yml"))], ids=lambda p: Path(p).name
)
def test_the_cli_is_installed_checked_and_no_passphrase_is_shared(path: Path) -> None:
    text = path.read_text()
    assert "PULUMI_CONFIG_PASSPHRASE" not in text
    assert "get.pulumi.com | sh" not in text
    if path.suffix == ".yml" and path.parent == WORKFLOWS:
        for name, job in workflow(path.name)["jobs"].items():
            steps = cast(list[dict[str, Any]], job["steps"])
            first = next((i for i, s in enumerate(steps) if _runs_pulumi(s)), None)
            if first is not None:
                installs = [
                    i for i, s in enumerate(steps) if "scripts/ci/install-pulumi.sh" in str(s.get("run", ""))
                ]
                assert installs and installs[0] < first, f"{path.name}: {name} runs an unchecked CLI"


def test_the_ci_image_is_pinned_by_digest() -> None:
    image = gitlab()["default"]["image"]
    assert re.fullmatch(r"python:3\.11-bookworm@sha256:[0-9a-f]{64}", image)
