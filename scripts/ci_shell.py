"""Shellcheck every shell step of the CI files, and the scripts they call.

Extracts each GitHub Actions `run:` block and each GitLab `script:`,
`before_script:` and `after_script:` list into a bash file (`${{ ... }}`
expressions become a plain word, as the runner substitutes them before the
shell sees them), then runs shellcheck over those files and `scripts/ci/*.sh`.
Exit code: shellcheck's.
"""

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHELLCHECK = Path(sys.executable).parent / "shellcheck"
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_GITLAB_SCRIPT_KEYS = ("before_script", "script", "after_script")


@dataclass(frozen=True)
class ShellStep:
    """One shell step of a CI file."""

    source: str
    """`file: job/step` it came from."""
    script: str


def _mapping(value: Any) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def github_steps(path: Path) -> Iterator[ShellStep]:
    """The `run:` blocks of a workflow; non-bash shells are skipped."""
    doc = _mapping(yaml.safe_load(path.read_text()))
    for job_name, job in _mapping(doc.get("jobs")).items():
        for i, raw in enumerate(cast(list[Any], _mapping(job).get("steps") or [])):
            step = _mapping(raw)
            run = step.get("run")
            if isinstance(run, str) and step.get("shell", "bash") == "bash":
                label = step.get("name") or step.get("id") or f"step {i + 1}"
                yield ShellStep(f"{path.name}: {job_name}/{label}", _EXPRESSION.sub("GHA_EXPRESSION", run))


def gitlab_steps(path: Path) -> Iterator[ShellStep]:
    """The script lists of every job, template and `default:`."""
    doc = _mapping(yaml.safe_load(path.read_text()))
    for job_name, job in doc.items():
        for key in _GITLAB_SCRIPT_KEYS:
            lines = _mapping(job).get(key)
            if isinstance(lines, str):
                lines = [lines]
            if isinstance(lines, list) and lines:
                text = "\n".join(str(line) for line in cast(list[Any], lines))
                yield ShellStep(f"{path.name}: {job_name}/{key}", text)


def all_steps(root: Path = ROOT) -> list[ShellStep]:
    """Every shell step of the repository's CI files."""
    steps: list[ShellStep] = []
    for workflow in sorted((root / ".github" / "workflows").glob("*.yml")):
        steps.extend(github_steps(workflow))
    gitlab = root / ".gitlab-ci.yml"
    if gitlab.is_file():
        steps.extend(gitlab_steps(gitlab))
    return steps


def shellcheck(steps: Sequence[ShellStep], scripts: Sequence[Path]) -> subprocess.CompletedProcess[str]:
    """Run shellcheck over the steps (as bash files) and the scripts."""
    with tempfile.TemporaryDirectory(prefix="ci-shell-") as tmp:
        files: list[str] = []
        for i, step in enumerate(steps):
            file = Path(tmp) / f"step-{i:03d}.sh"
            # Runners use bash -e (GitHub adds -o pipefail); the header tells shellcheck so.
            file.write_text(f"#!/usr/bin/env bash\n# {step.source}\nset -eo pipefail\n{step.script}\n")
            files.append(str(file))
        files += [str(s) for s in scripts]
        return subprocess.run(
            [str(SHELLCHECK), "--external-sources", *files], capture_output=True, text=True, check=False
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    root = Path(argv[0]) if argv else ROOT
    steps = all_steps(root)
    scripts = sorted((root / "scripts" / "ci").glob("*.sh"))
    proc = shellcheck(steps, scripts)
    sys.stdout.write(proc.stdout + proc.stderr)
    print(f"shellcheck: {len(steps)} CI shell steps, {len(scripts)} scripts, exit {proc.returncode}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
