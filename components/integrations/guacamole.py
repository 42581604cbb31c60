"""`campus:integrations:GuacamoleRegistration`: one run that syncs a fleet's connections into Guacamole.

The sync program (`scripts/guacamole_sync.py`, Python stdlib only) runs where the
lab's playbooks run (on the provisioner over SSH, or locally) with one JSON
document on stdin: the admin credentials (secret) and the desired set. The
command's triggers are the program's digest followed by the desired set's
entries, one per connection, so a roster edit shows as that student's entry in
the diff, and an unchanged set runs nothing. No delete command: removing the
integration leaves the connections (a trigger change replaces the command, and a
delete that emptied Guacamole would run before every re-sync).
"""

import hashlib
import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_command as command

from components.ansible.playbook import SshEndpoint

SCRIPT = Path(__file__).resolve().parent / "scripts" / "guacamole_sync.py"


@dataclass(frozen=True)
class GuacamoleRegistrationArgs:
    """Arguments of `GuacamoleRegistration`."""

    desired: dict[str, Any]
    """The desired set (`config.integrations.guacamole_desired`)."""
    url: str
    """Guacamole's base URL."""
    data_source: str
    """Data source of connections and permissions, e.g. `mysql`."""
    admin_user: str
    """Administrator the sync logs in as."""
    admin_password: pulumi.Input[str]
    """Secret. Its password."""
    create_users: bool = True
    """Create missing student users (no password: directory logins); default true."""
    runner: SshEndpoint | None = None
    """Where the sync runs: the provisioner; None runs it where Pulumi runs."""


def script_text() -> str:
    """The sync program as shipped."""
    return SCRIPT.read_text(encoding="utf-8")


def command_line() -> str:
    """How the runner starts the program: inline, so nothing is copied or left behind."""
    return f"python3 -c {shlex.quote(script_text())}"


def triggers(args: GuacamoleRegistrationArgs) -> list[Any]:
    """The program's digest, where it syncs to, then one entry per connection."""
    digest = hashlib.sha256(script_text().encode()).hexdigest()
    head = {
        "program": digest,
        "url": args.url,
        "dataSource": args.data_source,
        # Not the group list: each connection names its group, so it follows from the entries.
        "root": args.desired["root"],
    }
    return [head, *args.desired["connections"]]


class GuacamoleRegistration(pulumi.ComponentResource):
    """The sync command and its summary."""

    stdout: pulumi.Output[str]
    """The sync's JSON summary (what it created, updated, deleted)."""

    def __init__(
        self, name: str, args: GuacamoleRegistrationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("campus:integrations:GuacamoleRegistration", name, None, opts)
        request = pulumi.Output.secret(
            pulumi.Output.from_input(args.admin_password).apply(
                lambda password: json.dumps(
                    {
                        "url": args.url,
                        "dataSource": args.data_source,
                        "username": args.admin_user,
                        "password": password,
                        "createUsers": args.create_users,
                        "desired": args.desired,
                    },
                    sort_keys=True,
                )
            )
        )
        options = pulumi.ResourceOptions(parent=self, additional_secret_outputs=["stdin"])
        if args.runner is not None:
            r = args.runner
            run: command.remote.Command | command.local.Command = command.remote.Command(
                f"{name}-sync",
                connection={
                    "host": r.host,
                    "user": r.user,
                    "port": r.port,
                    "private_key": pulumi.Output.secret(r.private_key),
                },
                create=command_line(),
                stdin=request,
                triggers=triggers(args),
                logging=command.remote.Logging.STDOUT,
                add_previous_output_in_env=False,
                opts=options,
            )
        else:
            run = command.local.Command(
                f"{name}-sync",
                create=command_line(),
                interpreter=["/bin/sh", "-c"],
                stdin=request,
                triggers=triggers(args),
                logging=command.local.Logging.STDOUT,
                add_previous_output_in_env=False,
                opts=options,
            )
        self.stdout = run.stdout
        self.register_outputs({"stdout": self.stdout})
