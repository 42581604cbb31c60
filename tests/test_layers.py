"""Imports point one way: config <- components <- stacks <- cost, policy <- offline.

The program that `pulumi up` runs (`__main__.py`, `stacks/`, `components/`,
`config/`) never imports the offline tooling, and the policy pack and the cost
estimator never import the plan harness, so a reader sees at a glance which
code reaches real infrastructure and which only judges it.

Only `config/` reads Pulumi configuration: outside it, a stack file is read
(`read_stack_file`) and validated (`load_stack_config`, `load_current_stack`)
only by the entry points that load a stack on a user's behalf, listed below.
Everything else is handed typed configuration, or asks `config/` for what it
needs (`config.cost_settings.load_cost_settings`).
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


STACK_READERS = {"read_stack_file", "load_stack_config", "load_current_stack"}
"""`config/`'s functions that read or validate a stack's configuration."""
STACK_ENTRY_POINTS: dict[Path, str] = {
    Path("__main__.py"): "the program `pulumi up` runs: the current stack's configuration",
    Path("stacks/access.py"): "`python -m stacks.access`: the access sheet of the stack it is given",
    Path("offline/plan.py"): "`python -m stacks.plan`: plans the stack it is given (and a tenant's host)",
    Path("offline/cost_summary.py"): "`make cost`: plans staging with the dedicated topology's keys",
}
"""The modules outside `config/` that may call them, and why. `scripts/` and `benchmarks/` are
tools beside the layers and are not checked (`make stack-init` and `make dev-stack` read and
write stack files themselves)."""


def _stack_readers_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.alias):
            names.add(node.name.rsplit(".", 1)[-1])
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
    return names & STACK_READERS


def test_only_config_and_the_entry_points_read_a_stack() -> None:
    modules = [
        Path("__main__.py"),
        *(m for package in sorted(ALLOWED) if package != "config" for m in _modules(package)),
    ]
    readers = sorted(str(m) for m in modules if _stack_readers_used(ROOT / m))
    # Equal, not a subset: an entry point that stops reading a stack leaves the list too.
    assert readers == sorted(str(m) for m in STACK_ENTRY_POINTS)


def test_the_check_sees_a_stack_read(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from config import stackfile\nfrom config.loader import load_stack_config as load\n"
        "stackfile.read_stack_file(ROOT, 'prod')\n"
    )
    assert _stack_readers_used(module) == {"read_stack_file", "load_stack_config"}


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from offline.harness import run_program\nimport stacks.compose\nimport json\n")
    assert _imported_packages(module) == {"offline", "stacks"}
