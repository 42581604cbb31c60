"""`lab:fleet`: how the per-student LXC containers are built (profiles, homes, first boot)."""

import re
from ipaddress import IPv4Address, IPv4Interface
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from config.base import Model

# Proxmox accepts these characters in pool ids and tags; a group name is used as both.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
TAG_PATTERN = r"^[a-z0-9_][a-z0-9_.+-]*$"


DebianPackage = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9+.-]+$")]
"""A Debian package name (Debian Policy 5.6.1): nothing a shell would read as syntax."""


class CloneSource(Model):
    """Clone a prepared container template (e.g. one with a graphical desktop)."""

    template_vmid: int = Field(ge=100, le=999_999_999)
    """VMID of the template container on `node` (or on the fleet's node)."""
    node: str | None = None
    """Node holding the template; default: the fleet's node."""
    full: bool = True
    """Full clone (any storage). `false` asks for a linked clone (copy-on-write storage only)."""


class DownloadSource(Model):
    """Download a container template archive to a node's datastore."""

    url: str
    """Archive URL over https, e.g. Proxmox's `debian-12-standard_12.12-1_amd64.tar.zst`."""
    datastore: str = "local"
    """Datastore with `vztmpl` content enabled."""
    checksum: str = Field(pattern=r"^([0-9a-f]{64}|[0-9a-f]{128})$")
    """Required. SHA-256 (64 hex digits) or SHA-512 (128, what Proxmox's appliance index
    publishes) of the archive; the node refuses a download that does not match."""

    @field_validator("url")
    @classmethod
    def _https_archive(cls, url: str) -> str:
        if not re.match(r"^https://\S+\.tar\.(zst|xz|gz)$", url):
            raise ValueError(f"{url!r}: expected an https URL of a .tar.zst, .tar.xz or .tar.gz archive")
        return url

    @property
    def checksum_algorithm(self) -> Literal["sha256", "sha512"]:
        """The algorithm `checksum` is written in, from its length."""
        return "sha256" if len(self.checksum) == 64 else "sha512"


class TemplateSource(Model):
    """Create from a plain container template archive: an existing volume, or one downloaded."""

    volume_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+:vztmpl/\S+$")
    """Existing template volume, `storage:vztmpl/file.tar.zst`."""
    download: DownloadSource | None = None
    """Download the archive to the fleet's node instead."""
    os_type: Literal["debian", "ubuntu", "alpine", "archlinux", "centos", "fedora", "unmanaged"] = "debian"
    """Distribution of the archive, for Proxmox's setup scripts."""

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.volume_id is None) == (self.download is None):
            raise ValueError("set exactly one of volumeId and download")
        return self


class Profile(Model):
    """A kind of student container: its size and where its root filesystem comes from."""

    cores: int = Field(ge=1, le=512)
    """vCPUs of each container of the profile."""
    memory: int = Field(ge=64)
    """Memory in MiB."""
    swap: int = Field(default=512, ge=0)
    """Swap in MiB."""
    disk_size: int = Field(ge=1)
    """Root filesystem size in GB."""
    datastore: str = Field(min_length=1)
    """Datastore of the root filesystem, e.g. `disk1`."""
    bridge: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    """Bridge of `eth0`, e.g. `vibr285`."""
    vlan: int | None = Field(default=None, ge=1, le=4094)
    """VLAN tag of `eth0`; untagged when null."""
    clone: CloneSource | None = None
    """Clone a prepared template (the `desktop` profile)."""
    template: TemplateSource | None = None
    """Build from a plain template archive (the `base` profile)."""

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.clone is None) == (self.template is None):
            raise ValueError("set exactly one source: clone (a prepared template) or template (an archive)")
        return self


# Host directories a student's home must never be: a bind mount of one of them hands the
# student's container (and its root) a piece of the node's system.
_SYSTEM_DIRS = (
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/run",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/var/lib",
)


class HomeMount(Model):
    """The student's NFS home, mounted on the node and bind-mounted into the container."""

    host_path: str = Field(
        default="/mnt/nfs/home/{login}",
        pattern=r"^/\S*\{login\}\S*$",
    )
    """Path on the node; `{login}` is replaced. No `.` or `..` segment, nothing under a system
    directory (`/etc`, `/root`, `/var/lib`, ...)."""
    path: str = Field(default="/home/{login}", pattern=r"^/\S*/\{login\}$")
    """Path inside the container, ending in `/{login}` (the hook script reads the owner from it)."""

    @field_validator("host_path", "path")
    @classmethod
    def _plain_path(cls, value: str) -> str:
        segments = value.split("/")[1:]
        if any(s in ("", ".", "..") for s in segments):
            raise ValueError(
                f"{value!r}: expected a plain absolute path, without empty, '.' or '..' segments"
            )
        return value

    @field_validator("host_path")
    @classmethod
    def _not_a_system_directory(cls, value: str) -> str:
        for top in _SYSTEM_DIRS:
            if value == top or value.startswith(f"{top}/"):
                raise ValueError(f"{value!r} is under {top}, a system directory of the node")
        return value


class IdRange(Model):
    """The directory's UIDs/GIDs, mapped one to one into every container."""

    start: int = Field(default=600_000_000, ge=65_536)
    """First directory UID/GID mapped one to one into the containers (`lxc.idmap`)."""
    size: int = Field(default=999_999_999, ge=1)
    """How many directory UIDs/GIDs are mapped; roster UIDs must fall inside."""

    @property
    def end(self) -> int:
        """Last id of the range."""
        return self.start + self.size - 1


class StaticAddress(Model):
    """A fixed address for one student instead of DHCP."""

    address: IPv4Interface
    """Address with prefix, e.g. `10.28.5.40/24`."""
    gateway: IPv4Address
    """Default gateway of the student container; on-link: inside `address`'s network, and not
    the address itself."""

    @model_validator(mode="after")
    def _gateway_on_link(self) -> Self:
        if self.gateway not in self.address.network:
            raise ValueError(
                f"gateway {self.gateway} is outside {self.address.network}; expected an on-link gateway"
            )
        if self.gateway == self.address.ip:
            raise ValueError(f"gateway {self.gateway} equals the address itself")
        return self


class FirstBoot(Model):
    """What the hook script does on a container's first start."""

    snippets_datastore: str = "local"
    """Datastore with `snippets` content enabled, where the hook script is uploaded."""
    packages: list[DebianPackage] = Field(
        default_factory=list[DebianPackage],
    )
    """Extra Debian packages installed on first boot (Debian package names: a-z, 0-9, `+`, `-`, `.`)."""
    realm: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]+$")
    """Directory domain joined with `realm join` (sssd); none: no join."""
    join_user: str = Field(
        default="pve-join",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    )
    """Directory account allowed to join machines (letters, digits, `.`, `_`, `-`)."""
    join_password_file: str = Field(default="/root/.campus/realm-join.password", pattern=r"^/\S+$")
    """File on the node holding the join password (never in the script or the state)."""


class FleetConfig(Model):
    """`lab:fleet`: everything the student containers share."""

    node: str = Field(min_length=1)
    """Proxmox node the containers live on."""
    year: str = Field(pattern=TAG_PATTERN)
    """School year tag on every container, e.g. `2026`."""
    profiles: dict[str, Profile] = Field(min_length=1)
    """Profiles by name (e.g. `desktop`, `base`); a student's `profile` names one."""
    homes: HomeMount = Field(default_factory=HomeMount)
    directory_ids: IdRange = Field(default_factory=IdRange)
    """Directory UIDs/GIDs mapped one to one (the reference `lxc.idmap: u 600000000 ...`)."""
    mac_prefix: str = Field(default="BC:24:11", pattern=r"^[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$")
    """First three bytes of every derived MAC address (Proxmox's own prefix by default)."""
    clone_concurrency: int = Field(default=5, ge=1, le=100)
    """At most this many clones of one template run at once (template lock)."""
    started: bool = True
    """Start the containers."""
    start_on_boot: bool = True
    """Start them when the node boots."""
    pool_prefix: str = Field(default="students-", pattern=r"^[A-Za-z0-9_.-]*$")
    """Each group gets a Proxmox pool `<poolPrefix><group>`."""
    mac_addresses: dict[str, str] = Field(
        default_factory=dict[str, str],
    )
    """Login (of the roster) to an explicit unicast MAC address `XX:XX:XX:XX:XX:XX`, for the rare
    login whose derived one collides or a container that keeps an older address."""
    static_addresses: dict[str, StaticAddress] = Field(default_factory=dict[str, StaticAddress])
    """Login to fixed address; everyone else uses DHCP."""
    first_boot: FirstBoot = Field(default_factory=FirstBoot)

    @field_validator("mac_addresses")
    @classmethod
    def _unicast_macs(cls, macs: dict[str, str]) -> dict[str, str]:
        result: dict[str, str] = {}
        for login, mac in macs.items():
            problem = mac_problem(mac)
            if problem is not None:
                raise ValueError(f"{login}: {problem}")
            # Written as Proxmox shows it, so a lowercase copy of a derived address is seen as equal.
            result[login] = mac.upper()
        return result

    @field_validator("mac_prefix")
    @classmethod
    def _unicast_prefix(cls, prefix: str) -> str:
        if int(prefix[:2], 16) & 1:
            raise ValueError(
                f"{prefix}: the first byte is odd, a multicast address; expected a unicast prefix"
            )
        return prefix


_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


def mac_problem(mac: str) -> str | None:
    """Why `mac` cannot be a container's address, or None."""
    if not _MAC.match(mac):
        return f"{mac!r} is not a MAC address; expected six hex bytes such as BC:24:11:B3:C1:3D"
    first = int(mac[:2], 16)
    if first & 1:
        return f"{mac} is a multicast address (odd first byte); expected a unicast address"
    if mac.replace(":", "").strip("0") == "":
        return f"{mac} is the null address; expected a unicast address"
    return None
