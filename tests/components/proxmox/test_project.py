"""Project environments as the engine would receive them."""

import shutil
from pathlib import Path
from typing import Any

import yaml

from offline.harness import PlanResult
from tests.conftest import ROOT, Planner, stack_file
from tests.lab_support import CONTAINER, VM, allocate_vmids, wait_logins

PLAYBOOK = "campus:ansible:Playbook"
RUN = "command:remote:Command"


def _ansible(stack: str, **changes: Any) -> dict[str, Any]:
    raw = yaml.safe_load(stack_file(stack).config["lab:ansible"])
    assert isinstance(raw, dict)
    return {**raw, **changes}


def test_container_from_a_school_file_with_numbers_as_strings(plan: Planner) -> None:
    result = plan("prod")
    db = result.one(CONTAINER, "project-webshop-webshop-db")
    assert db.inputs["vmId"] == 50014
    assert db.inputs["memory"] == {"dedicated": 4096}
    assert db.inputs["cpu"] == {"cores": 2}
    assert db.inputs["disk"] == {"datastoreId": "disk1", "size": 30}
    assert db.inputs["networkInterfaces"] == [{"name": "eth0", "bridge": "vibr290"}]
    assert db.inputs["initialization"]["hostname"] == "webshop-db"
    assert db.inputs["initialization"]["ipConfigs"] == [
        {"ipv4": {"address": "10.29.0.13/24", "gateway": "10.29.0.1"}}
    ]
    assert len(db.inputs["initialization"]["userAccount"]["keys"]) == 3  # profs-slam's two, Ansible's
    assert (
        db.inputs["operatingSystem"]["templateFileId"]
        == "dirs-nfs:vztmpl/debian-11-standard_11.7-1_amd64.tar.zst"
    )
    assert db.inputs["poolId"] == "sio2-webshop"
    assert db.protect is True


def test_vm_clones_its_template_with_cloud_init(plan: Planner) -> None:
    vm = plan("prod").one(VM, "project-supervision-zabbix-srv")
    assert vm.inputs["name"] == "zabbix-srv"
    assert vm.inputs["clone"] == {"vmId": 9000, "full": True, "datastoreId": "disk1", "retries": 3}
    assert vm.inputs["disks"] == [{"interface": "scsi0", "datastoreId": "disk1", "size": 40}]
    assert vm.inputs["initialization"]["userAccount"]["username"] == "debian"
    assert vm.inputs["cpu"] == {"cores": 4, "type": "host"}
    assert "clone" in vm.ignore_changes


def test_one_ansible_run_per_project_with_its_group_tags_and_extravars(plan: Planner) -> None:
    result = plan("prod")
    runs = [r for r in result.of_type(PLAYBOOK) if r.name.startswith("project-")]
    assert sorted(r.name for r in runs) == [
        "project-annuaire-ansible",
        "project-profan-transfert-ansible",
        "project-supervision-ansible",
        "project-webshop-ansible",
    ]
    webshop = result.one(PLAYBOOK, "project-webshop-ansible")
    assert webshop.parent == result.one("campus:proxmox:Project", "project-webshop").urn
    run = result.one("command:remote:Command", "project-webshop-ansible-run")
    assert "--tags base,web,db playbooks/projects/web-stack.yml" in run.inputs["create"]
    assert run.inputs["stdin"] == "[secret]"
    command_provider = result.one("pulumi:providers:command", "prod-command")
    assert run.provider is not None and run.provider.startswith(command_provider.urn)
    # The inventory (exported by the component) holds the project's group and every machine's address.
    container_urns = {
        result.one(CONTAINER, f"project-webshop-{h}").urn for h in ("webshop-front", "webshop-db")
    }
    wait = result.one("command:remote:Command", "project-webshop-ansible-wait-webshop-db")
    assert container_urns & set(wait.dependencies)


def test_a_project_mixing_a_vm_and_a_container_waits_for_each_its_own_way() -> None:
    waits = wait_logins("prod")
    users = _ansible("prod")["projects"]
    vm_user, vm_wait = waits["project-supervision-ansible-wait-zabbix-srv"]
    assert vm_user == "debian" == users["vmUser"]
    assert vm_wait.startswith("cloud-init status --wait")
    assert waits["project-supervision-ansible-wait-grafana"] == (users["containerUser"], "true")
    # The GNS3 server's run keeps the run-wide user and waits for cloud-init.
    gns3_user, gns3_wait = waits["prod-gns3-configure-wait-gns3vm"]
    admin = yaml.safe_load(stack_file("prod").config["lab:gns3"])["adminUser"]
    assert gns3_user == admin and gns3_wait.startswith("cloud-init")


def test_the_ansible_key_is_authorised_on_every_project_machine(plan: Planner) -> None:
    result = plan("prod")
    public_key = _ansible("prod")["publicKey"]
    sets = yaml.safe_load(stack_file("prod").config["lab:sshKeySets"])
    containers = [r for r in result.of_type(CONTAINER) if r.name.startswith("project-")]
    vms = [r for r in result.of_type(VM) if r.name.startswith("project-")]
    assert containers and vms
    for machine in [*containers, *vms]:
        keys = machine.inputs["initialization"]["userAccount"]["keys"]
        assert keys[-1] == public_key and keys.count(public_key) == 1
        # The key set named by the project file comes first, unchanged.
        assert any(keys[:-1] == listed for listed in sets.values()), machine.name


def test_the_gns3_and_project_runs_share_one_key(plan: Planner) -> None:
    def triggers(key: str) -> tuple[str, str]:
        result = plan("prod", set_={"lab:ansiblePrivateKey": key})
        return (
            result.one(RUN, "prod-gns3-configure-run").inputs["triggers"][0],
            result.one(RUN, "project-webshop-ansible-run").inputs["triggers"][0],
        )

    # Each run's trigger is keyed with its target key: a new lab:ansiblePrivateKey re-runs both.
    first, second = triggers("key-one"), triggers("key-two")
    assert first[0] != second[0] and first[1] != second[1]


def test_local_mode_runs_every_playbook_where_pulumi_runs(plan: Planner) -> None:
    result = plan(
        "prod",
        set_={"lab:ansible": _ansible("prod", mode="local")},
        unset=("lab:ansibleProvisionerPrivateKey",),
    )
    local = {r.name for r in result.of_type("command:local:Command")}
    assert {"prod-gns3-configure-run", "project-webshop-ansible-run"} <= local
    assert not [r for r in result.of_type(RUN) if r.name.endswith(("-run", "-workdir"))]


def test_project_users_come_from_lab_ansible_projects(plan: Planner) -> None:
    def trigger(result: PlanResult, name: str) -> str:
        return result.one(RUN, name).inputs["triggers"][0]

    before = plan("prod")
    users = {"containerUser": "admin", "vmUser": "ops"}
    after = plan("prod", set_={"lab:ansible": _ansible("prod", projects=users)})
    vm = after.one(VM, "project-supervision-zabbix-srv")
    assert vm.inputs["initialization"]["userAccount"]["username"] == "ops"
    # The users are in the project runs' inventories (their triggers hash them), not in the GNS3 run's.
    assert trigger(after, "project-webshop-ansible-run") != trigger(before, "project-webshop-ansible-run")
    assert trigger(after, "prod-gns3-configure-run") == trigger(before, "prod-gns3-configure-run")


def test_workspace_pools(plan: Planner) -> None:
    pools = {
        r.name: r.inputs["poolId"] for r in plan("prod").of_type("proxmoxve:index/poolLegacy:PoolLegacy")
    }
    assert pools["workspace-sio2-webshop"] == "sio2-webshop"
    assert pools["workspace-sio1-annuaire"] == "sio1-annuaire"


def test_a_project_clone_shares_the_students_clone_lanes(plan: Planner, tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    shutil.copytree(ROOT / "config/projects/prod", projects)
    doc: dict[str, Any] = yaml.safe_load((projects / "annuaire.yaml").read_text())
    for machine in doc["ct"]:
        machine["base"] = "tpl-desktop"
    (projects / "annuaire.yaml").write_text(yaml.safe_dump(doc))
    bases = {
        "dirs-nfs:debian-11-standard": {
            "volumeId": "dirs-nfs:vztmpl/debian-11-standard_11.7-1_amd64.tar.zst"
        },
        "dirs-nfs:debian-12-standard": {
            "volumeId": "dirs-nfs:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"
        },
        "tpl-debian12-cloud": {"templateVmid": 9000},
        "tpl-desktop": {"templateVmid": 9100},
    }
    changes: dict[str, Any] = {
        "lab:projectsDir": str(projects),
        "lab:projectBases": bases,
        "lab:vmidAllocations": str(tmp_path / "vmids.yaml"),
    }
    shutil.copy(ROOT / "config/vmids-prod.yaml", tmp_path / "vmids.yaml")
    allocate_vmids("prod", changes)
    result = plan("prod", set_=changes)
    ldap1 = result.one(CONTAINER, "project-annuaire-ldap1")
    assert ldap1.inputs["clone"]["vmId"] == 9100
    # ldap1 is 50008, lane 3 of 5: after the last student clone of 9100 in that lane (jdupont, 50003).
    assert ldap1.depends_on == [result.one(CONTAINER, "students-jdupont").urn]


def test_vm_agent_is_on_only_when_the_template_has_one(plan: Planner) -> None:
    # Nothing installs the agent in a project VM: with the option on and no agent, the provider
    # waits its full timeout and fails the VM.
    assert plan("prod").one(VM, "project-supervision-zabbix-srv").inputs["agent"] == {"enabled": False}
    bases = yaml.safe_load(stack_file("prod").config["lab:projectBases"])
    bases["tpl-debian12-cloud"]["guestAgent"] = True
    vm = plan("prod", set_={"lab:projectBases": bases}).one(VM, "project-supervision-zabbix-srv")
    assert vm.inputs["agent"] == {"enabled": True}
