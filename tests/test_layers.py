"""Imports point one way: config <- components <- stacks <- cost, policy <- offline.

The program that `pulumi up` runs (`__main__.py`, `stacks/`, `components/`,
`config/`) never imports the offline tooling, and the policy pack and the cost
estimator never import the plan harness, so a reader sees at a glance which
code reaches real infrastructure and which only judges it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each top-level package may import from the project (besides itself).
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "components": {"config"},
    "stacks": {"config", "components"},
    "cost": {"config"},
    "policy": {"config", "cost"},
    "offline": {"config", "components", "stacks", "cost", "policy"},
}
PROJECT = set(ALLOWED) | {"scripts", "benchmarks", "tests"}
# The one deliberate exception: the command users know delegates upwards.
ENTRY_POINTS = {Path("stacks/plan.py"): {"offline"}}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & PROJECT


def _modules(package: str) -> list[Path]:
    return sorted(p.relative_to(ROOT) for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_down(package: str) -> None:
    wrong: list[str] = []
    for module in _modules(package):
        allowed = ALLOWED[package] | {package} | ENTRY_POINTS.get(module, set())
        for imported in sorted(_imported_packages(ROOT / module) - allowed):
            wrong.append(f"{module} imports {imported}")
    assert wrong == []


def test_the_program_entry_imports_only_the_program() -> None:
    assert _imported_packages(ROOT / "__main__.py") <= {"config", "stacks"}


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from offline.harness import run_program\nimport stacks.compose\nimport json\n")
    assert _imported_packages(module) == {"offline", "stacks"}
