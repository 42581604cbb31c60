"""Shell steps: extracted and shellchecked; the CI scripts behave."""

import json
import os
import subprocess
from pathlib import Path

from scripts.ci_shell import all_steps, main
from tests.conftest import ROOT


def test_every_run_and_script_block_is_extracted() -> None:
    sources = [s.source for s in all_steps()]
    assert "pull-request.yml: test/make test" in sources
    assert ".gitlab-ci.yml: .pulumi/before_script" in sources
    assert ".gitlab-ci.yml: deploy:prod/script" in sources
    assert all("${{" not in s.script for s in all_steps())


def test_shellcheck_fails_on_a_bad_step(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    steps:\n      - run: cd $DIR && ls ${{ x }}\n"
    )
    assert main([str(tmp_path)]) != 0
    (workflows / "bad.yml").write_text('on: push\njobs:\n  a:\n    steps:\n      - run: cd "$DIR"\n')
    assert main([str(tmp_path)]) == 0


def run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "ci" / script), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_deployed_commit_refuses_another_commit(tmp_path: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    out = tmp_path / "out"
    ok = run("deployed-commit.sh", {"EXPECTED_COMMIT": head.stdout.strip(), "GITHUB_OUTPUT": str(out)})
    assert ok.returncode == 0 and out.read_text() == f"sha={head.stdout.strip()}\n"
    bad = run("deployed-commit.sh", {"EXPECTED_COMMIT": "0" * 40})
    assert bad.returncode == 1 and "staging received" in bad.stderr


def test_offline_plans_write_a_summary_to_post(tmp_path: Path) -> None:
    summary_file = tmp_path / "step-summary.md"
    proc = run(
        "offline-plans.sh",
        {"STACKS": "staging", "PLAN_DIR": str(tmp_path), "GITHUB_STEP_SUMMARY": str(summary_file)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = (tmp_path / "summary.md").read_text()
    assert "### `staging`: planned, policies pass" in summary
    assert "Policies: 0 violations, 0 mandatory" in summary
    assert summary_file.read_text() == summary
    assert json.loads((tmp_path / "staging.json").read_text())["stack"] == "staging"


def test_offline_plans_fail_on_a_broken_stack(tmp_path: Path) -> None:
    proc = run("offline-plans.sh", {"STACKS": "nope", "PLAN_DIR": str(tmp_path)})
    assert proc.returncode == 1
    assert "### `nope`: invalid configuration" in (tmp_path / "summary.md").read_text()


def fake(bin_dir: Path, name: str, script: str) -> None:
    """A stand-in for a CLI on PATH: logs its arguments to $CALLS, then runs `script`."""
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f'#!/usr/bin/env bash\necho "{name} $*" >> "$CALLS"\n{script}\n')
    path.chmod(0o755)


def test_deploy_runs_up_only_after_a_passing_preview(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    fake(tmp_path / "bin", "pulumi", 'if [[ "$1" == preview ]]; then exit "${PREVIEW_RC:-0}"; fi')
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "CALLS": str(calls), "STACK": "staging"}
    failed = run("deploy.sh", {**env, "PREVIEW_RC": "255"}, "staging abc")
    assert failed.returncode == 255
    assert not any(line.startswith("pulumi up") for line in calls.read_text().splitlines())
    calls.unlink()
    ok = run("deploy.sh", {**env, "PREVIEW_RC": "0"}, "staging abc")
    assert ok.returncode == 0, ok.stderr
    ran = [line for line in calls.read_text().splitlines() if not line.startswith("pulumi login")]
    assert ran == [
        "pulumi preview --diff --policy-pack policy --stack staging --non-interactive --color never",
        "pulumi up --yes --skip-preview --diff --policy-pack policy --message staging abc "
        "--stack staging --non-interactive --color never",
    ]


GH_COMMENTS = """
if [[ "$*" == *--paginate* ]]; then
  # Two pages of comments: the marked one is on the second.
  printf '%s' "$PAGES" | jq -r '.[] | .[] | select(.body | contains("<!-- campus-preview:prod -->")) | .id'

fi
"""


def test_preview_comment_is_posted_on_failure_and_replaces_the_previous_one(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    fake(tmp_path / "bin", "gh", GH_COMMENTS)
    log = ROOT / "build" / "pulumi" / "preview-prod.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("Policies:\n    mandatory: aws-s3-bucket-enable-versioning\nerror: preview failed\n")
    pages = [[{"id": 1, "body": "hello"}], [{"id": 7, "body": "<!-- campus-preview:prod -->\nold"}]]
    env = {
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "CALLS": str(calls),
        "PAGES": json.dumps(pages),
        "STACK": "prod",
        "OUTCOME": "failure",
        "GH_TOKEN": "t",
        "GITHUB_REPOSITORY": "school/campus",
        "PR_NUMBER": "12",
    }
    try:
        proc = run("github-preview-comment.sh", env)
    finally:
        log.unlink()
    assert proc.returncode == 0, proc.stderr
    search, patch = calls.read_text().split("\n", 1)
    assert "--paginate repos/school/campus/issues/12/comments?per_page=100" in search
    assert patch.startswith("gh api --method PATCH repos/school/campus/issues/comments/7 -f body=")
    assert "<!-- campus-preview:prod -->" in patch and "with the policy pack: failed (failure)" in patch
    assert "mandatory: aws-s3-bucket-enable-versioning" in patch
    # No marked comment yet: one is created.
    calls.unlink()
    proc = run("github-preview-comment.sh", {**env, "PAGES": json.dumps([[{"id": 1, "body": "hi"}]])})
    assert proc.returncode == 0, proc.stderr
    assert (
        calls.read_text()
        .splitlines()[1]
        .startswith("gh api --method POST repos/school/campus/issues/12/comments")
    )


def test_deploy_pending_reports_an_unfinished_deploy(tmp_path: Path) -> None:
    calls, out = tmp_path / "calls", tmp_path / "out"
    fake(tmp_path / "bin", "gh", 'echo "$UNFINISHED"')
    env = {
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "CALLS": str(calls),
        "GH_TOKEN": "t",
        "GITHUB_REPOSITORY": "school/campus",
        "GITHUB_OUTPUT": str(out),
    }
    assert run("deploy-pending.sh", {**env, "UNFINISHED": "1"}).returncode == 0
    assert run("deploy-pending.sh", {**env, "UNFINISHED": "0"}).returncode == 0
    assert out.read_text() == "deploying=true\ndeploying=false\n"
    assert "--workflow deploy.yml" in calls.read_text()
