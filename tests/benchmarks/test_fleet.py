"""The benchmark compares like with like: a valid 600-student roster, identical registrations."""

import json
from pathlib import Path

import yaml

from benchmarks.fleet import STACK, bare, bare_program, generate_roster, plan, prepare
from config.allocations import read
from config.fleet import FleetConfig
from config.roster import load_roster
from config.stackfile import read_stack_file
from tests.conftest import ROOT, stack_file


def test_the_generated_roster_is_valid_and_fits_the_range(tmp_path: Path) -> None:
    fleet = FleetConfig.model_validate(json.loads(stack_file(STACK).config["lab:fleet"]))
    roster = tmp_path / "r.yaml"
    roster.write_text(yaml.safe_dump({"students": generate_roster(600)}))
    students, problems = load_roster(roster, fleet)
    assert problems == []
    assert len({s.login for s in students}) == 600
    prepare(tmp_path, 600)
    allocations, problems = read(tmp_path / "vmids.yaml")
    assert problems == []
    # The committed students keep their entries (nothing pruned); the 600 get theirs in the range.
    assert {s.login for s in students} <= set(allocations.students)
    assert all(50000 <= v <= 50999 for v in allocations.students.values())
    assert len(set(allocations.students.values())) == len(allocations.students)


def test_the_bare_program_registers_exactly_what_the_plan_does(tmp_path: Path) -> None:
    base = read_stack_file(ROOT, STACK)
    planned = plan(base, prepare(tmp_path, 12))
    registered = bare(base, bare_program(planned.resources))
    assert sorted(r.urn for r in registered.resources) == sorted(r.urn for r in planned.resources)
    assert {r.urn: r.inputs for r in registered.resources} == {r.urn: r.inputs for r in planned.resources}
    assert {r.urn: r.depends_on for r in registered.resources} == {
        r.urn: r.depends_on for r in planned.resources
    }
    assert (
        len([r for r in planned.resources if r.name.startswith("students-") and "containerLegacy" in r.type])
        == 12
    )
