"""Computed values of Proxmox VE resources."""

from collections.abc import Mapping
from typing import Any, cast

from offline.mocks.registry import Context, resource, stable_hex


@resource("proxmoxve:index/vmLegacy:VmLegacy", "proxmoxve:index/containerLegacy:ContainerLegacy")
def _guest(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's id is the VMID; the plan always sets it explicitly.
    vm_id = inputs.get("vmId") or 0
    computed: dict[str, Any] = {"vmId": vm_id}
    devices = cast(list[dict[str, Any]], inputs.get("networkDevices") or [])
    if devices:
        # Proxmox generates a MAC per NIC unless one is given (BC:24:11 is its prefix).
        macs = [d.get("macAddress") or _mac(ctx, name, i) for i, d in enumerate(devices)]
        computed["macAddresses"] = macs
        computed["networkDevices"] = [{**d, "macAddress": m} for d, m in zip(devices, macs, strict=True)]
    return str(vm_id), computed


def _mac(ctx: Context, name: str, index: int) -> str:
    tail = stable_hex(ctx.stack, name, str(index), length=6)
    return "BC:24:11:" + ":".join(tail[i : i + 2].upper() for i in range(0, 6, 2))


@resource("proxmoxve:index/fileLegacy:FileLegacy")
def _file(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The id is the volume id that VMs and containers reference.
    datastore = inputs.get("datastoreId", "local")
    content = inputs.get("contentType", "snippets")
    source = cast(dict[str, Any], inputs.get("sourceRaw") or inputs.get("sourceFile") or {})
    file_name = str(source.get("fileName") or name)
    return f"{datastore}:{content}/{file_name}", {"fileName": file_name}


@resource("proxmoxve:download/file:File")
def _download(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # As for uploads, the id is the volume id a VM disk's `file_id` or a container's template points at;
    # without `fileName` the node names the file after the URL's last path segment.
    datastore = inputs.get("datastoreId", "local")
    content = inputs.get("contentType", "iso")
    file_name = str(inputs.get("fileName") or str(inputs.get("url", name)).rsplit("/", 1)[-1])
    size = 126_000_000 if content == "vztmpl" else 614_465_536
    return f"{datastore}:{content}/{file_name}", {"fileName": file_name, "size": size}


@resource("proxmoxve:index/poolLegacy:PoolLegacy")
def _pool(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return str(inputs.get("poolId", name)), {"members": []}


@resource("proxmoxve:pool/membership:Membership")
def _membership(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's id, as `pulumi import` takes it: {pool_id}/{type}/{member_id}.
    if inputs.get("storageId"):
        return f"{inputs.get('poolId')}/storage/{inputs['storageId']}", {"type": "storage"}
    return f"{inputs.get('poolId')}/vm/{inputs.get('vmId')}", {"type": "vm"}
