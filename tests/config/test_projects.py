"""Bad project files are refused with one clear message naming file, machine and key."""

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import ConfigError
from tests.conftest import ROOT, Planner

GOOD: dict[str, Any] = {
    "cluster": "pve-campus",
    "workspace": "test-ws",
    "ct": [
        {
            "description": "web",
            "node": "pve",
            "memory": "1024",
            "cores": "1",
            "hostname": "web01",
            "base": "dirs-nfs:debian-12-standard",
            "storage": "disk1",
            "net0": "vibr290",
            "rootfs": "8",
            "ip": "10.29.5.10/24",
            "gw": "10.29.5.1",
            "ssh-public-keys": "profs-slam",
        }
    ],
    "ansible": {
        "group": "web",
        "playbook": "ansible/playbooks/projects/base.yml",
        "tags": "base",
        "extravars": {},
    },
}


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    target = doc
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is None:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return doc


def _problems(plan: Planner, tmp_path: Path, doc: Any, name: str = "bad.yaml") -> str:
    projects = tmp_path / "projects"
    projects.mkdir(exist_ok=True)
    (projects / name).write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:projectsDir": str(projects)})
    return str(caught.value)


def test_a_good_file_only_lacks_its_vmids(plan: Planner, tmp_path: Path) -> None:
    message = _problems(plan, tmp_path, GOOD, "good.yaml")
    assert "projects: no VMID for good/web01; run `python -m config.vmids --stack prod`" in message
    assert message.count("\n  - ") == 1


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("ct.0.memory", "lots", "bad.yaml: ct[0].memory: Input should be a valid integer"),
        ("ct.0.hostname", "Web_01", "bad.yaml: ct[0].hostname: String should match pattern"),
        ("ct.0.ip", "10.29.5.300/24", "bad.yaml: ct[0].ip: Input is not a valid IPv4 interface"),
        ("ct.0.gw", "10.30.0.1", "bad.yaml: ct[0]: gw 10.30.0.1 is not in the network of ip 10.29.5.10/24"),
        ("ct.0.colour", "blue", "bad.yaml: ct[0].colour: unknown key"),
        ("ct.0.node", None, "bad.yaml: ct[0].node: missing; this key is required"),
        ("cluster", None, "bad.yaml: cluster: missing; this key is required"),
        (
            "ct.0.base",
            "debian-13",
            "bad.yaml: ct[0] (web01): base: unknown base 'debian-13'; expected one of",
        ),
        (
            "ct.0.ssh-public-keys",
            "eleves",
            "bad.yaml: ct[0] (web01): ssh-public-keys: unknown key set 'eleves'",
        ),
        (
            "ansible.playbook",
            "ansible/nope.yml",
            "bad.yaml: ansible.playbook: no such playbook 'ansible/nope.yml'",
        ),
        (
            "ansible.playbook",
            "playbooks/x.yml",
            "bad.yaml: ansible.playbook: 'playbooks/x.yml' is outside ansible/",
        ),
        (
            "ansible.playbook",
            "ansible/../Makefile.yml",
            "bad.yaml: ansible.playbook: 'ansible/../Makefile.yml' is outside ansible/",
        ),
        ("ansible.group", "web-1", "bad.yaml: ansible.group: String should match pattern"),
        ("ct", [], "bad.yaml: ct, vm: the project declares no machine"),
    ],
)
def test_bad_values(plan: Planner, tmp_path: Path, path: str, value: Any, expected: str) -> None:
    assert expected in _problems(plan, tmp_path, _with(path, value))


def test_a_vm_needs_a_template_to_clone(plan: Planner, tmp_path: Path) -> None:
    doc = _with("ct", [])
    doc["vm"] = [GOOD["ct"][0]]
    message = _problems(plan, tmp_path, doc)
    assert "bad.yaml: vm[0] (web01): base: 'dirs-nfs:debian-12-standard' is a container archive" in message


def test_duplicate_hostnames_in_and_across_projects(plan: Planner, tmp_path: Path) -> None:
    doc = _with("ct", [GOOD["ct"][0], GOOD["ct"][0]])
    assert "bad.yaml: ct[1].hostname: duplicate 'web01' in the project" in _problems(plan, tmp_path, doc)
    (tmp_path / "projects" / "bad.yaml").unlink()
    shutil.copy(ROOT / "config/projects/prod/webshop.yaml", tmp_path / "projects" / "webshop.yaml")
    other = _with("ct.0.hostname", "webshop-db")
    message = _problems(plan, tmp_path, other, "copy.yaml")
    assert "hostname: 'webshop-db' is also declared by" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("- a\n- b\n", "bad.yaml: expected a mapping"), ("cluster: [\n", "bad.yaml: not valid YAML")],
)
def test_bad_files(plan: Planner, tmp_path: Path, text: str, expected: str) -> None:
    assert expected in _problems(plan, tmp_path, text)


def test_bad_file_name(plan: Planner, tmp_path: Path) -> None:
    assert "Web Shop.yaml: file name: 'Web Shop' is not a valid project name" in _problems(
        plan, tmp_path, GOOD, "Web Shop.yaml"
    )


def test_ansible_sections_need_the_lab_settings(plan: Planner) -> None:
    with pytest.raises(ConfigError, match=r"lab:ansible: missing; config/projects/prod/webshop.yaml"):
        plan("prod", unset=("lab:ansible", "lab:ansiblePrivateKey", "lab:ansibleProvisionerPrivateKey"))
