"""Rules across files: what no single file can see wrong on its own.

Each one guards a failure that would otherwise surface late and far from its
cause: two machines answering on one address (ARP flapping between them), a
project's workspace that is also a group's pool (its machines would be listed
among the students'), two stacks allocating the same VMIDs on one cluster.
"""

from collections.abc import Iterable
from ipaddress import IPv4Address, ip_address
from pathlib import Path
from typing import Any, cast

import yaml

from config import yamlfile
from config.integrations import ReservationRange
from config.lab import LabConfig
from config.projects import LoadedProject
from config.roster import Student


def _ipv4(text: str) -> IPv4Address | None:
    try:
        address = ip_address(text)
    except ValueError:
        return None  # a DNS name: not an address this program assigns
    return address if isinstance(address, IPv4Address) else None


def static_addresses(lab: LabConfig, projects: Iterable[LoadedProject]) -> list[tuple[IPv4Address, str]]:
    """Every static IPv4 address of the inventory, with where it is set."""
    found: list[tuple[IPv4Address, str]] = []
    for node in lab.proxmox.ssh.nodes:
        ip = _ipv4(node.address)
        if ip is not None:
            found.append((ip, f"lab:proxmox.ssh.nodes ({node.name})"))
    if lab.gns3 is not None:
        found.append((lab.gns3.network.address.ip, "lab:gns3.network.address"))
    if lab.ansible is not None and lab.ansible.provisioner is not None:
        ip = _ipv4(lab.ansible.provisioner.host)
        if ip is not None:
            found.append((ip, "lab:ansible.provisioner.host"))
    if lab.windows is not None:
        ip = _ipv4(lab.windows.host)
        if ip is not None:
            found.append((ip, "lab:windows.host"))
    if lab.fleet is not None:
        for login, static in lab.fleet.static_addresses.items():
            found.append((static.address.ip, f"lab:fleet.staticAddresses.{login}"))
    for project in projects:
        for kind, machines in (("ct", project.spec.ct), ("vm", project.spec.vm)):
            for index, machine in enumerate(machines):
                found.append((machine.ip.ip, f"{project.source}: {kind}[{index}] ({machine.hostname}): ip"))
    return found


def address_problems(lab: LabConfig, projects: Iterable[LoadedProject]) -> list[str]:
    """Two machines of the inventory on one static address, or one inside the students' reservations."""
    owners: dict[IPv4Address, str] = {}
    problems: list[str] = []
    ranges: list[tuple[str, ReservationRange]] = []
    if lab.windows is not None:
        ranges = [(scope_id, scope.reservations) for scope_id, scope in lab.windows.scopes.items()]
    for ip, where in static_addresses(lab, projects):
        if ip in owners:
            problems.append(
                f"{where}: {ip} is also the address of {owners[ip]}; expected one address per machine"
            )
        else:
            owners[ip] = where
        for scope_id, block in ranges:
            # The DHCP server hands these to students by VMID: sooner or later one gets this address.
            # (A student's own static address is the integration's to reserve for that student.)
            if block.start <= ip <= block.end and not where.startswith("lab:fleet.staticAddresses."):
                problems.append(
                    f"{where}: {ip} is inside {block.start}..{block.end}, the students' reservations of "
                    f"lab:windows.scopes.{scope_id}; expected an address outside the reserved range"
                )
    return problems


def workspace_problems(
    lab: LabConfig, students: Iterable[Student], projects: Iterable[LoadedProject]
) -> list[str]:
    """A project workspace that is also the pool of a group of students."""
    if lab.fleet is None:
        return []
    pools = {f"{lab.fleet.pool_prefix}{s.group}": s.group for s in students}
    return [
        f"{p.source}: workspace: {p.spec.workspace!r} is also the pool of the students of group "
        f"{pools[p.spec.workspace]!r} (lab:fleet.poolPrefix + group); expected a pool of the project's own"
        for p in projects
        if p.spec.workspace in pools
    ]


def project_secret_problems(lab: LabConfig, projects: Iterable[LoadedProject]) -> list[str]:
    """`lab:projectSecrets` entries that no run would receive, or that a project file also sets."""
    by_name = {p.name: p for p in projects}
    problems: list[str] = []
    for name, secrets in lab.project_secrets.items():
        project = by_name.get(name)
        key = f"lab:projectSecrets.{name}"
        if project is None:
            problems.append(
                f"{key}: no project file {name}.yaml; expected the name of a project of this stack"
            )
        elif project.spec.ansible is None:
            problems.append(
                f"{key}: {project.source} has no ansible section; nothing would receive these secrets"
            )
        else:
            problems += [
                f"{key}.{var}: {project.source} also sets ansible.extravars.{var}; expected one of the two"
                for var in secrets
                if var in project.spec.ansible.extravars
            ]
    return problems


def vmid_range_problems(stack: str, lab: LabConfig, root: Path) -> list[str]:
    """This stack's `lab:vmidRange` overlapping the range of another committed stack file.

    Every stack of the school's cluster allocates from its own block: two stacks sharing ids
    would each create a machine with the other's VMID ("VM N already exists", or worse, a
    `pulumi destroy` of one removing the other's machine).
    """
    mine = lab.vmid_range
    problems: list[str] = []
    for path in sorted(root.glob("Pulumi.*.yaml")):
        other = path.name[len("Pulumi.") : -len(".yaml")]
        if other == stack:
            continue
        try:
            doc: Any = yamlfile.parse(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # that stack's own plan reports its file
        config = cast(dict[str, Any], doc).get("config") if isinstance(doc, dict) else None
        raw = cast(dict[str, Any], config).get("lab:vmidRange") if isinstance(config, dict) else None
        if not isinstance(raw, dict):
            continue
        start, end = cast(dict[str, Any], raw).get("start"), cast(dict[str, Any], raw).get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        if start <= mine.end and mine.start <= end:
            problems.append(
                f"lab:vmidRange: {mine.start}..{mine.end} overlaps {start}..{end}, the range of stack "
                f"{other!r} ({path.name}); expected disjoint ranges, one block per stack"
            )
    return problems
