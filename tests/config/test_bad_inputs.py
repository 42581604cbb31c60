"""The battery of bad inputs a hurried operator writes: each refused where it is read, clearly.

One `ConfigError` naming the stack, the file (row, machine) and the key, in
the words of that file's format; `python -m stacks.plan` exits 2, nothing is
registered. Each case here was accepted, or crashed later, before.
"""

import json
import runpy
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pulumi
import pytest
import yaml

from config import ConfigError, load_stack_config
from config.allocations import parse
from config.charts import RELEASES
from config.stackfile import read_stack_file
from config.values import load_release_values
from offline import plan as offline_plan
from offline.plan import plan_config
from tests.conftest import ROOT, stack_file, with_changes
from tests.lab_support import student, write_roster


def problems(stack: str = "prod", set_: dict[str, Any] | None = None, secret: Iterable[str] = ()) -> str:
    base = stack_file(stack)
    with pytest.raises(ConfigError) as caught:
        load_stack_config(
            project=base.project,
            stack=stack,
            raw=with_changes(base, set_),
            secret_keys=[*base.secret_keys, *secret],
        )
    message = str(caught.value)
    assert message.startswith(f"invalid configuration for stack '{stack}':")
    return message


def fleet(stack: str = "prod", **changes: Any) -> dict[str, Any]:
    doc = cast(dict[str, Any], json.loads(stack_file(stack).config["lab:fleet"]))
    return {**doc, **changes}


def first_boot(**changes: Any) -> dict[str, Any]:
    return fleet(firstBoot={**fleet()["firstBoot"], **changes})


# --- one YAML loader, refusing a key written twice ------------------------------------------


def test_a_key_written_twice_is_refused_in_every_kind_of_data_file(tmp_path: Path) -> None:
    roster = tmp_path / "r.yaml"
    roster.write_text(
        "students:\n"
        "  - {login: alice, name: A, uid: 600010001, group: g, profile: base}\n"
        "  - login: bob\n    name: B\n    uid: 600010002\n    uid: 600010003\n"
        "    group: g\n    profile: base\n"
    )
    assert "r.yaml: duplicate key 'uid' on line 6 (first on line 5)" in problems(
        set_={"lab:roster": str(roster)}
    )

    projects = tmp_path / "projects"
    shutil.copytree(ROOT / "config/projects/prod", projects)
    web = projects / "webshop.yaml"
    web.write_text(web.read_text() + "cluster: other\n")
    assert "webshop.yaml: duplicate key 'cluster' on line 49 (first on line 2)" in problems(
        set_={"lab:projectsDir": str(projects)}
    )

    (tmp_path / "Pulumi.yaml").write_text("name: campus\nruntime: python\n")
    (tmp_path / "Pulumi.x.yaml").write_text(
        "config:\n  lab:enabled: true\n  cloud:enabled: true\n  lab:enabled: false\n"
    )
    with pytest.raises(ConfigError, match=r"Pulumi.x.yaml: duplicate key 'lab:enabled' on line 4"):
        read_stack_file(tmp_path, "x")

    (tmp_path / "values" / "traefik").mkdir(parents=True)
    (tmp_path / "values" / "traefik" / "prod.yaml").write_text("deployment:\n  replicas: 2\ndeployment: {}\n")
    _, found = load_release_values("prod", list(RELEASES), root=tmp_path / "values")
    assert found == [
        "config/values/traefik/prod.yaml: duplicate key 'deployment' on line 3 (first on line 1); "
        "each key may appear once"
    ]

    _, found = parse("students:\n  alice: 50000\n  alice: 50001\n", "config/vmids-prod.yaml", "prod")
    assert found == [
        "config/vmids-prod.yaml: duplicate key 'alice' on line 3 (first on line 2); each key may appear "
        "once; when a merge brought both, run `python -m config.vmids --stack prod --repair --base main` "
        "(it keeps the base branch's entry)"
    ]


# --- the roster -----------------------------------------------------------------------------


def _roster_problems(tmp_path: Path, rows: list[dict[str, Any]], **fleet_changes: Any) -> str:
    roster = write_roster(tmp_path / "r.yaml", rows)
    return problems(set_={"lab:roster": str(roster), "lab:fleet": fleet(macAddresses={}, **fleet_changes)})


def test_a_uid_one_past_the_mapped_range_is_refused_and_the_last_one_is_not(tmp_path: Path) -> None:
    rows = [student("alice", uid=600_000_009), student("bob", uid=600_000_010)]
    message = _roster_problems(tmp_path, rows, directoryIds={"start": 600_000_000, "size": 10})
    assert (
        "r.yaml: row 2 (login 'bob'): uid: 600000010 is outside the mapped directory range "
        "600000000..600000009 (lab:fleet.directoryIds)"
    ) in message
    assert "login 'alice'): uid" not in message


def test_two_students_with_one_uid_are_refused(tmp_path: Path) -> None:
    rows = [student("alice", uid=600_010_001), student("bob", uid=600_010_001)]
    assert (
        "r.yaml: row 2 (login 'bob'): uid: 600010001 is also the uid of row 1; uids must be unique"
    ) in _roster_problems(tmp_path, rows)


@pytest.mark.parametrize("login", ["root", "daemon", "www-data", "sshd", "admin"])
def test_system_logins_are_refused(tmp_path: Path, login: str) -> None:
    rows = [student(login, uid=600_010_001)]
    assert (
        f"r.yaml: row 1 (login '{login}'): login: '{login}' is a system account of the containers"
    ) in _roster_problems(tmp_path, rows)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "login,name,uid,group,profile,login\nbob,Bob,600010002,g,base,bobby\n",
            "r.csv: CSV header names column login twice; expected each of login,name,uid,group,profile once",
        ),
        (
            "login,name,uid,group,profile\nbob,Bob, Jr,600010002,g,base\n",
            "r.csv: row 1 (login 'bob'): 6 fields where the header has 5; quote a value that contains the "
            "delimiter",
        ),
        (
            "login,name,uid,group,profile\nbob,Bob,600010002,g\n",
            "r.csv: row 1 (login 'bob'): 4 fields where the header has 5",
        ),
    ],
)
def test_csv_layout_problems_are_said_in_csv_terms(tmp_path: Path, text: str, expected: str) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text(text)
    message = problems(set_={"lab:roster": str(roster), "lab:fleet": fleet(macAddresses={})})
    assert expected in message
    assert "Keys should be strings" not in message and "duplicate of row" not in message


# --- lab:fleet ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"macAddresses": {"jdupont": "not-a-mac"}},
            "lab:fleet.macAddresses: jdupont: 'not-a-mac' is not a MAC address",
        ),
        (
            {"macAddresses": {"jdupont": "01:00:5E:00:00:01"}},
            "lab:fleet.macAddresses: jdupont: 01:00:5E:00:00:01 is a multicast address",
        ),
        (
            {"macAddresses": {"jdupond": "BC:24:11:B3:C1:3D"}},
            "lab:fleet.macAddresses.jdupond: no such login in the roster",
        ),
        (
            {"staticAddresses": {"amartin": {"address": "10.28.5.40/24", "gateway": "10.28.6.1"}}},
            "lab:fleet.staticAddresses.amartin: gateway 10.28.6.1 is outside 10.28.5.0/24; "
            "expected an on-link gateway",
        ),
        (
            {"homes": {"hostPath": "/mnt/nfs/../../etc/{login}", "path": "/home/{login}"}},
            "lab:fleet.homes.hostPath: '/mnt/nfs/../../etc/{login}': expected a plain absolute path",
        ),
        (
            {"homes": {"hostPath": "/etc/campus/{login}", "path": "/home/{login}"}},
            "lab:fleet.homes.hostPath: '/etc/campus/{login}' is under /etc, a system directory of the node",
        ),
        (
            {"firstBoot": {"packages": ["vim; curl x|sh"]}},
            "lab:fleet.firstBoot.packages[0]: String should match",
        ),
        ({"firstBoot": {"joinUser": "pve-join$(id)"}}, "lab:fleet.firstBoot.joinUser: String should match"),
    ],
)
def test_bad_fleet_settings(changes: dict[str, Any], expected: str) -> None:
    assert expected in problems(set_={"lab:fleet": fleet(**changes)})


def test_an_explicit_mac_is_read_as_proxmox_writes_it() -> None:
    from config.fleet import FleetConfig  # noqa: PLC0415

    parsed = FleetConfig.model_validate(fleet(macAddresses={"jdupont": "bc:24:11:b3:c1:3d"}))
    assert parsed.mac_addresses == {"jdupont": "BC:24:11:B3:C1:3D"}


# --- project files --------------------------------------------------------------------------


def _project_problems(tmp_path: Path, edit: dict[str, Any], name: str = "webshop.yaml", **extra: Any) -> str:
    projects = tmp_path / "projects"
    shutil.copytree(ROOT / "config/projects/prod", projects, dirs_exist_ok=True)
    path = projects / name
    doc = yaml.safe_load(path.read_text())
    for dotted, value in edit.items():
        target = doc
        *parents, last = dotted.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return problems(set_={"lab:projectsDir": str(projects), **extra})


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"ansible.group": "all"}, "webshop.yaml: ansible.group: 'all' is one of Ansible's implicit groups"),
        ({"ansible.group": "ungrouped"}, "webshop.yaml: ansible.group: 'ungrouped' is one of Ansible's"),
        ({"ansible.tags": ["web,db"]}, "webshop.yaml: ansible.tags: tag 'web,db': expected one tag per item"),
        (
            {"ansible.playbook": "ansible/ansible.cfg"},
            "webshop.yaml: ansible.playbook: 'ansible/ansible.cfg': ",
        ),
        (
            {"ct.1.ip": "10.29.0.11/24"},
            "projects/webshop.yaml: ct[1] (webshop-api): ip: 10.29.0.11 is also the address of ",
        ),
        (
            {"ct.0.ip": "10.10.10.249/24", "ct.0.gw": "10.10.10.1"},
            "ct[0] (webshop-front): ip: 10.10.10.249 is also the address of lab:gns3.network.address",
        ),
        (
            {"ct.0.ip": "10.10.10.240/24", "ct.0.gw": "10.10.10.1"},
            "ct[0] (webshop-front): ip: 10.10.10.240 is also the address of lab:ansible.provisioner.host",
        ),
        (
            {"workspace": "students-sio1-slam"},
            "webshop.yaml: workspace: 'students-sio1-slam' is also the pool of the students of group "
            "'sio1-slam'",
        ),
    ],
)
def test_bad_project_files(tmp_path: Path, edit: dict[str, Any], expected: str) -> None:
    assert expected in _project_problems(tmp_path, edit)


def test_a_machine_on_the_windows_server_or_in_the_students_reservations_is_refused(tmp_path: Path) -> None:
    message = _project_problems(tmp_path, {"ct.0.ip": "10.10.10.246/24", "ct.0.gw": "10.10.10.1"})
    assert "ct[0] (webshop-front): ip: 10.10.10.246 is also the address of lab:windows.host" in message
    message = _project_problems(tmp_path, {"ct.0.ip": "10.28.5.99/22", "ct.0.gw": "10.28.4.1"})
    assert (
        "ct[0] (webshop-front): ip: 10.28.5.99 is inside 10.28.4.10..10.28.7.250, the students' "
        "reservations of lab:windows.scopes.10.28.4.0"
    ) in message


def test_a_machine_on_another_projects_address_is_refused(tmp_path: Path) -> None:
    message = _project_problems(tmp_path, {"ct.0.ip": "10.29.2.10/24", "ct.0.gw": "10.29.2.1"})
    assert "projects/annuaire.yaml: ct[0] (ldap1): ip; expected one address per machine" in message


def test_a_secret_in_extravars_is_refused_without_being_echoed(tmp_path: Path) -> None:
    message = _project_problems(tmp_path, {"ansible.extravars.db_password": "hunter2-plain"})
    assert (
        "webshop.yaml: ansible.extravars: db_password: looks like a secret, committed in plaintext here; "
        "set it with `pulumi config set --secret --path 'lab:projectSecrets.<project>.<name>' ...`"
    ) in message
    assert "hunter2" not in message


# --- lab:projectSecrets ---------------------------------------------------------------------


def test_project_secrets_must_be_secret_and_name_a_project_with_a_run() -> None:
    secrets = {"webshop": {"db_password": "x"}, "nosuch": {"token": "y"}}
    message = problems(set_={"lab:projectSecrets": secrets})
    assert "lab:projectSecrets.webshop.db_password: is stored in plaintext" in message
    message = problems(set_={"lab:projectSecrets": secrets}, secret=["lab:projectSecrets"])
    assert "lab:projectSecrets.nosuch: no project file nosuch.yaml" in message
    clash = {"webshop": {"app_name": "x"}}
    assert "lab:projectSecrets.webshop.app_name: config/projects/prod/webshop.yaml also sets" in problems(
        set_={"lab:projectSecrets": clash}, secret=["lab:projectSecrets"]
    )


def test_project_secrets_reach_the_run_on_stdin_and_nowhere_in_plaintext() -> None:
    base = stack_file("prod")
    raw = with_changes(base, {"lab:projectSecrets": {"webshop": {"db_password": "s3cr3t-db-pw"}}})
    stdin: dict[str, str] = {}

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == "command:remote:Command" and args.name.startswith("project-webshop-ansible-run"):
            pulumi.Output.from_input(args.props["stdin"]).apply(lambda s: stdin.__setitem__("run", str(s)))

    def program() -> None:
        pulumi.runtime.register_stack_transformation(capture)
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    result = plan_config(
        project=base.project,
        stack="prod",
        config=raw,
        secret_keys=[*base.secret_keys, "lab:projectSecrets"],
        program=program,
    )
    files = json.loads(stdin["run"])
    assert json.loads(files["extra_vars.json"]) == {
        "app_name": "webshop",
        "db_host": "10.29.0.13",
        "db_password": "s3cr3t-db-pw",
        "php_version": "8.2",
    }
    assert "s3cr3t-db-pw" not in json.dumps([r.inputs for r in result.resources], default=str)


# --- across stacks and the cloud part -------------------------------------------------------


def test_vmid_ranges_of_committed_stacks_must_not_overlap() -> None:
    message = problems("staging", set_={"lab:vmidRange": {"start": 50900, "end": 60999}})
    assert (
        "lab:vmidRange: 50900..60999 overlaps 50000..50999, the range of stack 'prod' (Pulumi.prod.yaml); "
        "expected disjoint ranges"
    ) in message


def test_an_unknown_region_is_a_configuration_error_and_a_known_one_is_not() -> None:
    message = problems("staging", set_={"cloud:region": "eu-west-9"})
    assert (
        "cloud:region: unknown AWS region 'eu-west-9'; expected one of the regions the pinned provider"
        in message
    )
    base = stack_file("staging")
    # A real region without a price table is the budget policy's to refuse (exit 3, naming the file).
    cfg = load_stack_config(
        project=base.project,
        stack="staging",
        raw=with_changes(base, {"cloud:region": "eu-west-1"}),
        secret_keys=base.secret_keys,
    )
    assert cfg.cloud is not None and cfg.cloud.region == "eu-west-1"


# --- Helm values files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release", "text", "expected"),
    [
        ("traefik", "deployment:\n  replicas: two\n", "deployment.replicas: expected integer, got 'two'"),
        ("cert-manager", "replicaCont: 2\n", "replicaCont: unknown key; expected one of cainjector, crds,"),
        (
            "postgresql-ha",
            "persistence:\n  size: fifty\n",
            "persistence.size: expected a Kubernetes quantity such as 10Gi or 500m, got 'fifty'",
        ),
        (
            "external-dns",
            "policy: delete-everything\n",
            "policy: expected one of create-only, sync, upsert-only",
        ),
        (
            "traefik",
            "deployment:\n  replica: 2\n",
            "deployment.replica: unknown key; expected one of podAnnotations, replicas",
        ),
    ],
)
def test_bad_values_files_stop_the_plan_with_exit_2(  # noqa: PLR0917 - fixtures and parameters
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    release: str,
    text: str,
    expected: str,
) -> None:
    import config.values  # noqa: PLC0415

    values = tmp_path / "values"
    shutil.copytree(ROOT / "config/values", values)
    (values / release / "staging.yaml").write_text(text)
    monkeypatch.setattr(config.values, "VALUES_DIR", values)
    assert offline_plan.main(["--stack", "staging"]) == 2
    err = capsys.readouterr().err
    assert f"config/values/{release}/staging.yaml: {expected}" in err
    assert "Traceback" not in err


# --- end to end: `python -m stacks.plan` -----------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"cloud:region": "eu-west-9"}, "cloud:region: unknown AWS region 'eu-west-9'"),
        (
            {"lab:fleet.macAddresses": None},
            "lab:fleet.macAddresses: jdupont: 'not-a-mac' is not a MAC address",
        ),
        (
            {"lab:projectsDir": "PROJECTS"},
            "webshop.yaml: ansible.group: 'all' is one of Ansible's implicit groups",
        ),
    ],
)
def test_the_plan_command_exits_2_with_the_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: dict[str, Any], expected: str
) -> None:
    projects = tmp_path / "projects"
    shutil.copytree(ROOT / "config/projects/prod", projects)
    web = projects / "webshop.yaml"
    web.write_text(web.read_text().replace("group: webshop", "group: all"))
    doc = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    for key, value in extra.items():
        if key == "lab:fleet.macAddresses":
            doc["config"]["lab:fleet"]["macAddresses"] = {"jdupont": "not-a-mac"}
        else:
            doc["config"][key] = str(projects) if value == "PROJECTS" else value
    shutil.copy2(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    assert offline_plan.main(["--stack", "prod", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid configuration for stack 'prod':")
    assert expected in err and "Traceback" not in err
