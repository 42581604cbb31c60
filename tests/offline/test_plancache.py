"""The plan store: a committed stack is planned once per run, and a changed input is never answered
with an old plan."""

import os
from pathlib import Path
from typing import Any

import pytest

import offline.plan
from offline.harness import PlanResult, Registered
from offline.plancache import CACHE_ENV, program_digest
from tests.conftest import stack_file, with_changes


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand in for the mock runtime (the store, not the program, is under test) and record the
    stacks it is asked to run: a stored plan is not run again."""
    ran: list[str] = []

    def run_program(**kwargs: Any) -> PlanResult:
        ran.append(kwargs["stack"])
        urn = f"urn:pulumi:{kwargs['stack']}::campus::t:index:T::r{len(ran)}"
        preview = kwargs["preview"]
        record = Registered(urn, "t:index:T", f"r{len(ran)}", None, True, False, {"preview": preview})
        return PlanResult(kwargs["project"], kwargs["stack"], [record], {"run": len(ran)})

    monkeypatch.setattr(offline.plan, "run_program", run_program)
    return ran


def test_a_committed_stack_is_planned_once_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(offline.plan, "_HOST_PLANS", {})
    ran = counting(monkeypatch)
    first = offline.plan.plan_stack("prod")
    second = offline.plan.plan_stack("prod")
    assert ran == ["prod"]
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    assert [r.urn for r in second.resources] == [r.urn for r in first.resources]
    assert second.outputs == first.outputs
    # A first preview is another plan (unknown values), stored apart.
    offline.plan.plan_stack("prod", preview=True)
    assert ran == ["prod", "prod"]
    assert len(list(tmp_path.glob("*.pickle"))) == 2


def test_without_a_store_nothing_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setattr(offline.plan, "_HOST_PLANS", {})
    ran = counting(monkeypatch)
    offline.plan.plan_stack("prod")
    offline.plan.plan_stack("prod")
    assert ran == ["prod", "prod"]


def test_the_key_follows_every_program_file_and_no_test_file(tmp_path: Path) -> None:
    (tmp_path / "components").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "components" / "a.py").write_text("A = 1\n")
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")

    def digest() -> str:
        program_digest.cache_clear()
        return program_digest(tmp_path)

    before = digest()
    (tmp_path / "tests" / "test_a.py").write_text("def test(): pass\n")
    assert digest() == before
    (tmp_path / "components" / "a.py").write_text("A = 2\n")
    changed = digest()
    assert changed != before
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {a: 1}\n")
    assert digest() != changed
    program_digest.cache_clear()


def test_a_test_that_monkeypatches_uses_no_store(monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/conftest.py: the key cannot see a patch, so such a test neither reads nor writes plans.
    del monkeypatch
    assert CACHE_ENV not in os.environ


def test_other_tests_share_the_runs_store() -> None:
    assert os.environ.get(CACHE_ENV)


@pytest.mark.parametrize(
    ("shareable", "runs", "stored"),
    [
        # Changed by a test: it may name files outside the repository (a roster in a temporary
        # folder) that the key cannot see, so it is planned every time and never stored.
        (False, ["prod", "prod"], 0),
        # Staging in the dedicated topology: its stack file and a committed overlay
        # (offline.cost_summary), stored like a committed stack file.
        (True, ["prod"], 1),
    ],
)
def test_a_changed_configuration_is_stored_only_when_shareable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shareable: bool, runs: list[str], stored: int
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    ran = counting(monkeypatch)
    base = stack_file("prod")
    config = with_changes(base, {"cost:exchangeRate": "0.9"})
    for _ in range(2):
        offline.plan.plan_config(
            project=base.project,
            stack="prod",
            config=config,
            secret_keys=base.secret_keys,
            shareable=shareable,
        )
    assert ran == runs
    assert len(list(tmp_path.glob("*.pickle"))) == stored
