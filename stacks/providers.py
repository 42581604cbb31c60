"""Explicit provider instances, configured from the typed stack configuration.

Every resource is created through one of these, never through a default
provider: the region, endpoint and credentials a resource uses are then visible
in code and in the offline plan, and a stray `aws:region` in a shell cannot
redirect a stack.
"""

import pulumi
import pulumi_aws as aws
import pulumi_command as command
import pulumi_proxmoxve as proxmoxve

# Submodules, not the package: pyright then binds only what is used instead of the
# 240 modules the package's __init__ star-imports (about half of `make typecheck`).
from pulumi_datadog.provider import Provider as DatadogProvider

from config.cloud import CloudConfig
from config.lab import LabConfig


def _secret(value: str | None) -> pulumi.Output[str] | None:
    return None if value is None else pulumi.Output.secret(value)


def proxmox_provider(name: str, lab: LabConfig) -> proxmoxve.Provider:
    """The Proxmox VE provider: API credentials plus SSH to the nodes.

    Snippet uploads (cloud-init, hook scripts) and idmap entries go over SSH;
    bind mounts and hook scripts also need `root@pam` with a password, because
    Proxmox never treats an API token as root@pam.
    """
    conn = lab.proxmox
    ssh: proxmoxve.ProviderSshArgsDict = {
        "username": conn.ssh.username,
        "agent": conn.ssh.agent,
        "nodes": [{"name": node.name, "address": node.address, "port": node.port} for node in conn.ssh.nodes],
    }
    if lab.proxmox_ssh_private_key is not None:
        ssh["private_key"] = pulumi.Output.secret(lab.proxmox_ssh_private_key.get_secret_value())
    password = lab.proxmox_password.get_secret_value() if lab.proxmox_password else None
    token = lab.proxmox_api_token.get_secret_value() if lab.proxmox_api_token else None
    return proxmoxve.Provider(
        name,
        endpoint=conn.endpoint,
        insecure=conn.insecure,
        username=conn.username if password is not None else None,
        password=_secret(password),
        api_token=_secret(token),
        ssh=ssh,
    )


def aws_provider(name: str, cloud: CloudConfig, *, project: str, stack: str) -> aws.Provider:
    """The AWS provider for the stack's region, tagging everything it creates."""
    tags = {"project": project, "stack": stack, "managed-by": "pulumi", **cloud.tags}
    return aws.Provider(name, region=cloud.region, default_tags={"tags": tags})


def command_provider(name: str) -> command.Provider:
    """The provider of the Ansible runs' commands: nothing to configure, explicit all the same."""
    return command.Provider(name)


def datadog_provider(name: str, *, site: str, api_key: str, app_key: str) -> DatadogProvider:
    """The Datadog provider for the stack's site (`datadoghq.eu` -> `https://api.datadoghq.eu/`).

    Both keys arrive as Pulumi secrets and stay secret in the state (the SDK
    also lists them in the provider's additional secret outputs).
    """
    return DatadogProvider(
        name,
        api_url=f"https://api.{site}/",
        api_key=pulumi.Output.secret(api_key),
        app_key=pulumi.Output.secret(app_key),
    )
