"""`python -m config.vmids --stack NAME [--prune | --check [--base REF] | --repair [--base REF]]`.

Maintains a stack's VMID lock file (see `config.allocations`):

- no option: adds an entry for every student and project machine without one, never changing
  an existing entry;
- `--prune` frees the entries of machines no longer declared: run it after `pulumi up` has
  removed them;
- `--check` changes nothing and exits 1 when an entry is missing or the file is not valid (CI);
  with `--base REF` it also compares the file with the one of the base branch REF: an entry
  there never changes, and disappears only once its machine is no longer declared;
- `--repair` resolves what a merge of two branches that both allocated leaves behind (one VMID
  for two machines, one name twice): the base branch REF's entries stay, the others move to new
  VMIDs, and each move is printed. Then run the command without options for anything missing.
"""

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from config.allocations import (
    Allocations,
    RangeExhaustedError,
    allocate,
    base_problems,
    default_path,
    entries,
    parse,
    read,
    repair,
    repair_command,
    write,
)
from config.errors import ConfigError
from config.inventory import wanted_names
from config.lab import LabConfig, configured_vmids
from config.loader import load_stack_config
from config.paths import ROOT, resolve, shown
from config.stackfile import read_stack_file

DEFAULT_BASE = "main"
"""The branch `--repair` keeps the entries of unless `--base` names another."""


class BaseError(ValueError):
    """The base branch's lock file cannot be read."""


def base_allocations(ref: str, path: Path, root: Path = ROOT) -> Allocations:
    """The lock file as committed at `ref` (empty when the file did not exist there).

    :raises BaseError: when `ref` is not a commit of the repository, or its file is not valid.
    """
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise BaseError(f"{path} is outside the repository; no base branch to compare with") from None
    git = ["git", "-C", str(root)]
    known = subprocess.run(
        [*git, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False, capture_output=True
    )
    if known.returncode != 0:
        raise BaseError(
            f"--base {ref}: not a commit of this repository (fetch it first, e.g. `git fetch origin`)"
        )
    shown_at = f"{ref}:{relative}"
    present = subprocess.run([*git, "cat-file", "-e", shown_at], check=False, capture_output=True)
    if present.returncode != 0:
        return Allocations()  # a stack new on this branch: nothing to keep
    text = subprocess.run([*git, "show", shown_at], capture_output=True, check=True, text=True).stdout
    allocations, problems = parse(text, shown_at)
    if problems:
        raise BaseError("; ".join(problems))
    return allocations


def _check(args: argparse.Namespace, lab: LabConfig, path: Path) -> int:
    current, problems = read(path, args.stack)
    students, machines = wanted_names(args.stack, lab)
    if not problems:
        try:
            _, changes = allocate(
                current,
                lab.vmid_range,
                students=students,
                machines=machines,
                reserve={name: vmid for _, name, vmid in configured_vmids(lab)},
            )
        except RangeExhaustedError as exc:
            problems.append(str(exc))
        else:
            problems += [
                f"would have {line}; run `python -m config.vmids --stack {args.stack}`" for line in changes
            ]
    if args.base is not None and not any("duplicate key" in p for p in problems):
        try:
            base = base_allocations(args.base, path)
        except BaseError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        problems += base_problems(
            base,
            current,
            base_ref=args.base,
            stack=args.stack,
            where=shown(path),
            declared={"students": set(students), "projects": set(machines)},
            configured={name: vmid for _, name, vmid in configured_vmids(lab)},
        )
        # The plan names the repair against `main`; against another base, say so exactly.
        problems = [
            p.replace(repair_command(args.stack), repair_command(args.stack, args.base)) for p in problems
        ]
    for line in problems:
        print(line)
    return 1 if problems else 0


def _repair(args: argparse.Namespace, lab: LabConfig, path: Path) -> int:
    ref = args.base or DEFAULT_BASE
    try:
        base = base_allocations(ref, path)
        found = entries(path.read_text(encoding="utf-8")) if path.exists() else []
        repaired, changes = repair(found, base, lab.vmid_range)
    except (BaseError, RangeExhaustedError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if changes:
        write(path, repaired, args.stack)
    for line in changes:
        print(line)
    print(f"{shown(path)}: {len(changes) or 'no'} change(s); entries of {ref} kept as they are")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: allocate, prune, check or repair a stack's VMID lock file."""
    parser = argparse.ArgumentParser(prog="python -m config.vmids", description="Allocate VMIDs for a stack.")
    parser.add_argument("--stack", required=True)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--prune", action="store_true", help="free entries of machines no longer declared")
    mode.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when an entry is missing or the file is invalid; change nothing",
    )
    mode.add_argument(
        "--repair",
        action="store_true",
        help="after a merge: keep the base branch's entries, give colliding ones new VMIDs",
    )
    parser.add_argument(
        "--base",
        metavar="REF",
        help=f"base branch or commit: --check compares with its lock file; --repair keeps its entries "
        f"(default for --repair: {DEFAULT_BASE})",
    )
    args = parser.parse_args(argv)
    if args.base is not None and not (args.check or args.repair):
        parser.error("--base goes with --check or --repair")
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
    if args.check:
        return _check(args, cfg.lab, path)
    if args.repair:
        return _repair(args, cfg.lab, path)
    return _allocate(args, cfg.lab, path)


def _allocate(args: argparse.Namespace, lab: LabConfig, path: Path) -> int:
    current, problems = read(path, args.stack)
    if problems:
        print("error: " + "\n  ".join(problems), file=sys.stderr)
        return 2
    students, machines = wanted_names(args.stack, lab)
    try:
        updated, changes = allocate(
            current,
            lab.vmid_range,
            students=students,
            machines=machines,
            prune=args.prune,
            reserve={name: vmid for _, name, vmid in configured_vmids(lab)},
        )
    except RangeExhaustedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if changes or not path.exists():
        write(path, updated, args.stack)
    for line in changes:
        print(line)
    print(f"{shown(path)}: {len(updated.students)} students, {len(updated.projects)} project machines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
