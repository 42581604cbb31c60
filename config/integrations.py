"""The school's integrations around the lab: self-service in Proxmox, Guacamole, DHCP and DNS on Windows.

`lab:selfService`, `lab:guacamole` and `lab:windows` describe them; this module
also turns the inventory into the data each integration receives (the desired
sets of the Guacamole and the DHCP/DNS runs, each student's reserved address),
so the program, the access sheet and the tests share one derivation. Every
desired-set entry is keyed by a stable name (a login, `project/hostname`): a
roster change changes only the affected entries.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any, Literal, Self

from pydantic import Field, HttpUrl, field_validator, model_validator

from config.base import Model

Protocol = Literal["ssh", "rdp", "vnc"]
PORTS: dict[str, int] = {"ssh": 22, "rdp": 3389, "vnc": 5900}
"""The default port of each Guacamole protocol on the machines."""

DEFAULT_PRIVILEGES = ("VM.Audit", "VM.Console", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback")
"""What a student may do on their own container: see it, open its console, start/stop, snapshot."""

MAC_PATTERN = r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$"
_LOGIN = r"^[a-z_][a-z0-9_.-]{0,31}$"
_DNS_NAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


class LdapRealm(Model):
    """`lab:selfService.realm`: the students' Active Directory, declared in Proxmox as an LDAP realm.

    The provider has no `ad` realm type; an LDAP realm on the domain controllers with
    `sAMAccountName` as user attribute authenticates the same AD accounts.
    """

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9._-]{1,31}$")
    """Realm id in Proxmox: users log in as `<login>@<id>`, e.g. `campus-ad`."""
    server1: str = Field(min_length=1)
    """Primary domain controller, e.g. `dc1.ad.campus.lan`."""
    server2: str | None = None
    """Fallback domain controller; default none."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """LDAP port; default: 389 (ldap, ldap+starttls) or 636 (ldaps)."""
    mode: Literal["ldap", "ldaps", "ldap+starttls"] = "ldaps"
    """Connection mode; default `ldaps` (the bind password never crosses the network in clear)."""
    verify: bool = True
    """Verify the domain controllers' certificates; default true."""
    base_dn: str = Field(min_length=3)
    """Where users are searched, e.g. `OU=Utilisateurs,DC=ad,DC=campus,DC=lan`."""
    user_attr: str = "sAMAccountName"
    """Attribute holding the login; default `sAMAccountName` (AD)."""
    bind_dn: str | None = None
    """Account the realm binds with (its password is the secret `lab:realmBindPassword`); none: anonymous."""
    filter: str | None = None
    """LDAP filter of the users synced into Proxmox (students and teachers); default none: all users."""
    comment: str = "Students' Active Directory (campus)"
    """Description shown in Proxmox."""


class SelfServiceConfig(Model):
    """`lab:selfService`: students manage their own container from the Proxmox web UI."""

    realm: LdapRealm
    """The directory students and teachers log in with."""
    role_id: str = Field(default="CampusStudent", pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
    """The custom role given to each student on `/vms/<vmid>` and to teachers on their groups' pools."""
    privileges: list[str] = Field(default_factory=lambda: list(DEFAULT_PRIVILEGES), min_length=1)
    """Privileges of the role; default VM.Audit, VM.Console, VM.PowerMgmt, VM.Snapshot,
    VM.Snapshot.Rollback."""
    teachers: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    """Roster group to the logins of its teachers: each gets the role on the group's pool (a group
    without students this term has no pool, and its entry waits for them)."""

    @field_validator("privileges")
    @classmethod
    def _privileges(cls, privileges: list[str]) -> list[str]:
        for privilege in privileges:
            if not re.match(r"^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)+$", privilege):
                raise ValueError(f"{privilege!r} is not a Proxmox privilege name (e.g. VM.PowerMgmt)")
        if len(set(privileges)) != len(privileges):
            raise ValueError("each privilege once")
        return privileges

    @field_validator("teachers")
    @classmethod
    def _teachers(cls, teachers: dict[str, list[str]]) -> dict[str, list[str]]:
        for group, logins in teachers.items():
            for login in logins:
                if not re.match(_LOGIN, login):
                    raise ValueError(f"{group}: {login!r} is not a valid login")
        return teachers


class GuacamoleConfig(Model):
    """`lab:guacamole`: every student container registered in Apache Guacamole."""

    url: HttpUrl
    """Guacamole's base URL, e.g. `https://guacamole.campus.lan/guacamole`; also the students' link."""
    data_source: str = Field(default="mysql", pattern=r"^[a-z][a-z0-9-]*$")
    """Data source holding connections and permissions (`mysql`, `postgresql`, `sqlserver`)."""
    admin_user: str = Field(default="guacadmin", min_length=1)
    """Administrator the sync logs in as; its password is the secret `lab:guacamoleAdminPassword`."""
    root_group: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
    """Connection group the fleet owns (one child group per roster group); default `campus-<stack>`.
    The sync never touches a connection outside it."""
    protocols: dict[str, Protocol] = Field(default_factory=lambda: {"desktop": "rdp"})
    """Fleet profile to protocol; default RDP for `desktop`, `defaultProtocol` for the others."""
    default_protocol: Protocol = "ssh"
    """Protocol of profiles not in `protocols` and of project machines; default ssh."""
    project_users: list[str] = Field(default_factory=list[str])
    """Guacamole users given access to project machines marked `guacamole: true`; default none."""
    create_users: bool = True
    """Create a student's Guacamole user (no password: it logs in through the directory) when missing."""
    pass_password: bool = True
    """Hand the password the student logged in to Guacamole with (the directory's) to SSH and RDP,
    through Guacamole's standard `${GUAC_PASSWORD}` parameter token: one login, not two."""

    @property
    def base_url(self) -> str:
        """The URL without a trailing slash."""
        return str(self.url).rstrip("/")


class ReservationRange(Model):
    """Addresses of a DHCP scope handed out as reservations."""

    start: IPv4Address
    """First reserved address; the student with the stack's first VMID gets it."""
    end: IPv4Address
    """Last reserved address; a VMID whose offset lands past it is refused."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is below start {self.start}")
        return self

    @property
    def size(self) -> int:
        """How many addresses the range holds."""
        return int(self.end) - int(self.start) + 1


class DhcpScope(Model):
    """One IPv4 scope of the Windows DHCP server."""

    prefix: IPv4Network
    """The scope's network, e.g. `10.28.5.0/24`; its network address is the scope id."""
    reservations: ReservationRange
    """Where students' reserved addresses come from (inside `prefix`)."""

    @model_validator(mode="after")
    def _inside(self) -> Self:
        for end in (self.reservations.start, self.reservations.end):
            if end not in self.prefix:
                raise ValueError(f"reservations: {end} is outside the scope's network {self.prefix}")
        return self


class MacRange(Model):
    """A block of MAC addresses the fleet may reserve."""

    start: str = Field(pattern=MAC_PATTERN)
    """First MAC of the block, e.g. `BC:24:11:00:00:00`."""
    end: str = Field(pattern=MAC_PATTERN)
    """Last MAC of the block, e.g. `BC:24:11:FF:FF:FF`."""

    def __contains__(self, mac: str) -> bool:
        return mac_int(self.start) <= mac_int(mac) <= mac_int(self.end)


class WindowsConfig(Model):
    """`lab:windows`: the school's Windows DHCP and DNS server, reached with OpenSSH."""

    host: str = Field(min_length=1)
    """Address of the Windows server (OpenSSH Server feature enabled)."""
    port: int = Field(default=22, ge=1, le=65535)
    """SSH port of the Windows server; default 22."""
    user: str = Field(default="campus-sync", min_length=1)
    """Account the sync logs in as (member of DHCP Administrators and DnsAdmins); its key is the
    secret `lab:windowsSshPrivateKey`."""
    scopes: dict[str, DhcpScope] = Field(min_length=1)
    """DHCP scopes by scope id (the network address, e.g. `10.28.5.0`)."""
    student_scope: str
    """Scope id of the students' reservations: a key of `scopes`."""
    dns_zone: str = Field(pattern=_DNS_NAME, max_length=253)
    """Forward zone of the students' and short-named project machines' A records."""
    extra_zones: list[str] = Field(default_factory=list[str])
    """Other forward zones the server hosts, for project machines named by an FQDN."""
    mac_ranges: list[MacRange] = Field(default_factory=list[MacRange])
    """MACs the fleet may reserve; default: the fleet's `macPrefix` block. A reservation for a MAC
    outside them is refused (it would be someone else's hardware)."""
    ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    """TTL of the A and PTR records."""

    @model_validator(mode="after")
    def _scopes(self) -> Self:
        for scope_id, scope in self.scopes.items():
            if scope_id != str(scope.prefix.network_address):
                raise ValueError(
                    f"scopes.{scope_id}: the key must be the scope id {scope.prefix.network_address} "
                    f"of prefix {scope.prefix}"
                )
        if self.student_scope not in self.scopes:
            raise ValueError(
                f"studentScope: unknown scope {self.student_scope!r}; expected one of "
                f"{', '.join(sorted(self.scopes))} (lab:windows.scopes)"
            )
        for zone in self.extra_zones:
            if not re.match(_DNS_NAME, zone):
                raise ValueError(f"extraZones: {zone!r} is not a DNS zone name")
        return self


def mac_int(mac: str) -> int:
    """A MAC address as an integer, for range checks."""
    return int(mac.replace(":", "").replace("-", ""), 16)


def owner_tag(stack: str) -> str:
    """What marks entries as this stack's fleet's (Guacamole root group, DHCP descriptions, DNS TXT)."""
    return f"campus-{stack}"


# --- Derived data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentEntry:
    """What the integrations know about one student's container."""

    login: str
    name: str
    group: str
    profile: str
    vmid: int
    node: str
    hostname: str
    mac: str
    address: IPv4Address | None
    """Reserved (or static) address; None when the DHCP server hands out any address."""
    fqdn: str


@dataclass(frozen=True)
class ProjectEntry:
    """What the integrations know about one project machine."""

    project: str
    key: str
    """`project/hostname`, the machine's stable key."""
    short: str
    fqdn: str
    address: IPv4Address
    guacamole: bool


def fqdn_zone(fqdn: str, zones: Sequence[str]) -> str | None:
    """The longest zone `fqdn` lies in, or None."""
    fitting = [z for z in zones if fqdn == z or fqdn.endswith("." + z)]
    return max(fitting, key=len) if fitting else None


def reserved_address(windows: WindowsConfig, vmid: int, vmid_start: int) -> IPv4Address:
    """A student's reservation: the reservation range's start plus the VMID's offset in the stack's range.

    VMIDs never change (the lock file), so neither does the address: a roster edit moves nobody.
    """
    scope = windows.scopes[windows.student_scope]
    return scope.reservations.start + (vmid - vmid_start)


def guacamole_desired(
    stack: str,
    guacamole: GuacamoleConfig,
    students: Sequence[StudentEntry],
    projects: Sequence[ProjectEntry],
) -> dict[str, Any]:
    """The Guacamole run's desired set: the owned root group, its child groups, one connection each.

    A connection names its group, protocol, parameters and the users given READ on it.
    """
    root = guacamole.root_group or owner_tag(stack)
    connections: list[dict[str, Any]] = []
    for s in sorted(students, key=lambda e: e.login):
        protocol = guacamole.protocols.get(s.profile, guacamole.default_protocol)
        target = str(s.address) if s.address is not None else s.fqdn
        parameters = {"hostname": target, "port": str(PORTS[protocol])}
        if protocol in ("ssh", "rdp"):
            parameters["username"] = s.login
            if guacamole.pass_password:
                # A token, not a secret: Guacamole substitutes the user's own password when connecting.
                parameters["password"] = "${GUAC_PASSWORD}"
        connections.append(
            {
                "name": s.login,
                "group": s.group,
                "protocol": protocol,
                "parameters": parameters,
                "users": [s.login],
            }
        )
    for p in sorted(projects, key=lambda e: e.key):
        if not p.guacamole:
            continue
        protocol = guacamole.default_protocol
        connections.append(
            {
                "name": p.key.replace("/", "-"),
                "group": f"project-{p.project}",
                "protocol": protocol,
                "parameters": {"hostname": str(p.address), "port": str(PORTS[protocol])},
                "users": sorted(guacamole.project_users),
            }
        )
    return {
        "root": root,
        "groups": sorted({str(c["group"]) for c in connections}),
        "connections": connections,
    }


def dhcp_dns_desired(
    stack: str, windows: WindowsConfig, students: Sequence[StudentEntry], projects: Sequence[ProjectEntry]
) -> dict[str, Any]:
    """The Windows run's desired state: reservations in the students' scope, A and PTR records."""
    owner = owner_tag(stack)
    reservations: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    zones = [windows.dns_zone, *windows.extra_zones]
    for s in sorted(students, key=lambda e: e.login):
        if s.address is None:
            continue
        reservations.append(
            {
                "key": s.login,
                "scopeId": windows.student_scope,
                "clientId": s.mac.lower().replace(":", "-"),
                "address": str(s.address),
                "name": s.fqdn,
                "description": f"{owner}:{s.login}",
            }
        )
        records.append(_record(s.login, s.fqdn, s.address, zones))
    for p in sorted(projects, key=lambda e: e.key):
        records.append(_record(p.key, p.fqdn, p.address, zones))
    return {
        "owner": owner,
        "ttlSeconds": windows.ttl_seconds,
        "scopes": sorted({str(r["scopeId"]) for r in reservations}),
        "zones": sorted({str(r["zone"]) for r in records}),
        "reservations": reservations,
        "records": records,
    }


def _record(key: str, fqdn: str, address: IPv4Address, zones: Sequence[str]) -> dict[str, Any]:
    zone = fqdn_zone(fqdn, zones)
    assert zone is not None, f"{fqdn} is in no zone: integration_problems refuses this"
    name = fqdn[: -len(zone)].rstrip(".") or "@"
    return {"key": key, "zone": zone, "name": name, "address": str(address), "ptr": True}


def entries_by_key(desired: Mapping[str, Any], section: str) -> dict[str, dict[str, Any]]:
    """A desired set's entries of one section by their stable key (tests and diffs)."""
    out: dict[str, dict[str, Any]] = {}
    for entry in desired[section]:
        key = str(entry.get("key") or f"{entry['group']}/{entry['name']}")
        out[key] = dict(entry)
    return out
