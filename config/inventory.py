"""The lab's machines, resolved from the roster, project files and VMID allocations.

Everything a component needs, validated and joined: a student with its VMID,
hostname and MAC address; a project machine with its VMID, base and keys.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from config.allocations import Allocations, check, default_path, read
from config.crosschecks import (
    address_problems,
    project_secret_problems,
    vmid_range_problems,
    workspace_problems,
)
from config.fleet import FleetConfig
from config.lab import LabConfig, configured_vmids
from config.paths import ROOT, resolve, shown
from config.projects import LoadedProject, Machine, Project, ProjectBase, ProjectContext, load_projects
from config.roster import Student, hostname_for, load_roster


def mac_for(login: str, prefix: str) -> str:
    """A MAC address derived from the login: the same on every run and every node."""
    digest = hashlib.sha256(login.encode()).digest()
    return prefix + "".join(f":{b:02X}" for b in digest[:3])


@dataclass(frozen=True)
class StudentMachine:
    """One student's container, fully resolved."""

    student: Student
    vmid: int
    hostname: str
    mac: str


@dataclass(frozen=True)
class ProjectMachine:
    """One machine of a project, fully resolved."""

    kind: Literal["ct", "vm"]
    spec: Machine
    vmid: int
    base: ProjectBase
    keys: tuple[str, ...]
    """Authorised public keys: the machine's key set, plus Ansible's when `lab:ansible` is set."""

    @property
    def key(self) -> str:
        """Stable key within the project (its hostname)."""
        return self.spec.hostname


@dataclass(frozen=True)
class ProjectEnvironment:
    """One project file, fully resolved."""

    name: str
    source: str
    spec: Project
    machines: tuple[ProjectMachine, ...]


@dataclass(frozen=True)
class LabInventory:
    """Students and projects of the stack."""

    students: tuple[StudentMachine, ...]
    projects: tuple[ProjectEnvironment, ...]


def projects_dir(stack: str) -> str:
    """Where a stack's project files live."""
    return f"config/projects/{stack}"


def _students(lab: LabConfig) -> tuple[list[Student], list[str]]:
    if lab.roster is None:
        return [], []
    if lab.fleet is None:
        return [], ["lab:fleet: missing; lab:roster needs the fleet's profiles and node"]
    return load_roster(resolve(lab.roster), lab.fleet)


def _macs(students: list[Student], fleet: FleetConfig) -> tuple[dict[str, str], list[str]]:
    macs: dict[str, str] = {}
    owners: dict[str, str] = {}
    problems: list[str] = []
    for student in students:
        mac = fleet.mac_addresses.get(student.login) or mac_for(student.login, fleet.mac_prefix)
        if mac in owners:
            problems.append(
                f"lab:fleet.macAddresses: logins {owners[mac]!r} and {student.login!r} derive the same MAC "
                f"{mac}; give one of them an explicit address in lab:fleet.macAddresses"
            )
        owners[mac] = student.login
        macs[student.login] = mac
    for login in fleet.static_addresses:
        if login not in macs:
            problems.append(f"lab:fleet.staticAddresses.{login}: no such login in the roster")
    for login in fleet.mac_addresses:
        if login not in macs:
            # A typo here is silent otherwise: the real login keeps a derived MAC, so a new DHCP lease.
            problems.append(
                f"lab:fleet.macAddresses.{login}: no such login in the roster; "
                "expected the login of the student whose container keeps this address"
            )
    return macs, problems


def load_lab_inventory(
    stack: str, lab: LabConfig, *, require_vmids: bool = True
) -> tuple[LabInventory, list[str]]:
    """Read and join the lab's data files; the problems name file, row or machine, and key."""
    students, problems = _students(lab)
    macs: dict[str, str] = {}
    if lab.fleet is not None:
        macs, found = _macs(students, lab.fleet)
        problems += found
    context = _project_context(lab)
    projects, found = load_projects(resolve(lab.projects_dir or projects_dir(stack)), context)
    problems += found
    problems += address_problems(lab, projects)
    problems += workspace_problems(lab, students, projects)
    problems += project_secret_problems(lab, projects)
    problems += vmid_range_problems(stack, lab, ROOT)
    if lab.ansible is None:
        problems += [
            f"lab:ansible: missing; {p.source} has an ansible section to run"
            for p in projects
            if p.spec.ansible is not None
        ]
    path = resolve(lab.vmid_allocations or default_path(stack))
    allocations, found = read(path, stack)
    if require_vmids:
        # `python -m config.vmids` reads the lock file itself: its problems are what it repairs.
        problems += found
        problems += check(
            path,
            allocations,
            lab.vmid_range,
            stack=stack,
            students=[s.login for s in students],
            machines=[f"{p.name}/{m.hostname}" for p in projects for m in [*p.spec.ct, *p.spec.vm]],
        )
        problems += _configured_vmids_reserved(path, allocations, lab)
    if problems or not require_vmids:
        return LabInventory(students=(), projects=()), problems
    inventory = _join(students, macs, projects, allocations, lab)
    return inventory, vmid_clashes(path, inventory, lab)


def _project_context(lab: LabConfig) -> ProjectContext:
    return ProjectContext(
        bases=lab.project_bases,
        key_sets=lab.ssh_key_sets,
        root=ROOT,
        nodes=tuple(node.name for node in lab.proxmox.ssh.nodes),
    )


def _configured_vmids_reserved(path: Path, allocations: Allocations, lab: LabConfig) -> list[str]:
    # The allocator only steers clear of ids it can see in the lock file: an id set in the
    # configuration but missing from `reserved:` could be handed to the next student.
    where = shown(path)
    owners = {
        vmid: f"{section}.{name}"
        for section, table in (("students", allocations.students), ("projects", allocations.projects))
        for name, vmid in table.items()
    }
    problems: list[str] = []
    for key, name, vmid in configured_vmids(lab):
        if vmid in owners:
            problems.append(
                f"{key}: VMID {vmid} is already allocated to {owners[vmid]} in {where}; "
                f"expected an id of its own, listed as `reserved: {{{name}: {vmid}}}` there"
            )
        elif allocations.reserved.get(name) != vmid:
            problems.append(
                f"{key}: VMID {vmid} is not reserved in {where}; "
                f"expected `reserved: {{{name}: {vmid}}}` there (got {allocations.reserved.get(name)!r})"
            )
    return problems


def vmid_clashes(path: Path, inventory: LabInventory, lab: LabConfig) -> list[str]:
    """Two machines with one VMID: the failure this lock file exists to prevent, checked last."""
    owners: dict[int, str] = {}
    problems: list[str] = []
    registered = [
        *((f"student {s.student.login}", s.vmid) for s in inventory.students),
        *((f"project machine {p.name}/{m.key}", m.vmid) for p in inventory.projects for m in p.machines),
        *((key, vmid) for key, _, vmid in configured_vmids(lab)),
    ]
    for owner, vmid in registered:
        if vmid in owners:
            problems.append(
                f"{shown(path)}: VMID {vmid} would be registered for both {owners[vmid]} and {owner}; "
                "expected one VMID per machine"
            )
        else:
            owners[vmid] = owner
    return problems


def _join(
    students: list[Student],
    macs: dict[str, str],
    projects: list[LoadedProject],
    allocations: Allocations,
    lab: LabConfig,
) -> LabInventory:
    resolved_students = tuple(
        StudentMachine(
            student=s, vmid=allocations.students[s.login], hostname=hostname_for(s.login), mac=macs[s.login]
        )
        for s in students
    )
    envs: list[ProjectEnvironment] = []
    for project in projects:
        machines = tuple(
            ProjectMachine(
                kind=kind,
                spec=m,
                vmid=allocations.projects[f"{project.name}/{m.hostname}"],
                base=lab.project_bases[m.base],
                keys=_authorised_keys(lab, m.ssh_public_keys),
            )
            for kind, items in _kinds(project.spec)
            for m in items
        )
        envs.append(
            ProjectEnvironment(name=project.name, source=project.source, spec=project.spec, machines=machines)
        )
    return LabInventory(students=resolved_students, projects=tuple(envs))


def _authorised_keys(lab: LabConfig, key_set: str) -> tuple[str, ...]:
    keys = list(lab.ssh_key_sets[key_set])
    # On every project machine, with or without a run today: a container's keys are set when it is
    # created, so adding an `ansible` section later would otherwise mean recreating the machines.
    if lab.ansible is not None and lab.ansible.public_key not in keys:
        keys.append(lab.ansible.public_key)
    return tuple(keys)


def _kinds(spec: Project) -> tuple[tuple[Literal["ct", "vm"], list[Machine]], ...]:
    return (("ct", spec.ct), ("vm", spec.vm))


def wanted_names(stack: str, lab: LabConfig) -> tuple[list[str], list[str]]:
    """Students' logins and project machines' keys that need a VMID, in declaration order."""
    students, _ = _students(lab)
    context = _project_context(lab)
    projects, _ = load_projects(resolve(lab.projects_dir or projects_dir(stack)), context)
    return (
        [s.login for s in students],
        [f"{p.name}/{m.hostname}" for p in projects for m in [*p.spec.ct, *p.spec.vm]],
    )
