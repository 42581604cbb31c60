"""`campus:integrations:DhcpDnsRegistration`: one run that syncs reservations and DNS records on Windows.

Transport: OpenSSH Server on the Windows server (a Windows Server 2019+ feature)
and the DhcpServer/DnsServer cmdlets run there, locally. pulumi-command speaks
SSH natively with a key (a Pulumi secret), so no WinRM listener, no NTLM or
Kerberos password and no extra Python module on the provisioner are needed (see
docs/lab.md). The command line holds only a fixed bootstrap, encoded for
`powershell -EncodedCommand` so cmd.exe (OpenSSH's default shell on Windows)
quotes nothing; the script and the desired state arrive together on stdin, so
nothing is copied to the server or left behind.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_command as command

SCRIPT = Path(__file__).resolve().parent / "scripts" / "dhcp_dns_sync.ps1"

BOOTSTRAP = (
    "$ErrorActionPreference = 'Stop'; "
    "$request = [Console]::In.ReadToEnd() | ConvertFrom-Json; "
    "& ([scriptblock]::Create($request.script)) -Desired $request.desired; "
    "exit $LASTEXITCODE"
)
"""Reads stdin, runs the script it carries with the desired state; the script's exit code is the run's."""


@dataclass(frozen=True)
class DhcpDnsRegistrationArgs:
    """Arguments of `DhcpDnsRegistration`."""

    desired: dict[str, Any]
    """The desired state (`config.integrations.dhcp_dns_desired`)."""
    host: str
    """The Windows server."""
    user: str
    """Its account with DHCP and DNS administration rights."""
    private_key: pulumi.Input[str]
    """Secret. That account's OpenSSH private key."""
    port: int = 22
    """SSH port; default 22."""


def script_text() -> str:
    """The PowerShell sync script as shipped."""
    return SCRIPT.read_text(encoding="utf-8")


def command_line() -> str:
    """`powershell -EncodedCommand`: base64 of the bootstrap in UTF-16LE, as PowerShell expects."""
    encoded = base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode()
    return f"powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {encoded}"


def stdin_document(desired: dict[str, Any]) -> str:
    """What the run reads: the script and the desired state, ASCII-only JSON (the console's code page
    cannot garble escaped characters)."""
    return json.dumps({"script": script_text(), "desired": desired}, sort_keys=True, ensure_ascii=True)


def triggers(desired: dict[str, Any]) -> list[Any]:
    """The script's digest and settings, then one entry per reservation and per record."""
    digest = hashlib.sha256(script_text().encode()).hexdigest()
    head = {"script": digest, "owner": desired["owner"], "ttlSeconds": desired["ttlSeconds"]}
    return [head, *desired["reservations"], *desired["records"]]


class DhcpDnsRegistration(pulumi.ComponentResource):
    """The sync command on the Windows server and its summary."""

    stdout: pulumi.Output[str]
    """The script's JSON summary."""

    def __init__(
        self, name: str, args: DhcpDnsRegistrationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("campus:integrations:DhcpDnsRegistration", name, None, opts)
        run = command.remote.Command(
            f"{name}-sync",
            connection={
                "host": args.host,
                "user": args.user,
                "port": args.port,
                "private_key": pulumi.Output.secret(args.private_key),
            },
            create=command_line(),
            stdin=stdin_document(args.desired),
            triggers=triggers(args.desired),
            logging=command.remote.Logging.STDOUT,
            add_previous_output_in_env=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.stdout = run.stdout
        self.register_outputs({"stdout": self.stdout})
