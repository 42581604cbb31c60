"""`lab:gns3`: the GNS3 server VM, cloned from a template."""

import re
from functools import cache
from ipaddress import IPv4Address, IPv4Interface
from typing import Self
from zoneinfo import available_timezones

from pydantic import Field, HttpUrl, field_validator, model_validator

from config.base import Model

UBUNTU_2404_IMAGE = (
    "https://cloud-images.ubuntu.com/releases/noble/release-20260801/ubuntu-24.04-server-cloudimg-amd64.img"
)
"""Ubuntu 24.04 (noble) cloud image of a dated release, the default source of a built template."""
UBUNTU_2404_IMAGE_SHA256 = "0533b0655c32e68b31d792ecd6ccfca95abdbc536c4446874fe0513bd4140ffe"
"""SHA-256 of `UBUNTU_2404_IMAGE` as listed for that release in public references of Ubuntu's
SHA256SUMS; not fetched from Ubuntu here: the operator verifies it (see docs/lab.md)."""
# A dated release directory never changes content; `current/` does, so its checksum would go stale.
_PINNED_RELEASE = re.compile(r"/(release-)?\d{8}(\.\d+)?/")

_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)
_HOSTNAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@cache
def _time_zones() -> frozenset[str]:
    """The IANA names the system knows, read once: `available_timezones()` walks the whole
    tz database on every call, and a stack file is validated hundreds of times
    (config/secrets.py tries each combination of secrets)."""
    return frozenset(available_timezones())


class TemplateBuild(Model):
    """A template the program builds from the Ubuntu 24.04 cloud image, instead of Packer."""

    vm_id: int = Field(ge=100)
    """VMID of the template VM; inside `lab:vmidRange`."""
    name: str = Field(default="ubuntu-2404-cloudinit", pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
    """Name of the template VM."""
    image_url: HttpUrl = HttpUrl(UBUNTU_2404_IMAGE)
    """Cloud image the node downloads, over https; default a dated noble release."""
    image_checksum: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """SHA-256 of the image; the node verifies the download against it. Default: the published
    checksum of the default image; required for any URL that is not a dated release directory."""
    image_datastore: str = "local"
    """Datastore (with the `iso` content type) the image is downloaded to."""
    datastore: str = "local-lvm"
    """Datastore of the template's disk and cloud-init drive."""
    disk_size_gb: int = Field(default=10, ge=4, le=1024)
    """Template disk size; clones grow it to `gns3.disk.sizeGb`."""

    @model_validator(mode="after")
    def _verified_image(self) -> Self:
        url = str(self.image_url)
        if self.image_url.scheme != "https":
            raise ValueError(f"imageUrl {url}: expected an https URL")
        if self.image_checksum is None and url == UBUNTU_2404_IMAGE:
            return self.model_copy(update={"image_checksum": UBUNTU_2404_IMAGE_SHA256})
        if self.image_checksum is None and not _PINNED_RELEASE.search(url):
            raise ValueError(
                f"imageChecksum: required for imageUrl {url}, which is not a dated release directory "
                "(e.g. .../releases/noble/release-YYYYMMDD/...); expected the image's SHA-256"
            )
        return self


class TemplateChoice(Model):
    """`lab:gns3.template`: either `{vmId: N}` (an existing template) or `{build: {...}}`."""

    vm_id: int | None = Field(default=None, ge=100)
    """An existing cloud-init template (Ubuntu 24.04 with qemu-guest-agent), e.g. 555."""
    build: TemplateBuild | None = None
    """Build the template from the cloud image instead."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.vm_id is None) == (self.build is None):
            raise ValueError(
                "set exactly one of template.vmId (use a template) and template.build (build one)"
            )
        return self


class Disk(Model):
    """The server's system disk."""

    datastore: str = Field(default="SSDK", min_length=1)
    """Datastore of the system disk."""
    size_gb: int = Field(default=400, ge=8, le=65536)
    """Size of the system disk in GB (the GNS3 images and projects live there)."""
    interface: str = Field(default="virtio0", pattern=r"^(virtio|scsi|sata)\d+$")
    """Disk interface of the template's system disk (the clone resizes that one)."""


class Network(Model):
    """Static addressing of the server; cloud-init writes it."""

    bridge: str = Field(default="vmbr0", min_length=1)
    """Bridge of the NIC."""
    vlan: int | None = Field(default=None, ge=1, le=4094)
    """802.1Q tag on the bridge; none for an untagged port."""
    address: IPv4Interface
    """Address with prefix, e.g. `10.10.10.249/24`."""
    gateway: IPv4Address
    """Default gateway; must be on-link for `address`."""
    dns_servers: list[IPv4Address] = Field(min_length=1)
    """Resolvers written by cloud-init."""
    search_domain: str
    """DNS search domain."""

    @model_validator(mode="after")
    def _gateway_on_link(self) -> Self:
        if self.gateway not in self.address.network:
            raise ValueError(
                f"gateway {self.gateway} is outside {self.address.network}; expected an on-link gateway"
            )
        if self.gateway == self.address.ip:
            raise ValueError(f"gateway {self.gateway} equals the server's own address")
        return self

    @field_validator("search_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        if not _DNS_NAME.match(value):
            raise ValueError(f"expected a DNS domain such as reverse9.xyz, got {value!r}")
        return value


class Gns3Config(Model):
    """`lab:gns3`: the GNS3 server. Defaults are the reference (prod) server."""

    node: str = Field(default="pve", min_length=1)
    """Proxmox node that runs the VM (and holds the template)."""
    vm_id: int = Field(ge=100)
    """VMID of the server, inside `lab:vmidRange`."""
    name: str = Field(default="gns3vm", pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
    """VM name in Proxmox."""
    hostname: str = "gns3vm"
    """Guest hostname (short name; the FQDN is `fqdn`)."""
    fqdn: str
    """Fully qualified name, e.g. `gns3.reverse9.xyz`; the GNS3 URL uses it."""
    template: TemplateChoice
    full_clone: bool = True
    """Full clone (independent of the template) or linked clone (needs copy-on-write storage)."""
    clone_retries: int = Field(default=3, ge=0, le=10)
    """Retries of the clone task (the template's lock times out under parallel clones)."""
    cores: int = Field(default=10, ge=1, le=512)
    """vCPUs of the VM."""
    cpu_type: str = "host"
    """`host` exposes VMX/SVM to the guest: GNS3 runs nested KVM."""
    memory_mib: int = Field(default=49152, ge=1024)
    """Memory of the VM in MiB."""
    disk: Disk = Field(default_factory=Disk)
    network: Network
    snippets_datastore: str = "local"
    """Datastore with the `snippets` content type for the cloud-init user data."""
    admin_user: str = Field(default="admin", pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    """Admin login: passwordless sudo, bash, the operators' keys (`lab:adminSshPublicKeys`)."""
    timezone: str = "Indian/Reunion"
    """IANA time zone of the guest."""
    port: int = Field(default=3080, ge=1, le=65535)
    """GNS3 server port."""
    reverse_proxy_url: HttpUrl | None = None
    """Where a reverse proxy already publishes GNS3, e.g. `https://webui.gns3.reverse9.xyz`."""

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str) -> str:
        if not _HOSTNAME.match(value):
            raise ValueError(f"expected a single DNS label such as gns3vm, got {value!r}")
        return value

    @field_validator("fqdn")
    @classmethod
    def _fqdn(cls, value: str) -> str:
        if not _DNS_NAME.match(value) or "." not in value:
            raise ValueError(f"expected a fully qualified name such as gns3.reverse9.xyz, got {value!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in _time_zones():
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as Indian/Reunion")
        return value
