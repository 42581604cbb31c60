"""The VMID lock file: stable entries, clear errors, and the command that maintains it."""

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from config import ConfigError
from config.allocations import Allocations, RangeExhaustedError, allocate, read, write
from config.inventory import LabInventory, vmid_clashes
from config.lab import VmidRange
from config.loader import load_stack_config
from config.vmids import main
from tests.conftest import Planner, stack_file
from tests.lab_support import student, write_roster

RANGE = VmidRange(start=100, end=109)


def test_existing_entries_never_change_and_new_ones_follow_the_highest() -> None:
    current = Allocations(students={"a": 100, "c": 104}, projects={"p/web": 101})
    updated, changes = allocate(current, RANGE, students=["z", "c", "a", "b"], machines=["p/web", "p/db"])
    assert updated.students == {"a": 100, "c": 104, "z": 105, "b": 106}
    assert updated.projects == {"p/web": 101, "p/db": 107}
    assert changes == ["allocated 105 to z", "allocated 106 to b", "allocated 107 to p/db"]


def test_removed_students_keep_their_id_until_pruned() -> None:
    current = Allocations(students={"a": 100, "b": 101})
    kept, _ = allocate(current, RANGE, students=["b"], machines=[])
    assert kept.students == {"a": 100, "b": 101}
    pruned, changes = allocate(current, RANGE, students=["b"], machines=[], prune=True)
    assert pruned.students == {"b": 101}
    assert changes == ["freed 100 (a)"]


def test_freed_ids_are_reused_only_at_the_end_of_the_range() -> None:
    current = Allocations(students={"b": 101, "j": 109})
    updated, _ = allocate(current, RANGE, students=["b", "j", "new"], machines=[])
    assert updated.students["new"] == 100


def test_reserved_ids_are_never_allocated_and_survive_a_prune(tmp_path: Path) -> None:
    current = Allocations(students={"a": 100}, reserved={"gns3": 101, "template": 555})
    updated, _ = allocate(current, RANGE, students=["b"], machines=[], prune=True)
    assert updated.students == {"b": 102}
    assert updated.reserved == {"gns3": 101, "template": 555}
    path = tmp_path / "vmids.yaml"
    write(path, updated, "prod")
    assert read(path) == (updated, [])
    path.write_text("students: {a: 101}\nreserved: {gns3: 101}\n")
    assert read(path)[1] == [f"{path}: reserved.gns3: VMID 101 is also allocated to students.a"]


def test_an_exhausted_range_is_a_clear_error() -> None:
    current = Allocations(students={f"s{i}": 100 + i for i in range(9)})
    with pytest.raises(
        RangeExhaustedError,
        match=r"lab:vmidRange 100\.\.109 is exhausted: 9 VMIDs allocated, 1 free, 2 needed",
    ):
        allocate(current, RANGE, students=[*current.students, "x", "y"], machines=[])


def test_round_trip_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "vmids.yaml"
    write(path, Allocations(students={"b": 102, "a": 101}, projects={"p/x": 103}), "prod")
    loaded, problems = read(path)
    assert problems == []
    assert loaded.students == {"b": 102, "a": 101}
    assert list(loaded.students) == ["a", "b"]
    path.write_text("students: {a: 101, b: 101, c: x}\nextra: {}\n")
    _, problems = read(path)
    assert problems == [
        f"{path}: extra: unknown section; expected students, projects, reserved",
        f"{path}: students.b: VMID 101 is also allocated to students.a",
        f"{path}: students.c: expected an integer VMID, got 'x'",
    ]


def test_the_plan_refuses_a_student_without_a_vmid(plan: Planner, tmp_path: Path) -> None:
    roster = write_roster(
        tmp_path / "r.yaml", [student("jdupont", uid=600_010_234), student("newbie", uid=600_010_999)]
    )
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:roster": str(roster)})
    assert (
        "config/vmids-prod.yaml: students: no VMID for newbie; run `python -m config.vmids --stack prod` "
        "and commit the file"
    ) in str(caught.value)


def test_the_plan_refuses_an_entry_outside_the_range(plan: Planner) -> None:
    with pytest.raises(
        ConfigError, match=r"students.amartin: VMID 50000 is outside lab:vmidRange 50001..50999"
    ):
        plan("prod", set_={"lab:vmidRange": {"start": 50001, "end": 50999}})


def test_committed_lock_files_are_complete() -> None:
    assert main(["--stack", "prod", "--check"]) == 0
    assert main(["--stack", "staging", "--check"]) == 0


def _prod_gns3(**changes: Any) -> dict[str, Any]:
    raw = yaml.safe_load(stack_file("prod").config["lab:gns3"])
    assert isinstance(raw, dict)
    return {**cast(dict[str, Any], raw), **changes}


def test_a_configured_vmid_clashing_with_a_student_is_refused(plan: Planner) -> None:
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:gns3": _prod_gns3(vmId=50003)})
    assert (
        "lab:gns3.vmId: VMID 50003 is already allocated to students.jdupont in config/vmids-prod.yaml; "
        "expected an id of its own, listed as `reserved: {gns3vm: 50003}` there"
    ) in str(caught.value)


def test_a_configured_vmid_must_be_reserved_under_its_name(plan: Planner) -> None:
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:gns3": _prod_gns3(vmId=50500)})
    assert (
        "lab:gns3.vmId: VMID 50500 is not reserved in config/vmids-prod.yaml; "
        "expected `reserved: {gns3vm: 50500}` there (got 50249)"
    ) in str(caught.value)
    staging = yaml.safe_load(stack_file("staging").config["lab:gns3"])
    staging["template"]["build"]["vmId"] = 60901
    with pytest.raises(ConfigError, match=r"lab:gns3.template.build.vmId: VMID 60901 is not reserved"):
        plan("staging", set_={"lab:gns3": staging})


def test_the_last_guard_refuses_two_machines_with_one_vmid() -> None:
    cfg = load_stack_config(
        project=stack_file("prod").project,
        stack="prod",
        raw=stack_file("prod").config,
        secret_keys=stack_file("prod").secret_keys,
    )
    assert cfg.lab is not None
    first, second = cfg.inventory.students[:2]
    clashing = LabInventory(
        students=(first, replace(second, vmid=first.vmid)), projects=cfg.inventory.projects
    )
    assert vmid_clashes(Path("config/vmids-prod.yaml"), cfg.inventory, cfg.lab) == []
    assert vmid_clashes(Path("config/vmids-prod.yaml"), clashing, cfg.lab) == [
        f"config/vmids-prod.yaml: VMID {first.vmid} would be registered for both "
        f"student {first.student.login} and student {second.student.login}; expected one VMID per machine"
    ]


def test_configured_vmids_are_reserved_by_the_command_when_free() -> None:
    current = Allocations(students={"a": 100})
    updated, changes = allocate(
        current, RANGE, students=["a", "b"], machines=[], reserve={"gns3vm": 101, "clash": 100}
    )
    assert updated.reserved == {"gns3vm": 101}
    assert updated.students == {"a": 100, "b": 102}
    assert changes == ["reserved 101 for gns3vm", "allocated 102 to b"]


def test_repair_keeps_the_base_entries_and_moves_the_colliding_ones() -> None:
    from config.allocations import entries, repair  # noqa: PLC0415

    base = Allocations(students={"a": 100, "b": 101}, reserved={"gns3vm": 105})
    merged = (
        "students:\n  a: 101\n  b: 100\n  c: 102\n  c: 103\n"  # swapped by hand; c twice (two branches)
        "projects:\n  p/web: 102\n"  # a project machine that took c's id
        "reserved:\n  gns3vm: 105\n"
    )
    repaired, changes = repair(entries(merged), base, RANGE)
    assert repaired.students == {"a": 100, "b": 101, "c": 102}
    assert repaired.projects == {"p/web": 106}
    assert repaired.reserved == {"gns3vm": 105}
    assert changes == [
        "kept students.a at 100 (dropped 101)",
        "kept students.b at 101 (dropped 100)",
        "kept students.c at 102 (dropped 103)",
        "moved projects.p/web from 102 to 106",
    ]
