"""`UbuntuTemplate`: a cloud-init VM template built from the Ubuntu 24.04 cloud image, without Packer."""

from dataclasses import dataclass

import pulumi
import pulumi_proxmoxve as proxmoxve


@dataclass(frozen=True)
class UbuntuTemplateArgs:
    """Where the image goes and what the template looks like."""

    node: str
    """Proxmox node that downloads the image and holds the template."""
    vm_id: int
    """VMID of the template."""
    name: str
    """Template VM name."""
    image_url: str
    """URL of the cloud image (`.img`, qcow2 inside)."""
    image_checksum: str | None = None
    """SHA-256 of the image; the node verifies the download when set. Default none."""
    image_datastore: str = "local"
    """Datastore with the `iso` content type for the image; default `local`."""
    datastore: str = "local-lvm"
    """Datastore of the template disk and its cloud-init drive; default `local-lvm`."""
    disk_size_gb: int = 10
    """Template disk size in GB; default 10."""
    disk_interface: str = "virtio0"
    """Disk interface; clones resize the disk on this interface. Default `virtio0`."""
    bridge: str = "vmbr0"
    """Bridge of the template NIC; default `vmbr0`."""
    protect: bool = False
    """Protect the template (prod): every clone's source."""


class UbuntuTemplate(pulumi.ComponentResource):
    """The node downloads the cloud image; a stopped VM imports it as its disk and becomes a template."""

    vm_id: pulumi.Output[int]
    """VMID to clone from."""

    def __init__(
        self, name: str, args: UbuntuTemplateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("campus:proxmox:UbuntuTemplate", name, None, opts)
        file_name = args.image_url.rsplit("/", 1)[-1]
        if not file_name.endswith(".img"):
            file_name += ".img"  # the `iso` content type only lists .img and .iso files
        image = proxmoxve.download.File(
            f"{name}-image",
            node_name=args.node,
            datastore_id=args.image_datastore,
            content_type="iso",
            url=args.image_url,
            file_name=file_name,
            checksum=args.image_checksum,
            checksum_algorithm="sha256" if args.image_checksum else None,
            overwrite=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        vm = proxmoxve.VmLegacy(
            f"{name}-vm",
            node_name=args.node,
            vm_id=args.vm_id,
            name=args.name,
            description="Ubuntu 24.04 cloud image template, managed by Pulumi",
            tags=["campus", "template"],
            template=True,
            started=False,
            on_boot=False,
            cpu={"cores": 2, "type": "host"},
            memory={"dedicated": 2048},
            disks=[
                {
                    "interface": args.disk_interface,
                    "datastore_id": args.datastore,
                    "file_id": image.id,
                    "size": args.disk_size_gb,
                    "iothread": True,
                    "discard": "on",
                }
            ],
            network_devices=[{"bridge": args.bridge, "model": "virtio"}],
            # Ubuntu cloud images print their console on the serial port.
            serial_devices=[{"device": "socket"}],
            vga={"type": "serial0"},
            operating_system={"type": "l26"},
            agent={"enabled": True},
            initialization={"datastore_id": args.datastore},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.vm_id = vm.vm_id
        self.register_outputs({"vm_id": self.vm_id})
