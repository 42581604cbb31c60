"""Cloud-init user data for the lab's VMs, and the snippet file that carries it."""

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

HEADER = "#cloud-config\n"


@dataclass(frozen=True)
class AdminUser:
    """The one login a lab VM gets from cloud-init."""

    name: str
    """Unix login, e.g. `admin`."""
    ssh_public_keys: Sequence[str]
    """Authorised OpenSSH public keys (operators, plus Ansible's)."""
    shell: str = "/bin/bash"
    """Login shell; default bash."""


def render_user_data(
    *,
    hostname: str,
    fqdn: str,
    timezone: str,
    admin: AdminUser,
    packages: Sequence[str] = ("qemu-guest-agent", "python3"),
) -> str:
    """`#cloud-config` user data: identity, time zone, the admin user, the guest agent.

    Network and DNS are not here: Proxmox renders them into the network-config
    of the cloud-init drive from the VM's `initialization` block.
    """
    doc = {
        "hostname": hostname,
        "fqdn": fqdn,
        # The system hostname stays the short name; manage_etc_hosts maps the FQDN to it in /etc/hosts.
        "prefer_fqdn_over_hostname": False,
        "manage_etc_hosts": True,
        "timezone": timezone,
        "ssh_pwauth": False,
        "disable_root": True,
        "users": [
            {
                "name": admin.name,
                "gecos": "Lab administrator",
                "groups": ["sudo"],
                "shell": admin.shell,
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "lock_passwd": True,
                "ssh_authorized_keys": list(admin.ssh_public_keys),
            }
        ],
        "package_update": True,
        "packages": list(packages),
        # The template may lack the agent (a bare cloud image does): Proxmox needs it for the VM's IPs.
        "runcmd": [["systemctl", "enable", "--now", "qemu-guest-agent"]],
    }
    return HEADER + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def snippet_file_name(prefix: str) -> str:
    """The user-data snippet's file name: one per VM, stable whatever its content."""
    return f"{prefix}.yaml"
