"""`campus:proxmox:Project`: the machines of one project file.

Containers (`ct`) and QEMU VMs (`vm`) with static addresses and the project's
SSH keys, in the project's workspace pool. Clones of a template share the
stack's clone lanes with the student fleet.
"""

from dataclasses import dataclass

import pulumi
import pulumi_proxmoxve as proxmoxve

from components.proxmox.clone_lanes import CloneLanes
from config.inventory import ProjectEnvironment, ProjectMachine


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
    """Protect the machines (prod)."""


class Project(pulumi.ComponentResource):
    """One project environment's machines."""

    machines: dict[str, dict[str, str | int]]
    """Hostname to `{vmid, node, address, kind}`."""
    resources: dict[str, proxmoxve.ContainerLegacy | proxmoxve.VmLegacy]
    """Hostname to its container or VM resource."""

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
                parent=self, provider=args.provider, protect=args.protect, depends_on=depends or None
            )
            resource_name = f"{name}-{machine.key}"
            if machine.kind == "ct":
                created: proxmoxve.ContainerLegacy | proxmoxve.VmLegacy = _container(
                    resource_name, machine, args.pool_id, tags, child
                )
            else:
                created = _vm(resource_name, machine, args.pool_id, tags, child)
            if key is not None:
                args.lanes.add(key, machine.vmid, created)
            self.resources[machine.key] = created
            self.machines[machine.key] = {
                "kind": machine.kind,
                "vmid": machine.vmid,
                "node": machine.spec.node,
                "address": str(machine.spec.ip.ip),
            }
        self.register_outputs({"machines": self.machines})


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
        initialization={
            "hostname": spec.hostname,
            "ip_configs": [{"ipv4": {"address": str(spec.ip), "gateway": str(spec.gw)}}],
            "user_account": {"keys": list(machine.keys)},
        },
        clone=clone,
        operating_system=os,
        started=True,
        start_on_boot=True,
        opts=opts,
    )


def _vm(
    name: str,
    machine: ProjectMachine,
    pool_id: pulumi.Input[str],
    tags: list[str],
    opts: pulumi.ResourceOptions,
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
    return proxmoxve.VmLegacy(
        name,
        name=spec.hostname,
        node_name=spec.node,
        vm_id=machine.vmid,
        description=spec.description,
        tags=tags,
        pool_id=pool_id,
        clone=clone,
        agent={"enabled": True},
        cpu={"cores": spec.cores, "type": "host"},
        memory={"dedicated": spec.memory},
        disks=[{"interface": "scsi0", "datastore_id": spec.storage, "size": spec.rootfs}],
        network_devices=[{"bridge": spec.net0, "model": "virtio"}],
        initialization={
            "datastore_id": spec.storage,
            "ip_configs": [{"ipv4": {"address": str(spec.ip), "gateway": str(spec.gw)}}],
            "user_account": {"keys": list(machine.keys)},
        },
        on_boot=True,
        started=True,
        opts=opts,
    )
