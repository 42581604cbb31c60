"""`campus:proxmox:StudentFleet`: one LXC container per student of a roster.

Per student the fleet declares exactly one resource, the container. Shared by
the fleet: the hook-script and first-boot snippets, one Proxmox pool per group, and one
template download per profile built from a downloaded archive.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import pulumi
import pulumi_proxmoxve as proxmoxve

from components.proxmox.clone_lanes import CloneLanes
from components.proxmox.hook_script import HookSettings, file_name, firstboot_script, firstboot_volume, render
from config.fleet import FleetConfig, Profile
from config.inventory import StudentMachine

# Where a container came from matters at creation only: a new template or
# archive for a profile applies to new containers, and never replaces (wipes)
# an existing student's container.
CREATION_ONLY = ["clone", "operatingSystem.templateFileId"]

# The unprivileged default: container root is host 100000, 65536 ids.
_BASE_IDS = (0, 100_000, 65_536)


class StudentOutput(TypedDict):
    """What the stack exports per student."""

    vmid: int
    hostname: str
    node: str


@dataclass(frozen=True)
class StudentFleetArgs:
    """Arguments of `StudentFleet`."""

    students: Sequence[StudentMachine]
    """Students with their allocated VMID, hostname and MAC address (from `config.inventory`)."""
    fleet: FleetConfig
    """Profiles, node, homes, id mapping, first-boot settings (`lab:fleet`)."""
    provider: proxmoxve.Provider
    """The stack's explicit Proxmox provider."""
    lanes: CloneLanes
    """Clone chains shared with other cloning components (see `clone_lanes`)."""
    protect: bool = False
    """Protect the containers and the template download (prod); default False."""
    extra_tags: Sequence[str] = field(default_factory=tuple[str, ...])
    """Tags added to every container besides the group and the year; default none."""


class StudentFleet(pulumi.ComponentResource):
    """A roster's containers, built as the school's reference container."""

    machines: dict[str, StudentOutput]
    """Login to VMID, hostname and node."""
    containers: dict[str, proxmoxve.ContainerLegacy]
    """Login to its container resource."""
    hook_script_id: pulumi.Output[str]
    """Volume id of the hook-script snippet (`local:snippets/...`)."""

    def __init__(self, name: str, args: StudentFleetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:proxmox:StudentFleet", name, None, opts)
        fleet = args.fleet
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        boot = fleet.first_boot
        # The in-container script, uploaded unchanged; the hook pushes it into each container.
        inner = firstboot_script()
        firstboot = proxmoxve.FileLegacy(
            f"{name}-firstboot",
            node_name=fleet.node,
            datastore_id=boot.snippets_datastore,
            content_type="snippets",
            source_raw={"data": inner, "file_name": file_name(inner, "campus-student-firstboot")},
            opts=child,
        )
        script = render(
            HookSettings(
                firstboot_volume=firstboot_volume(boot.snippets_datastore, inner),
                packages=tuple(boot.packages),
                realm=boot.realm,
                join_user=boot.join_user,
                join_password_file=boot.join_password_file,
            )
        )
        hook = proxmoxve.FileLegacy(
            f"{name}-hook",
            node_name=fleet.node,
            datastore_id=boot.snippets_datastore,
            content_type="snippets",
            file_mode="0700",
            source_raw={"data": script, "file_name": file_name(script)},
            # The hook names the first-boot snippet: it must be on the node first.
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[firstboot])),
        )
        self.hook_script_id = hook.id

        used = {s.student.profile for s in args.students}
        templates: dict[str, pulumi.Input[str]] = {}
        for profile_name in sorted(used):
            source = fleet.profiles[profile_name].template
            if source is None:
                continue
            if source.download is not None:
                download = proxmoxve.download.File(
                    f"{name}-template-{profile_name}",
                    node_name=fleet.node,
                    datastore_id=source.download.datastore,
                    content_type="vztmpl",
                    url=source.download.url,
                    # Named as Proxmox publishes it: the volume id is known at plan time.
                    file_name=source.download.url.rsplit("/", 1)[-1],
                    checksum=source.download.checksum,
                    checksum_algorithm=source.download.checksum_algorithm,
                    overwrite=False,
                    opts=pulumi.ResourceOptions(parent=self, provider=args.provider, protect=args.protect),
                )
                templates[profile_name] = download.id
            elif source.volume_id is not None:
                templates[profile_name] = source.volume_id

        pools: dict[str, proxmoxve.PoolLegacy] = {}
        for group in sorted({s.student.group for s in args.students}):
            pools[group] = proxmoxve.PoolLegacy(
                f"{name}-pool-{group}",
                pool_id=f"{fleet.pool_prefix}{group}",
                comment=f"Student containers of group {group}",
                opts=child,
            )

        self.containers = {}
        self.machines = {}
        # VMID order: clone chains follow it, and a new student (the highest VMID) joins a chain's end.
        for machine in sorted(args.students, key=lambda m: m.vmid):
            student = machine.student
            profile = fleet.profiles[student.profile]
            depends: list[pulumi.Resource] = []
            clone: proxmoxve.ContainerLegacyCloneArgsDict | None = None
            os: proxmoxve.ContainerLegacyOperatingSystemArgsDict | None = None
            key = None
            if profile.clone is not None:
                key = (profile.clone.node or fleet.node, profile.clone.template_vmid)
                depends = args.lanes.after(key, machine.vmid)
                clone = {"vm_id": profile.clone.template_vmid, "datastore_id": profile.datastore}
                if profile.clone.node is not None:
                    clone["node_name"] = profile.clone.node
                if not profile.clone.full:
                    clone["full"] = False
            elif profile.template is not None:
                os = {"template_file_id": templates[student.profile], "type": profile.template.os_type}
            container = proxmoxve.ContainerLegacy(
                f"{name}-{student.login}",
                node_name=fleet.node,
                vm_id=machine.vmid,
                description=f"CT perso pour {student.name} - {student.group}",
                tags=sorted({student.group.lower(), fleet.year, *args.extra_tags}),
                pool_id=pools[student.group].pool_id,
                unprivileged=True,
                features={"nesting": True},
                cpu={"architecture": "amd64", "cores": profile.cores},
                memory={"dedicated": profile.memory, "swap": profile.swap},
                disk={"datastore_id": profile.datastore, "size": profile.disk_size},
                network_interfaces=[_interface(profile, machine.mac)],
                initialization={"hostname": machine.hostname, "ip_configs": [_address(fleet, student.login)]},
                idmaps=_idmaps(fleet),
                mount_points=[
                    {
                        "volume": fleet.homes.host_path.format(login=student.login),
                        "path": fleet.homes.path.format(login=student.login),
                    }
                ],
                clone=clone,
                operating_system=os,
                hook_script_file_id=hook.id,
                started=fleet.started,
                start_on_boot=fleet.start_on_boot,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    provider=args.provider,
                    protect=args.protect,
                    depends_on=depends or None,
                    ignore_changes=CREATION_ONLY,
                ),
            )
            if key is not None:
                args.lanes.add(key, machine.vmid, container)
            self.containers[student.login] = container
            self.machines[student.login] = {
                "vmid": machine.vmid,
                "hostname": machine.hostname,
                "node": fleet.node,
            }

        self.register_outputs({"machines": self.machines, "hookScriptId": self.hook_script_id})


def _interface(profile: Profile, mac: str) -> proxmoxve.ContainerLegacyNetworkInterfaceArgsDict:
    interface: proxmoxve.ContainerLegacyNetworkInterfaceArgsDict = {
        "name": "eth0",
        "bridge": profile.bridge,
        "mac_address": mac,
    }
    if profile.vlan is not None:
        interface["vlan_id"] = profile.vlan
    return interface


def _address(fleet: FleetConfig, login: str) -> proxmoxve.ContainerLegacyInitializationIpConfigArgsDict:
    static = fleet.static_addresses.get(login)
    if static is None:
        return {"ipv4": {"address": "dhcp"}}
    return {"ipv4": {"address": str(static.address), "gateway": str(static.gateway)}}


def _idmaps(fleet: FleetConfig) -> list[proxmoxve.ContainerLegacyIdmapArgsDict]:
    # Container ids 0..65535 to the host's subordinate range, and the directory's
    # range one to one: a student owns the same files inside and outside.
    high = fleet.directory_ids
    maps: list[proxmoxve.ContainerLegacyIdmapArgsDict] = []
    for start, host, size in (_BASE_IDS, (high.start, high.start, high.size)):
        for kind in ("uid", "gid"):
            maps.append({"type": kind, "container_id": start, "host_id": host, "size": size})
    return maps
