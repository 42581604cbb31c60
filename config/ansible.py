"""`lab:ansible`: how the lab's Ansible runs reach their targets."""

from typing import Literal, Self

from pydantic import Field, model_validator

from config.base import Model


class Provisioner(Model):
    """The host that carries ansible-playbook and python3, reached over SSH."""

    host: str = Field(min_length=1)
    """Address or DNS name, e.g. `10.10.10.240`."""
    user: str = Field(default="ansible", pattern=r"^[a-z_][a-z0-9_-]*$")
    """Unix user on the provisioner."""
    port: int = Field(default=22, ge=1, le=65535)


class AnsibleConfig(Model):
    """`lab:ansible`: where playbooks run and the key they log in with."""

    mode: Literal["remote", "local"] = "remote"
    """`remote`: run on `provisioner` over SSH; `local`: run where `pulumi up` runs."""
    provisioner: Provisioner | None = None
    """Required in remote mode."""
    public_key: str = Field(pattern=r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$")
    """Public half of `lab:ansiblePrivateKey`, installed for the admin user on every target."""

    @model_validator(mode="after")
    def _provisioner_in_remote_mode(self) -> Self:
        if self.mode == "remote" and self.provisioner is None:
            raise ValueError("mode 'remote' needs provisioner.host (the SSH host with ansible installed)")
        return self
