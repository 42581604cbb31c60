"""The DHCP/DNS run: the command line the Windows server executes and the data its script receives.

No PowerShell can be installed from the registries this project reaches, so the
script itself is checked for structure (what it reads is what the program
sends, which cmdlets it calls) and the data it receives is checked in full.
"""

import base64
import json
import re
from ipaddress import IPv4Address

import pytest

from components.integrations.windows import BOOTSTRAP, command_line, script_text, stdin_document, triggers
from config.integrations import ProjectEntry, StudentEntry, WindowsConfig, dhcp_dns_desired

WINDOWS = WindowsConfig.model_validate(
    {
        "host": "10.10.10.246",
        "scopes": {
            "10.28.4.0": {
                "prefix": "10.28.4.0/22",
                "reservations": {"start": "10.28.4.10", "end": "10.28.7.250"},
            }
        },
        "studentScope": "10.28.4.0",
        "dnsZone": "ad.campus.lan",
        "extraZones": ["cri.local.isima.fr", "local.isima.fr"],
    }
)


def entry(login: str, address: str | None = "10.28.4.10") -> StudentEntry:
    return StudentEntry(
        login=login,
        name=login,
        group="sio1",
        profile="base",
        vmid=50000,
        node="pve",
        hostname=f"vm-{login}",
        mac="BC:24:11:0A:1B:2C",
        address=IPv4Address(address) if address else None,
        fqdn=f"vm-{login}.ad.campus.lan",
    )


def project(key: str, fqdn: str, address: str) -> ProjectEntry:
    return ProjectEntry(
        project=key.split("/", maxsplit=1)[0],
        key=key,
        short=fqdn.split(".", maxsplit=1)[0],
        fqdn=fqdn,
        address=IPv4Address(address),
        guacamole=False,
    )


DESIRED = dhcp_dns_desired(
    "prod",
    WINDOWS,
    [entry("amartin"), entry("nolease", address=None)],
    [project("pft/cloud.prod.pft.cri.local.isima.fr", "cloud.prod.pft.cri.local.isima.fr", "10.29.3.10")],
)


def test_the_command_line_is_the_bootstrap_encoded_as_powershell_expects() -> None:
    line = command_line()
    assert line.startswith(
        "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "
    )
    encoded = line.rsplit(" ", 1)[1]
    # -EncodedCommand takes base64 of UTF-16LE text; nothing in it needs cmd.exe quoting.
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", encoded)
    assert base64.b64decode(encoded).decode("utf-16-le") == BOOTSTRAP
    assert "[Console]::In.ReadToEnd()" in BOOTSTRAP and "-Desired $request.desired" in BOOTSTRAP


def test_stdin_carries_the_script_and_the_desired_state_in_ascii() -> None:
    document = stdin_document({**DESIRED, "note": "Benoît"})
    assert document.isascii()
    parsed = json.loads(document)
    assert parsed["script"] == script_text()
    assert parsed["desired"]["note"] == "Benoît"


def test_the_desired_state() -> None:
    assert DESIRED["owner"] == "campus-prod" and DESIRED["ttlSeconds"] == 3600
    assert DESIRED["reservations"] == [
        {
            "key": "amartin",
            "scopeId": "10.28.4.0",
            "clientId": "bc-24-11-0a-1b-2c",
            "address": "10.28.4.10",
            "name": "vm-amartin.ad.campus.lan",
            "description": "campus-prod:amartin",
        }
    ]
    # A student without an address (no reservation) gets no record either; the FQDN lands in the
    # longest zone it belongs to.
    assert DESIRED["records"] == [
        {
            "key": "amartin",
            "zone": "ad.campus.lan",
            "name": "vm-amartin",
            "address": "10.28.4.10",
            "ptr": True,
        },
        {
            "key": "pft/cloud.prod.pft.cri.local.isima.fr",
            "zone": "cri.local.isima.fr",
            "name": "cloud.prod.pft",
            "address": "10.29.3.10",
            "ptr": True,
        },
    ]
    assert DESIRED["zones"] == ["ad.campus.lan", "cri.local.isima.fr"]


def _section(start: str, end: str | None) -> str:
    text = script_text()
    body = text[text.index(start) :]
    return body[: body.index(end)] if end else body


@pytest.mark.parametrize(
    ("start", "end", "kind"),
    [("# --- DHCP", "# --- DNS", "reservations"), ("# --- DNS", None, "records")],
)
def test_the_script_reads_only_fields_the_program_sends(start: str, end: str | None, kind: str) -> None:
    read = set(re.findall(r"\$want\.(\w+)", _section(start, end)))
    sent = set(DESIRED[kind][0])
    assert read and read <= sent, read - sent


def test_the_script_reads_only_top_level_keys_the_program_sends() -> None:
    read = set(re.findall(r"\$Desired\.(\w+)", script_text()))
    assert read == {"owner", "ttlSeconds", "reservations", "records"}
    assert read <= set(DESIRED)


def test_the_script_changes_dhcp_and_dns_with_their_own_cmdlets_only() -> None:
    script = script_text()
    assert "param([Parameter(Mandatory = $true)] $Desired)" in script
    cmdlets = set(re.findall(r"\b((?:Add|Set|Remove|Get)-[A-Za-z0-9]+)\b", script))
    assert cmdlets == {
        "Get-DhcpServerv4Scope",
        "Get-DhcpServerv4Reservation",
        "Add-DhcpServerv4Reservation",
        "Set-DhcpServerv4Reservation",
        "Remove-DhcpServerv4Reservation",
        "Get-DnsServerZone",
        "Get-DnsServerResourceRecord",
        "Add-DnsServerResourceRecord",
        "Add-DnsServerResourceRecordA",
        "Remove-DnsServerResourceRecord",
        "Get-PtrTarget",
        "Get-Fqdn",
        "Remove-Records",
    }
    # Ownership: reservations by description prefix, names by their TXT marker; never anything else.
    assert '-like "${owner}:*"' in script and '$marker = "campus-owner=$owner"' in script
    assert "exit 1" in script  # a conflict fails the run after the rest is done


def test_triggers_are_one_entry_per_reservation_and_record() -> None:
    head, *entries = triggers(DESIRED)
    assert set(head) == {"script", "owner", "ttlSeconds"}
    assert entries == [*DESIRED["reservations"], *DESIRED["records"]]
