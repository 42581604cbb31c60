"""What the issue asks of the playbooks, read from the files Ansible runs."""

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

ANSIBLE = ROOT / "ansible"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def tasks(role: str) -> list[dict[str, Any]]:
    return load(ANSIBLE / "roles" / role / "tasks" / "main.yml")


def test_docker_comes_before_gns3() -> None:
    (play,) = load(ANSIBLE / "gns3.yml")
    assert play["hosts"] == "gns3" and play["become"] is True
    assert [r["role"] for r in play["roles"]] == ["docker", "gns3_server"]


def test_docker_repository_is_signed_by_the_pinned_key() -> None:
    defaults = load(ANSIBLE / "roles" / "docker" / "defaults" / "main.yml")
    assert defaults["docker_apt_key_fingerprint"] == "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"
    steps = tasks("docker")
    names = [t["name"] for t in steps]
    check = names.index("Refuse a key other than the pinned one")
    repo = next(t for t in steps if "ansible.builtin.deb822_repository" in t)
    assert check < steps.index(repo)
    assert repo["ansible.builtin.deb822_repository"]["signed_by"] == "{{ docker_apt_key_path }}"
    text = (ANSIBLE / "roles" / "docker" / "tasks" / "main.yml").read_text()
    assert "get.docker.com" not in text and "ansible.builtin.shell" not in text


def test_gns3_gets_iou_and_i386() -> None:
    defaults = load(ANSIBLE / "roles" / "gns3_server" / "defaults" / "main.yml")
    assert "gns3-iou" in defaults["gns3_server_packages"] and defaults["gns3_server_enable_i386"] is True
    add = next(t for t in tasks("gns3_server") if t["name"] == "Add the i386 architecture for IOU")
    assert add["ansible.builtin.command"]["argv"] == ["dpkg", "--add-architecture", "i386"]


def test_every_module_is_fully_qualified() -> None:
    keywords = {"name", "when", "register", "notify", "loop", "vars", "changed_when", "become", "tags"}
    for role in ("docker", "gns3_server"):
        for task in tasks(role):
            modules = set(task) - keywords
            assert len(modules) == 1 and next(iter(modules)).count(".") == 2, (role, task["name"])


def test_python3_debian_is_installed_before_deb822_repository() -> None:
    steps = tasks("docker")
    repo = next(i for i, t in enumerate(steps) if "ansible.builtin.deb822_repository" in t)
    apt: list[tuple[int, dict[str, Any]]] = [
        (i, t["ansible.builtin.apt"]) for i, t in enumerate(steps) if "ansible.builtin.apt" in t
    ]
    installs = [i for i, module in apt if "python3-debian" in module.get("name", [])]
    assert installs and installs[0] < repo


def test_gns3_follows_remote_install_for_groups_and_iou() -> None:
    defaults = load(ANSIBLE / "roles" / "gns3_server" / "defaults" / "main.yml")
    assert set(defaults["gns3_server_groups"]) >= {"ubridge", "kvm", "docker"}
    steps = tasks("gns3_server")
    account = next(t for t in steps if "ansible.builtin.user" in t)["ansible.builtin.user"]
    assert account["groups"] == "{{ gns3_server_groups }}" and account["append"] is True
    copies: list[dict[str, Any]] = [t for t in steps if "ansible.builtin.copy" in t]
    hostid = next(t for t in copies if t["ansible.builtin.copy"]["dest"] == "/etc/hostid")
    assert hostid["when"] == "gns3_server_enable_i386"
    assert (ANSIBLE / "roles" / "gns3_server" / "files" / "hostid").read_bytes() == b"\0\0\0\0"
