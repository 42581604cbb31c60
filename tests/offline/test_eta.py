"""The preview's ETA: the critical path over the dependency graph, clone lanes included."""

import math
from pathlib import Path
from typing import Any

import yaml

from benchmarks.fleet import STACK, generate_roster, plan, prepare
from config.stackfile import read_stack_file
from offline.eta import CONTAINER, Seconds, durations, estimate
from offline.harness import PlanResult, Registered
from offline.preview import BaseResource, compare
from offline.replacements import knowledge
from tests.conftest import ROOT
from tests.lab_support import allocate_vmids

HOOK = "proxmoxve:index/fileLegacy:FileLegacy"


def _seconds(**changes: float) -> Seconds:
    return durations().model_copy(update=changes)


def _record(name: str, type_: str, deps: list[str], **inputs: Any) -> Registered:
    urn = f"urn:pulumi:t::p::{type_}::{name}"
    return Registered(urn, type_, name, None, True, False, inputs, dependencies=deps)


def _first_deploy(result: PlanResult, s: Seconds | None = None) -> Any:
    return estimate(compare(result, [], knowledge(), base_name="an empty stack"), result, s)


def test_a_clone_lane_is_a_chain_and_first_boot_only_ends_it() -> None:
    hook = _record("hook", HOOK, [])
    clone = {"clone": {"vmId": 9100, "datastoreId": "d"}, "disk": {"size": 50}}
    a = _record("a", CONTAINER, [hook.urn], **clone)
    b = _record("b", CONTAINER, [hook.urn, a.urn], **clone)
    c = _record("c", CONTAINER, [hook.urn, b.urn], **clone)
    other = _record("x", CONTAINER, [hook.urn], operatingSystem={"templateFileId": "v"}, disk={"size": 8})
    result = PlanResult("p", "t", [hook, a, b, c, other], {})
    s = _seconds(
        snippet_upload=5, full_clone_per_gb=2, template_gb=10, guest_start=10, container_first_boot=100
    )
    eta = _first_deploy(result, s)
    # hook, then three clones of 10 GB one after the other; c's first boot ends it. The lane waits
    # for each clone and start, not for the first boots.
    assert eta.seconds == 5 + 3 * (2 * 10 + 10) + 100
    assert [step.name for step, _ in eta.path] == ["hook", "a", "b", "c"]
    assert eta.line().startswith(
        "ETA: about 4 min (critical path: create FileLegacy hook (5 s) -> 3 x create"
    )


def test_a_template_built_by_the_stack_counts_its_own_size() -> None:
    template = _record("tpl", "proxmoxve:index/vmLegacy:VmLegacy", [], vmId=555, disks=[{"size": 4}])
    vm = _record(
        "vm", "proxmoxve:index/vmLegacy:VmLegacy", [template.urn], clone={"vmId": 555}, disks=[{"size": 400}]
    )
    s = _seconds(full_clone_per_gb=10, guest_start=0, vm_first_boot=0)
    eta = _first_deploy(PlanResult("p", "t", [template, vm], {}), s)
    assert eta.seconds == 4 * 10 + 4 * 10  # the import of the template's 4 GB, then a 4 GB clone, not 400


def test_nothing_to_apply_takes_no_time(prod_result: PlanResult) -> None:
    base = [BaseResource(r.urn, r.type, r.name, r.inputs, r.protect) for r in prod_result.resources]
    eta = estimate(compare(prod_result, base, knowledge(), base_name="itself"), prod_result)
    assert eta.seconds == 0 and eta.line() == "ETA: nothing to apply"


def test_600_students_then_one_more(tmp_path: Path) -> None:
    changes = prepare(tmp_path, 600)
    stack = read_stack_file(ROOT, STACK)
    result = plan(stack, changes)
    s = durations()
    fleet = yaml.safe_load(stack.config["lab:fleet"])
    lanes = fleet.get("cloneConcurrency", 5)
    rows = generate_roster(600)
    desktops = sum(1 for r in rows if r["profile"] == "desktop")
    eta = _first_deploy(result)
    clone = s.full_clone_per_gb * min(fleet["profiles"]["desktop"]["diskSize"], s.template_gb) + s.guest_start
    # The fleet's snippets (hook script, first boot) come first on the path, then one lane.
    snippets = sum(c.blocking for step, c in eta.path if step.type == "proxmoxve:index/fileLegacy:FileLegacy")
    assert snippets in (s.snippet_upload, 2 * s.snippet_upload)
    assert eta.seconds == snippets + math.ceil(desktops / lanes) * clone + s.container_first_boot
    assert f"{math.ceil(desktops / lanes)} x create ContainerLegacy" in eta.line()

    # One student more: one clone at the end of its lane, whose earlier clones are all done.
    base = [BaseResource(r.urn, r.type, r.name, r.inputs, r.protect) for r in result.resources]
    roster = Path(changes["lab:roster"])
    doc = yaml.safe_load(roster.read_text())
    newcomer = {**generate_roster(601)[-1], "profile": "desktop"}
    doc["students"].append(newcomer)
    roster.write_text(yaml.safe_dump(doc, sort_keys=False))
    allocate_vmids(STACK, changes)
    after = plan(stack, changes)
    preview = compare(after, base, knowledge(), base_name="600 students")
    assert {st.name for st in preview.of("create")} == {
        f"students-{newcomer['login']}",
        f"students-{newcomer['login']}-pool",
        f"{STACK}-self-service-{newcomer['login']}",
    }
    # The runs that read the roster (DHCP/DNS and Guacamole syncs) run again: each old run's removal
    # comes last.
    assert {st.type for st in preview.of("replace")} <= {"command:remote:Command"}
    assert preview.of("update") == [] and preview.of("delete") == []
    one = estimate(preview, after)
    assert one.deletions == (s.default if preview.of("replace") else 0)
    assert one.seconds == clone + s.container_first_boot + one.deletions
    assert one.minutes() == math.ceil(one.seconds / 60)
