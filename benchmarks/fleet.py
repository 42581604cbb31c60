"""Benchmark: the offline plan of prod with a 600-student roster vs the bare Pulumi SDK.

    python -m benchmarks.fleet [--students 600] [--runs 3]

Generates a roster of N students and their VMID allocations in a temporary
directory, then times, in one process and under the same mocks:

- plan: `stacks.plan` for prod with that roster (configuration loading and
  validation, the roster and project files, every component, the exports);
- bare: the Pulumi SDK alone registering the very same resources: the provider
  SDKs' classes (`proxmoxve.ContainerLegacy`, ...) called with literal values
  (same names, parents, providers, inputs and explicit dependencies), as a
  hand-written program would, with no configuration, validation or component.
  The script checks that both runs sent identical registrations.

Prints the best time of each over the runs and the ratio plan / bare.
"""

import argparse
import inspect
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_command as command
import pulumi_proxmoxve as proxmoxve
import yaml

from config.allocations import allocate, read, write
from config.inventory import mac_for, wanted_names
from config.loader import load_stack_config
from config.paths import ROOT
from config.stackfile import StackFile, read_stack_file
from offline.harness import SECRET, PlanResult, Registered, run_program
from offline.mocks import PlanMocks
from offline.plan import plan_config

STACK = "prod"
GROUPS = ("sio1-slam", "sio1-sisr", "sio2-slam", "sio2-sisr", "cpge-mp", "cpge-psi", "bts-ciel", "lp-dev")
FIRST = (
    "alice",
    "benoit",
    "chloe",
    "david",
    "emma",
    "farid",
    "gabriel",
    "hugo",
    "ines",
    "jules",
    "lea",
    "mehdi",
)
LAST = ("martin", "bernard", "thomas", "petit", "robert", "richard", "durand", "dubois", "moreau", "laurent")


def generate_roster(count: int) -> list[dict[str, Any]]:
    """A deterministic roster: unique logins, UIDs in the directory range, mixed groups and profiles."""
    rows: list[dict[str, Any]] = []
    macs: set[str] = set()
    n = 0
    while len(rows) < count:
        first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
        login = f"{first[0]}{last}{n // (len(FIRST) * len(LAST)) or ''}{n}"
        n += 1
        mac = mac_for(login, "BC:24:11")
        if mac in macs:
            continue  # the stack would refuse it (same derived MAC); a real roster sets macAddresses
        macs.add(mac)
        i = len(rows)
        rows.append(
            {
                "login": login,
                "name": f"{first.title()} {last.title()}",
                "uid": 600_100_000 + i,
                "group": GROUPS[i % len(GROUPS)],
                "profile": "base" if i % 4 == 0 else "desktop",
            }
        )
    return rows


def prepare(directory: Path, count: int) -> dict[str, str]:
    """Roster and VMID lock file for `count` students; the configuration changes that use them."""
    roster = directory / "roster.yaml"
    roster.write_text(yaml.safe_dump({"students": generate_roster(count)}, sort_keys=False))
    lock = directory / "vmids.yaml"
    lock.write_text((ROOT / f"config/vmids-{STACK}.yaml").read_text())
    # The lab part only: the fleet is what scales with the roster, and the cloud
    # part's few hundred resources would only dilute the ratio.
    base = read_stack_file(ROOT, STACK)
    # The committed fleet keeps the MAC of a committed student (lab:fleet.macAddresses); the
    # generated roster has none of them, and an entry for a login not in the roster is refused.
    fleet: dict[str, Any] = {**json.loads(base.config["lab:fleet"]), "macAddresses": {}}
    changes = {
        "lab:roster": str(roster),
        "lab:vmidAllocations": str(lock),
        "lab:fleet": json.dumps(fleet),
        "cloud:enabled": "false",
        "platform:enabled": "false",
    }
    cfg = load_stack_config(
        project=base.project,
        stack=STACK,
        raw={**base.config, **changes},
        secret_keys=base.secret_keys,
        require_vmids=False,
    )
    assert cfg.lab is not None
    current, _ = read(lock)
    students, machines = wanted_names(STACK, cfg.lab)
    updated, _ = allocate(current, cfg.lab.vmid_range, students=students, machines=machines)
    write(lock, updated, STACK)
    return changes


def plan(base: StackFile, changes: dict[str, str]) -> PlanResult:
    """The real offline plan of the stack with these changes."""
    return plan_config(
        project=base.project, stack=STACK, config={**base.config, **changes}, secret_keys=base.secret_keys
    )


# The SDK classes of the types the lab registers; anything else falls back to CustomResource.
CLASSES: dict[str, Any] = {
    "proxmoxve:index/containerLegacy:ContainerLegacy": proxmoxve.ContainerLegacy,
    "proxmoxve:index/vmLegacy:VmLegacy": proxmoxve.VmLegacy,
    "proxmoxve:index/fileLegacy:FileLegacy": proxmoxve.FileLegacy,
    "proxmoxve:download/file:File": proxmoxve.download.File,
    "proxmoxve:index/poolLegacy:PoolLegacy": proxmoxve.PoolLegacy,
    "proxmoxve:index/acl:Acl": proxmoxve.Acl,
    "proxmoxve:index/roleLegacy:RoleLegacy": proxmoxve.RoleLegacy,
    "proxmoxve:realm/ldap:Ldap": proxmoxve.realm.Ldap,
    "proxmoxve:realm/sync:Sync": proxmoxve.realm.Sync,
    "command:remote:Command": command.remote.Command,
    "command:remote:CopyToRemote": command.remote.CopyToRemote,
    "pulumi:providers:proxmoxve": proxmoxve.Provider,
    "pulumi:providers:aws": aws.Provider,
    "pulumi:providers:command": command.Provider,
}


FREE_FORM = frozenset({"triggers"})
"""Inputs typed `Any`: the SDK sends their dict keys unchanged, so the bare program must too."""


@cache
def _parameters(cls: Any) -> frozenset[str]:
    return frozenset(inspect.signature(cls._internal_init).parameters)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


class _Secret:
    """Where a secret goes: the Output is made inside the run, as a program would."""


def _literal(value: Any, secrets: list[bool], *, top: bool = False) -> Any:
    """A recorded input back as the literal a hand-written program would pass."""
    if value == SECRET:
        secrets.append(True)
        return _Secret()
    if isinstance(value, dict):
        if set(value) == {"archive"}:  # pyright: ignore[reportUnknownArgumentType]
            return pulumi.FileArchive(str(value["archive"]["path"]))  # pyright: ignore[reportUnknownArgumentType]
        return {(_snake(k) if not top else k): _literal(v, secrets) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(value, list):
        return [_literal(v, secrets) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _reveal(value: Any) -> Any:
    if isinstance(value, _Secret):
        return pulumi.Output.secret(SECRET)
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_reveal(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _provider_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    # Provider inputs travel JSON-encoded; a program passes the values themselves.
    decoded: dict[str, Any] = {}
    for key, value in inputs.items():
        if isinstance(value, str) and value != SECRET and (value[:1] in "{[" or value in ("true", "false")):
            decoded[key] = json.loads(value)
        else:
            decoded[key] = value
    return decoded


def bare_program(records: list[Registered]) -> Callable[[], None]:
    """A program registering exactly `records` with the SDK classes and literal values.

    The literals are prepared here, before the program runs, as they would be
    written in a hand-written program's source.
    """
    prepared: list[tuple[Registered, Any, dict[str, Any], bool]] = []
    for r in records:
        cls = CLASSES.get(r.type)
        secrets: list[bool] = []
        if cls is not None:
            inputs = _provider_inputs(r.inputs) if r.type.startswith("pulumi:providers:") else r.inputs
            accepted = _parameters(cls)
            # Free-form data (a command's triggers) keeps its keys as written; typed inputs are snake_case.
            kwargs = {
                _snake(k): v if k in FREE_FORM else _literal(v, secrets)
                for k, v in inputs.items()
                if _snake(k) in accepted
            }
        else:
            kwargs = _literal(r.inputs, secrets, top=True)
        prepared.append((r, cls, kwargs, bool(secrets)))

    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for r, cls, kwargs, has_secret in prepared:
            parent = made.get(r.parent) if r.parent else None
            provider = made.get(r.provider.rsplit("::", 1)[0]) if r.provider else None
            depends = [made[u] for u in r.depends_on if u in made]
            opts = pulumi.ResourceOptions(
                parent=parent,
                provider=provider if isinstance(provider, pulumi.ProviderResource) else None,
                depends_on=depends or None,
                protect=r.protect,
            )
            values = _reveal(kwargs) if has_secret else kwargs
            if cls is not None:
                made[r.urn] = cls(r.name, opts=opts, **values)
            elif r.custom:
                made[r.urn] = pulumi.CustomResource(r.type, r.name, values, opts)
            else:
                made[r.urn] = pulumi.ComponentResource(r.type, r.name, None, opts)

    return program


def bare(base: StackFile, program: Callable[[], None]) -> PlanResult:
    """The SDK alone registering the same resources (`bare_program`), under the same mocks and harness."""
    return run_program(
        project=base.project,
        stack=STACK,
        config={},
        secret_keys=[],
        mocks=PlanMocks(stack=STACK),
        program=program,
    )


@dataclass(frozen=True)
class Timing:
    """Best CPU and wall-clock seconds over the runs."""

    cpu: float
    wall: float


def timed(fn: Callable[[], PlanResult]) -> tuple[Timing, PlanResult]:
    """CPU time of this process and wall-clock time of one call, and its result.

    CPU time is what the ratio uses: everything runs in this process under
    mocks, and on a shared machine the wall clock mostly measures the neighbours.
    """
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    result = fn()
    return Timing(cpu=time.process_time() - start_cpu, wall=time.perf_counter() - start_wall), result


def best(timings: list[Timing]) -> Timing:
    """The fastest run: the least disturbed by anything else."""
    return Timing(cpu=min(t.cpu for t in timings), wall=min(t.wall for t in timings))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exit 1 when the ratio is above the target."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet")
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=1.3)
    args = parser.parse_args(argv)
    base = read_stack_file(ROOT, STACK)
    with tempfile.TemporaryDirectory() as tmp:
        changes = prepare(Path(tmp), args.students)
        plans: list[Timing] = []
        bares: list[Timing] = []
        planned: PlanResult | None = None
        registered: PlanResult | None = None
        # Interleaved, so both see the same machine load and the same process state.
        for _ in range(args.runs):
            plan_t, planned = timed(lambda: plan(base, changes))
            program = bare_program(planned.resources)
            bare_t, registered = timed(lambda: bare(base, program))  # noqa: B023 (called at once)
            plans.append(plan_t)
            bares.append(bare_t)
        assert planned is not None and registered is not None
        plan_s, bare_s = best(plans), best(bares)
    containers = [r for r in planned.resources if r.type == "proxmoxve:index/containerLegacy:ContainerLegacy"]
    per_type: dict[str, int] = {}
    for r in planned.resources:
        per_type[r.type] = per_type.get(r.type, 0) + 1
    same = {r.urn: r.inputs for r in planned.resources} == {r.urn: r.inputs for r in registered.resources}
    if not same:
        print("warning: the bare program did not register identical inputs", file=sys.stderr)
    ratio = plan_s.cpu / bare_s.cpu
    print(
        json.dumps(
            {
                "students": args.students,
                "resources": len(planned.resources),
                "containers": len(containers),
                "by_type": dict(sorted(per_type.items())),
                "plan_cpu_seconds": round(plan_s.cpu, 3),
                "bare_sdk_cpu_seconds": round(bare_s.cpu, 3),
                "plan_wall_seconds": round(plan_s.wall, 3),
                "bare_sdk_wall_seconds": round(bare_s.wall, 3),
                "ratio": round(ratio, 3),
                "identical_registrations": same,
                "target": args.target,
            },
            indent=2,
        )
    )
    print(
        f"plan {plan_s.cpu:.2f} s CPU, bare SDK {bare_s.cpu:.2f} s CPU: "
        f"ratio {ratio:.2f} (target <= {args.target})"
    )
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
