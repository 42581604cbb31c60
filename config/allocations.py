"""VMID allocations: a committed lock file per stack, `config/vmids-<stack>.yaml`.

Proxmox cannot reserve VMIDs, so two machines created at once with computed
ids can collide. Here every machine's VMID is written once in the file and
never changes: adding, removing or reordering students leaves every other
entry alone. The plan refuses a machine without an entry; this command adds
the missing entries:

    python -m config.vmids --stack prod            # allocate for new students and machines
    python -m config.vmids --stack prod --prune    # after `pulumi up` removed machines: free their ids

New ids continue after the highest one in use, so a freed id is reused only
once the range's end is reached.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from config import yamlfile
from config.lab import VmidRange
from config.paths import shown

SECTIONS = ("students", "projects", "reserved")
HEADER = """\
# VMIDs of this stack's machines: a lock file, committed. Never edit an entry by hand:
# `python -m config.vmids --stack {stack}` adds entries for new students and project
# machines; `--prune` frees the entries of machines that no longer exist. Machines
# whose VMID is set elsewhere in the configuration are recorded under `reserved:`.
"""


def default_path(stack: str) -> str:
    """Where a stack's allocations live unless `lab:vmidAllocations` says otherwise."""
    return f"config/vmids-{stack}.yaml"


@dataclass
class Allocations:
    """Login (students) or `project/hostname` (project machines) to VMID."""

    students: dict[str, int] = field(default_factory=dict[str, int])
    projects: dict[str, int] = field(default_factory=dict[str, int])
    reserved: dict[str, int] = field(default_factory=dict[str, int])
    """VMIDs of machines declared elsewhere (a GNS3 server, a template built in the range),
    written by hand: never allocated, never pruned."""

    def used(self) -> set[int]:
        """Every allocated or reserved VMID."""
        return {*self.students.values(), *self.projects.values(), *self.reserved.values()}


def read(path: Path) -> tuple[Allocations, list[str]]:
    """The allocations of a file (empty when absent) and the problems found in it."""
    where = shown(path)
    if not path.exists():
        return Allocations(), []
    try:
        doc: Any = yamlfile.parse(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        return Allocations(), [f"{where}: {yamlfile.problem(exc)}"]
    if not isinstance(doc, dict):
        return Allocations(), [f"{where}: expected a mapping with students: and projects:"]
    raw = cast(dict[str, Any], doc)
    problems = [
        f"{where}: {key}: unknown section; expected {', '.join(SECTIONS)}"
        for key in raw
        if key not in SECTIONS
    ]
    result = Allocations()
    owners: dict[int, str] = {}
    for section in SECTIONS:
        entries: Any = raw.get(section) or {}
        if not isinstance(entries, dict):
            problems.append(f"{where}: {section}: expected a mapping of name to VMID")
            continue
        target = {"students": result.students, "projects": result.projects, "reserved": result.reserved}[
            section
        ]
        for key, value in cast(dict[Any, Any], entries).items():
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"{where}: {section}.{key}: expected an integer VMID, got {value!r}")
                continue
            if value in owners:
                problems.append(
                    f"{where}: {section}.{key}: VMID {value} is also allocated to {owners[value]}"
                )
                continue
            owners[value] = f"{section}.{key}"
            target[str(key)] = value
    return result, problems


def check(
    path: Path,
    allocations: Allocations,
    vmid_range: VmidRange,
    *,
    stack: str,
    students: Iterable[str],
    machines: Iterable[str],
) -> list[str]:
    """Problems that stop the plan: machines without an entry, entries outside the range."""
    where = shown(path)
    problems: list[str] = []
    for section, names, table in (
        ("students", students, allocations.students),
        ("projects", machines, allocations.projects),
    ):
        missing = [n for n in names if n not in table]
        if missing:
            shown_names = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            problems.append(
                f"{where}: {section}: no VMID for {shown_names}; "
                f"run `python -m config.vmids --stack {stack}` "
                "and commit the file"
            )
        for name, vmid in table.items():
            if vmid not in vmid_range:
                problems.append(
                    f"{where}: {section}.{name}: VMID {vmid} is outside lab:vmidRange "
                    f"{vmid_range.start}..{vmid_range.end}"
                )
    return problems


class RangeExhaustedError(ValueError):
    """No free VMID is left in the stack's range."""


def allocate(
    allocations: Allocations,
    vmid_range: VmidRange,
    *,
    students: Sequence[str],
    machines: Sequence[str],
    prune: bool = False,
    reserve: Mapping[str, int] | None = None,
) -> tuple[Allocations, list[str]]:
    """Entries for the names without one; existing entries never change.

    :param reserve: VMIDs the configuration sets (name under `reserved:` to VMID), recorded when the
        name is missing and the id is free; any other mismatch is left for the plan to refuse.

    :returns: the new allocations and a line per change.
    :raises RangeExhaustedError: when the range has too few free ids.
    """
    result = Allocations(
        students=dict(allocations.students),
        projects=dict(allocations.projects),
        reserved=dict(allocations.reserved),
    )
    changes: list[str] = []
    if prune:
        for table, wanted in ((result.students, set(students)), (result.projects, set(machines))):
            for name in [n for n in table if n not in wanted]:
                changes.append(f"freed {table.pop(name)} ({name})")
    for name, vmid in (reserve or {}).items():
        if name not in result.reserved and vmid not in result.used():
            result.reserved[name] = vmid
            changes.append(f"reserved {vmid} for {name}")
    used = result.used()
    wanted_count = sum(1 for n in students if n not in result.students)
    wanted_count += sum(1 for n in machines if n not in result.projects)
    free = [v for v in range(vmid_range.start, vmid_range.end + 1) if v not in used]
    if wanted_count > len(free):
        raise RangeExhaustedError(
            f"lab:vmidRange {vmid_range.start}..{vmid_range.end} is exhausted: {len(used)} VMIDs allocated, "
            f"{len(free)} free, {wanted_count} needed; widen lab:vmidRange or free entries with --prune"
        )
    # Continue after the highest id in use, wrapping to the lowest free one at the end.
    high = max((v for v in used if v in vmid_range), default=vmid_range.start - 1)
    order = [v for v in free if v > high] + [v for v in free if v < high]
    ids = iter(order)
    for table, names in ((result.students, students), (result.projects, machines)):
        for name in names:
            if name not in table:
                table[name] = next(ids)
                changes.append(f"allocated {table[name]} to {name}")
    return result, changes


def write(path: Path, allocations: Allocations, stack: str) -> None:
    """Write the lock file, entries in VMID order."""
    doc = {
        "students": dict(sorted(allocations.students.items(), key=lambda kv: kv[1])),
        "projects": dict(sorted(allocations.projects.items(), key=lambda kv: kv[1])),
    }
    if allocations.reserved:
        doc["reserved"] = dict(sorted(allocations.reserved.items(), key=lambda kv: kv[1]))
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
    path.write_text(HEADER.format(stack=stack) + body, encoding="utf-8")
