"""Helpers for lab tests: temporary rosters and VMID lock files, as the command would write them."""

import runpy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pulumi
import yaml

from config.allocations import allocate, read, write
from config.inventory import wanted_names
from config.lab import configured_vmids
from config.loader import load_stack_config
from offline.plan import plan_config
from tests.conftest import ROOT, stack_file, with_changes

CONTAINER = "proxmoxve:index/containerLegacy:ContainerLegacy"
VM = "proxmoxve:index/vmLegacy:VmLegacy"


def student(login: str, *, uid: int, group: str = "sio1-slam", profile: str = "desktop") -> dict[str, Any]:
    """One roster row."""
    return {"login": login, "name": f"Student {login}", "uid": uid, "group": group, "profile": profile}


def write_roster(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """A YAML roster file."""
    path.write_text(yaml.safe_dump({"students": [dict(r) for r in rows]}, sort_keys=False))
    return path


def allocate_vmids(stack: str, set_: Mapping[str, Any]) -> None:
    """What `python -m config.vmids --stack STACK` does, for a stack with configuration changes."""
    base = stack_file(stack)
    cfg = load_stack_config(
        project=base.project,
        stack=stack,
        raw=with_changes(base, set_),
        secret_keys=base.secret_keys,
        require_vmids=False,
    )
    assert cfg.lab is not None and cfg.lab.vmid_allocations is not None
    path = Path(cfg.lab.vmid_allocations)
    current, problems = read(path)
    assert not problems
    students, machines = wanted_names(stack, cfg.lab)
    reserve = {name: vmid for _, name, vmid in configured_vmids(cfg.lab)}
    updated, _ = allocate(current, cfg.lab.vmid_range, students=students, machines=machines, reserve=reserve)
    write(path, updated, stack)


def wait_logins(stack: str, set_: Mapping[str, Any] | None = None) -> dict[str, tuple[str, str]]:
    """Each playbook wait command's login user and script, as the provider would receive them.

    The plan shows a command's `connection` as `[secret]` (it carries the key): the user is read
    from the inputs the program passes, through a stack transformation.
    """
    base = stack_file(stack)
    raw = with_changes(base, set_)
    seen: dict[str, tuple[str, str]] = {}

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == "command:remote:Command" and "-wait-" in args.name:
            name, create = args.name, str(args.props["create"])
            # Command wraps `connection` in a secret Output: read it once it resolves.
            pulumi.Output.from_input(args.props["connection"]).apply(
                lambda c: seen.__setitem__(name, (str(cast(dict[str, Any], c)["user"]), create))
            )

    def program() -> None:
        pulumi.runtime.register_stack_transformation(capture)
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    plan_config(project=base.project, stack=stack, config=raw, secret_keys=base.secret_keys, program=program)
    return seen
