"""`lab:gns3`, `lab:ansible` and their keys: defaults, and one clear message per mistake."""

from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from config.ansible import AnsibleConfig
from config.ssh import SshPublicKey
from config.stack import StackConfig
from tests.config.test_loader import load as load_stack
from tests.config.test_loader import problems as stack_problems
from tests.conftest import stack_file


def load(
    stack: str = "staging", set_: dict[str, Any] | None = None, unset: tuple[str, ...] = ()
) -> StackConfig:
    """The lab settings are staging's unless a test names prod."""
    return load_stack(stack, set_, unset)


def problems(**kwargs: Any) -> str:
    return stack_problems(**{"stack": "staging", **kwargs})


def gns3(stack: str = "staging", **changes: Any) -> dict[str, Any]:
    raw = yaml.safe_load(stack_file(stack).config["lab:gns3"])
    assert isinstance(raw, dict)
    return {**raw, **changes}


def network(**changes: Any) -> dict[str, Any]:
    return {**gns3()["network"], **changes}


def test_prod_defaults_are_the_reference_server() -> None:
    lab = load("prod").lab
    assert lab is not None and lab.gns3 is not None
    server = lab.gns3
    assert (server.template.vm_id, server.template.build) == (555, None)
    assert (server.cores, server.cpu_type, server.memory_mib) == (10, "host", 49152)
    assert (server.disk.datastore, server.disk.size_gb) == ("SSDK", 400)
    assert (server.network.vlan, str(server.network.address)) == (10, "10.10.10.249/24")
    assert str(server.reverse_proxy_url) == "https://webui.gns3.reverse9.xyz/"


def test_staging_is_smaller_on_its_own_vmid_and_address() -> None:
    prod, staging = load("prod").lab, load("staging").lab
    assert prod is not None and staging is not None and prod.gns3 is not None and staging.gns3 is not None
    assert staging.gns3.vm_id != prod.gns3.vm_id
    assert staging.gns3.network.address != prod.gns3.network.address
    assert staging.gns3.cores < prod.gns3.cores and staging.gns3.memory_mib < prod.gns3.memory_mib
    assert staging.gns3.template.build is not None and staging.gns3.template.build.vm_id == 60900


@pytest.mark.parametrize(
    ("gns3_value", "expected"),
    [
        (gns3(vmId=70000), "lab:gns3: vmId 70000 is outside lab:vmidRange 60000..60999"),
        (gns3(template={}), "lab:gns3.template: set exactly one of template.vmId"),
        (gns3(template={"vmId": 555, "build": {"vmId": 60900}}), "set exactly one of template.vmId"),
        (gns3(template={"build": {"vmId": 60248}}), "lab:gns3: template.build.vmId equals vmId"),
        (gns3(network=network(gateway="10.10.11.1")), "lab:gns3.network: gateway 10.10.11.1 is outside"),
        (gns3(network=network(vlan=5000)), "lab:gns3.network.vlan: expected less than or equal to 4094"),
        (gns3(timezone="Mars/Olympus"), "lab:gns3.timezone: unknown time zone 'Mars/Olympus'"),
        (gns3(fqdn="gns3"), "lab:gns3.fqdn: expected a fully qualified name"),
        (gns3(template={"build": {"vmId": 61000}}), "lab:gns3: template.build.vmId 61000 is outside"),
        (gns3(cores=0), "lab:gns3.cores: expected greater than or equal to 1"),
        (gns3(diskSize=10), "lab:gns3.diskSize: unknown key"),
    ],
)
def test_bad_gns3_settings_name_the_key(gns3_value: dict[str, Any], expected: str) -> None:
    assert expected in problems(stack="staging", set_={"lab:gns3": gns3_value})


def test_ansible_keys_are_required_and_secret() -> None:
    assert "lab:ansiblePrivateKey is required" in problems(unset=("lab:ansiblePrivateKey",))
    assert "lab:ansibleProvisionerPrivateKey is required" in problems(
        unset=("lab:ansibleProvisionerPrivateKey",)
    )
    msg = problems(set_={"lab:ansible": {"mode": "remote", "publicKey": "ssh-ed25519 AAAA x"}})
    assert "lab:ansible: mode 'remote' needs provisioner.host" in msg


def test_local_mode_needs_no_provisioner_key() -> None:
    lab = load(
        set_={"lab:ansible": {"mode": "local", "publicKey": "ssh-ed25519 AAAA x"}},
        unset=("lab:ansibleProvisionerPrivateKey",),
    ).lab
    assert lab is not None and lab.ansible is not None and lab.ansible.mode == "local"


def test_admin_keys_are_checked_and_required() -> None:
    bad_key = problems(set_={"lab:adminSshPublicKeys": ["ssh-ed25519 AAAA ok", "not a key"]})
    assert "lab:adminSshPublicKeys[1]: not an OpenSSH public key" in bad_key
    assert "is empty" not in bad_key
    assert "lab:gns3: lab:adminSshPublicKeys is empty" in problems(set_={"lab:adminSshPublicKeys": []})


def test_gns3_is_optional() -> None:
    # The Ansible settings stay: the project runs use them too.
    lab = load(unset=("lab:gns3",)).lab
    assert lab is not None and lab.gns3 is None and lab.ansible is not None


def test_project_users_default_to_root_and_debian() -> None:
    raw = yaml.safe_load(stack_file("staging").config["lab:ansible"])
    del raw["projects"]
    lab = load(set_={"lab:ansible": raw}).lab
    assert lab is not None and lab.ansible is not None
    assert (lab.ansible.projects.container_user, lab.ansible.projects.vm_user) == ("root", "debian")
    bad = {**raw, "projects": {"vmUser": "Debian User"}}
    assert "lab:ansible.projects.vmUser: String should match pattern" in problems(set_={"lab:ansible": bad})


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (
            {"imageUrl": "https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img"},
            "imageChecksum: required for imageUrl https://cloud-images.ubuntu.com/noble/current/",
        ),
        (
            {"imageUrl": "http://cloud-images.ubuntu.com/releases/noble/release-20260801/x.img"},
            "release-20260801/x.img: expected an https URL",
        ),
    ],
)
def test_a_template_image_is_pinned_and_checked(build: dict[str, Any], expected: str) -> None:
    value = gns3()
    value["template"] = {"build": {**value["template"]["build"], **build}}
    assert expected in problems(stack="staging", set_={"lab:gns3": value})


def test_container_archives_are_downloaded_over_https_with_a_checksum() -> None:
    fleet = yaml.safe_load(stack_file("prod").config["lab:fleet"])
    download = fleet["profiles"]["base"]["template"]["download"]
    plain = {**download, "url": download["url"].replace("https://", "http://")}
    fleet["profiles"]["base"]["template"]["download"] = plain
    assert (
        "lab:fleet.profiles.base.template.download.url: 'http://download.proxmox.com/images/system/"
        in problems(stack="prod", set_={"lab:fleet": fleet})
    )
    fleet["profiles"]["base"]["template"]["download"] = {k: v for k, v in download.items() if k != "checksum"}
    assert "lab:fleet.profiles.base.template.download.checksum: missing; this key is required" in problems(
        stack="prod", set_={"lab:fleet": fleet}
    )


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx alice@laptop", True),
        ("ecdsa-sha2-nistp256 AAAAE2VjZHNh= bob", True),
        ("sk-ssh-ed25519@openssh.com AAAAGnNr", True),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", False),
        ("ssh-ed25519 AAAA$(reboot)", False),
        ("ssh-dss AAAAB3NzaC1kc3M= old", False),
    ],
)
def test_one_public_key_rule_wherever_a_key_lands_in_authorized_keys(key: str, valid: bool) -> None:
    key_sets = {**yaml.safe_load(stack_file("staging").config["lab:sshKeySets"]), "ops": [key]}
    for name, value in (("lab:adminSshPublicKeys", [key]), ("lab:sshKeySets", key_sets)):
        if valid:
            load(set_={name: value})
        else:
            assert "not an OpenSSH public key" in problems(set_={name: value}), name
    # The Ansible key is the same type, not a look-alike pattern.
    assert AnsibleConfig.model_fields["public_key"].rebuild_annotation() == SshPublicKey
    if valid:
        assert TypeAdapter(SshPublicKey).validate_python(key) == key
    else:
        with pytest.raises(ValueError, match="not an OpenSSH public key"):
            TypeAdapter(SshPublicKey).validate_python(key)
