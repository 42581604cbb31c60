"""Computed values of Proxmox VE resources."""

from collections.abc import Mapping
from typing import Any, cast

from stacks.mocks.registry import Context, resource


@resource("proxmoxve:index/vmLegacy:VmLegacy", "proxmoxve:index/containerLegacy:ContainerLegacy")
def _guest(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's id is the VMID; the plan always sets it explicitly.
    vm_id = inputs.get("vmId") or 0
    return str(vm_id), {"vmId": vm_id}


@resource("proxmoxve:index/fileLegacy:FileLegacy")
def _file(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The id is the volume id that VMs and containers reference.
    datastore = inputs.get("datastoreId", "local")
    content = inputs.get("contentType", "snippets")
    source = cast(dict[str, Any], inputs.get("sourceRaw") or inputs.get("sourceFile") or {})
    file_name = str(source.get("fileName") or name)
    return f"{datastore}:{content}/{file_name}", {"fileName": file_name}


@resource("proxmoxve:download/fileLegacy:FileLegacy")
def _download(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The node names the file after the URL's last path segment unless told otherwise.
    datastore = inputs.get("datastoreId", "local")
    content = inputs.get("contentType", "vztmpl")
    file_name = str(inputs.get("fileName") or str(inputs.get("url", name)).rsplit("/", 1)[-1])
    return f"{datastore}:{content}/{file_name}", {"fileName": file_name, "size": 126_000_000}


@resource("proxmoxve:index/poolLegacy:PoolLegacy")
def _pool(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return str(inputs.get("poolId", name)), {"members": []}
