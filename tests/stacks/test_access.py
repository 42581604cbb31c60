"""`python -m stacks.access`: the students' access sheet, offline, for the committed rosters."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from stacks.access import COLUMNS, main
from tests.conftest import ROOT


def sheet(*args: str) -> subprocess.CompletedProcess[str]:
    # No credential in the environment: the sheet needs none.
    return subprocess.run(
        [sys.executable, "-m", "stacks.access", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_prod_sheet_has_one_row_per_student_with_every_link() -> None:
    done = sheet("--stack", "prod")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == COLUMNS
    assert [r["login"] for r in rows] == [
        "amartin",
        "bbernard",
        "cthomas",
        "jdupont",
        "lpetit",
        "mrobert",
        "nrichard",
        "t.durand",
    ]
    jdupont = next(r for r in rows if r["login"] == "jdupont")
    assert jdupont == {
        "login": "jdupont",
        "name": "Jean Dupont",
        "group": "sio2-sisr",
        "vmid": "50003",
        "hostname": "vm-jdupont",
        "fqdn": "vm-jdupont.ad.campus.lan",
        "address": "10.28.4.13",
        "guacamole_url": "https://guacamole.reverse9.xyz/guacamole/",
        "proxmox_console_url": "https://pve.reverse9.xyz:8006/?console=lxc&xtermjs=1&vmid=50003&node=pve",
        "ssh_command": "ssh jdupont@vm-jdupont.ad.campus.lan",
    }
    # Names with accents survive (mail-merge reads UTF-8).
    assert next(r for r in rows if r["login"] == "bbernard")["name"] == "Benoît Bernard"


def test_staging_sheet_without_integrations_says_dhcp() -> None:
    done = sheet("--stack", "staging", "--format", "md")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    rows = {line.split(" | ")[0].removeprefix("| "): line.split(" | ") for line in lines[2:]}
    assert sorted(rows) == ["test.eleve1", "test.eleve2", "test_prof"]
    # No Windows server in staging: DHCP, except the one static address, which SSH then uses.
    assert rows["test.eleve1"][6] == "DHCP" and rows["test.eleve1"][9] == "ssh test.eleve1@vm-test-eleve1 |"
    assert rows["test_prof"][6] == "10.28.5.40" and rows["test_prof"][9] == "ssh test_prof@10.28.5.40 |"
    assert all("?console=lxc&xtermjs=1&vmid=600" in row[8] for row in rows.values())


def test_out_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sheet.csv"
    assert main(["--stack", "prod", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith(",".join(COLUMNS) + "\n")
    assert f"{out}: 8 students" in capsys.readouterr().err


def test_bad_configuration_exits_2() -> None:
    done = sheet("--stack", "nosuchstack")
    assert done.returncode == 2
    assert "no such stack file" in done.stderr and "Traceback" not in done.stderr
