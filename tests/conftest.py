"""Shared fixtures: committed stack configurations and a planner over them."""

import copy
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.stackfile import StackFile, read_stack_file
from offline.harness import PlanResult
from offline.plan import plan_config
from offline.plancache import CACHE_ENV

ROOT = Path(__file__).resolve().parent.parent

Planner = Callable[..., PlanResult]

_OWN_STORE: list[str] = []
"""The plan store this run made (and removes at its end), when none was given."""


def pytest_configure(config: pytest.Config) -> None:
    """One plan store for the run: xdist workers and the CLI subprocesses inherit it.

    Runs in the controller before the workers start, so they all see the same
    directory. `make test` names one (CAMPUS_PLAN_CACHE) that `make validate` reads too.
    """
    if os.environ.get(CACHE_ENV) or hasattr(config, "workerinput"):
        return
    _OWN_STORE.append(tempfile.mkdtemp(prefix="campus-plans-"))
    os.environ[CACHE_ENV] = _OWN_STORE[0]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the store this run made."""
    for directory in _OWN_STORE:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(CACHE_ENV, None)


@pytest.fixture(autouse=True)
def _no_plan_store_when_patched(request: pytest.FixtureRequest) -> None:
    """A test that monkeypatches may change what the program registers, which the store's key
    cannot see: it neither reads nor writes stored plans (nor do the processes it starts)."""
    if "monkeypatch" in request.fixturenames:
        patch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        patch.delenv(CACHE_ENV, raising=False)


def stack_file(stack: str) -> StackFile:
    """The committed configuration of a stack, as the engine would pass it."""
    return read_stack_file(ROOT, stack)


def with_changes(
    base: StackFile, set_: Mapping[str, Any] | None = None, unset: tuple[str, ...] = ()
) -> dict[str, str]:
    """A copy of a stack's flat config with keys set (structured values as JSON) or removed."""
    config = dict(base.config)
    for key in unset:
        config.pop(key, None)
    for key, value in (set_ or {}).items():
        config[key] = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    return config


DEDICATED = "staging-dedicated"
"""Pseudo stack name the `plan` fixture reads as staging in the dedicated topology (its own cluster)."""


def dedicated_staging_changes() -> dict[str, Any]:
    """The keys config/topologies/staging-dedicated.yaml sets on staging (the host reference goes)."""
    doc: dict[str, Any] = yaml.safe_load(
        (ROOT / "config" / "topologies" / "staging-dedicated.yaml").read_text()
    )
    return doc


_COMMITTED: dict[str, PlanResult] = {}
"""Plans of the committed stacks, made once per test process (each xdist worker has its own)."""


@pytest.fixture
def plan() -> Planner:
    """Plan a committed stack, optionally with configuration changes.

    A plan without changes is made once per process and each caller gets its own
    copy (a test may change what it is given); a plan with changes is always new.
    `staging-dedicated` plans staging with its own VPC and cluster (the dedicated topology).
    """

    def run(
        stack: str = "staging",
        set_: Mapping[str, Any] | None = None,
        unset: tuple[str, ...] = (),
        *,
        shareable: bool = False,
    ) -> PlanResult:
        if stack == DEDICATED:
            # As committed (no changes of the test's own), it names only the repository's files.
            changes = {**dedicated_staging_changes(), **(set_ or {})}
            return run("staging", changes, (*unset, "cloud:host"), shareable=not set_ and not unset)
        base = stack_file(stack)
        committed = not set_ and not unset
        if committed and stack in _COMMITTED:
            return copy.deepcopy(_COMMITTED[stack])
        result = plan_config(
            project=base.project,
            stack=stack,
            config=with_changes(base, set_, unset),
            secret_keys=base.secret_keys,
            shareable=shareable,
        )
        if committed:
            _COMMITTED[stack] = copy.deepcopy(result)
        return result

    return run


@pytest.fixture(scope="session")
def prod_result() -> PlanResult:
    """The committed prod stack's plan, shared as is: for tests that only read it."""
    if "prod" not in _COMMITTED:
        base = stack_file("prod")
        _COMMITTED["prod"] = plan_config(
            project=base.project, stack="prod", config=base.config, secret_keys=base.secret_keys
        )
    return _COMMITTED["prod"]
