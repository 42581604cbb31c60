"""The Guacamole sync program, run as the provisioner runs it, against a local Guacamole API.

The server (`guacamole_api.py`) follows Guacamole's REST API as documented in
apache/guacamole-client's REST resources and https://docs.netcubed.io/products/guacamole/api
(see its docstring for each endpoint's source). The program runs in its own
process with the request on stdin, exactly the command line the component declares.
"""

import ast
import json
import subprocess
import sys
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest

from components.integrations.guacamole import SCRIPT, command_line
from config.integrations import GuacamoleConfig, StudentEntry, guacamole_desired
from tests.components.integrations.guacamole_api import GuacamoleState, guacamole_server

ROOT_GROUP = "campus-test"


def student(
    login: str, group: str = "sio1", profile: str = "base", address: str = "10.28.4.10"
) -> StudentEntry:
    return StudentEntry(
        login=login,
        name=login.title(),
        group=group,
        profile=profile,
        vmid=50000,
        node="pve",
        hostname=f"vm-{login}",
        mac="BC:24:11:00:00:01",
        address=IPv4Address(address),
        fqdn=f"vm-{login}.ad.campus.lan",
    )


def desired(*students: StudentEntry) -> dict[str, Any]:
    config = GuacamoleConfig.model_validate({"url": "https://g.example/guacamole", "rootGroup": ROOT_GROUP})
    return guacamole_desired("test", config, students, [])


def run_sync(
    url: str, state: GuacamoleState, want: dict[str, Any], *, password: str | None = None
) -> dict[str, Any]:
    request = {
        "url": url,
        "dataSource": state.source,
        "username": state.admin[0],
        "password": password if password is not None else state.admin[1],
        "createUsers": True,
        "desired": want,
    }
    # `sh -c "python3 -c '<program>'"`: the component's own command line, python3 being this interpreter.
    line = command_line().replace("python3 -c", f"{sys.executable} -c", 1)
    done = subprocess.run(
        ["/bin/sh", "-c", line],
        input=json.dumps(request),
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def state() -> GuacamoleState:
    return GuacamoleState()


def test_first_run_creates_groups_connections_users_and_permissions(state: GuacamoleState) -> None:
    with guacamole_server(state) as url:
        summary = run_sync(
            url, state, desired(student("amartin"), student("jdupont", group="sio2", profile="desktop"))
        )
    assert sorted(summary["created"]) == ["sio1/amartin", "sio2/jdupont"]
    assert summary["updated"] == summary["deleted"] == summary["unchanged"] == []
    assert sorted(summary["groups"]["created"]) == [ROOT_GROUP, "sio1", "sio2"]
    amartin = state.connection(f"{ROOT_GROUP}/sio1", "amartin")
    jdupont = state.connection(f"{ROOT_GROUP}/sio2", "jdupont")
    assert amartin is not None and jdupont is not None
    assert amartin["protocol"] == "ssh"
    assert amartin["parameters"] == {
        "hostname": "10.28.4.10",
        "port": "22",
        "username": "amartin",
        "password": "${GUAC_PASSWORD}",
    }
    assert jdupont["protocol"] == "rdp" and jdupont["parameters"]["port"] == "3389"
    # Each connection is readable by its student only.
    assert state.readers(amartin["identifier"]) == {"amartin"}
    assert state.readers(jdupont["identifier"]) == {"jdupont"}
    assert set(state.users) == {"amartin", "jdupont"}


def test_second_run_changes_nothing(state: GuacamoleState) -> None:
    want = desired(student("amartin"), student("lpetit"))
    with guacamole_server(state) as url:
        run_sync(url, state, want)
        before = (json.dumps(state.connections), json.dumps(state.parameters), json.dumps(state.permissions))
        writes = len([r for r in state.requests if r[0] != "GET"])
        summary = run_sync(url, state, want)
    assert sorted(summary["unchanged"]) == ["sio1/amartin", "sio1/lpetit"]
    assert summary["created"] == summary["updated"] == summary["deleted"] == []
    assert summary["permissions"] == {"granted": [], "revoked": []}
    assert (
        json.dumps(state.connections),
        json.dumps(state.parameters),
        json.dumps(state.permissions),
    ) == before
    # Only the second run's login is a write.
    assert len([r for r in state.requests if r[0] != "GET"]) == writes + 1


def test_changed_entry_is_updated_in_place(state: GuacamoleState) -> None:
    with guacamole_server(state) as url:
        run_sync(url, state, desired(student("amartin")))
        first = state.connection(f"{ROOT_GROUP}/sio1", "amartin")
        assert first is not None
        # An operator's own tuning must survive the update.
        state.parameters[first["identifier"]]["color-depth"] = "16"
        summary = run_sync(url, state, desired(student("amartin", profile="desktop", address="10.28.4.99")))
    assert summary["updated"] == ["sio1/amartin"] and summary["created"] == []
    after = state.connection(f"{ROOT_GROUP}/sio1", "amartin")
    assert after is not None and after["identifier"] == first["identifier"]
    assert after["protocol"] == "rdp"
    assert after["parameters"] == {
        "password": "${GUAC_PASSWORD}",
        "hostname": "10.28.4.99",
        "port": "3389",
        "username": "amartin",
        "color-depth": "16",
    }


def test_a_group_move_moves_the_connection(state: GuacamoleState) -> None:
    with guacamole_server(state) as url:
        run_sync(url, state, desired(student("amartin"), student("lpetit")))
        first = state.connection(f"{ROOT_GROUP}/sio1", "lpetit")
        summary = run_sync(url, state, desired(student("amartin"), student("lpetit", group="sio2")))
    assert summary["updated"] == ["sio2/lpetit"] and summary["created"] == summary["deleted"] == []
    moved = state.connection(f"{ROOT_GROUP}/sio2", "lpetit")
    assert first is not None and moved is not None and moved["identifier"] == first["identifier"]
    assert state.connection(f"{ROOT_GROUP}/sio1", "lpetit") is None
    assert state.readers(moved["identifier"]) == {"lpetit"}


def test_removed_student_is_deleted_and_foreign_connections_stay(state: GuacamoleState) -> None:
    with guacamole_server(state) as url:
        run_sync(url, state, desired(student("amartin"), student("lpetit", group="sio2")))
        # Someone else's connection, outside the fleet's root group, with the same name.
        state.groups["900"] = {
            "identifier": "900",
            "parentIdentifier": "ROOT",
            "name": "admins",
            "type": "ORGANIZATIONAL",
        }
        state.connections["901"] = {
            "identifier": "901",
            "parentIdentifier": "900",
            "name": "lpetit",
            "protocol": "ssh",
            "attributes": {},
        }
        state.parameters["901"] = {"hostname": "10.0.0.1"}
        state.permissions["lpetit"]["901"] = ["READ"]
        summary = run_sync(url, state, desired(student("amartin")))
    assert summary["deleted"] == ["sio2/lpetit"]
    assert summary["groups"]["deleted"] == ["sio2"]
    assert state.connection(f"{ROOT_GROUP}/sio2", "lpetit") is None
    assert "901" in state.connections and state.readers("901") == {"lpetit"}
    assert state.connection(f"{ROOT_GROUP}/sio1", "amartin") is not None


def test_a_grant_to_anyone_else_is_revoked(state: GuacamoleState) -> None:
    with guacamole_server(state) as url:
        run_sync(url, state, desired(student("amartin"), student("bbernard")))
        amartin = state.connection(f"{ROOT_GROUP}/sio1", "amartin")
        assert amartin is not None
        state.permissions["bbernard"][amartin["identifier"]] = ["READ"]
        summary = run_sync(url, state, desired(student("amartin"), student("bbernard")))
    assert summary["permissions"]["revoked"] == [f"bbernard:{amartin['identifier']}"]
    assert state.readers(amartin["identifier"]) == {"amartin"}


def test_bad_credentials_fail_the_run(state: GuacamoleState) -> None:
    with guacamole_server(state) as url:
        request = {
            "url": url,
            "dataSource": state.source,
            "username": state.admin[0],
            "password": "wrong",
            "desired": desired(student("amartin")),
        }
        done = subprocess.run(
            [sys.executable, str(SCRIPT)],
            input=json.dumps(request),
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert "login as guacadmin: HTTP 403" in done.stderr
    assert state.connections == {}


def test_the_program_uses_only_the_standard_library() -> None:
    # It runs on the provisioner with a bare python3: no third-party import may creep in.
    tree = ast.parse(Path(SCRIPT).read_text())
    modules = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert modules <= sys.stdlib_module_names
