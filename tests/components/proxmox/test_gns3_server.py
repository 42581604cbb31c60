"""The GNS3 server VM, its cloud-init snippet and the optional built template, per stack."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.harness import PlanResult
from tests.config.test_gns3_config import gns3
from tests.conftest import Planner

VM = "proxmoxve:index/vmLegacy:VmLegacy"
FILE = "proxmoxve:index/fileLegacy:FileLegacy"
DOWNLOAD = "proxmoxve:download/file:File"

# Stack -> (vmid, template vmid, cores, memory MiB, disk GB, address, vlan)
EXPECTED = {
    "prod": (50249, 555, 10, 49152, 400, "10.10.10.249/24", 10),
    "staging": (60248, 60900, 4, 8192, 64, "10.10.10.248/24", 10),
}


def vm(result: PlanResult) -> dict[str, Any]:
    return result.one(VM, f"{result.stack}-gns3-vm").inputs


def user_data(result: PlanResult) -> str:
    return result.one(FILE, f"{result.stack}-gns3-user-data").inputs["sourceRaw"]["data"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_clone_source_sizes_and_network_per_stack(plan: Planner, stack: str) -> None:
    vmid, template, cores, memory, disk, address, vlan = EXPECTED[stack]
    inputs = vm(plan(stack))
    assert inputs["vmId"] == vmid and inputs["nodeName"] == "pve"
    assert inputs["clone"] == {
        "vmId": template,
        "full": True,
        "datastoreId": "SSDK",
        "nodeName": "pve",
        "retries": 3,
    }
    assert inputs["cpu"] == {"cores": cores, "type": "host"}
    assert inputs["memory"] == {"dedicated": memory}
    assert inputs["disks"][0]["size"] == disk and inputs["disks"][0]["datastoreId"] == "SSDK"
    assert inputs["disks"][0]["interface"] == "virtio0"
    assert inputs["networkDevices"] == [{"bridge": "vmbr0", "model": "virtio", "vlanId": vlan}]
    init = inputs["initialization"]
    assert init["ipConfigs"] == [{"ipv4": {"address": address, "gateway": "10.10.10.1"}}]
    assert init["dns"] == {"servers": ["10.10.10.246"], "domain": "reverse9.xyz"}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_agent_started_on_boot_named_and_protected_in_prod(plan: Planner, stack: str) -> None:
    result = plan(stack)
    res = result.one(VM, f"{stack}-gns3-vm")
    assert res.inputs["agent"] == {"enabled": True}
    assert res.inputs["started"] is True and res.inputs["onBoot"] is True
    assert res.inputs["name"] == ("gns3vm" if stack == "prod" else "gns3vm-staging")
    assert res.protect is (stack == "prod")
    provider = result.one("pulumi:providers:proxmoxve", f"{stack}-proxmox")
    assert res.provider is not None and res.provider.startswith(provider.urn + "::")


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_user_data_is_a_first_boot_snippet_attached_to_the_vm(plan: Planner, stack: str) -> None:
    result = plan(stack)
    snippet = result.one(FILE, f"{stack}-gns3-user-data")
    name = snippet.inputs["sourceRaw"]["fileName"]
    # One name whatever the content, and the content is creation-only: the VM's reference never
    # changes, since a new `userDataFileId` would replace the VM.
    assert name == f"{stack}-gns3-user-data.yaml"
    assert snippet.ignore_changes == ["sourceRaw"]
    assert snippet.inputs["contentType"] == "snippets" and snippet.inputs["datastoreId"] == "local"
    assert vm(result)["initialization"]["userDataFileId"] == f"local:snippets/{name}"
    assert snippet.urn in result.one(VM, f"{stack}-gns3-vm").dependencies


def test_user_data_carries_identity_admin_and_keys(plan: Planner) -> None:
    result = plan("prod")
    text = user_data(result)
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    assert (doc["hostname"], doc["fqdn"], doc["timezone"]) == (
        "gns3vm",
        "gns3.reverse9.xyz",
        "Indian/Reunion",
    )
    # The system hostname is the short name (gns3vm), the FQDN only goes into /etc/hosts.
    assert doc["prefer_fqdn_over_hostname"] is False and doc["manage_etc_hosts"] is True
    (admin,) = doc["users"]
    assert admin["name"] == "admin" and admin["shell"] == "/bin/bash"
    assert admin["sudo"] == "ALL=(ALL) NOPASSWD:ALL"
    comments = [k.rsplit(" ", 1)[-1] for k in admin["ssh_authorized_keys"]]
    assert comments == ["ops-alice", "ops-bob", "ansible@campus-prod"]
    assert "qemu-guest-agent" in doc["packages"]


def test_new_user_data_keeps_the_snippet_and_the_vm_reference(plan: Planner) -> None:
    before = plan("prod")
    after = plan("prod", set_={"lab:gns3": _gns3("prod", timezone="UTC")})
    old, new = (r.one(FILE, "prod-gns3-user-data") for r in (before, after))
    assert new.inputs["sourceRaw"]["data"] != old.inputs["sourceRaw"]["data"]
    assert new.inputs["sourceRaw"]["fileName"] == old.inputs["sourceRaw"]["fileName"]
    assert vm(after)["initialization"]["userDataFileId"] == vm(before)["initialization"]["userDataFileId"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_user_data_passes_cloud_init_schema(plan: Planner, stack: str, tmp_path: Path) -> None:
    tool = shutil.which("cloud-init")
    assert tool, "cloud-init is missing: `make install-system` installs Debian's cloud-init package"
    path = tmp_path / "user-data.yaml"
    path.write_text(user_data(plan(stack)))
    done = subprocess.run([tool, "schema", "-c", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_cloud_init_schema_check_can_fail(tmp_path: Path) -> None:
    tool = shutil.which("cloud-init")
    assert tool
    path = tmp_path / "bad.yaml"
    path.write_text("#cloud-config\nusers:\n  - name: a\n    no_such_key: 1\n")
    assert subprocess.run([tool, "schema", "-c", str(path)], capture_output=True, check=False).returncode != 0


def _template_images(result: PlanResult) -> list[str]:
    # The student fleet downloads container archives with the same resource type.
    return [r.name for r in result.of_type(DOWNLOAD) if r.inputs["contentType"] == "iso"]


def test_staging_builds_its_template_from_the_cloud_image(plan: Planner) -> None:
    result = plan("staging")
    image = result.one(DOWNLOAD, "staging-template-image")
    # A dated release, checked against its SHA-256: `current/` would change under the checksum.
    assert image.inputs["url"] == (
        "https://cloud-images.ubuntu.com/releases/noble/release-20260801/ubuntu-24.04-server-cloudimg-amd64.img"
    )
    assert (image.inputs["checksum"], image.inputs["checksumAlgorithm"]) == (
        "0533b0655c32e68b31d792ecd6ccfca95abdbc536c4446874fe0513bd4140ffe",
        "sha256",
    )
    assert image.inputs["contentType"] == "iso" and image.inputs["fileName"].endswith(".img")
    template = result.one(VM, "staging-template-vm")
    assert template.inputs["template"] is True and template.inputs["started"] is False
    assert template.inputs["disks"][0]["fileId"] == "local:iso/ubuntu-24.04-server-cloudimg-amd64.img"
    assert template.urn in result.one(VM, "staging-gns3-vm").dependencies
    assert not _template_images(plan("prod"))  # prod uses template 555


def test_template_choice_switches_per_configuration(plan: Planner) -> None:
    result = plan("staging", set_={"lab:gns3": _gns3("staging", template={"vmId": 555})})
    assert not _template_images(result)
    assert vm(result)["clone"]["vmId"] == 555


def _gns3(stack: str, **changes: Any) -> dict[str, Any]:
    return gns3(stack, **changes)
