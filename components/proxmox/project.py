"""`campus:proxmox:Project`: the machines of one project file.

Containers (`ct`) and QEMU VMs (`vm`) with static addresses and the project's
SSH keys, in the project's workspace pool. Clones of a template share the
stack's clone lanes with the student fleet.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pulumi
import pulumi_proxmoxve as proxmoxve

from components.ansible.playbook import AnsiblePlaybook, AnsiblePlaybookArgs, InventoryHost, SshEndpoint
from components.proxmox.clone_lanes import CloneLanes
from components.proxmox.student_fleet import CREATION_ONLY
from config.inventory import ProjectEnvironment, ProjectMachine


@dataclass(frozen=True)
class ProjectAnsibleArgs:
    """How the project's `ansible` section runs (from `lab:ansible`, shared with the GNS3 run)."""

    target_private_key: pulumi.Input[str]
    """Secret. Logs Ansible in to the project's machines (its public half is among their keys)."""
    container_user: str = "root"
    """User on containers (their keys are root's); default root."""
    vm_user: str = "debian"
    """Cloud-init user on VMs, created with the project's keys; default debian."""
    mode: Literal["remote", "local"] = "remote"
    """Where ansible-playbook runs; default remote (on `provisioner`)."""
    provisioner: SshEndpoint | None = None
    """The host with Ansible installed (remote mode)."""
    source_dir: str = "ansible"
    """The playbook tree; project playbook paths are relative to the repository and start with it;
    default `ansible`."""


@dataclass(frozen=True)
class ProjectArgs:
    """Arguments of `Project`."""

    project: ProjectEnvironment
    """The project file, resolved (machines with their VMIDs, bases and keys)."""
    pool_id: pulumi.Input[str]
    """Proxmox pool of the project's workspace."""
    provider: proxmoxve.Provider
    """The stack's explicit Proxmox provider."""
    lanes: CloneLanes
    """Clone chains shared with the student fleet."""
    protect: bool = False
    """Protect the machines (prod); default False."""
    ansible: ProjectAnsibleArgs | None = None
    """Run the project file's `ansible` section, once over all its machines; default None: never run it."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict[str, pulumi.Input[str]])
    """Secret. Extra-vars the run receives besides the file's `extravars` (`lab:projectSecrets`); they
    travel on the run's stdin, never in the inventory, a command line or the state in plaintext;
    default none."""


class Project(pulumi.ComponentResource):
    """One project environment's machines."""

    machines: dict[str, dict[str, str | int]]
    """Hostname to `{vmid, node, address, kind}`."""
    resources: dict[str, proxmoxve.ContainerLegacy | proxmoxve.VmLegacy]
    """Hostname to its container or VM resource."""
    playbook: AnsiblePlaybook | None
    """The project's one Ansible run, when its file has an `ansible` section."""

    def __init__(self, name: str, args: ProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:proxmox:Project", name, None, opts)
        project = args.project
        tags = sorted({project.name, project.spec.cluster.lower()})
        self.machines = {}
        self.resources = {}
        for machine in sorted(project.machines, key=lambda m: m.vmid):
            template = machine.base.template_vmid
            key = (machine.base.node or machine.spec.node, template) if template is not None else None
            depends = args.lanes.after(key, machine.vmid) if key is not None else []
            child = pulumi.ResourceOptions(
                parent=self,
                provider=args.provider,
                protect=args.protect,
                depends_on=depends or None,
                # A VM's clone source too: a new base applies to new machines only.
                ignore_changes=CREATION_ONLY,
            )
            resource_name = f"{name}-{machine.key}"
            if machine.kind == "ct":
                created: proxmoxve.ContainerLegacy | proxmoxve.VmLegacy = _container(
                    resource_name, machine, args.pool_id, tags, child
                )
            else:
                vm_user = args.ansible.vm_user if args.ansible is not None else None
                created = _vm(resource_name, machine, args.pool_id, tags, child, user=vm_user)
            if key is not None:
                args.lanes.add(key, machine.vmid, created)
            self.resources[machine.key] = created
            self.machines[machine.key] = {
                "kind": machine.kind,
                "vmid": machine.vmid,
                "node": machine.spec.node,
                "address": str(machine.spec.ip.ip),
            }
        self.playbook = None
        run = project.spec.ansible
        if run is not None and args.ansible is not None:
            self.playbook = _playbook(f"{name}-ansible", args, self)
        self.register_outputs({"machines": self.machines})


def _playbook(name: str, args: ProjectArgs, parent: Project) -> AnsiblePlaybook:
    project, settings, run = args.project, args.ansible, args.project.spec.ansible
    assert settings is not None and run is not None
    hosts: list[InventoryHost] = []
    for machine in sorted(project.machines, key=lambda m: m.key):
        address = str(machine.spec.ip.ip)
        # Through the machine's id: the run waits for the machine to exist.
        created = parent.resources[machine.key].id.apply(lambda _, a=address: a)
        # Each host logs in as its own user, and only VMs run cloud-init: a project may mix both.
        vm = machine.kind == "vm"
        hosts.append(
            InventoryHost(
                name=machine.key,
                address=created,
                user=settings.vm_user if vm else settings.container_user,
                wait_for_cloud_init=vm,
            )
        )
    return AnsiblePlaybook(
        name,
        AnsiblePlaybookArgs(
            playbook=Path(run.playbook).relative_to(settings.source_dir).as_posix(),
            groups={run.group: hosts},
            target_user=settings.container_user,
            target_private_key=settings.target_private_key,
            mode=settings.mode,
            provisioner=settings.provisioner,
            tags=tuple(run.tags),
            # Each secret stays a secret Output: the run's extra-vars file is then secret as a whole.
            extra_vars={**run.extravars, **{k: pulumi.Output.secret(v) for k, v in args.secrets.items()}},
            source_dir=settings.source_dir,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _container(
    name: str,
    machine: ProjectMachine,
    pool_id: pulumi.Input[str],
    tags: list[str],
    opts: pulumi.ResourceOptions,
) -> proxmoxve.ContainerLegacy:
    spec, base = machine.spec, machine.base
    clone: proxmoxve.ContainerLegacyCloneArgsDict | None = None
    os: proxmoxve.ContainerLegacyOperatingSystemArgsDict | None = None
    if base.template_vmid is not None:
        clone = {"vm_id": base.template_vmid, "datastore_id": spec.storage}
        if base.node is not None:
            clone["node_name"] = base.node
    elif base.volume_id is not None:
        os = {"template_file_id": base.volume_id, "type": base.os_type}
    return proxmoxve.ContainerLegacy(
        name,
        node_name=spec.node,
        vm_id=machine.vmid,
        description=spec.description,
        tags=tags,
        pool_id=pool_id,
        unprivileged=True,
        features={"nesting": True},
        cpu={"cores": spec.cores},
        memory={"dedicated": spec.memory},
        disk={"datastore_id": spec.storage, "size": spec.rootfs},
        network_interfaces=[{"name": "eth0", "bridge": spec.net0}],
        initialization=_container_init(machine),
        clone=clone,
        operating_system=os,
        started=True,
        start_on_boot=True,
        opts=opts,
    )


def _container_init(machine: ProjectMachine) -> proxmoxve.ContainerLegacyInitializationArgsDict:
    spec = machine.spec
    init: proxmoxve.ContainerLegacyInitializationArgsDict = {
        # An FQDN in the project file: the hostname is its first label. With the rest as the search
        # domain, Proxmox's container setup writes `<ip> <fqdn> <short>` to /etc/hosts itself
        # (pve-container, PVE::LXC::Setup::Base, update_etc_hosts appends `<name>.<searchdomain>`).
        "hostname": spec.short_hostname,
        "ip_configs": [{"ipv4": {"address": str(spec.ip), "gateway": str(spec.gw)}}],
        "user_account": {"keys": list(machine.keys)},
    }
    if spec.domain is not None:
        init["dns"] = {"domain": spec.domain}
    return init


def _vm(
    name: str,
    machine: ProjectMachine,
    pool_id: pulumi.Input[str],
    tags: list[str],
    opts: pulumi.ResourceOptions,
    *,
    user: str | None,
) -> proxmoxve.VmLegacy:
    spec, base = machine.spec, machine.base
    if base.template_vmid is None:
        raise ValueError(f"vm {spec.hostname}: base {spec.base!r} has no templateVmid to clone")
    clone: proxmoxve.VmLegacyCloneArgsDict = {
        "vm_id": base.template_vmid,
        "full": True,
        "datastore_id": spec.storage,
        "retries": 3,
    }
    if base.node is not None:
        clone["node_name"] = base.node
    account: proxmoxve.VmLegacyInitializationUserAccountArgsDict = {"keys": list(machine.keys)}
    if user is not None:
        account["username"] = user
    return proxmoxve.VmLegacy(
        name,
        name=spec.short_hostname,
        node_name=spec.node,
        vm_id=machine.vmid,
        description=spec.description,
        tags=tags,
        pool_id=pool_id,
        clone=clone,
        # On only when the template has the agent: otherwise the provider waits for one that never
        # answers (nothing installs it: project VMs get no cloud-init user data).
        agent={"enabled": base.guest_agent},
        cpu={"cores": spec.cores, "type": "host"},
        memory={"dedicated": spec.memory},
        disks=[{"interface": "scsi0", "datastore_id": spec.storage, "size": spec.rootfs}],
        network_devices=[{"bridge": spec.net0, "model": "virtio"}],
        initialization={
            "datastore_id": spec.storage,
            "ip_configs": [{"ipv4": {"address": str(spec.ip), "gateway": str(spec.gw)}}],
            "user_account": account,
        },
        on_boot=True,
        started=True,
        opts=opts,
    )
