"""Where each machine is registered: reserved address, FQDN, Guacamole and DHCP/DNS entries.

Joins the inventory with `lab:selfService`, `lab:guacamole` and `lab:windows`,
and checks what only the joined data can tell (a MAC outside the reservation
policy, two machines on one address, an FQDN in no zone the server hosts).
The program, the access sheet (`python -m stacks.access`) and the tests read
the same entries.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from config.integrations import (
    MacRange,
    ProjectEntry,
    StudentEntry,
    dhcp_dns_desired,
    fqdn_zone,
    guacamole_desired,
    reserved_address,
)
from config.inventory import LabInventory, ProjectEnvironment, ProjectMachine
from config.lab import LabConfig


@dataclass(frozen=True)
class Registrations:
    """Every student's and project machine's registration data."""

    students: tuple[StudentEntry, ...]
    projects: tuple[ProjectEntry, ...]

    def guacamole(self, stack: str, lab: LabConfig) -> dict[str, Any] | None:
        """The Guacamole run's desired set, or None without `lab:guacamole`."""
        if lab.guacamole is None:
            return None
        return guacamole_desired(stack, lab.guacamole, self.students, self.projects)

    def dhcp_dns(self, stack: str, lab: LabConfig) -> dict[str, Any] | None:
        """The Windows run's desired state, or None without `lab:windows`."""
        if lab.windows is None:
            return None
        return dhcp_dns_desired(stack, lab.windows, self.students, self.projects)


def _zones(lab: LabConfig) -> list[str]:
    return [lab.windows.dns_zone, *lab.windows.extra_zones] if lab.windows is not None else []


def _machines(env: ProjectEnvironment) -> Iterator[tuple[str, ProjectMachine]]:
    """Each machine with how the file names it (`ct[0] (host)`)."""
    index = {"ct": 0, "vm": 0}
    for machine in env.machines:
        yield f"{machine.kind}[{index[machine.kind]}] ({machine.spec.hostname})", machine
        index[machine.kind] += 1


def _project_fqdn(machine: ProjectMachine, lab: LabConfig) -> str:
    hostname = machine.spec.hostname
    if "." in hostname or lab.windows is None:
        return hostname
    return f"{hostname}.{lab.windows.dns_zone}"


def build_registrations(
    stack: str, lab: LabConfig, inventory: LabInventory
) -> tuple[Registrations, list[str]]:
    """The registrations of a stack's machines and the problems found joining them."""
    problems: list[str] = []
    fleet, windows = lab.fleet, lab.windows
    students: list[StudentEntry] = []
    for machine in inventory.students:
        assert fleet is not None  # the inventory holds students only with a fleet
        login = machine.student.login
        static = fleet.static_addresses.get(login)
        address: IPv4Address | None = static.address.ip if static is not None else None
        if windows is not None:
            scope = windows.scopes[windows.student_scope]
            if address is None:
                address = reserved_address(windows, machine.vmid, lab.vmid_range.start)
                if address > scope.reservations.end:
                    needed = machine.vmid - lab.vmid_range.start + 1
                    problems.append(
                        f"lab:windows.scopes.{windows.student_scope}.reservations: {login}'s VMID "
                        f"{machine.vmid} maps to {address}, past the range's end {scope.reservations.end}; "
                        f"expected at least {needed} addresses from {scope.reservations.start}"
                    )
            elif address not in scope.prefix:
                problems.append(
                    f"lab:fleet.staticAddresses.{login}: {address} is outside the students' DHCP scope "
                    f"{scope.prefix} (lab:windows.studentScope {windows.student_scope})"
                )
            ranges = windows.mac_ranges or [
                MacRange(start=f"{fleet.mac_prefix}:00:00:00", end=f"{fleet.mac_prefix}:FF:FF:FF")
            ]
            if not any(machine.mac in r for r in ranges):
                key = (
                    f"lab:fleet.macAddresses.{login}"
                    if login in fleet.mac_addresses
                    else f"lab:fleet.macPrefix ({login})"
                )
                allowed = ", ".join(f"{r.start}..{r.end}" for r in ranges)
                problems.append(
                    f"{key}: MAC {machine.mac} is outside the reservation policy ({allowed}, "
                    "lab:windows.macRanges); expected a MAC the fleet owns"
                )
        fqdn = f"{machine.hostname}.{windows.dns_zone}" if windows is not None else machine.hostname
        students.append(
            StudentEntry(
                login=login,
                name=machine.student.name,
                group=machine.student.group,
                profile=machine.student.profile,
                vmid=machine.vmid,
                node=fleet.node,
                hostname=machine.hostname,
                mac=machine.mac,
                address=address,
                fqdn=fqdn,
            )
        )
    projects: list[ProjectEntry] = []
    for env in inventory.projects:
        for at, machine in _machines(env):
            fqdn = _project_fqdn(machine, lab)
            if windows is not None and fqdn_zone(fqdn, _zones(lab)) is None:
                problems.append(
                    f"{env.source}: {at}: hostname: {fqdn!r} is in no zone of the DNS server; expected a "
                    f"name under {', '.join(_zones(lab))} (lab:windows.dnsZone, lab:windows.extraZones)"
                )
            projects.append(
                ProjectEntry(
                    project=env.name,
                    key=f"{env.name}/{machine.key}",
                    short=machine.spec.hostname.split(".")[0],
                    fqdn=fqdn,
                    address=machine.spec.ip.ip,
                    guacamole=machine.spec.guacamole,
                )
            )
    problems += _duplicate_addresses(lab, students, projects)
    problems += _references(lab)
    return Registrations(students=tuple(students), projects=tuple(projects)), problems


def _duplicate_addresses(
    lab: LabConfig, students: list[StudentEntry], projects: list[ProjectEntry]
) -> list[str]:
    owners: dict[IPv4Address, str] = {}
    problems: list[str] = []
    found = [(s.address, f"student {s.login}") for s in students if s.address is not None]
    found += [(p.address, f"project machine {p.key}") for p in projects]
    if lab.gns3 is not None:
        found.append((lab.gns3.network.address.ip, "the GNS3 server (lab:gns3.network.address)"))
    for address, owner in found:
        if address in owners:
            problems.append(
                f"duplicate address {address}: {owners[address]} and {owner}; expected one machine per "
                "address (lab:fleet.staticAddresses, lab:windows.scopes reservations, project files' ip)"
            )
        else:
            owners[address] = owner
    return problems


def _references(lab: LabConfig) -> list[str]:
    problems: list[str] = []
    profiles = set(lab.fleet.profiles) if lab.fleet is not None else set[str]()
    # Only when set: the default names `desktop`, which a stack without that profile simply never uses.
    if lab.guacamole is not None and lab.ansible is None:
        problems.append(
            "lab:guacamole: needs lab:ansible; the sync runs where the playbooks run (the provisioner, "
            "or locally in local mode)"
        )
    if lab.guacamole is not None and "protocols" in lab.guacamole.model_fields_set:
        for profile in lab.guacamole.protocols:
            if profile not in profiles:
                problems.append(
                    f"lab:guacamole.protocols.{profile}: no such profile; expected one of "
                    f"{', '.join(sorted(profiles)) or '(none)'} (lab:fleet.profiles)"
                )
    return problems
