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


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "ci" / script)],
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
