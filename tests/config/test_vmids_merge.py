"""The VMID lock file across branches, with real git in a copy of the repository.

Two branches that each allocate take the same next VMID; git merges the two
entries without a conflict (they sit in different sections). `--check --base`
must catch it, and `--repair` must keep the base branch's entry.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.allocations import parse
from tests.conftest import ROOT

# What `python -m config.vmids --stack staging` reads: the program's configuration package with
# its data, the stack files, and the playbooks project files point to.
COPIED = ("config", "ansible", "Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml")
LOCK = "config/vmids-staging.yaml"
NEW_MACHINE = """\
  - description: Second webshop container
    node: pve
    memory: 1024
    cores: 1
    hostname: stg-webshop2
    base: dirs-nfs:debian-12-standard
    storage: disk1
    net0: vibr290
    rootfs: 8
    ip: 10.29.1.77/24
    gw: 10.29.1.1
    ssh-public-keys: profs-slam
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def _vmids(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The copy's own `config` package: ROOT (and so every data path and git) is the copy.
    env = {**os.environ, "PYTHONPATH": ""}
    return subprocess.run(
        [sys.executable, "-m", "config.vmids", "--stack", "staging", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "campus"
    repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".ansible")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    _git(repo, "init", "--quiet", "--initial-branch=main")
    _git(repo, "config", "user.email", "ci@example.org")
    _git(repo, "config", "user.name", "CI")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "base")
    return repo


def _entries(repo: Path) -> dict[str, dict[str, int]]:
    allocations, problems = parse((repo / LOCK).read_text(), LOCK)
    assert problems == []
    return {
        "students": allocations.students,
        "projects": allocations.projects,
        "reserved": allocations.reserved,
    }


def _add_student(repo: Path) -> None:
    with (repo / "config/students/staging.csv").open("a", encoding="utf-8") as roster:
        roster.write("newbie,Nouvel Élève,600900004,test-sio,base\n")


def _add_project_machine(repo: Path) -> None:
    path = repo / "config/projects/staging/webshop.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ct:\n", "ct:\n" + NEW_MACHINE, 1), encoding="utf-8")


def test_a_merge_of_two_allocating_branches_is_caught_and_repaired(repo: Path) -> None:
    _git(repo, "branch", "project")
    # One branch adds a student...
    _git(repo, "switch", "--quiet", "-c", "student")
    _add_student(repo)
    assert _vmids(repo).returncode == 0
    _git(repo, "commit", "--quiet", "-am", "add newbie")
    # ...the other, from the same base, a project machine: both take the next free VMID.
    _git(repo, "switch", "--quiet", "project")
    _add_project_machine(repo)
    assert _vmids(repo).returncode == 0
    _git(repo, "commit", "--quiet", "-am", "add stg-webshop2")
    # The student lands on main first; the project branch is brought up to date: no conflict.
    _git(repo, "switch", "--quiet", "main")
    _git(repo, "merge", "--quiet", "--ff-only", "student")
    on_main = _entries(repo)
    _git(repo, "switch", "--quiet", "project")
    _git(repo, "merge", "--quiet", "--no-edit", "main")
    merged = (repo / LOCK).read_text()
    vmid = on_main["students"]["newbie"]
    assert f"newbie: {vmid}" in merged and f"webshop/stg-webshop2: {vmid}" in merged

    check = _vmids(repo, "--check", "--base", "main")
    assert check.returncode == 1
    assert "projects.webshop/stg-webshop2" in check.stdout and "students.newbie" in check.stdout
    assert "python -m config.vmids --stack staging --repair --base main" in check.stdout
    assert (repo / LOCK).read_text() == merged  # --check changes nothing
    # The allocating command points to the repair too, rather than failing the same way forever.
    again = _vmids(repo)
    assert again.returncode == 2 and "--repair --base main" in again.stderr

    repaired = _vmids(repo, "--repair", "--base", "main")
    assert repaired.returncode == 0, repaired.stderr
    after = _entries(repo)
    moved_to = after["projects"]["webshop/stg-webshop2"]
    assert f"moved projects.webshop/stg-webshop2 from {vmid} to {moved_to}" in repaired.stdout
    # Every entry of the base branch, the student's included, is exactly as it was.
    for section, table in on_main.items():
        for name, value in table.items():
            assert after[section][name] == value
    assert moved_to != vmid and moved_to not in {v for t in on_main.values() for v in t.values()}
    assert _vmids(repo, "--check", "--base", "main").returncode == 0


def test_check_against_the_base_refuses_a_swap_and_a_removal(repo: Path) -> None:
    text = (repo / LOCK).read_text()
    # Hand-swapped ids: each machine would be replaced by one with the other's VMID.
    swapped = text.replace("test.eleve1: 60000", "test.eleve1: 60001").replace(
        "test.eleve2: 60001", "test.eleve2: 60000"
    )
    (repo / LOCK).write_text(swapped)
    check = _vmids(repo, "--check", "--base", "main")
    assert check.returncode == 1
    assert "students.test.eleve1: VMID 60001 here, 60000 in main; an entry never changes" in check.stdout
    assert "students.test.eleve2: VMID 60000 here, 60001 in main" in check.stdout
    # A removed entry of a machine still declared is refused too; the plain check says it is missing.
    (repo / LOCK).write_text(text.replace("  test_prof: 60002\n", ""))
    check = _vmids(repo, "--check", "--base", "main")
    assert check.returncode == 1
    assert (
        "students.test_prof: removed, but main has it (60002) and the machine is still declared"
        in check.stdout
    )
    assert _vmids(repo, "--check", "--base", "no-such-branch").returncode == 2


def test_check_exits_1_and_changes_nothing_when_an_entry_is_missing(repo: Path) -> None:
    _add_student(repo)
    before = (repo / LOCK).read_bytes()
    check = _vmids(repo, "--check")
    assert check.returncode == 1
    assert "would have allocated 60901 to newbie" in check.stdout
    assert (repo / LOCK).read_bytes() == before
    assert _vmids(repo).returncode == 0
    assert _vmids(repo, "--check").returncode == 0


def test_the_ci_script_fails_on_a_changed_entry_and_passes_otherwise(repo: Path) -> None:
    script = repo / "scripts/ci/vmids-base.sh"
    script.parent.mkdir(parents=True)
    shutil.copy2(ROOT / "scripts/ci/vmids-base.sh", script)
    env = {**os.environ, "PYTHONPATH": "", "PYTHON": sys.executable, "STACKS": "staging prod"}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), "main"], env=env, capture_output=True, text=True, check=False)

    assert run().returncode == 0
    lock = repo / LOCK
    lock.write_text(lock.read_text().replace("gns3vm: 60248", "gns3vm: 60249"))
    failed = run()
    assert failed.returncode == 1
    assert "reserved.gns3vm" in failed.stdout
