"""The offline preview: day-2 changes to the committed stacks, and the command's contract."""

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.harness import PlanResult
from offline.plan import main
from offline.preview import BaseError, Preview, compare, load_base
from offline.replacements import knowledge
from offline.report import plan_document
from tests.conftest import ROOT, Planner, stack_file
from tests.lab_support import CONTAINER, VM

FILE = "proxmoxve:index/fileLegacy:FileLegacy"
MEMBERSHIP = "proxmoxve:pool/membership:Membership"
# An ed25519 public key's shape (the algorithm name, then 32 bytes); not a key anyone holds.
_KEY_BODY = "AAAAC3NzaC1lZDI1NTE5AAAAIK3y8tqW0aLrJpX7N2mV5cR1dE9sF4gH6jB0nM8kQ2vT"
RUNS = {"command:remote:Command", "command:remote:CopyToRemote"}
"""Replacing these runs them again (a playbook, a wait, a copy): nothing is lost."""


def _write(doc: Mapping[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(doc))
    return path


def _preview(before: PlanResult, after: PlanResult, tmp_path: Path) -> Preview:
    base = _write(plan_document(before), tmp_path / "base.json")
    return compare(after, load_base(base, after.stack), knowledge(), base_name=str(base))


def _names(preview: Preview, op: str, types: set[str] | None = None) -> set[tuple[str, tuple[str, ...]]]:
    return {(s.name, s.paths) for s in preview.of(op) if types is None or s.type in types}


def _routine(preview: Preview, deletes: frozenset[str] = frozenset()) -> None:
    """What every routine change must be: no machine replaced, nothing deleted, nothing guarded."""
    assert {s.name for s in preview.of("delete")} == deletes
    assert [s for s in preview.of("replace") if s.type in {CONTAINER, VM}] == []
    assert preview.guarded() == []


@pytest.fixture
def prod(prod_result: PlanResult) -> PlanResult:
    return prod_result


def _yaml(stack: str, key: str) -> Any:
    return yaml.safe_load(stack_file(stack).config[key])


def test_an_unchanged_stack_previews_no_change(plan: Planner, prod: PlanResult, tmp_path: Path) -> None:
    preview = _preview(prod, plan("prod"), tmp_path)
    assert preview.steps == []
    assert preview.summary_line() == "0 to create, 0 to update, 0 to replace, 0 to delete"


def test_a_group_move_updates_the_container_and_moves_its_membership(
    plan: Planner, prod: PlanResult, tmp_path: Path
) -> None:
    roster = yaml.safe_load((ROOT / "config/students/prod.yaml").read_text())
    for row in roster["students"]:
        if row["login"] == "jdupont":
            row["group"] = "sio2-slam"
    path = tmp_path / "roster.yaml"
    path.write_text(yaml.safe_dump(roster, allow_unicode=True))
    preview = _preview(prod, plan("prod", set_={"lab:roster": str(path)}), tmp_path)
    _routine(preview)
    assert _names(preview, "update") == {("students-jdupont", ("description", "tags[1]"))}
    # The membership is replaced (its poolId forces it), the container is not touched; the Guacamole
    # sync, which reads the roster's groups, runs again.
    assert _names(preview, "replace") == {
        ("students-jdupont-pool", ("poolId",)),
        ("prod-guacamole-sync", ("triggers",)),
    }
    assert preview.of("create") == []


def test_a_bigger_profile_resizes_in_place(plan: Planner, prod: PlanResult, tmp_path: Path) -> None:
    fleet = _yaml("prod", "lab:fleet")
    desktop = fleet["profiles"]["desktop"]
    desktop.update(
        cores=desktop["cores"] + 2, memory=desktop["memory"] * 2, diskSize=desktop["diskSize"] + 10
    )
    preview = _preview(prod, plan("prod", set_={"lab:fleet": fleet}), tmp_path)
    _routine(preview)
    assert preview.of("replace") == [] and preview.of("create") == []
    updated = _names(preview, "update")
    assert ("students-jdupont", ("cpu.cores", "disk.size", "memory.dedicated")) in updated
    assert {n for n, _ in updated} == {
        f"students-{s}" for s in ("amartin", "bbernard", "jdupont", "lpetit", "nrichard", "t.durand")
    }


def test_a_smaller_disk_replaces_and_is_refused(plan: Planner, prod: PlanResult, tmp_path: Path) -> None:
    fleet = _yaml("prod", "lab:fleet")
    fleet["profiles"]["base"]["diskSize"] -= 1
    preview = _preview(prod, plan("prod", set_={"lab:fleet": fleet}), tmp_path)
    assert _names(preview, "replace") == {
        ("students-cthomas", ("disk.size",)),
        ("students-mrobert", ("disk.size",)),
    }
    assert {s.name for s in preview.guarded()} == {"students-cthomas", "students-mrobert"}


def test_an_added_admin_key_reruns_ansible_and_keeps_the_gns3_vm(
    plan: Planner, prod: PlanResult, tmp_path: Path
) -> None:
    keys = [
        *_yaml("prod", "lab:adminSshPublicKeys"),
        f"ssh-ed25519 {_KEY_BODY} ops-carol",
    ]
    after = plan("prod", set_={"lab:adminSshPublicKeys": keys})
    preview = _preview(prod, after, tmp_path)
    _routine(preview)
    assert preview.of("update") == [] and preview.of("create") == []
    # Only the GNS3 playbook runs again (its extra-vars carry the keys); the VM and its snippet stay.
    assert {s.name for s in preview.of("replace")} == {
        "prod-gns3-configure-workdir",
        "prod-gns3-configure-copy",
        "prod-gns3-configure-run",
    }
    assert {s.type for s in preview.of("replace")} <= RUNS


def test_a_rotated_ansible_key_replaces_no_machine(plan: Planner, prod: PlanResult, tmp_path: Path) -> None:
    ansible = _yaml("prod", "lab:ansible")
    ansible["publicKey"] = f"ssh-ed25519 {_KEY_BODY} ansible@campus-prod-2"
    preview = _preview(prod, plan("prod", set_={"lab:ansible": ansible}), tmp_path)
    _routine(preview)
    assert {s.type for s in preview.of("replace")} <= RUNS
    # Project VMs take the new key in place (cloud-init drive); containers keep theirs (creation-only).
    updates = _names(preview, "update")
    assert updates == {("project-supervision-zabbix-srv", ("initialization.userAccount.keys[1]",))}


def test_new_first_boot_packages_replace_the_hook_snippet_only(
    plan: Planner, prod: PlanResult, tmp_path: Path
) -> None:
    fleet = _yaml("prod", "lab:fleet")
    fleet["firstBoot"]["packages"] = [*fleet["firstBoot"].get("packages", []), "htop"]
    preview = _preview(prod, plan("prod", set_={"lab:fleet": fleet}), tmp_path)
    _routine(preview)
    assert _names(preview, "replace") == {("students-hook", ("sourceRaw",))}
    updated = preview.of("update")
    assert {s.type for s in updated} == {CONTAINER} and len(updated) == 8
    assert {s.paths for s in updated} == {("hookScriptFileId",)}


def test_a_workspace_change_moves_the_machines_in_place(
    plan: Planner, prod: PlanResult, tmp_path: Path
) -> None:
    projects = tmp_path / "projects"
    shutil.copytree(ROOT / "config/projects/prod", projects)
    path = projects / "supervision.yaml"
    path.write_text(path.read_text().replace("workspace: sio2-supervision", "workspace: sio2-monitoring"))
    preview = _preview(prod, plan("prod", set_={"lab:projectsDir": str(projects)}), tmp_path)
    # The old workspace's pool is empty once its members moved: the one deletion, no machine.
    _routine(preview, deletes=frozenset({"workspace-sio2-supervision"}))
    assert _names(preview, "create") == {("workspace-sio2-monitoring", ())}
    # The VM moves by an update of its poolId (vm.go:5848); the container through its membership.
    assert _names(preview, "update") == {("project-supervision-zabbix-srv", ("poolId",))}
    assert _names(preview, "replace", {MEMBERSHIP}) == {("project-supervision-grafana-pool", ("poolId",))}
    assert {s.type for s in preview.of("replace")} <= RUNS | {MEMBERSHIP}


def test_a_homes_path_change_replaces_every_student_container(
    plan: Planner, prod: PlanResult, tmp_path: Path
) -> None:
    fleet = _yaml("prod", "lab:fleet")
    fleet["homes"] = {**fleet.get("homes", {}), "hostPath": "/srv/homes/{login}"}
    preview = _preview(prod, plan("prod", set_={"lab:fleet": fleet}), tmp_path)
    replaced = preview.of("replace")
    assert len(replaced) == 8 and {s.type for s in replaced} == {CONTAINER}
    assert {s.paths for s in replaced} == {("mountPoints",)}
    assert all("container.go:750" in s.sources[0] for s in replaced)
    assert {s.urn for s in preview.guarded()} == {s.urn for s in replaced}


def test_a_containers_node_change_replaces_it(plan: Planner, prod: PlanResult, tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    shutil.copytree(ROOT / "config/projects/prod", projects)
    path = projects / "webshop.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["ct"][2]["node"] = "pve2"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    preview = _preview(prod, plan("prod", set_={"lab:projectsDir": str(projects)}), tmp_path)
    machines = [s for s in preview.of("replace") if s.type in {CONTAINER, VM}]
    assert [(s.name, s.paths) for s in machines] == [("project-webshop-webshop-db", ("nodeName",))]
    assert [s.name for s in preview.guarded()] == ["project-webshop-webshop-db"]


# --- the command ---


def _base_with(doc: dict[str, Any], name: str, **inputs: Any) -> dict[str, Any]:
    for record in doc["resources"]:
        if record["name"] == name:
            record["inputs"].update(inputs)
    return doc


def test_the_command_exits_4_on_a_guarded_replace_unless_allowed(
    prod: PlanResult, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A base where jdupont's home was elsewhere: applying the committed stack replaces the container.
    doc = _base_with(
        plan_document(prod), "students-jdupont", mountPoints=[{"volume": "/old", "path": "/home/jdupont"}]
    )
    base = _write(doc, tmp_path / "base.json")
    out = tmp_path / "diff.json"
    assert main(["--stack", "prod", "--against", str(base), "--diff-json", str(out)]) == 4
    text = capsys.readouterr()
    urn = prod.one(CONTAINER, "students-jdupont").urn
    assert "!! +- replace" in text.out and urn in text.out and "mountPoints forces replacement" in text.out
    assert "--allow-replace" in text.err
    assert json.loads(out.read_text()) == {
        "stack": "prod",
        "creates": [],
        "updates": [],
        "replaces": [{"urn": urn, "paths": ["mountPoints"]}],
        "deletes": [],
    }
    assert "0 to create, 0 to update, 1 to replace, 0 to delete" in text.out
    assert "ETA: about" in text.out
    assert main(["--stack", "prod", "--against", str(base), "--allow-replace", urn]) == 0


def test_a_deleted_protected_resource_exits_4(prod: PlanResult, tmp_path: Path) -> None:
    doc = plan_document(prod)
    gone = json.loads(json.dumps(doc["resources"][-1]))
    gone.update(urn=gone["urn"] + "-old", name=gone["name"] + "-old", protect=True)
    doc["resources"].append(gone)
    assert main(["--stack", "prod", "--against", str(_write(doc, tmp_path / "b.json"))]) == 4


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {"stack": "staging", "project": "campus", "resources": []},
            "is a plan of stack 'staging', not of 'prod'",
        ),
        (
            {"rows": [], "total": 1},
            "is not a plan document written by `python -m stacks.plan --json`: missing",
        ),
        (
            {"stack": "prod", "project": "campus", "resources": [{"urn": "x"}]},
            "resources[0] is not a plan record",
        ),
    ],
)
def test_a_base_of_another_stack_or_contract_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], doc: dict[str, Any], message: str
) -> None:
    base = _write(doc, tmp_path / "base.json")
    assert main(["--stack", "prod", "--against", str(base)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_load_base_reports_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(BaseError, match="cannot read the base plan"):
        load_base(tmp_path / "missing.json", "prod")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(BaseError, match="is not JSON"):
        load_base(tmp_path / "bad.json", "prod")
