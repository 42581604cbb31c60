"""The student fleet as the engine would receive it."""

import json
from pathlib import Path
from typing import Any

import pytest

from offline.harness import PlanResult
from tests.conftest import Planner, stack_file
from tests.lab_support import CONTAINER, allocate_vmids, student, write_roster

FLEET = "campus:proxmox:StudentFleet"
DOWNLOAD = "proxmoxve:download/file:File"


def test_reference_container_read_back(plan: Planner) -> None:
    result = plan("prod")
    ct = result.one(CONTAINER, "students-jdupont")
    inputs = ct.inputs
    assert inputs["nodeName"] == "pve"
    assert inputs["vmId"] == 50003
    assert inputs["cpu"] == {"architecture": "amd64", "cores": 4}
    assert inputs["memory"] == {"dedicated": 12288, "swap": 512}
    assert inputs["features"] == {"nesting": True}
    assert inputs["unprivileged"] is True
    assert inputs["initialization"]["hostname"] == "vm-jdupont"
    assert inputs["initialization"]["ipConfigs"] == [{"ipv4": {"address": "dhcp"}}]
    assert inputs["networkInterfaces"] == [
        {"name": "eth0", "bridge": "vibr285", "macAddress": "BC:24:11:B3:C1:3D"}
    ]
    assert inputs["disk"] == {"datastoreId": "disk1", "size": 50}
    assert [(m["type"], m["containerId"], m["hostId"], m["size"]) for m in inputs["idmaps"]] == [
        ("uid", 0, 100000, 65536),
        ("gid", 0, 100000, 65536),
        ("uid", 600000000, 600000000, 999999999),
        ("gid", 600000000, 600000000, 999999999),
    ]
    assert inputs["mountPoints"] == [{"volume": "/mnt/nfs/home/jdupont", "path": "/home/jdupont"}]
    assert inputs["description"] == "CT perso pour Jean Dupont - sio2-sisr"
    assert inputs["tags"] == ["2026", "sio2-sisr"]
    assert inputs["poolId"] == "students-sio2-sisr"
    assert inputs["started"] is True and inputs["startOnBoot"] is True
    assert inputs["clone"] == {"vmId": 9100, "datastoreId": "disk1"}
    assert inputs["hookScriptFileId"].startswith("local:snippets/campus-student-hook-")
    assert ct.protect is True
    # A new template for the profile applies to new containers; it never replaces this one.
    assert ct.ignore_changes == ["clone", "operatingSystem.templateFileId"]
    fleet = result.one(FLEET, "students")
    assert ct.parent == fleet.urn


def test_base_profile_builds_from_the_downloaded_template(plan: Planner) -> None:
    result = plan("prod")
    download = result.one(DOWNLOAD, "students-template-base")
    assert download.inputs["contentType"] == "vztmpl"
    assert download.inputs["url"] == (
        "https://download.proxmox.com/images/system/debian-12-standard_12.12-1_amd64.tar.zst"
    )
    assert download.inputs["fileName"] == "debian-12-standard_12.12-1_amd64.tar.zst"
    assert (download.inputs["nodeName"], download.inputs["datastoreId"]) == ("pve", "local")
    assert download.inputs["overwrite"] is False
    # Proxmox's appliance index publishes SHA-512 sums.
    assert download.inputs["checksumAlgorithm"] == "sha512" and len(download.inputs["checksum"]) == 128
    assert download.protect is True
    ct = result.one(CONTAINER, "students-cthomas")
    assert "clone" not in ct.inputs
    assert ct.inputs["operatingSystem"] == {
        "templateFileId": "local:vztmpl/debian-12-standard_12.12-1_amd64.tar.zst",
        "type": "debian",
    }
    assert download.urn in ct.dependencies


def test_staging_uses_an_existing_volume_a_csv_roster_and_a_static_address(plan: Planner) -> None:
    result = plan("staging")
    # Staging's one download is the GNS3 template's cloud image: no container archive.
    assert [r.inputs["contentType"] for r in result.of_type(DOWNLOAD)] == ["iso"]
    prof = result.one(CONTAINER, "students-test_prof")
    assert (
        prof.inputs["operatingSystem"]["templateFileId"]
        == "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"
    )
    assert prof.inputs["initialization"]["ipConfigs"] == [
        {"ipv4": {"address": "10.28.5.40/24", "gateway": "10.28.5.1"}}
    ]
    assert (
        result.one(CONTAINER, "students-test.eleve1").inputs["initialization"]["hostname"] == "vm-test-eleve1"
    )
    assert result.one(CONTAINER, "students-test.eleve1").protect is False


def test_one_pool_per_group_and_outputs_per_student(plan: Planner) -> None:
    result = plan("prod")
    pools = sorted(r.inputs["poolId"] for r in result.of_type("proxmoxve:index/poolLegacy:PoolLegacy"))
    assert [p for p in pools if p.startswith("students-")] == [
        "students-sio1-slam",
        "students-sio2-sisr",
        "students-sio2-slam",
    ]
    students = result.outputs["students"]
    for ct in result.of_type(CONTAINER):
        if ct.parent == result.one(FLEET, "students").urn:
            login = ct.name.removeprefix("students-")
            assert students[login] == {
                "vmid": ct.inputs["vmId"],
                "hostname": ct.inputs["initialization"]["hostname"],
                "node": ct.inputs["nodeName"],
            }
    assert len(students) == 8


def test_vmids_are_unique_and_inside_the_range(plan: Planner) -> None:
    result = plan("prod")
    vmids = [
        r.inputs["vmId"]
        for r in [*result.of_type(CONTAINER), *result.of_type("proxmoxve:index/vmLegacy:VmLegacy")]
    ]
    # 8 students, 7 project containers, the project VM and the GNS3 server: none shares a VMID.
    assert len(vmids) == 17
    assert 50249 in vmids
    assert len(set(vmids)) == len(vmids)
    assert all(50000 <= v <= 50999 for v in vmids)


def _fleet(result: PlanResult) -> dict[str, Any]:
    fleet_urn = result.one(FLEET, "students").urn
    return {r.name: r for r in result.of_type(CONTAINER) if r.parent == fleet_urn}


def test_adding_removing_and_reordering_students_changes_no_one_else(plan: Planner, tmp_path: Path) -> None:
    rows = [
        student(f"s{i:02d}", uid=600_020_000 + i, profile="desktop" if i % 3 else "base") for i in range(12)
    ]
    roster = write_roster(tmp_path / "roster.yaml", rows)
    lock = tmp_path / "vmids.yaml"
    # prod keeps jdupont's MAC; this roster has no jdupont, so that entry would be refused.
    fleet: dict[str, Any] = {**json.loads(stack_file("prod").config["lab:fleet"]), "macAddresses": {}}
    changes: dict[str, Any] = {
        "lab:roster": str(roster),
        "lab:vmidAllocations": str(lock),
        "lab:fleet": fleet,
    }
    allocate_vmids("prod", changes)
    before = _fleet(plan("prod", set_=changes))

    # Plus s99: the new student joins the end of a clone lane; nothing else changes, not even dependencies.
    write_roster(roster, [*rows, student("s99", uid=600_020_099)])
    allocate_vmids("prod", changes)
    added = _fleet(plan("prod", set_=changes))
    for name, ct in before.items():
        assert added[name].urn == ct.urn
        assert added[name].inputs == ct.inputs
        assert added[name].depends_on == ct.depends_on
    assert added["students-s99"].inputs["vmId"] not in {r.inputs["vmId"] for r in before.values()}

    # Minus s04, and the rows in another order: what a new school export looks like.
    changed = [r for r in rows if r["login"] != "s04"] + [student("s99", uid=600_020_099)]
    write_roster(roster, list(reversed(changed)))
    allocate_vmids("prod", changes)
    after = _fleet(plan("prod", set_=changes))
    assert "students-s04" not in after
    assert sorted(after) == sorted(set(added) - {"students-s04"})
    for name, ct in after.items():
        assert ct.urn == added[name].urn
        assert json.dumps(ct.inputs, sort_keys=True) == json.dumps(added[name].inputs, sort_keys=True)


def _template_of(ct: Any) -> tuple[str, int] | None:
    clone = ct.inputs.get("clone")
    if clone is None:
        return None
    return (clone.get("nodeName", ct.inputs["nodeName"]), clone["vmId"])


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_at_most_n_clones_of_one_template_run_at_once(plan: Planner, tmp_path: Path, limit: int) -> None:
    rows = [student(f"d{i:02d}", uid=600_030_000 + i) for i in range(17)]
    rows += [student(f"o{i:02d}", uid=600_031_000 + i, profile="other") for i in range(4)]
    rows += [student(f"b{i:02d}", uid=600_032_000 + i, profile="base") for i in range(3)]
    roster = write_roster(tmp_path / "roster.yaml", rows)
    changes: dict[str, Any] = {
        "lab:roster": str(roster),
        "lab:vmidAllocations": str(tmp_path / "vmids.yaml"),
        "lab:fleet": _fleet_with_other_template(limit),
    }
    allocate_vmids("prod", changes)
    result = plan("prod", set_=changes)
    fleet = _fleet(result)
    by_urn = {r.urn: r for r in fleet.values()}
    successors: dict[str, int] = {}
    heads: dict[tuple[str, int] | None, int] = {}
    for ct in fleet.values():
        template = _template_of(ct)
        if template is None:
            assert ct.depends_on == []
            continue
        assert len(ct.depends_on) <= 1
        if not ct.depends_on:
            heads[template] = heads.get(template, 0) + 1
        for dep in ct.depends_on:
            # Chains never cross templates, and a clone has at most one successor.
            assert _template_of(by_urn[dep]) == template
            successors[dep] = successors.get(dep, 0) + 1
    assert all(n == 1 for n in successors.values())
    # Disjoint chains: at most as many clones at once as there are chains.
    assert heads[("pve", 9100)] == min(limit, 17)
    assert heads[("pve", 9200)] == min(limit, 4)


def _fleet_with_other_template(limit: int) -> dict[str, Any]:
    from tests.conftest import stack_file  # noqa: PLC0415

    fleet = json.loads(stack_file("prod").config["lab:fleet"])
    fleet["cloneConcurrency"] = limit
    fleet["profiles"]["other"] = {**fleet["profiles"]["desktop"], "clone": {"templateVmid": 9200}}
    fleet["macAddresses"] = {}
    return fleet


def test_clone_lanes_refuse_clones_out_of_vmid_order() -> None:
    from components.proxmox.clone_lanes import CloneLanes  # noqa: PLC0415

    lanes = CloneLanes(limit=2)
    marker = object()
    assert lanes.after(("pve", 9100), 50000) == []
    lanes.add(("pve", 9100), 50000, marker)  # pyright: ignore[reportArgumentType]
    assert lanes.after(("pve", 9100), 50002) == [marker]
    assert lanes.after(("pve", 9100), 50001) == []
    assert lanes.after(("pve", 9200), 50002) == []
    with pytest.raises(ValueError, match="must be declared in VMID order"):
        lanes.after(("pve", 9100), 49998)
    with pytest.raises(ValueError, match="at least 1"):
        CloneLanes(limit=0)


def test_a_download_checksum_is_checked_as_sha256(plan: Planner) -> None:
    from tests.conftest import stack_file  # noqa: PLC0415

    fleet = json.loads(stack_file("prod").config["lab:fleet"])
    digest = "0123456789abcdef" * 4
    fleet["profiles"]["base"]["template"]["download"]["checksum"] = digest
    download = plan("prod", set_={"lab:fleet": fleet}).one(DOWNLOAD, "students-template-base")
    assert (download.inputs["checksum"], download.inputs["checksumAlgorithm"]) == (digest, "sha256")
