"""The prod plan's integrations: the self-service realm, role and ACLs, the Guacamole and DHCP/DNS runs."""

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi

from components.proxmox.self_service import users_digest
from offline.harness import PlanResult
from offline.plan import plan_config
from offline.report import plan_document, summary
from tests.conftest import ROOT, Planner, stack_file, with_changes
from tests.lab_support import allocate_vmids, student, write_roster

ACL = "proxmoxve:index/acl:Acl"
RUN = "command:remote:Command"
PROD_LOGINS = {"amartin", "bbernard", "cthomas", "jdupont", "lpetit", "mrobert", "nrichard", "t.durand"}


def test_prod_declares_the_realm_its_sync_and_the_role(plan: Planner) -> None:
    result = plan("prod")
    realm = result.one("proxmoxve:realm/ldap:Ldap", "prod-self-service-realm")
    assert realm.inputs["realm"] == "campus-ad"
    assert realm.inputs["userAttr"] == "sAMAccountName"
    assert realm.inputs["mode"] == "ldaps" and realm.inputs["verify"] is True
    assert realm.inputs["bindPassword"] == "[secret]"
    sync = result.one("proxmoxve:realm/sync:Sync", "prod-self-service-sync")
    assert sync.inputs == {"realm": "campus-ad", "scope": "users", "enableNew": True}
    role = result.one("proxmoxve:index/roleLegacy:RoleLegacy", "prod-self-service-role")
    assert role.inputs == {
        "roleId": "CampusStudent",
        "privileges": ["VM.Audit", "VM.Console", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback"],
    }


def _acls(result: PlanResult) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in result.of_type(ACL)}


def test_one_acl_per_student_on_their_own_container_only(plan: Planner) -> None:
    result = plan("prod")
    acls = _acls(result)
    students = result.outputs["students"]
    for login in PROD_LOGINS:
        assert acls[f"prod-self-service-{login}"] == {
            "path": f"/vms/{students[login]['vmid']}",
            "roleId": "CampusStudent",
            "userId": f"{login}@campus-ad",
            "propagate": False,
        }
        # Created after the container and after the realm's users were imported.
        acl = result.one(ACL, f"prod-self-service-{login}")
        container = result.one("proxmoxve:index/containerLegacy:ContainerLegacy", f"students-{login}")
        assert container.urn in acl.depends_on
        assert result.one("proxmoxve:realm/sync:Sync", "prod-self-service-sync").urn in acl.depends_on
    teachers = {n: a for n, a in acls.items() if "-teacher-" in n}
    assert teachers == {
        f"prod-self-service-teacher-students-{group}-{login}": {
            "path": f"/pool/students-{group}",
            "roleId": "CampusStudent",
            "userId": f"{login}@campus-ad",
            "propagate": True,
        }
        for group, login in [
            ("sio1-slam", "m.leroy"),
            ("sio1-slam", "s.moreau"),
            ("sio2-slam", "m.leroy"),
            ("sio2-slam", "s.moreau"),
            ("sio2-sisr", "p.garnier"),
        ]
    }
    assert len(acls) == len(PROD_LOGINS) + len(teachers)


def _triggers(result: PlanResult, name: str) -> list[Any]:
    return result.one(RUN, name).inputs["triggers"]


def test_the_guacamole_run_covers_every_student_and_keeps_credentials_secret(plan: Planner) -> None:
    result = plan("prod")
    run = result.one(RUN, "prod-guacamole-sync")
    assert run.inputs["stdin"] == "[secret]" and run.inputs["connection"] == "[secret]"
    assert run.inputs["create"].startswith("python3 -c ")
    head, *entries = run.inputs["triggers"]
    assert head["url"] == "https://guacamole.reverse9.xyz/guacamole" and head["root"] == "campus-prod"
    assert {e["name"] for e in entries} == PROD_LOGINS | {"supervision-grafana"}
    # It runs on the provisioner, through the lab's command provider.
    assert run.provider is not None and run.provider.startswith(
        result.one("pulumi:providers:command", "prod-command").urn
    )


def test_the_dhcp_dns_run_covers_every_student_and_project_machine(plan: Planner) -> None:
    result = plan("prod")
    run = result.one(RUN, "prod-dhcp-dns-sync")
    assert run.inputs["connection"] == "[secret]"
    assert run.inputs["create"].startswith("powershell.exe -NoProfile -NonInteractive")
    head, *entries = run.inputs["triggers"]
    assert head["owner"] == "campus-prod"
    reservations = {e["key"] for e in entries if "clientId" in e}
    records = {e["key"] for e in entries if "zone" in e}
    assert reservations == PROD_LOGINS
    machines = {f"{env}/{host}" for env, hosts in result.outputs["projects"].items() for host in hosts}
    assert records == PROD_LOGINS | machines
    # The data the script reads travels on stdin, in the clear: it holds no secret.
    document = json.loads(run.inputs["stdin"])
    assert document["desired"]["reservations"] == [e for e in entries if "clientId" in e]


def test_no_integration_secret_reaches_the_plan(plan: Planner) -> None:
    secrets = {
        "lab:realmBindPassword": "bind-pw-Qx81",
        "lab:guacamoleAdminPassword": "guac-pw-Lm27",
        "lab:windowsSshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nwin-key-Zt55\n-----END "
        "OPENSSH PRIVATE KEY-----",
    }
    result = plan("prod", set_=secrets)
    text = json.dumps(plan_document(result)) + summary(result)
    for needle in ("bind-pw-Qx81", "guac-pw-Lm27", "win-key-Zt55"):
        assert needle not in text


def _by_key(entries: list[Any]) -> dict[str, Any]:
    return {str(e.get("key") or e.get("name")): e for e in entries[1:]}


def test_a_roster_change_changes_only_that_students_entries(plan: Planner, tmp_path: Path) -> None:
    rows = [
        student(f"s{i:02d}", uid=600_020_000 + i, profile="desktop" if i % 2 else "base") for i in range(6)
    ]
    roster = write_roster(tmp_path / "roster.yaml", rows)
    # prod keeps jdupont's MAC; this roster has no jdupont, so that entry would be refused.
    fleet: dict[str, Any] = {**json.loads(stack_file("prod").config["lab:fleet"]), "macAddresses": {}}
    changes: dict[str, Any] = {
        "lab:roster": str(roster),
        "lab:vmidAllocations": str(tmp_path / "vmids.yaml"),
        "lab:fleet": fleet,
    }
    allocate_vmids("prod", changes)
    before = plan("prod", set_=changes)

    write_roster(roster, [*rows[:2], *rows[3:], student("s99", uid=600_020_099, group="sio2-slam")])
    allocate_vmids("prod", changes)
    after = plan("prod", set_=changes)

    for run in ("prod-guacamole-sync", "prod-dhcp-dns-sync"):
        old, new = _by_key(_triggers(before, run)), _by_key(_triggers(after, run))
        assert set(old) - set(new) == {"s02"}, run
        assert set(new) - set(old) == {"s99"}, run
        assert all(new[k] == old[k] for k in set(old) & set(new)), run
        assert _triggers(before, run)[0] == _triggers(after, run)[0]
    old_acls, new_acls = _acls(before), _acls(after)
    assert set(old_acls) - set(new_acls) == {"prod-self-service-s02"}
    assert {n for n in set(new_acls) - set(old_acls) if "teacher" not in n} == {"prod-self-service-s99"}
    assert all(new_acls[n] == old_acls[n] for n in set(old_acls) & set(new_acls))


def test_the_realm_sync_reruns_exactly_when_the_users_change() -> None:
    seen: dict[str, Any] = {}

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == "proxmoxve:realm/sync:Sync":
            seen["trigger"] = args.opts.replacement_trigger

    def program() -> None:
        pulumi.runtime.register_stack_transformation(capture)
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    base = stack_file("prod")
    plan_config(
        project=base.project,
        stack="prod",
        config=with_changes(base),
        secret_keys=base.secret_keys,
        program=program,
    )
    users = [*PROD_LOGINS, "m.leroy", "s.moreau", "p.garnier"]
    assert seen["trigger"] == users_digest(users)
    assert users_digest(list(reversed(users))) == users_digest(users)
    assert users_digest([*users, "new.student"]) != users_digest(users)


def test_the_school_project_plans_with_its_short_hostname_and_its_fqdn(plan: Planner) -> None:
    result = plan("prod")
    ct = result.one(
        "proxmoxve:index/containerLegacy:ContainerLegacy",
        "project-profan-transfert-cloud.prod.pft.cri.local.isima.fr",
    )
    assert ct.inputs["nodeName"] == "pve2"
    assert ct.inputs["initialization"]["hostname"] == "cloud"
    # The search domain makes Proxmox write the FQDN into /etc/hosts.
    assert ct.inputs["initialization"]["dns"] == {"domain": "prod.pft.cri.local.isima.fr"}
    run = result.one(RUN, "project-profan-transfert-ansible-run")
    assert "--tags base,transfert playbooks/projects/profan-transfert.yml" in run.inputs["create"]
    # Machines named by a bare label keep their hostname and get no search domain.
    grafana = result.one("proxmoxve:index/containerLegacy:ContainerLegacy", "project-supervision-grafana")
    assert grafana.inputs["initialization"]["hostname"] == "grafana"
    assert "dns" not in grafana.inputs["initialization"]


def test_in_local_mode_the_guacamole_sync_runs_where_pulumi_runs(plan: Planner) -> None:
    ansible = {**json.loads(stack_file("prod").config["lab:ansible"]), "mode": "local"}
    ansible.pop("provisioner")
    result = plan("prod", set_={"lab:ansible": ansible}, unset=("lab:ansibleProvisionerPrivateKey",))
    run = result.one("command:local:Command", "prod-guacamole-sync")
    assert run.inputs["interpreter"] == ["/bin/sh", "-c"] and run.inputs["stdin"] == "[secret]"
    assert not [r for r in result.of_type(RUN) if r.name == "prod-guacamole-sync"]


def test_a_teachers_acl_waits_for_the_containers_of_its_pool(plan: Planner) -> None:
    result = plan("prod")
    acl = result.one(ACL, "prod-self-service-teacher-students-sio2-sisr-p.garnier")
    sisr = {"jdupont", "lpetit", "mrobert"}
    containers = {
        login: result.one("proxmoxve:index/containerLegacy:ContainerLegacy", f"students-{login}").urn
        for login in PROD_LOGINS
    }
    waited = {login for login, urn in containers.items() if urn in acl.depends_on}
    assert waited == sisr
