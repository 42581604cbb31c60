"""Bad rosters are refused with one clear message naming file, row, login and key."""

from pathlib import Path
from typing import Any

import pytest

from config import ConfigError
from tests.conftest import Planner
from tests.lab_support import student, write_roster


def _problems(plan: Planner, roster: Path, **extra: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        plan("prod", set_={"lab:roster": str(roster), **extra})
    return str(caught.value)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            {"uid": 1000},
            "row 2 (login 'bob'): uid: 1000 is outside the mapped directory range 600000000..1599999998",
        ),
        (
            {"profile": "gpu"},
            "row 2 (login 'bob'): profile: unknown profile 'gpu'; expected one of base, desktop",
        ),
        ({"login": "Bob"}, "row 2 (login 'Bob'): login: not a valid Unix user name"),
        ({"login": "9lives"}, "row 2 (login '9lives'): login: not a valid Unix user name"),
        ({"uid": "many"}, "row 2 (login 'bob'): uid: Input should be a valid integer"),
        ({"group": "sio 1"}, "row 2 (login 'bob'): group: String should match pattern"),
        (
            {"email": "bob@x"},
            "row 2 (login 'bob'): email: unknown column; expected login, name, uid, group, profile",
        ),
    ],
)
def test_bad_rows(plan: Planner, tmp_path: Path, row: dict[str, Any], expected: str) -> None:
    rows = [student("alice", uid=600_000_001), {**student("bob", uid=600_000_002), **row}]
    message = _problems(plan, write_roster(tmp_path / "r.yaml", rows))
    assert f"r.yaml: {expected}" in message
    assert "invalid configuration for stack 'prod'" in message


def test_missing_key(plan: Planner, tmp_path: Path) -> None:
    row = student("bob", uid=600_000_002)
    del row["uid"]
    assert "r.yaml: row 1 (login 'bob'): uid: missing" in _problems(
        plan, write_roster(tmp_path / "r.yaml", [row])
    )


def test_duplicate_logins(plan: Planner, tmp_path: Path) -> None:
    rows = [student("alice", uid=600_000_001), student("alice", uid=600_000_002)]
    message = _problems(plan, write_roster(tmp_path / "r.yaml", rows))
    assert "row 2 (login 'alice'): login: duplicate of row 1; logins must be unique" in message


def test_hostnames_unique_after_normalisation(plan: Planner, tmp_path: Path) -> None:
    rows = [student("jean.dupont", uid=600_000_001), student("jean_dupont", uid=600_000_002)]
    message = _problems(plan, write_roster(tmp_path / "r.yaml", rows))
    assert (
        "row 2 (login 'jean_dupont'): login: hostname 'vm-jean-dupont' "
        "is also the hostname of login 'jean.dupont'"
    ) in message


def test_csv_roster_with_a_wrong_header(plan: Planner, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("login,nom,uid,group,profile\nbob,Bob,600000002,sio1,base\n")
    message = _problems(plan, roster)
    assert (
        "r.csv: CSV header is login,nom,uid,group,profile; expected login,name,uid,group,profile" in message
    )


def test_csv_roster_rows_are_checked_like_yaml(plan: Planner, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("login,name,uid,group,profile\nbob,Bob,12,sio1,base\n")
    assert "r.csv: row 1 (login 'bob'): uid: 12 is outside" in _problems(plan, roster)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("students: {bob: 1}\n", "expected a mapping with a `students:` list"),
        ("students: [\n", "not valid YAML"),
        ("students: []\n", "students: empty roster"),
    ],
)
def test_bad_files(plan: Planner, tmp_path: Path, text: str, expected: str) -> None:
    roster = tmp_path / "r.yaml"
    roster.write_text(text)
    assert f"r.yaml: {expected}" in _problems(plan, roster)


def test_missing_file_and_bad_extension(plan: Planner, tmp_path: Path) -> None:
    assert "nope.yaml: no such file" in _problems(plan, tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match=r"lab:roster: String should match pattern"):
        plan("prod", set_={"lab:roster": "students.txt"})


def test_a_roster_needs_the_fleet(plan: Planner) -> None:
    with pytest.raises(
        ConfigError, match=r"lab:fleet: missing; lab:roster needs the fleet's profiles and node"
    ):
        plan("prod", unset=("lab:fleet",))


def test_colliding_macs_need_an_explicit_address(
    plan: Planner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import config.inventory  # noqa: PLC0415

    def same_mac(login: str, prefix: str) -> str:
        return f"{prefix}:00:00:01"

    monkeypatch.setattr(config.inventory, "mac_for", same_mac)
    rows = [student("alice", uid=600_000_001), student("bob", uid=600_000_002)]
    message = _problems(plan, write_roster(tmp_path / "r.yaml", rows))
    assert "logins 'alice' and 'bob' derive the same MAC BC:24:11:00:00:01" in message


def test_a_spreadsheet_export_with_a_bom_and_semicolons_is_read(plan: Planner, tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_bytes(
        "login;name;uid;group;profile\r\nbob;Bob Élève;600000002;sio1;base\r\n".encode("utf-8-sig")
    )
    message = _problems(plan, roster)
    # The row is valid: only its VMID allocation is missing.
    assert "students: no VMID for bob;" in message
    assert "r.csv" not in message
