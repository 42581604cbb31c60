"""Create a personal stack `dev-<name>` from `Pulumi.dev.yaml.template`.

`make dev-stack NAME=alice [CLOUD=1]` (or `python -m scripts.dev_stack alice`)
writes `Pulumi.dev-alice.yaml` with a VMID block no other stack file uses and
the cloud part off (or, with `--cloud`, on as a tenant of prod's cluster with
its own 10 EUR budget, counted against the account's cap), then prints the
prod tenant entry it needs and the Pulumi commands that create the stack and
set its secrets;
`--exec` runs them. Names that could be mistaken for a shared stack are
refused. Exit codes: 0 written, 2 refused.
"""

import argparse
import hashlib
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from string import Template
from typing import Any, cast

from config import yamlfile

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "Pulumi.dev.yaml.template"
PREFIX = "dev-"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,18}[a-z0-9]$")
# Words that would make `dev-<name>` read like a shared stack in a hurry.
RESERVED = ("prod", "production", "staging", "stage", "stg", "main", "master", "ci", "shared")

VMID_BASE = 70_000
VMID_BLOCK = 100
BLOCKS = 100
"""Dev stacks take VMIDs 70000-79999, one block of 100 each; staging and prod live elsewhere."""


class RefusedError(Exception):
    """The name or the target file is not acceptable."""


def check_name(name: str) -> str:
    """The stack name for a developer name, or `RefusedError` saying why not."""
    if not NAME_PATTERN.fullmatch(name):
        raise RefusedError(
            f"name {name!r}: expected 2-20 lowercase letters, digits or hyphens, starting with a letter"
        )
    words = set(name.split("-"))
    hit = sorted(w for w in RESERVED if w in words or name.startswith(w))
    if hit:
        raise RefusedError(f"name {name!r}: contains {', '.join(hit)}, which reads like a shared stack")
    return PREFIX + name


def _used_blocks(root: Path, own: Path) -> set[int]:
    used: set[int] = set()
    for path in root.glob("Pulumi.*.yaml"):
        if path == own:
            continue
        doc: Any = yamlfile.parse(path.read_text(encoding="utf-8")) or {}
        config = (
            cast(dict[str, Any], cast(dict[str, Any], doc).get("config") or {})
            if isinstance(doc, dict)
            else {}
        )
        start = cast(dict[str, Any], config.get("lab:vmidRange") or {}).get("start")
        if isinstance(start, int) and VMID_BASE <= start < VMID_BASE + VMID_BLOCK * BLOCKS:
            used.add((start - VMID_BASE) // VMID_BLOCK)
    return used


def allocate_block(name: str, root: Path, own: Path) -> int:
    """A block index derived from the name (stable), moved past blocks other stack files hold."""
    used = _used_blocks(root, own)
    first = int(hashlib.sha256(name.encode()).hexdigest(), 16) % BLOCKS
    for step in range(BLOCKS):
        block = (first + step) % BLOCKS
        if block not in used:
            return block
    raise RefusedError(f"all {BLOCKS} dev VMID blocks are taken; remove a stale Pulumi.dev-*.yaml")


def render(name: str, block: int, *, cloud: bool, template: str) -> str:
    """The stack file's text."""
    start = VMID_BASE + block * VMID_BLOCK
    return Template(template).substitute(
        stack=PREFIX + name,
        name=name,
        vmid_start=start,
        vmid_end=start + VMID_BLOCK - 1,
        cloud_enabled="true" if cloud else "false",
    )


def tenant_entry(stack: str) -> str:
    """The `cloud:tenants` entry prod needs before a personal cloud stack can deploy."""
    return (
        f"    {stack}:\n"
        f"      deployerArn: arn:aws:iam::123456789012:role/campus-dev-deployer\n"
        f"      namespaces: [{stack}]\n"
        f"      domain: {stack}.dev.campus.reverse9.xyz\n"
        f'      quota: {{cpu: "1", memory: 2Gi, limitsMemory: 3Gi, storage: 10Gi}}\n'
    )


def commands(stack: str) -> list[list[str]]:
    """What creates the stack and fills its secrets (prompted, never on the command line)."""
    return [
        ["pulumi", "stack", "init", stack],
        ["pulumi", "config", "set", "--secret", "--stack", stack, "lab:proxmoxPassword"],
        ["pulumi", "preview", "--diff", "--stack", stack, "--policy-pack", "policy"],
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.dev_stack", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("name", help="your name: the stack is dev-<name>")
    parser.add_argument("--cloud", action="store_true", help="enable the (scaled-down) cloud part")
    parser.add_argument("--force", action="store_true", help="overwrite an existing stack file")
    parser.add_argument("--dry-run", action="store_true", help="print the file instead of writing it")
    parser.add_argument("--exec", action="store_true", help="also run the pulumi commands")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this one)")
    args = parser.parse_args(argv)
    try:
        stack = check_name(args.name)
        target = args.root / f"Pulumi.{stack}.yaml"
        if target.exists() and not args.force and not args.dry_run:
            raise RefusedError(f"{target.name} exists; pass --force to rewrite it")
        block = allocate_block(args.name, args.root, target)
        text = render(args.name, block, cloud=args.cloud, template=(args.root / TEMPLATE).read_text())
    except RefusedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(text)
    else:
        target.write_text(text)
        start = VMID_BASE + block * VMID_BLOCK
        part = "on, scaled down" if args.cloud else "off"
        print(f"Wrote {target.name}: VMIDs {start}-{start + VMID_BLOCK - 1}, cloud part {part}")
    if args.cloud:
        print(
            f"\nThe cloud part runs in prod's cluster, in namespace {stack}: prod must host it first."
            "\nAdd under cloud:tenants in Pulumi.prod.yaml (a reviewed change, previewed on prod):"
        )
        print(tenant_entry(stack), end="")
    steps = commands(stack)
    print("\nNext, with the Pulumi CLI logged in to the team backend:")
    for step in steps:
        print("  " + shlex.join(step))
    if args.exec and not args.dry_run:
        if shutil.which("pulumi") is None:
            print("error: --exec needs the pulumi CLI on PATH", file=sys.stderr)
            return 2
        for step in steps:
            subprocess.run(step, cwd=args.root, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
