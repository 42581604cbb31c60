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
from yaml.nodes import MappingNode, ScalarNode

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


def repair_command(stack: str, base: str = "main") -> str:
    """The command that resolves two entries a merge gave one VMID (or one name)."""
    return f"python -m config.vmids --stack {stack} --repair --base {base}"


def read(path: Path, stack: str | None = None) -> tuple[Allocations, list[str]]:
    """The allocations of a file (empty when absent) and the problems found in it.

    :param stack: names the `--repair` command in the message about a duplicate; default None: no hint.
    """
    if not path.exists():
        return Allocations(), []
    return parse(path.read_text(encoding="utf-8"), shown(path), stack)


def parse(text: str, where: str, stack: str | None = None) -> tuple[Allocations, list[str]]:
    """The allocations of a lock file's text (see `read`); `where` names it in problems."""
    hint = (
        f"; when a merge brought both, run `{repair_command(stack)}` (it keeps the base branch's entry)"
        if stack is not None
        else ""
    )
    try:
        doc: Any = yamlfile.parse(text) or {}
    except yamlfile.DuplicateKeyError as exc:
        return Allocations(), [f"{where}: {yamlfile.problem(exc)}{hint}"]
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
                    f"{where}: {section}.{key}: VMID {value} is also allocated to {owners[value]}{hint}"
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


def entries(text: str) -> list[tuple[str, str, Any]]:
    """Every `(section, name, value)` of a lock file's text in file order, repeated keys included.

    `parse` refuses a key written twice; `repair` needs to see both to keep the right one.
    :raises yaml.YAMLError: when the text is not YAML at all.
    """
    root = yamlfile.compose(text)
    found: list[tuple[str, str, Any]] = []
    if not isinstance(root, MappingNode):
        return found
    for section_node, body in root.value:
        section = str(section_node.value)
        if section not in SECTIONS or not isinstance(body, MappingNode):
            continue
        for key_node, value_node in body.value:
            raw = value_node.value if isinstance(value_node, ScalarNode) else None
            value: Any = int(raw) if isinstance(raw, str) and raw.isdigit() else raw
            found.append((section, str(key_node.value), value))
    return found


def base_problems(
    base: Allocations,
    current: Allocations,
    *,
    base_ref: str,
    stack: str,
    where: str,
    declared: Mapping[str, set[str]],
    configured: Mapping[str, int],
) -> list[str]:
    """How the lock file departs from the base branch's: an entry changed, or removed while declared.

    Entries of the base branch never change (a new VMID means a new machine: Proxmox replaces it)
    and disappear only through `--prune`, once their machine is no longer declared.

    :param declared: section to the names the configuration declares now (`students`, `projects`).
    :param configured: reserved name to the VMID the configuration sets (a changed `lab:gns3.vmId`
        is a deliberate new machine, recorded under its new id).
    """
    problems: list[str] = []
    repair = repair_command(stack, base_ref)
    tables = {"students": current.students, "projects": current.projects, "reserved": current.reserved}
    for section, table in (
        ("students", base.students),
        ("projects", base.projects),
        ("reserved", base.reserved),
    ):
        for name, vmid in table.items():
            now = tables[section].get(name)
            if now == vmid:
                continue
            if now is None:
                still = name in declared.get(section, set()) or name in configured
                if still:
                    problems.append(
                        f"{where}: {section}.{name}: removed, but {base_ref} has it ({vmid}) and the machine "
                        "is still declared; entries disappear only with --prune, once their machine is gone"
                    )
                continue
            if section == "reserved" and configured.get(name) == now:
                continue
            problems.append(
                f"{where}: {section}.{name}: VMID {now} here, {vmid} in {base_ref}; an entry never changes "
                f"(a new VMID replaces the machine); run `{repair}` to restore it"
            )
    return problems


def repair(
    found: Sequence[tuple[str, str, Any]], base: Allocations, vmid_range: VmidRange
) -> tuple[Allocations, list[str]]:
    """Resolve what a merge left in a lock file: a name twice, or one VMID for two machines.

    Every entry the base branch has keeps the base branch's VMID; an entry that collides with
    one kept is given a new VMID (after the highest in use, as `allocate` does); a second entry
    of one name is dropped.

    :param found: the file's entries, repeated ones included (see `entries`).
    :returns: the repaired allocations and a line per change.
    :raises RangeExhaustedError: when no free VMID is left for an entry to move to.
    """
    result = Allocations()
    tables = {"students": result.students, "projects": result.projects, "reserved": result.reserved}
    based = {"students": base.students, "projects": base.projects, "reserved": base.reserved}
    changes: list[str] = []
    # The base branch's entries first: they are the machines that exist (or are being made).
    for section, name, _ in found:
        vmid = based[section].get(name)
        if vmid is not None and name not in tables[section] and vmid not in result.used():
            tables[section][name] = vmid
    to_move: list[tuple[str, str, Any]] = []
    # Then the rest, reserved ids first: those are set in the configuration and cannot move.
    for section, name, value in sorted(found, key=lambda e: e[0] != "reserved"):
        if name in tables[section]:
            if tables[section][name] != value:
                changes.append(f"kept {section}.{name} at {tables[section][name]} (dropped {value})")
            continue
        if not isinstance(value, int) or value in result.used():
            to_move.append((section, name, value))
        else:
            tables[section][name] = value
    used = result.used()
    free = [v for v in range(vmid_range.start, vmid_range.end + 1) if v not in used]
    high = max((v for v in used if v in vmid_range), default=vmid_range.start - 1)
    order = iter([v for v in free if v > high] + [v for v in free if v < high])
    for section, name, value in to_move:
        if section == "reserved":
            changes.append(f"dropped reserved.{name} ({value}): the configuration's id is recorded again")
            continue
        new = next(order, None)
        if new is None:
            raise RangeExhaustedError(
                f"lab:vmidRange {vmid_range.start}..{vmid_range.end} has no free VMID for {section}.{name}"
            )
        tables[section][name] = new
        changes.append(f"moved {section}.{name} from {value} to {new}")
    return result, changes
