"""`lab:*` keys: the teaching lab on Proxmox VE."""

from typing import Annotated, Self

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from config.ansible import AnsibleConfig
from config.base import Model
from config.fleet import FleetConfig
from config.gns3 import Gns3Config
from config.integrations import GuacamoleConfig, SelfServiceConfig, WindowsConfig
from config.projects import PROJECT_NAME_PATTERN, ProjectBase
from config.ssh import SshPublicKey

ProjectName = Annotated[str, Field(pattern=PROJECT_NAME_PATTERN)]
"""A project file's stem."""
ExtraVarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
"""An Ansible variable name."""

# Proxmox refuses VMIDs below 100; above this the API rejects them too.
VMID_MIN = 100
VMID_MAX = 999_999_999


def _build_id(gns3: Gns3Config) -> int | None:
    return gns3.template.build.vm_id if gns3.template.build is not None else None


# Machines whose VMID the configuration sets rather than the allocator: config key, name of
# their entry under `reserved:` in the VMID lock file, and how to read the id.
RESERVED_NAMES = {"lab:gns3.vmId": "gns3vm", "lab:gns3.template.build.vmId": "gns3-template"}


def configured_vmids(lab: "LabConfig") -> list[tuple[str, str, int]]:
    """VMIDs of machines the lab creates with an id set in configuration: (key, reserved name, id)."""
    if lab.gns3 is None:
        return []
    found = [("lab:gns3.vmId", lab.gns3.vm_id), ("lab:gns3.template.build.vmId", _build_id(lab.gns3))]
    return [(key, RESERVED_NAMES[key], vmid) for key, vmid in found if vmid is not None]


class ProxmoxNode(Model):
    """A cluster node the provider reaches over SSH (snippet uploads, idmap)."""

    name: str = Field(min_length=1)
    """Node name as Proxmox knows it, e.g. `pve`."""
    address: str = Field(min_length=1)
    """Address the SSH connection uses."""
    port: int = Field(default=22, ge=1, le=65535)
    """SSH port of the node."""


class ProxmoxSsh(Model):
    """SSH access to the nodes, needed by the provider for snippets and idmap."""

    username: str = "root"
    """Unix user on the nodes (snippet uploads write to the datastore as this user)."""
    agent: bool = False
    """Use the local ssh-agent instead of `lab:proxmoxSshPrivateKey`."""
    nodes: list[ProxmoxNode] = Field(default_factory=list[ProxmoxNode])
    """Explicit node addresses; empty means the provider resolves them itself."""

    @model_validator(mode="after")
    def _unique_nodes(self) -> Self:
        seen: set[str] = set()
        for node in self.nodes:
            if node.name in seen:
                raise ValueError(f"duplicate node name '{node.name}' in nodes; each node once")
            seen.add(node.name)
        return self


class ProxmoxConnection(Model):
    """How the provider reaches the Proxmox VE API."""

    endpoint: str = Field(pattern=r"^https://[^/\s]+(:\d+)?/?$")
    """API endpoint, e.g. `https://pve.example.org:8006/`."""
    username: str = Field(default="root@pam", pattern=r"^[^@\s]+@[^@\s]+$")
    """API user with realm. Bind mounts, hook scripts and idmap need `root@pam`."""
    insecure: bool = False
    """Skip TLS verification (self-signed node certificates only)."""
    ssh: ProxmoxSsh = Field(default_factory=ProxmoxSsh)


class VmidRange(Model):
    """The block of VMIDs this stack may allocate; never shared with another stack."""

    start: int = Field(ge=VMID_MIN, le=VMID_MAX)
    """First VMID this stack allocates; ranges are never shared between stacks."""
    end: int = Field(ge=VMID_MIN, le=VMID_MAX)
    """Last VMID this stack allocates (inclusive)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(
                f"range too small: end {self.end} is below start {self.start}; expected start <= end"
            )
        return self

    @property
    def size(self) -> int:
        """How many VMIDs the range holds."""
        return self.end - self.start + 1

    def __contains__(self, vmid: int) -> bool:
        return self.start <= vmid <= self.end


class LabConfig(Model):
    """Everything under the `lab:` namespace."""

    enabled: bool = False
    """Build the Proxmox lab part of the stack."""
    proxmox: ProxmoxConnection
    proxmox_password: SecretStr | None = None
    """Secret. Password of `proxmox.username`; required for root@pam features."""
    proxmox_api_token: SecretStr | None = None
    """Secret. API token `user@realm!id=uuid`, when no root@pam feature is used."""
    proxmox_ssh_private_key: SecretStr | None = None
    """Secret. Private key for the provider's SSH connection to the nodes."""
    vmid_range: VmidRange
    """VMIDs the lab's machines are allocated from."""
    admin_ssh_public_keys: list[SshPublicKey] = Field(default_factory=list[SshPublicKey])
    """Operators' OpenSSH public keys, authorised for the admin user of the lab's machines."""
    gns3: Gns3Config | None = None
    """The GNS3 server; none means no server in this stack."""
    ansible: AnsibleConfig | None = None
    """How every playbook run (GNS3 server, projects) reaches its targets; none means machines
    are created but not configured by Ansible (and project files may not have an `ansible` section)."""
    ansible_private_key: SecretStr | None = None
    """Secret. Key Ansible logs in to every target with (the GNS3 server and the project machines);
    its public half is `ansible.publicKey`."""
    ansible_provisioner_private_key: SecretStr | None = None
    """Secret. Key for `ansible.provisioner.user`; required in remote mode."""

    vmid_allocations: str | None = Field(default=None, pattern=r"^\S+\.ya?ml$")
    """VMID lock file; default `config/vmids-<stack>.yaml` (`python -m config.vmids`)."""
    roster: str | None = Field(default=None, pattern=r"^\S+\.(ya?ml|csv)$")
    """Student roster (YAML or CSV), relative to the repository root; none: no fleet."""
    fleet: FleetConfig | None = None
    """How student containers are built; required with `roster`."""
    ssh_key_sets: dict[str, list[SshPublicKey]] = Field(default_factory=dict[str, list[SshPublicKey]])
    """Named sets of SSH public keys, referenced by project files' `ssh-public-keys`."""
    projects_dir: str | None = Field(default=None, pattern=r"^\S+$")
    """Directory of the project files; default `config/projects/<stack>`."""
    project_bases: dict[str, ProjectBase] = Field(default_factory=dict[str, ProjectBase])
    """What project files' `base` names mean: a template archive or a template VMID."""
    project_secrets: dict[ProjectName, dict[ExtraVarName, SecretStr]] = Field(
        default_factory=dict[ProjectName, dict[ExtraVarName, SecretStr]]
    )
    """Secret. Project name (its file's stem) to extra-var name to value: the secrets a project's
    Ansible run needs (passwords, tokens), which project files may not hold. Each reaches that
    project's run as an extra-var, on the command's stdin like the other secrets. Set with
    `pulumi config set --secret --path 'lab:projectSecrets.<project>.<name>' VALUE`."""
    self_service: SelfServiceConfig | None = None
    """Students start, stop and snapshot their own container from the Proxmox web UI (a realm, a
    role, one ACL per student); none: no self-service."""
    realm_bind_password: SecretStr | None = None
    """Secret. Password of `selfService.realm.bindDn`."""
    guacamole: GuacamoleConfig | None = None
    """Register every student container in Apache Guacamole; none: no registration."""
    guacamole_admin_password: SecretStr | None = None
    """Secret. Password of `guacamole.adminUser`."""
    windows: WindowsConfig | None = None
    """DHCP reservations and DNS records on the school's Windows server; none: plain DHCP, no records."""
    windows_ssh_private_key: SecretStr | None = None
    """Secret. OpenSSH private key of `windows.user` on the Windows server."""

    @model_validator(mode="after")
    def _one_credential(self) -> Self:
        if (self.proxmox_password is None) == (self.proxmox_api_token is None):
            raise ValueError(
                "set exactly one of lab:proxmoxPassword and lab:proxmoxApiToken "
                "(with `pulumi config set --secret`)"
            )
        if not self.proxmox.ssh.agent and self.proxmox_ssh_private_key is None:
            raise ValueError("lab:proxmoxSshPrivateKey is required unless lab:proxmox.ssh.agent is true")
        return self

    @model_validator(mode="after")
    def _root_for_node_features(self) -> Self:
        # Refused here rather than by Proxmox halfway through `pulumi up`, with containers created
        # and hook scripts missing. The provider cannot tell: it sends what it is given.
        needs = self.node_features()
        if not needs:
            return self
        why = (
            f"{needs[0]} needs root@pam with lab:proxmoxPassword: Proxmox allows bind mounts, hook "
            "scripts and a snippet's file mode to root@pam only, and never treats an API token as "
            "root@pam, even root's own"
        )
        if self.proxmox_api_token is not None:
            raise ValueError(f"lab:proxmoxApiToken is set, but {why}")
        if self.proxmox.username != "root@pam":
            raise ValueError(f"lab:proxmox.username is {self.proxmox.username!r}, but {why}")
        return self

    def node_features(self) -> list[str]:
        """What in this stack needs root@pam (and SSH to the node), one phrase each naming its key."""
        found: list[str] = []
        if self.roster is not None or self.fleet is not None:
            found.append(
                "lab:roster (student containers: the home bind mount, the first-boot hook script "
                "and its file mode 0700)"
            )
        if self.gns3 is not None and self.gns3.template.build is not None:
            found.append(
                "lab:gns3.template.build (the cloud image is imported as the template's disk with "
                "`qm disk import` over SSH on the node)"
            )
        return found

    @field_validator("gns3")
    @classmethod
    def _gns3_fits(cls, gns3: Gns3Config | None, info: ValidationInfo) -> Gns3Config | None:
        # Fields declared earlier (vmidRange, adminSshPublicKeys) are in info.data when they were valid.
        vmids = info.data.get("vmid_range")
        if gns3 is None:
            return gns3
        if isinstance(vmids, VmidRange):
            for key, vmid in (("vmId", gns3.vm_id), ("template.build.vmId", _build_id(gns3))):
                if vmid is not None and vmid not in vmids:
                    raise ValueError(
                        f"{key} {vmid} is outside lab:vmidRange {vmids.start}..{vmids.end}; "
                        "expected an id of this stack's range"
                    )
        if _build_id(gns3) == gns3.vm_id:
            raise ValueError("template.build.vmId equals vmId; expected two different VMIDs")
        # Absent from info.data when a key was refused: that error already names it.
        if info.data.get("admin_ssh_public_keys", ["refused"]) == []:
            raise ValueError(
                "lab:adminSshPublicKeys is empty; the server's admin user needs the operators' keys"
            )
        return gns3

    @model_validator(mode="after")
    def _integration_secrets(self) -> Self:
        service = self.self_service
        if service is not None and service.realm.bind_dn is not None and self.realm_bind_password is None:
            raise ValueError("lab:realmBindPassword is required when lab:selfService.realm.bindDn is set")
        if self.guacamole is not None and self.guacamole_admin_password is None:
            raise ValueError("lab:guacamoleAdminPassword is required when lab:guacamole is set")
        if self.windows is not None and self.windows_ssh_private_key is None:
            raise ValueError("lab:windowsSshPrivateKey is required when lab:windows is set")
        return self

    @model_validator(mode="after")
    def _ansible_keys(self) -> Self:
        if self.ansible is None:
            return self
        if self.ansible_private_key is None:
            raise ValueError("lab:ansiblePrivateKey is required when lab:ansible is set")
        if self.ansible.mode == "remote" and self.ansible_provisioner_private_key is None:
            raise ValueError("lab:ansibleProvisionerPrivateKey is required when lab:ansible.mode is remote")
        return self
