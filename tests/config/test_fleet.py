"""`lab:fleet` settings: each bad value named by its key."""

import json
from typing import Any

import pytest

from config import ConfigError
from config.fleet import FleetConfig, HomeMount, IdRange
from tests.conftest import ROOT, Planner, stack_file
from tests.lab_support import CONTAINER


def _fleet(**changes: Any) -> dict[str, Any]:
    fleet: dict[str, Any] = json.loads(stack_file("prod").config["lab:fleet"])
    fleet.update(changes)
    return fleet


@pytest.mark.parametrize(
    ("fleet", "expected"),
    [
        (
            _fleet(
                profiles={
                    "desktop": {"cores": 4, "memory": 4096, "diskSize": 8, "datastore": "d", "bridge": "b"}
                }
            ),
            "lab:fleet.profiles.desktop: set exactly one source: clone (a prepared template) "
            "or template (an archive)",
        ),
        (
            _fleet(
                profiles={
                    "base": {
                        "cores": 2,
                        "memory": 2048,
                        "diskSize": 8,
                        "datastore": "d",
                        "bridge": "b",
                        "template": {},
                    }
                }
            ),
            "lab:fleet.profiles.base.template: set exactly one of volumeId and download",
        ),
        (
            _fleet(cloneConcurrency=0),
            "lab:fleet.cloneConcurrency: expected greater than or equal to 1, got 0",
        ),
        (_fleet(homes={"path": "/home/x"}), "lab:fleet.homes.path: String should match pattern"),
        (_fleet(macPrefix="bc-24-11"), "lab:fleet.macPrefix: String should match pattern"),
        (
            _fleet(staticAddresses={"nobody": {"address": "10.0.0.2/24", "gateway": "10.0.0.1"}}),
            "lab:fleet.staticAddresses.nobody: no such login in the roster",
        ),
        (_fleet(colour="blue"), "lab:fleet.colour: unknown key"),
    ],
)
def test_bad_fleet_settings(plan: Planner, fleet: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:fleet": fleet})
    assert expected in str(caught.value)


def test_the_old_project_ansible_keys_are_unknown(plan: Planner) -> None:
    old = {"mode": "remote", "provisioner": {"host": "10.10.10.5"}, "targetUser": "root"}
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:projectAnsible": old, "lab:projectAnsibleTargetKey": "key"})
    message = str(caught.value)
    assert "lab:projectAnsible: unknown key" in message
    assert "lab:projectAnsibleTargetKey: unknown key" in message


def test_ssh_key_sets_hold_public_keys(plan: Planner) -> None:
    with pytest.raises(ConfigError, match=r"lab:sshKeySets\.profs\[0\]: not an OpenSSH public key"):
        plan("prod", set_={"lab:sshKeySets": {"profs": ["-----BEGIN OPENSSH PRIVATE KEY-----"]}})


def test_the_readme_gives_the_subordinate_ids_the_default_idmap_needs() -> None:
    # The operator copies these lines to every node: they must match the idmap the fleet writes.
    readme = (ROOT / "docs" / "lab.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Preparing each node.**") : readme.index("**Project environments.**")]
    ids = IdRange()
    assert f"root:{ids.start}:{ids.size}" in section and "root:100000:65536" in section
    assert "/etc/subuid" in section and "/etc/subgid" in section
    assert HomeMount().host_path.replace("{login}", "<login>") in section


def test_the_readme_names_the_mac_prefix_the_fleet_derives_from(plan: Planner) -> None:
    readme = (ROOT / "docs" / "lab.md").read_text(encoding="utf-8")
    section = readme[readme.index("**MAC addresses.**") : readme.index("**Preparing each node.**")]
    prefix = FleetConfig.model_fields["mac_prefix"].default
    assert f"`{prefix}`" in section and "students only" in section
    assert "`lab:fleet.macPrefix`" in section and "`lab:fleet.macAddresses`" in section
    containers = [r for r in plan("prod").of_type(CONTAINER) if r.name.startswith("students-")]
    assert containers
    for ct in containers:
        assert ct.inputs["networkInterfaces"][0]["macAddress"].startswith(prefix + ":"), ct.name
