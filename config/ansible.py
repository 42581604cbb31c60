"""`lab:ansible`: the one set of settings every Ansible run of the lab uses.

The GNS3 server's run and the project environments' runs share the mode, the
provisioner, the key pair (`publicKey` here, the secrets `lab:ansiblePrivateKey`
and `lab:ansibleProvisionerPrivateKey`): one key for Ansible to rotate, one
provisioner to keep up to date.

What only the project runs need sits in the `projects` sub-block rather than in
flat `project*` keys: the GNS3 run logs in as `lab:gns3.adminUser`, a setting of
the server it configures, while project machines come from the school's files,
which name no user; the sub-block says at a glance that these users never
affect the GNS3 run.
"""

from typing import Literal, Self

from pydantic import Field, model_validator

from config.base import Model
from config.ssh import SshPublicKey

UNIX_USER = r"^[a-z_][a-z0-9_-]*$"


class Provisioner(Model):
    """The host that carries ansible-playbook and python3, reached over SSH."""

    host: str = Field(min_length=1)
    """Address or DNS name, e.g. `10.10.10.240`."""
    user: str = Field(default="ansible", pattern=UNIX_USER)
    """Unix user on the provisioner; its key is the secret `lab:ansibleProvisionerPrivateKey`."""
    port: int = Field(default=22, ge=1, le=65535)
    """SSH port of the provisioner."""


class ProjectRuns(Model):
    """`lab:ansible.projects`: how the project runs log in to the project machines."""

    container_user: str = Field(default="root", pattern=UNIX_USER)
    """User on containers: Proxmox installs a container's keys for root; default `root`."""
    vm_user: str = Field(default="debian", pattern=UNIX_USER)
    """Cloud-init user created on VMs with the machine's keys; default `debian`."""


class AnsibleConfig(Model):
    """`lab:ansible`: where playbooks run and the key they log in with."""

    mode: Literal["remote", "local"] = "remote"
    """`remote`: run on `provisioner` over SSH; `local`: run where `pulumi up` runs."""
    provisioner: Provisioner | None = None
    """Required in remote mode."""
    public_key: SshPublicKey
    """Public half of `lab:ansiblePrivateKey`, authorised on every target: the GNS3 server's
    admin user and every project machine (besides its `lab:sshKeySets` keys)."""
    projects: ProjectRuns = Field(default_factory=ProjectRuns)
    """Users of the project runs; defaults `root` on containers, `debian` on VMs."""

    @model_validator(mode="after")
    def _provisioner_in_remote_mode(self) -> Self:
        if self.mode == "remote" and self.provisioner is None:
            raise ValueError("mode 'remote' needs provisioner.host (the SSH host with ansible installed)")
        return self
