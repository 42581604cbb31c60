"""`python -m stacks.access --stack NAME [--format csv|md] [--out FILE]`: the students' access sheet.

One row per student, ready to mail-merge: login, name, group, VMID, hostname,
FQDN, reserved address (or DHCP), the Guacamole link, the Proxmox console link
and the SSH command. Built offline from the stack file, the roster and the VMID
lock file: no credential is read or needed (secrets stay ciphertext). Imports
only `config`, like everything that reads configuration.
"""

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from config.errors import ConfigError
from config.loader import load_stack_config
from config.paths import ROOT
from config.stack import StackConfig
from config.stackfile import read_stack_file

COLUMNS = (
    "login",
    "name",
    "group",
    "vmid",
    "hostname",
    "fqdn",
    "address",
    "guacamole_url",
    "proxmox_console_url",
    "ssh_command",
)


def console_url(endpoint: str, vmid: int, node: str) -> str:
    """The Proxmox web UI's console of one container (xterm.js), as the UI's own Console button opens it."""
    return f"{endpoint.rstrip('/')}/?console=lxc&xtermjs=1&vmid={vmid}&node={node}"


def access_rows(cfg: StackConfig) -> list[dict[str, str]]:
    """The sheet's rows, in login order."""
    lab = cfg.lab
    if lab is None:
        return []
    guacamole = lab.guacamole.base_url + "/" if lab.guacamole is not None else ""
    rows: list[dict[str, str]] = []
    for s in sorted(cfg.registrations.students, key=lambda e: e.login):
        target = s.fqdn if lab.windows is not None else (str(s.address) if s.address else s.hostname)
        rows.append(
            {
                "login": s.login,
                "name": s.name,
                "group": s.group,
                "vmid": str(s.vmid),
                "hostname": s.hostname,
                "fqdn": s.fqdn,
                "address": str(s.address) if s.address is not None else "DHCP",
                # A user with exactly one connection is taken straight into it by Guacamole's home page.
                "guacamole_url": guacamole,
                "proxmox_console_url": console_url(lab.proxmox.endpoint, s.vmid, s.node),
                "ssh_command": f"ssh {s.login}@{target}",
            }
        )
    return rows


def render_csv(rows: Sequence[dict[str, str]]) -> str:
    """CSV with a header line (mail-merge tools read it as is)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list[str](COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def render_markdown(rows: Sequence[dict[str, str]]) -> str:
    """A Markdown table."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(r[c]) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print or write a stack's access sheet; exit 2 on bad configuration."""
    parser = argparse.ArgumentParser(prog="python -m stacks.access", description="Students' access sheet.")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--format", choices=("csv", "md"), default="csv")
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    args = parser.parse_args(argv)
    try:
        stack_file = read_stack_file(ROOT, args.stack)
        cfg = load_stack_config(
            project=stack_file.project,
            stack=args.stack,
            raw=stack_file.config,
            secret_keys=stack_file.secret_keys,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = access_rows(cfg)
    text = render_csv(rows) if args.format == "csv" else render_markdown(rows)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"{args.out}: {len(rows)} students", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
