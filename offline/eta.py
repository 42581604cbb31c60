"""How long applying a preview takes: the critical path of the dependency graph.

Every step gets a duration from `offline/durations.yaml` by resource type (and,
for a guest, how it is made: full clone per GB, linked clone, archive). A
resource starts when everything it depends on (through inputs and
`depends_on`, the clone lanes included) is done; the ETA is the longest chain.
A container's first boot (its hook script) runs after the provider reports the
container created: it lengthens that container's own finish, not its lane's.
Deletions run last, in parallel. `pulumi up --parallel` and the node's task
workers can only make it longer.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from offline.harness import PlanResult, Registered
from offline.preview import Preview, Step

DURATIONS = Path(__file__).resolve().parent / "durations.yaml"

CONTAINER = "proxmoxve:index/containerLegacy:ContainerLegacy"
VM = "proxmoxve:index/vmLegacy:VmLegacy"


class Seconds(BaseModel):
    """Every operation the estimate knows; all required, nothing else accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_clone_per_gb: float
    template_gb: float
    linked_clone: float
    archive_create: float
    guest_start: float
    container_first_boot: float
    vm_first_boot: float
    guest_update: float
    guest_delete: float
    snippet_upload: float
    download: float
    pool_change: float
    ssh_wait: float
    copy_to_remote: float
    ansible_run: float
    eks_cluster_create: float
    eks_cluster_update: float
    eks_cluster_delete: float
    node_group_create: float
    node_group_update: float
    node_group_delete: float
    eks_addon: float
    nat_gateway_create: float
    load_balancer_create: float
    helm_release: float
    helm_release_delete: float
    default: float


@cache
def durations(path: Path = DURATIONS) -> Seconds:
    """The data file, checked.

    :raises ValueError: a missing or unknown operation, or a value that is not a number.
    """
    try:
        return Seconds.model_validate(cast(dict[str, Any], yaml.safe_load(path.read_text()))["seconds"])
    except (ValidationError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class Cost:
    """A step's duration: what dependents wait for, then what only the step itself still needs."""

    blocking: float
    trailing: float = 0.0
    label: str = ""


def _disk_gb(inputs: dict[str, Any]) -> float:
    disk = inputs.get("disk")
    if isinstance(disk, dict):
        return float(cast(dict[str, Any], disk).get("size") or 0)
    disks = cast(list[dict[str, Any]], inputs.get("disks") or [])
    return float(sum(d.get("size") or 0 for d in disks))


def _guest_create(r: Registered, s: Seconds, templates: dict[int, float]) -> Cost:
    clone = r.inputs.get("clone")
    gb = _disk_gb(r.inputs)
    if isinstance(clone, dict) and cast(dict[str, Any], clone).get("full") is False:
        make, how = s.linked_clone, "linked clone"
    elif isinstance(clone, dict):
        # A full clone copies the template's data: its size when the stack builds it, else the
        # data file's assumption (never more than the guest's own disk).
        source = cast(dict[str, Any], clone).get("vmId")
        fallback = min(gb or s.template_gb, s.template_gb)
        copied = templates.get(int(source), fallback) if isinstance(source, int | float) else fallback
        make, how = s.full_clone_per_gb * copied, f"full clone {copied:g} GB"
    elif r.type == CONTAINER:
        make, how = s.archive_create, "from archive"
    else:
        make, how = s.full_clone_per_gb * gb, f"image import {gb:g} GB"
    if r.type == CONTAINER:
        return Cost(make + s.guest_start, s.container_first_boot, f"{how}, start, first boot")
    # A VM's cloud-init is awaited by the Ansible run's wait when there is one; counted here either way.
    return Cost(make + s.guest_start + s.vm_first_boot, 0.0, f"{how}, start, cloud-init")


_CREATE: dict[str, Callable[[Registered, Seconds], Cost]] = {
    "proxmoxve:index/fileLegacy:FileLegacy": lambda r, s: Cost(s.snippet_upload),
    "proxmoxve:download/file:File": lambda r, s: Cost(s.download),
    "proxmoxve:index/poolLegacy:PoolLegacy": lambda r, s: Cost(s.pool_change),
    "proxmoxve:pool/membership:Membership": lambda r, s: Cost(s.pool_change),
    "command:remote:CopyToRemote": lambda r, s: Cost(s.copy_to_remote),
    "command:remote:Command": lambda r, s: Cost(
        s.ansible_run if r.name.endswith("-run") else s.ssh_wait if "-wait-" in r.name else s.default
    ),
    "aws:eks/cluster:Cluster": lambda r, s: Cost(s.eks_cluster_create),
    "aws:eks/nodeGroup:NodeGroup": lambda r, s: Cost(s.node_group_create),
    "aws:eks/addon:Addon": lambda r, s: Cost(s.eks_addon),
    "aws:ec2/natGateway:NatGateway": lambda r, s: Cost(s.nat_gateway_create),
    "aws:lb/loadBalancer:LoadBalancer": lambda r, s: Cost(s.load_balancer_create),
    "kubernetes:helm.sh/v3:Release": lambda r, s: Cost(s.helm_release),
}

_UPDATE: dict[str, Callable[[Registered, Seconds], float]] = {
    CONTAINER: lambda r, s: s.guest_update,
    VM: lambda r, s: s.guest_update,
    "aws:eks/cluster:Cluster": lambda r, s: s.eks_cluster_update,
    "aws:eks/nodeGroup:NodeGroup": lambda r, s: s.node_group_update,
    "aws:eks/addon:Addon": lambda r, s: s.eks_addon,
    "kubernetes:helm.sh/v3:Release": lambda r, s: s.helm_release,
}

_DELETE: dict[str, Callable[[Seconds], float]] = {
    CONTAINER: lambda s: s.guest_delete,
    VM: lambda s: s.guest_delete,
    "aws:eks/cluster:Cluster": lambda s: s.eks_cluster_delete,
    "aws:eks/nodeGroup:NodeGroup": lambda s: s.node_group_delete,
    "kubernetes:helm.sh/v3:Release": lambda s: s.helm_release_delete,
}


def step_cost(
    step: Step, resource: Registered | None, s: Seconds, templates: dict[int, float] | None = None
) -> Cost:
    """How long one step takes; `templates`: VMID to disk GB of the guests the plan declares."""
    delete = _DELETE.get(step.type, lambda s: s.default)(s)
    if step.op == "delete" or resource is None:
        return Cost(delete, 0.0, "delete")
    if step.op == "update":
        return Cost(_UPDATE.get(step.type, lambda r, s: s.default)(resource, s), 0.0, "update")
    if step.type in (CONTAINER, VM):
        create = _guest_create(resource, s, templates or {})
    else:
        create = _CREATE.get(step.type, lambda r, s: Cost(s.default))(resource, s)
    if step.op == "replace":
        # Create-before-delete by default: the old one goes at the end, with the deletions.
        return Cost(create.blocking, create.trailing, f"replace: {create.label or 'create'}")
    return create


@dataclass(frozen=True)
class Estimate:
    """The ETA and the chain that decides it."""

    seconds: float
    path: list[tuple[Step, Cost]]
    """The critical path, first step first (steps only; unchanged resources take no time)."""
    deletions: float
    """The longest deletion, run after everything else."""

    def minutes(self) -> int:
        """Whole minutes, rounded up (at least 1 when anything changes)."""
        return int(-(-self.seconds // 60)) if self.seconds else 0

    def line(self) -> str:
        """`ETA: about N min (critical path: ...)`."""
        if not self.path and not self.deletions:
            return "ETA: nothing to apply"
        return f"ETA: about {self.minutes()} min (critical path: {_describe(self.path, self.deletions)})"


def _describe(path: list[tuple[Step, Cost]], deletions: float) -> str:
    # Runs of one type and operation (a clone lane of 120 containers) are folded into one entry.
    groups: list[list[tuple[Step, Cost]]] = []
    for item in path:
        if groups and (groups[-1][0][0].type, groups[-1][0][0].op) == (item[0].type, item[0].op):
            groups[-1].append(item)
        else:
            groups.append([item])
    parts: list[str] = []
    for group in groups:
        first, cost = group[0]
        kind = first.type.rsplit(":", 1)[-1]
        total = sum(c.blocking for _, c in group) + group[-1][1].trailing
        if len(group) == 1:
            how = f"{cost.label}, " if cost.label and cost.label != first.op else ""
            parts.append(f"{first.op} {kind} {first.name} ({how}{_mins(total)})")
        else:
            last = group[-1][0].name
            parts.append(
                f"{len(group)} x {first.op} {kind} {first.name} .. {last} in a chain ({_mins(total)})"
            )
    if deletions:
        parts.append(f"then deletions ({_mins(deletions)})")
    return " -> ".join(parts)


def _mins(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def estimate(preview: Preview, result: PlanResult, s: Seconds | None = None) -> Estimate:
    """The critical path of the preview's steps over the plan's dependency graph."""
    s = s or durations()
    resources = result.by_urn()
    steps = {st.urn: st for st in preview.steps if st.op != "delete"}
    templates = {
        int(r.inputs["vmId"]): _disk_gb(r.inputs)
        for r in result.resources
        if r.type in (CONTAINER, VM) and isinstance(r.inputs.get("vmId"), int | float)
    }
    costs = {urn: step_cost(st, resources.get(urn), s, templates) for urn, st in steps.items()}
    ready: dict[str, float] = {}
    via: dict[str, str | None] = {}
    finish, last = 0.0, None
    # Registration order is a topological order: the SDK registers a resource only once the
    # resources it depends on are registered.
    for urn, resource in resources.items():
        begin, before = 0.0, None
        for dep in resource.dependencies:
            at = ready.get(dep, 0.0)
            if at > begin:
                begin, before = at, dep
        cost = costs.get(urn)
        ready[urn] = begin + (cost.blocking if cost else 0.0)
        via[urn] = before
        done = ready[urn] + (cost.trailing if cost else 0.0)
        if done > finish:
            finish, last = done, urn
    chain: list[tuple[Step, Cost]] = []
    node = last
    while node is not None:
        if node in steps:
            chain.append((steps[node], costs[node]))
        node = via.get(node)
    chain.reverse()
    deletions = [step_cost(st, None, s).blocking for st in preview.steps if st.op == "delete"]
    replaced_old = [
        _DELETE.get(st.type, lambda s: s.default)(s) for st in preview.steps if st.op == "replace"
    ]
    tail = max([*deletions, *replaced_old], default=0.0)
    return Estimate(seconds=finish + tail, path=chain, deletions=tail)
