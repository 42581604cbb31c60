"""`Gns3Server`: the GNS3 server VM, cloned from a cloud-init template."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_proxmoxve as proxmoxve

from components.proxmox.cloud_init import AdminUser, render_user_data, snippet_file_name


@dataclass(frozen=True)
class Gns3ServerArgs:
    """Everything the server is made of; the stacks fill it from `lab:gns3`."""

    node: str
    """Proxmox node that runs the VM, e.g. `pve`."""
    vm_id: int
    """Explicit VMID (Proxmox cannot reserve ids; explicit ones avoid races)."""
    name: str
    """VM name in Proxmox."""
    hostname: str
    """Guest hostname (one label)."""
    fqdn: str
    """Guest FQDN; the GNS3 URL uses it."""
    template_vm_id: pulumi.Input[int]
    """VMID of the cloud-init template to clone (an Output when the template is built here)."""
    address: str
    """Static IPv4 address with prefix, e.g. `10.10.10.249/24`."""
    gateway: str
    """IPv4 gateway."""
    dns_servers: Sequence[str]
    """DNS resolvers."""
    search_domain: str
    """DNS search domain."""
    admin: AdminUser
    """The admin login cloud-init creates (passwordless sudo, its keys)."""
    timezone: str
    """IANA time zone of the guest."""
    template_node: str | None = None
    """Node holding the template; default `node`."""
    full_clone: bool = True
    """Full clone (default) or linked clone."""
    clone_retries: int = 3
    """Retries of the clone task; default 3."""
    cores: int = 10
    """vCPUs; default 10."""
    cpu_type: str = "host"
    """CPU model; default `host` (nested virtualisation for GNS3's QEMU)."""
    memory_mib: int = 49152
    """Memory in MiB; default 48 GiB."""
    disk_datastore: str = "SSDK"
    """Datastore of the system disk and the cloud-init drive; default `SSDK`."""
    disk_size_gb: int = 400
    """System disk size in GB; default 400."""
    disk_interface: str = "virtio0"
    """Interface of the template's system disk; default `virtio0`."""
    bridge: str = "vmbr0"
    """Bridge of the NIC; default `vmbr0`."""
    vlan: int | None = None
    """VLAN tag of the NIC; default untagged."""
    snippets_datastore: str = "local"
    """Datastore with snippets enabled, for the user data; default `local`."""
    port: int = 3080
    """GNS3 server port; default 3080."""
    reverse_proxy_url: str | None = None
    """Public URL of an existing reverse proxy in front of GNS3; default none."""
    protect: bool = False
    """Protect the VM from deletion (prod)."""


class Gns3Server(pulumi.ComponentResource):
    """A VM cloned from a template, its cloud-init user data uploaded as a snippet."""

    vm_id: pulumi.Output[int]
    """The VM's VMID."""
    ip_address: pulumi.Output[str]
    """Static IPv4 address (without prefix)."""
    ssh_command: pulumi.Output[str]
    """How an operator logs in."""
    gns3_url: pulumi.Output[str]
    """`http://<fqdn>:<port>`."""
    reverse_proxy_url: pulumi.Output[str | None]
    """The reverse proxy's URL, when one is configured."""
    mac_addresses: pulumi.Output[list[str]]
    """MAC addresses of the VM's NICs as configured; Proxmox generates new ones when the VM is replaced."""
    user_data: str
    """The rendered `#cloud-config` user data (no secrets in it)."""

    def __init__(self, name: str, args: Gns3ServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:proxmox:Gns3Server", name, None, opts)
        self.user_data = render_user_data(
            hostname=args.hostname, fqdn=args.fqdn, timezone=args.timezone, admin=args.admin
        )
        # First-boot data only: the VM's `user_data_file_id` forces a new VM (bpg v0.110
        # proxmoxtf/resource/vm/vm.go:999), so the snippet keeps one name and what it was
        # created with. Later key changes reach the VM through Ansible, never through a
        # new snippet that would replace the 400 GB server and its projects.
        snippet = proxmoxve.FileLegacy(
            f"{name}-user-data",
            node_name=args.node,
            datastore_id=args.snippets_datastore,
            content_type="snippets",
            source_raw={"data": self.user_data, "file_name": snippet_file_name(f"{name}-user-data")},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["sourceRaw"]),
        )
        network: proxmoxve.VmLegacyNetworkDeviceArgsDict = {"bridge": args.bridge, "model": "virtio"}
        if args.vlan is not None:
            network["vlan_id"] = args.vlan
        vm = proxmoxve.VmLegacy(
            f"{name}-vm",
            node_name=args.node,
            vm_id=args.vm_id,
            name=args.name,
            description=f"GNS3 server {args.fqdn}, managed by Pulumi",
            tags=["campus", "gns3"],
            clone={
                "vm_id": args.template_vm_id,
                "node_name": args.template_node or args.node,
                "full": args.full_clone,
                "datastore_id": args.disk_datastore,
                "retries": args.clone_retries,
            },
            cpu={"cores": args.cores, "type": args.cpu_type},
            memory={"dedicated": args.memory_mib},
            disks=[
                {
                    "interface": args.disk_interface,
                    "datastore_id": args.disk_datastore,
                    "size": args.disk_size_gb,
                    "iothread": True,
                    "discard": "on",
                }
            ],
            network_devices=[network],
            operating_system={"type": "l26"},
            agent={"enabled": True},
            initialization={
                "datastore_id": args.disk_datastore,
                "ip_configs": [{"ipv4": {"address": args.address, "gateway": args.gateway}}],
                "dns": {"servers": list(args.dns_servers), "domain": args.search_domain},
                "user_data_file_id": snippet.id,
            },
            started=True,
            on_boot=True,
            stop_on_destroy=True,
            # The user data is first-boot only: a reference to another snippet would replace the VM
            # (vm.go:999), and the VM never needs to follow one.
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.protect, ignore_changes=["initialization.userDataFileId"]
            ),
        )
        ip = args.address.split("/", 1)[0]
        self.vm_id = vm.vm_id
        self.ip_address = pulumi.Output.from_input(ip)
        self.ssh_command = pulumi.Output.from_input(f"ssh {args.admin.name}@{ip}")
        self.gns3_url = pulumi.Output.from_input(f"http://{args.fqdn}:{args.port}")
        self.reverse_proxy_url = pulumi.Output.from_input(args.reverse_proxy_url)
        # From the NIC configuration, not `vm.mac_addresses`: that comes from the guest agent and
        # grows with every Docker bridge, which would re-run the playbook on an unchanged stack.
        self.mac_addresses = vm.network_devices.apply(
            lambda devices: [d.mac_address for d in devices or [] if d.mac_address]
        )
        self.register_outputs(
            {
                "vm_id": self.vm_id,
                "ip_address": self.ip_address,
                "ssh_command": self.ssh_command,
                "gns3_url": self.gns3_url,
                "reverse_proxy_url": self.reverse_proxy_url,
                "mac_addresses": self.mac_addresses,
            }
        )
