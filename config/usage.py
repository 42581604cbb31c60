"""Usage assumptions of a stack (`config/usage/<stack>.yaml`), in the spirit of Infracost's usage file.

Prices alone do not make a bill: NAT traffic, load balancer capacity, backups,
logs and the number of nodes the autoscaler keeps are usage. Each has a default
here; a stack's file overrides what it knows better. Per-resource overrides are
keyed by the resource's logical name (as `python -m stacks.plan` prints it).
"""

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from config import yamlfile
from config.base import Model
from config.errors import ConfigError

USAGE_DIR = Path(__file__).resolve().parent / "usage"
"""Where the usage files live, one per stack."""


class NatUsage(Model):
    """Traffic through the NAT gateways."""

    gb_per_month: float = Field(default=50, ge=0)
    """GB processed per month by all NAT gateways together (image pulls, updates, APIs)."""


class LoadBalancerUsage(Model):
    """Capacity the load balancers use."""

    nlcu_per_hour: float = Field(default=1, ge=0)
    """Average NLCUs each Network Load Balancer consumes per hour."""


class NodeUsage(Model):
    """How many nodes the autoscaler keeps, on average."""

    average_count: float | None = Field(default=None, ge=0)
    """Average nodes of every node group; None uses each group's desiredSize."""
    groups: dict[str, float] = Field(default_factory=dict[str, float])
    """Average nodes of one node group, by logical name; wins over `averageCount`."""


class NodePoolUsage(Model):
    """What an autoscaler's node pool (a Karpenter NodePool) runs on average."""

    average_nodes: float = Field(default=2, ge=0, description="Nodes the pool runs on average over a month.")
    instance_type: str = Field(
        default="t4g.medium",
        pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$",
        description="The instance type it usually picks (priced from the region's table).",
    )
    spot_share: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description=(
            "Share of those node-hours on spot capacity (the rest falls back to on-demand); "
            "forced to 0 or 1 when the pool allows one capacity type only."
        ),
    )
    disk_gb: float = Field(default=20, ge=0, description="GB of gp3 root volume per node.")


class NodePoolsUsage(Model):
    """Node pools of an autoscaler."""

    default: NodePoolUsage = Field(
        default_factory=NodePoolUsage, description="Every pool without its own entry."
    )
    pools: dict[str, NodePoolUsage] = Field(
        default_factory=dict[str, NodePoolUsage], description="One pool's usage, by logical name."
    )


class BackupUsage(Model):
    """What the S3 buckets hold."""

    gb_per_bucket: float = Field(default=20, ge=0)
    """Average GB stored in each bucket (Velero backups, state)."""
    buckets: dict[str, float] = Field(default_factory=dict[str, float])
    """Average GB of one bucket, by logical name."""
    snapshot_gb_per_schedule: float = Field(
        default=0,
        ge=0,
        description=(
            "GB of EBS snapshots each Velero schedule keeps (incremental: the volumes' used blocks plus "
            "the changes over its retention)."
        ),
    )
    schedules: dict[str, float] = Field(
        default_factory=dict[str, float], description="Snapshot GB of one schedule, by logical name."
    )


class LogUsage(Model):
    """What CloudWatch Logs ingests."""

    gb_per_group: float = Field(default=2, ge=0)
    """GB ingested per month into each log group (control plane, flow logs)."""
    groups: dict[str, float] = Field(default_factory=dict[str, float])
    """GB ingested per month into one log group, by logical name."""
    compression_ratio: float = Field(
        default=0.15,
        gt=0,
        le=1,
        description="Archived size / ingested size (CloudWatch Logs bills storage after compression).",
    )
    months_without_retention: float = Field(
        default=12,
        gt=0,
        description="Months of logs a group without retention is assumed to hold.",
    )


class TransferUsage(Model):
    """Data moving between availability zones (pods on different nodes, database replication)."""

    inter_zone_gb_per_month: float = Field(
        default=0, ge=0, description="GB a month crossing from one zone to another inside the VPC."
    )


class VolumeUsage(Model):
    """Persistent volumes the Helm releases ask for."""

    releases: dict[str, float] = Field(default_factory=dict[str, float])
    """Total GB of gp3 volumes of one Helm release, by logical name; by default read from its values."""


class Usage(Model):
    """Every usage assumption of a stack."""

    nat_gateway: NatUsage = Field(default_factory=NatUsage)
    load_balancer: LoadBalancerUsage = Field(default_factory=LoadBalancerUsage)
    nodes: NodeUsage = Field(default_factory=NodeUsage)
    node_pools: NodePoolsUsage = Field(default_factory=NodePoolsUsage)
    transfer: TransferUsage = Field(default_factory=TransferUsage)
    backups: BackupUsage = Field(default_factory=BackupUsage)
    logs: LogUsage = Field(default_factory=LogUsage)
    volumes: VolumeUsage = Field(default_factory=VolumeUsage)


def load_usage(stack: str, *, usage_dir: Path = USAGE_DIR) -> Usage:
    """Read `config/usage/<stack>.yaml`; a stack without one gets the defaults.

    :raises ConfigError: naming the file, the key and what was expected.
    """
    path = usage_dir / f"{stack}.yaml"
    label = f"config/usage/{path.name}"
    if not path.is_file():
        return Usage()
    try:
        doc: Any = yamlfile.parse(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(stack, [f"{label}: {yamlfile.problem(exc)}"]) from None
    try:
        return Usage.model_validate(doc)
    except ValidationError as exc:
        problems = [
            f"{label}: {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ConfigError(stack, problems) from None
