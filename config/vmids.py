"""`python -m config.vmids --stack NAME [--prune] [--check]`: update a stack's VMID lock file.

Adds an entry for every student and project machine without one, never
changing an existing entry (see `config.allocations`). `--prune` frees the
entries of machines no longer declared: run it after `pulumi up` has removed
them. `--check` changes nothing and exits 1 when entries are missing (CI).
"""

import argparse
import sys
from collections.abc import Sequence

from config.allocations import RangeExhaustedError, allocate, default_path, read, write
from config.errors import ConfigError
from config.inventory import wanted_names
from config.lab import configured_vmids
from config.loader import load_stack_config
from config.paths import ROOT, resolve, shown
from config.stackfile import read_stack_file


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: allocate VMIDs for a stack's roster and project files."""
    parser = argparse.ArgumentParser(prog="python -m config.vmids", description="Allocate VMIDs for a stack.")
    parser.add_argument("--stack", required=True)
    parser.add_argument("--prune", action="store_true", help="free entries of machines no longer declared")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when an entry is missing, change nothing"
    )
    args = parser.parse_args(argv)
    try:
        stack_file = read_stack_file(ROOT, args.stack)
        cfg = load_stack_config(
            project=stack_file.project,
            stack=args.stack,
            raw=stack_file.config,
            secret_keys=stack_file.secret_keys,
            require_vmids=False,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if cfg.lab is None:
        print(f"stack {args.stack}: the lab is disabled; nothing to allocate")
        return 0
    path = resolve(cfg.lab.vmid_allocations or default_path(args.stack))
    current, problems = read(path)
    if problems:
        print("error: " + "\n  ".join(problems), file=sys.stderr)
        return 2
    students, machines = wanted_names(args.stack, cfg.lab)
    try:
        updated, changes = allocate(
            current,
            cfg.lab.vmid_range,
            students=students,
            machines=machines,
            prune=args.prune,
            reserve={name: vmid for _, name, vmid in configured_vmids(cfg.lab)},
        )
    except RangeExhaustedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        for line in changes:
            print(f"would have {line}")
        return 1 if changes else 0
    if changes or not path.exists():
        write(path, updated, args.stack)
    for line in changes:
        print(line)
    print(f"{shown(path)}: {len(updated.students)} students, {len(updated.projects)} project machines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
