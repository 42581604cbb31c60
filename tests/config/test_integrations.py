"""`lab:selfService`, `lab:guacamole`, `lab:windows` and the school's project files: good and bad input."""

import json
from pathlib import Path
from typing import Any

import pytest

from config import ConfigError, StackConfig, load_stack_config
from config.integrations import entries_by_key
from tests.conftest import stack_file, with_changes

PROD = stack_file("prod")


def load(set_: dict[str, Any] | None = None, unset: tuple[str, ...] = ()) -> StackConfig:
    return load_stack_config(
        project=PROD.project,
        stack="prod",
        raw=with_changes(PROD, set_, unset),
        secret_keys=PROD.secret_keys,
    )


def problems(set_: dict[str, Any] | None = None, unset: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load(set_, unset)
    return err.value.problems


def prod_value(key: str) -> dict[str, Any]:
    return json.loads(PROD.config[key])


def windows(**changes: Any) -> dict[str, Any]:
    return {"lab:windows": {**prod_value("lab:windows"), **changes}}


def fleet(**changes: Any) -> dict[str, Any]:
    return {"lab:fleet": {**prod_value("lab:fleet"), **changes}}


def test_unknown_scope_is_refused_with_one_message() -> None:
    found = problems(windows(studentScope="10.99.0.0"))
    assert found == [
        "lab:windows: studentScope: unknown scope '10.99.0.0'; expected one of 10.28.4.0 (lab:windows.scopes)"
    ]


def test_a_scope_key_must_be_its_scope_id() -> None:
    scopes = {
        "10.28.5.0": {"prefix": "10.28.4.0/22", "reservations": {"start": "10.28.4.10", "end": "10.28.4.20"}}
    }
    found = problems(windows(scopes=scopes, studentScope="10.28.5.0"))
    assert len(found) == 1 and "scopes.10.28.5.0: the key must be the scope id 10.28.4.0" in found[0]


def test_a_mac_outside_the_reservation_policy_is_refused() -> None:
    macs = {**prod_value("lab:fleet")["macAddresses"], "amartin": "02:00:5E:10:00:01"}
    found = problems(fleet(macAddresses=macs))
    assert found == [
        "lab:fleet.macAddresses.amartin: MAC 02:00:5E:10:00:01 is outside the reservation policy "
        "(BC:24:11:00:00:00..BC:24:11:FF:FF:FF, lab:windows.macRanges); expected a MAC the fleet owns"
    ]


def test_derived_macs_outside_a_narrower_policy_name_the_prefix() -> None:
    found = problems(windows(macRanges=[{"start": "BC:24:11:00:00:00", "end": "BC:24:11:00:00:FF"}]))
    assert found and all(p.startswith("lab:fleet.") for p in found)
    assert any(p.startswith("lab:fleet.macPrefix (amartin): MAC BC:24:11:") for p in found)


def test_a_duplicate_address_is_refused_naming_both_machines() -> None:
    # bbernard's reservation is 10.28.4.11 (VMID 50001): amartin's static address takes it.
    static = {"amartin": {"address": "10.28.4.11/22", "gateway": "10.28.4.1"}}
    found = problems(fleet(staticAddresses=static))
    assert found == [
        "duplicate address 10.28.4.11: student amartin and student bbernard; expected one machine per "
        "address (lab:fleet.staticAddresses, lab:windows.scopes reservations, project files' ip)"
    ]


def test_a_static_address_outside_the_scope_is_refused() -> None:
    static = {"amartin": {"address": "10.30.0.5/24", "gateway": "10.30.0.1"}}
    found = problems(fleet(staticAddresses=static))
    assert found == [
        "lab:fleet.staticAddresses.amartin: 10.30.0.5 is outside the students' DHCP scope 10.28.4.0/22 "
        "(lab:windows.studentScope 10.28.4.0)"
    ]


def test_a_reservation_range_too_small_for_the_vmids_is_refused() -> None:
    scopes = {
        "10.28.4.0": {"prefix": "10.28.4.0/22", "reservations": {"start": "10.28.4.10", "end": "10.28.4.14"}}
    }
    found = problems(windows(scopes=scopes))
    # VMIDs 50005..50007 map past 10.28.4.14: one message each, naming the student and the figures.
    assert len(found) == 3
    assert found[0] == (
        "lab:windows.scopes.10.28.4.0.reservations: mrobert's VMID 50005 maps to 10.28.4.15, past the "
        "range's end 10.28.4.14; expected at least 6 addresses from 10.28.4.10"
    )


def test_an_fqdn_in_no_zone_of_the_server_names_file_machine_and_key() -> None:
    found = problems(windows(extraZones=[]))
    assert found == [
        "config/projects/prod/profan-transfert.yaml: ct[0] (cloud.prod.pft.cri.local.isima.fr): hostname: "
        "'cloud.prod.pft.cri.local.isima.fr' is in no zone of the DNS server; expected a name under "
        "ad.campus.lan (lab:windows.dnsZone, lab:windows.extraZones)"
    ]


@pytest.mark.parametrize(
    ("unset", "message"),
    [
        ("lab:guacamoleAdminPassword", "lab:guacamoleAdminPassword is required when lab:guacamole is set"),
        ("lab:windowsSshPrivateKey", "lab:windowsSshPrivateKey is required when lab:windows is set"),
        (
            "lab:realmBindPassword",
            "lab:realmBindPassword is required when lab:selfService.realm.bindDn is set",
        ),
    ],
)
def test_each_integration_needs_its_secret(unset: str, message: str) -> None:
    assert problems(unset=(unset,)) == [f"lab: {message}"]


def test_a_secret_in_plaintext_is_refused() -> None:
    raw = with_changes(PROD, {"lab:guacamoleAdminPassword": "hunter2"})
    secret = [k for k in PROD.secret_keys if k != "lab:guacamoleAdminPassword"]
    with pytest.raises(ConfigError, match=r"lab:guacamoleAdminPassword: is stored in plaintext"):
        load_stack_config(project=PROD.project, stack="prod", raw=raw, secret_keys=secret)


def test_guacamole_needs_somewhere_to_run() -> None:
    # Without lab:ansible the project files' ansible sections are refused first: drop the projects.
    found = problems({"lab:projectsDir": "config/projects/none"}, unset=("lab:ansible",))
    assert found == [
        "lab:guacamole: needs lab:ansible; the sync runs where the playbooks run (the provisioner, "
        "or locally in local mode)"
    ]


def test_privileges_and_protocols_are_checked() -> None:
    service = {**prod_value("lab:selfService"), "privileges": ["VM.PowerMgmt", "vm.console"]}
    assert problems({"lab:selfService": service}) == [
        "lab:selfService.privileges: 'vm.console' is not a Proxmox privilege name (e.g. VM.PowerMgmt)"
    ]
    guacamole = {**prod_value("lab:guacamole"), "protocols": {"gpu": "rdp"}}
    assert problems({"lab:guacamole": guacamole}) == [
        "lab:guacamole.protocols.gpu: no such profile; expected one of base, desktop (lab:fleet.profiles)"
    ]


# --- The school's project file ------------------------------------------------------------------


def test_the_school_file_loads_unchanged() -> None:
    cfg = load()
    env = next(p for p in cfg.inventory.projects if p.name == "profan-transfert")
    machine = env.machines[0]
    assert machine.spec.hostname == "cloud.prod.pft.cri.local.isima.fr"
    assert machine.spec.short_hostname == "cloud"
    assert machine.spec.domain == "prod.pft.cri.local.isima.fr"
    assert machine.spec.node == "pve2"
    assert env.spec.ansible is not None
    assert env.spec.ansible.playbook == "ansible/playbooks/projects/profan-transfert.yml"


def test_a_node_the_provider_does_not_reach_is_refused() -> None:
    proxmox = prod_value("lab:proxmox")
    proxmox["ssh"]["nodes"] = [n for n in proxmox["ssh"]["nodes"] if n["name"] != "pve2"]
    assert problems({"lab:proxmox": proxmox}) == [
        "config/projects/prod/profan-transfert.yaml: ct[0] (cloud.prod.pft.cri.local.isima.fr): node: "
        "unknown node 'pve2'; expected one of pve (lab:proxmox.ssh.nodes)"
    ]


def _project(tmp_path: Path, **machine: Any) -> Path:
    spec = {
        "node": "pve",
        "memory": 1024,
        "cores": 1,
        "hostname": "box",
        "base": "dirs-nfs:debian-12-standard",
        "storage": "disk1",
        "net0": "vibr293",
        "rootfs": 8,
        "ip": "10.29.3.20/24",
        "gw": "10.29.3.1",
        "ssh-public-keys": "cri-pft",
        **machine,
    }
    doc = {"cluster": "c", "workspace": "w", "ct": [spec], "ansible": {"group": "g", "playbook": "nope.yml"}}
    (tmp_path / "demo.yaml").write_text(json.dumps(doc))
    return tmp_path


def test_a_bare_playbook_that_does_not_exist_says_where_it_was_looked_for(tmp_path: Path) -> None:
    found = problems({"lab:projectsDir": str(_project(tmp_path))})
    assert found == [
        f"{tmp_path}/demo.yaml: ansible.playbook: no such playbook 'ansible/playbooks/projects/nope.yml' "
        "(a bare name is looked up in ansible/playbooks/projects/)"
    ]


def test_a_bad_fqdn_names_the_file_machine_and_key(tmp_path: Path) -> None:
    found = problems({"lab:projectsDir": str(_project(tmp_path, hostname="cloud..isima.fr"))})
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path}/demo.yaml: ct[0].hostname: String should match pattern")
    assert "'cloud..isima.fr'" in found[0]


# --- Desired sets ---------------------------------------------------------------------------------


def test_the_desired_sets_cover_every_student_and_project_machine() -> None:
    cfg = load()
    assert cfg.lab is not None
    logins = {s.student.login for s in cfg.inventory.students}
    guacamole = cfg.registrations.guacamole("prod", cfg.lab)
    dhcp_dns = cfg.registrations.dhcp_dns("prod", cfg.lab)
    assert guacamole is not None and dhcp_dns is not None
    names = {c["name"] for c in guacamole["connections"]}
    assert names == logins | {"supervision-grafana"}
    assert {r["key"] for r in dhcp_dns["reservations"]} == logins
    machines = {f"{p.name}/{m.key}" for p in cfg.inventory.projects for m in p.machines}
    assert {r["key"] for r in dhcp_dns["records"]} == logins | machines
    records = entries_by_key(dhcp_dns, "records")
    assert records["profan-transfert/cloud.prod.pft.cri.local.isima.fr"] == {
        "key": "profan-transfert/cloud.prod.pft.cri.local.isima.fr",
        "zone": "cri.local.isima.fr",
        "name": "cloud.prod.pft",
        "address": "10.29.3.10",
        "ptr": True,
    }
    assert (
        records["annuaire/ldap1"]["zone"] == "ad.campus.lan" and records["annuaire/ldap1"]["name"] == "ldap1"
    )
    reservations = entries_by_key(dhcp_dns, "reservations")
    # jdupont keeps the MAC of his container that predates the fleet; Windows writes MACs with dashes.
    assert reservations["jdupont"] == {
        "key": "jdupont",
        "scopeId": "10.28.4.0",
        "clientId": "bc-24-11-b3-c1-3d",
        "address": "10.28.4.13",
        "name": "vm-jdupont.ad.campus.lan",
        "description": "campus-prod:jdupont",
    }
    connections = {c["name"]: c for c in guacamole["connections"]}
    assert connections["jdupont"]["protocol"] == "rdp" and connections["jdupont"]["users"] == ["jdupont"]
    # Guacamole's standard token: the student's own directory password, never a stored one.
    assert connections["jdupont"]["parameters"] == {
        "hostname": "10.28.4.13",
        "port": "3389",
        "username": "jdupont",
        "password": "${GUAC_PASSWORD}",
    }
    assert connections["mrobert"]["protocol"] == "ssh"
    assert connections["supervision-grafana"]["users"] == ["p.garnier"]
    assert guacamole["root"] == "campus-prod"
