"""scripts/ci/cost-diff.sh, run for real: the base commit and this checkout, planned with --cost."""

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def run(base: str, out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COST_DIR": str(out), "STACKS": "staging"}
    return subprocess.run(
        ["scripts/ci/cost-diff.sh", base], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_compares_the_base_commit_with_the_checkout(tmp_path: Path) -> None:
    out = tmp_path / "cost"
    proc = run("HEAD", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    comment = (out / "comment.md").read_text()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"Base `{head}`" in comment
    assert "Monthly cost estimate of stack `staging`" in comment
    # Both sides were planned: the base file exists, so the comment compares totals.
    assert (out / "base-staging.json").is_file() and (out / "request-staging.json").is_file()
    assert "The base branch has no estimate" not in comment
    # The preview of the same commit: nothing to apply, and its document next to the estimates.
    assert "#### `staging`: 0 to create, 0 to update, 0 to replace, 0 to delete" in comment
    assert "ETA: nothing to apply" in comment
    assert json.loads((out / "changes-staging.json").read_text())["stack"] == "staging"


def test_a_base_without_an_estimate_counts_as_nothing(tmp_path: Path) -> None:
    # The first commit of the repository predates the cost estimate.
    first = subprocess.run(
        ["git", "rev-list", "--max-parents=0", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()[0]
    out = tmp_path / "cost"
    proc = run(first, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    comment = (out / "comment.md").read_text()
    assert "The base branch has no estimate for this stack." in comment
    assert "#### `staging`: no preview (the base branch could not be planned" in comment
