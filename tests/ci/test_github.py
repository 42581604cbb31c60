"""GitHub Actions: previews on pull requests, gated deploys, drift, pinned actions."""

import re
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = ["staging", "prod"]


def load(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((WORKFLOWS / name).read_text()))


def triggers(wf: dict[str, Any]) -> dict[str, Any]:
    """The `on:` mapping, which YAML 1.1 loads under the key True."""
    raw = cast(dict[Any, Any], wf)
    return cast(dict[str, Any], raw.get("on", raw.get(True)))


def pulumi_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]


def pulumi_step(job: dict[str, Any]) -> dict[str, Any]:
    steps = pulumi_steps(job)
    assert len(steps) == 1
    return steps[0]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: Path(p).name)
def test_third_party_actions_are_pinned_by_commit_with_a_version_comment(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text())
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s*# v\d+(\.\d+)*", comment), f"{ref} has no version comment"


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: Path(p).name)
def test_credentials_only_from_secrets_or_oidc(path: Path) -> None:
    text = path.read_text()
    for key, value in re.findall(r"(PULUMI_\w+|AWS_\w+):\s*(.+)", text):
        if key in ("AWS_REGION", "PULUMI_VERSION"):
            continue
        if key == "PULUMI_BACKEND_URL":  # where the state lives, as `cloud-url` takes it
            assert value == "${{ vars.PULUMI_BACKEND_URL }}"
            continue
        assert value.startswith("${{ secrets."), f"{key} must come from a secret, not {value}"
    for role in re.findall(r"role-to-assume:\s*(.+)", text):
        assert role.startswith("${{ vars.AWS_")
    assert "aws-access-key-id" not in text


def test_pull_requests_run_tests_then_preview_each_stack_with_a_comment() -> None:
    wf = load("pull-request.yml")
    assert triggers(wf)["pull_request"]["branches"] == ["main"]
    test_runs = [s.get("run") for s in wf["jobs"]["test"]["steps"]]
    assert "make test" in test_runs and "scripts/ci/offline-plans.sh" in test_runs
    preview = wf["jobs"]["preview"]
    assert preview["needs"] == "test"
    assert preview["strategy"]["matrix"]["stack"] == STACKS
    assert "github.event.pull_request.head.repo.full_name == github.repository" in preview["if"]
    assert preview["permissions"]["pull-requests"] == "write"
    run = next(s for s in preview["steps"] if s.get("id") == "preview")
    assert run["run"] == "scripts/ci/pulumi.sh preview --diff --policy-pack policy"
    assert run["env"]["STACK"] == "${{ matrix.stack }}"
    # Posted whether the preview passed or failed, replacing the stack's previous comment.
    comment = next(s for s in preview["steps"] if s.get("run") == "scripts/ci/github-preview-comment.sh")
    assert comment["if"] == "${{ !cancelled() }}"
    assert comment["env"]["OUTCOME"] == "${{ steps.preview.outcome }}"
    assert preview["steps"].index(comment) > preview["steps"].index(run)
    assert not pulumi_steps(preview), "pulumi/actions comments only after a success"


def test_forks_still_get_the_offline_plans_attached() -> None:
    test = load("pull-request.yml")["jobs"]["test"]
    assert "if" not in test
    upload = next(s for s in test["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "build/plans/"


def test_prod_waits_for_approval_and_deploys_the_commit_staging_received() -> None:
    wf = load("deploy.yml")
    assert triggers(wf)["push"]["branches"] == ["main"]
    staging, prod = wf["jobs"]["staging"], wf["jobs"]["prod"]
    assert staging["needs"] == "test" and prod["needs"] == "staging"
    assert staging["environment"] == "staging" and prod["environment"] == "prod"
    assert staging["outputs"]["commit"] == "${{ steps.commit.outputs.sha }}"
    checkout = prod["steps"][0]
    assert checkout["with"]["ref"] == "${{ needs.staging.outputs.commit }}"
    guard = prod["steps"][1]
    assert guard["run"] == "scripts/ci/deployed-commit.sh"
    assert guard["env"]["EXPECTED_COMMIT"] == "${{ needs.staging.outputs.commit }}"
    for job, stack in ((staging, "staging"), (prod, "prod")):
        assert job["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
        # `command: up` skips its own preview: a preview with the pack gates it.
        preview, up = (s["with"] for s in pulumi_steps(job))
        assert preview["command"] == "preview" and up["command"] == "up"
        for step in (preview, up):
            assert step["stack-name"] == stack and step["policyPacks"] == "policy"


def test_drift_runs_on_a_schedule_and_fails_on_any_change() -> None:
    wf = load("drift.yml")
    assert triggers(wf)["schedule"][0]["cron"]
    job = wf["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    # The deploy's group per stack, and never while a deploy run could be pending in it.
    assert job["concurrency"] == {"group": "pulumi-${{ matrix.stack }}", "cancel-in-progress": False}
    assert job["needs"] == "pending" and job["if"] == "${{ needs.pending.outputs.deploying != 'true' }}"
    check = wf["jobs"]["pending"]["steps"][-1]
    assert (
        check["run"] == "scripts/ci/deploy-pending.sh"
        and wf["jobs"]["pending"]["permissions"]["actions"] == "read"
    )
    step = pulumi_step(job)["with"]
    assert step["command"] == "preview"
    assert step["refresh"] is True and step["expect-no-changes"] is True and step["diff"] is True


def test_pull_requests_compare_the_cost_of_base_and_request() -> None:
    cost = load("pull-request.yml")["jobs"]["cost"]
    assert "if" not in cost, "forks get the comparison too (in the run summary)"
    checkout = cost["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0, "the base commit must be in the clone"
    runs = [str(s.get("run", "")) for s in cost["steps"]]
    assert 'scripts/ci/cost-diff.sh "${{ github.event.pull_request.base.sha }}"' in runs
    comment = next(s for s in cost["steps"] if "github-comment.sh" in str(s.get("run", "")))
    assert comment["run"] == "scripts/ci/github-comment.sh campus-cost build/cost/comment.md"
    assert "github.event.pull_request.head.repo.full_name == github.repository" in comment["if"]
    assert cost["permissions"]["pull-requests"] == "write"
