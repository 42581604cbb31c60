"""A content-addressed store of offline plans, shared by the processes of one test run.

A plan is a pure function of the program's files, the pinned SDKs, the stack's
flat configuration, its secret keys, the preview mode and the outputs of the
stacks it references. The test suite plans the same committed stacks from many
processes (pytest-xdist workers, the `python -m stacks.plan` subprocesses its CLI
tests start, `make validate`): with `CAMPUS_PLAN_CACHE` naming a directory, each
distinct plan is made once and the others read it back.

The key hashes every one of those inputs, the repository's files included, so a
changed file can never be answered with an old plan. Only the repository's own
stack files are stored (offline/plan.py decides): a changed configuration may name
a file outside the repository, which the key cannot see. Nor can it see a change made
inside a process (a test that monkeypatches the program or the mocks): such a
process must not use the store (tests/conftest.py turns it off for every test that
takes `monkeypatch`). Unset, as it is for users and CI's deploys, nothing is stored.
"""

import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from offline.harness import ROOT, PlanResult

CACHE_ENV = "CAMPUS_PLAN_CACHE"
"""Environment variable naming the store's directory; unset means no store."""

_NOT_INPUTS = frozenset(
    {
        ".git",
        "venv",
        "build",
        "tests",
        "docs",
        "tools",
        "node_modules",
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".ansible",
        ".github",
    }
)
"""Directories of the repository the program never reads (the tests' own files, caches, docs)."""


@cache
def program_digest(root: Path = ROOT) -> str:
    """SHA-256 over every file the program may read under `root` (paths and contents).

    Computed once per process: within one process the files do not change.
    """
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _NOT_INPUTS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.suffix == ".pyc" or path.is_symlink():
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def plan_key(
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    preview: bool,
    references: Mapping[str, Any],
) -> str:
    """The store's key of one plan: a hash of everything the plan depends on."""
    doc = {
        "program": program_digest(),
        "project": project,
        "stack": stack,
        "config": sorted(config.items()),
        "secretKeys": sorted(secret_keys),
        "preview": preview,
        "references": references,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def store() -> Path | None:
    """The store's directory, when `CAMPUS_PLAN_CACHE` names one."""
    value = os.environ.get(CACHE_ENV)
    return Path(value) if value else None


@contextmanager
def _locked(path: Path) -> Generator[None]:
    """Hold an exclusive lock on `path`: a second process asking for the same plan waits for the first."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached(key: str, make: Callable[[], PlanResult]) -> PlanResult:
    """The plan stored under `key`, made by `make` (and stored) when absent or when no store is set.

    An exception from `make` (an invalid configuration) is raised and nothing is stored.
    """
    directory = store()
    if directory is None:
        return make()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{key}.pickle"
    with _locked(directory / f"{key}.lock"):
        if target.is_file():
            with target.open("rb") as handle:
                result: PlanResult = pickle.load(handle)
            return result
        result = make()
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp).replace(target)
        return result
