"""`cloud:cluster`: the EKS control plane, its administrators and its node group."""

import re
from ipaddress import IPv4Network
from typing import Literal, Self, cast

from pydantic import Field, ValidationInfo, field_validator, model_validator

from config.base import Model
from config.retention import RetentionDays
from config.runner import CiRunnerAccess

# An IAM role or user (an access entry's principal), never an STS session ARN:
# EKS refuses `assumed-role/...` principals.
_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/([\w+=,.@/-]+)$")


def principal_key(arn: str) -> str:
    """Stable short key of an IAM principal: its name, lowercased, for logical names."""
    match = _PRINCIPAL.match(arn)
    if match is None:
        raise ValueError(f"{arn!r} is not an IAM role or user ARN")
    return re.sub(r"[^a-z0-9-]", "-", match.group(2).rsplit("/", 1)[-1].lower())


def _check_principal(arn: str) -> str:
    if _PRINCIPAL.match(arn) is None:
        raise ValueError(
            f"{arn!r} is not an IAM role or user ARN; expected arn:aws:iam::<account>:role/<name> "
            "(an assumed-role session ARN cannot hold an access entry)"
        )
    return arn


def is_graviton(instance_type: str) -> bool:
    """True for an AWS Graviton (Arm) instance type such as `t4g.medium` or `m7g.large`."""
    return re.fullmatch(r"[a-z]+\d+[a-z]*g[a-z]*", instance_type.split(".", 1)[0]) is not None


class AutoscalingConfig(Model):
    """`cloud:cluster.autoscaling`: Karpenter, which launches and consolidates the workload nodes."""

    enabled: bool = Field(
        default=True,
        description=(
            "Install Karpenter (Pod Identity, interruption queue, a NodePool and an EC2NodeClass); "
            "the managed node group then only runs the system pods (Karpenter itself, CoreDNS)."
        ),
    )
    capacity_types: list[Literal["spot", "on-demand"]] = Field(
        default_factory=lambda: ["spot", "on-demand"],
        min_length=1,
        description=(
            "Capacity Karpenter may buy. With both, it launches spot and falls back to on-demand "
            "when no spot pool can serve the pods."
        ),
    )
    architectures: list[Literal["arm64", "amd64"]] = Field(
        default_factory=lambda: ["arm64", "amd64"],
        min_length=1,
        description=(
            "CPU architectures of the workload nodes: Graviton (arm64) and x86 (amd64). Pods whose "
            "images exist for one only carry a nodeSelector (docs/platform.md)."
        ),
    )
    instance_families: list[str] = Field(
        default_factory=lambda: ["t4g", "t3", "t3a", "m6g", "m7g", "m6i", "c6g", "c7g"],
        min_length=1,
        description="EC2 instance families Karpenter chooses from (cheapest that fits the pending pods).",
    )
    max_cpu: int = Field(
        default=12,
        ge=1,
        le=1000,
        description="Most vCPUs the NodePool may run at once: a hard ceiling on cost.",
    )
    consolidate_after: str = Field(
        default="5m",
        pattern=r"^[0-9]+(s|m|h)$",
        description="How long a node stays empty or underused before Karpenter consolidates it.",
    )
    expire_after: str = Field(
        default="720h",
        pattern=r"^[0-9]+h$",
        description="Node lifetime: older nodes are replaced, so they pick up new AMIs.",
    )


class NodeGroupConfig(Model):
    """`cloud:cluster.nodeGroup`: the managed node group in the private subnets."""

    instance_types: list[str] = Field(default_factory=lambda: ["t3.large"], min_length=1)
    """EC2 instance types; with SPOT capacity list several of one size to widen the spot pools."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """`ON_DEMAND` or `SPOT` (cheaper, can be reclaimed with two minutes' notice)."""
    min_size: int = Field(default=2, ge=1, le=100)
    """Fewest nodes the autoscaler keeps."""
    desired_size: int = Field(default=2, ge=1, le=100)
    """Nodes at creation; afterwards the autoscaler owns this number."""
    max_size: int = Field(default=4, ge=1, le=100)
    """Most nodes the autoscaler may run."""
    disk_size_gib: int = Field(default=50, ge=20, le=1000)
    """Encrypted gp3 root volume of each node, in GiB."""
    architecture: Literal["x86_64", "arm64"] = Field(
        default="x86_64",
        description=(
            "CPU architecture of the node group's AMI (AL2023): `arm64` for Graviton types such as "
            "t4g.medium. Changing it (like the instance types) replaces the node group."
        ),
    )

    @field_validator("instance_types")
    @classmethod
    def _instance_types(cls, value: list[str]) -> list[str]:
        for item in value:
            if re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", item) is None:
                raise ValueError(f"{item!r} is not an EC2 instance type such as t3.large")
        return value

    @model_validator(mode="after")
    def _architecture(self) -> Self:
        for item in self.instance_types:
            arm = is_graviton(item)
            if arm and self.architecture != "arm64":
                raise ValueError(f"{item!r} is an Arm (Graviton) type; expected architecture arm64")
            if not arm and self.architecture == "arm64":
                raise ValueError(f"{item!r} is an x86_64 type; expected architecture x86_64")
        return self

    @model_validator(mode="after")
    def _sizes_ordered(self) -> Self:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"expected minSize <= desiredSize <= maxSize, got {self.min_size}, "
                f"{self.desired_size}, {self.max_size}"
            )
        return self


class ClusterConfig(Model):
    """`cloud:cluster`: the EKS cluster."""

    public_access_cidrs: list[IPv4Network] = Field(default_factory=list[IPv4Network])
    """CIDRs allowed to reach the public API endpoint; empty turns the public endpoint off."""
    admin_arns: list[str] = Field(default_factory=list[str])
    """IAM roles or users given cluster-admin through access entries."""
    ci_principal_arn: str
    """IAM role (or user) that runs Pulumi in CI; it gets its own cluster-admin access entry."""
    log_retention_days: RetentionDays = 90
    """Retention of the control-plane logs (api, audit, authenticator)."""
    node_group: NodeGroupConfig = Field(default_factory=NodeGroupConfig)
    """The managed node group."""
    ci_runner: CiRunnerAccess | None = Field(
        default=None,
        description="How the CI runner that deploys this stack reaches the API endpoint; required for "
        "prod, whose endpoint admits only `publicAccessCidrs`.",
    )
    support_type: Literal["STANDARD", "EXTENDED"] = Field(
        default="STANDARD",
        description=(
            "EKS upgrade policy. STANDARD: AWS upgrades the control plane when the version leaves "
            "standard support (0.10 USD/h). EXTENDED: the version stays, billed 0.60 USD/h once in "
            "extended support (the estimate prices it so)."
        ),
    )
    autoscaling: AutoscalingConfig = Field(
        default_factory=AutoscalingConfig, description="Node autoscaling by Karpenter."
    )

    @field_validator("admin_arns")
    @classmethod
    def _admins(cls, value: list[str]) -> list[str]:
        return [_check_principal(arn) for arn in value]

    @field_validator("ci_principal_arn")
    @classmethod
    def _ci(cls, value: str) -> str:
        return _check_principal(value)

    @field_validator("public_access_cidrs")
    @classmethod
    def _public_access(cls, value: list[IPv4Network], info: ValidationInfo) -> list[IPv4Network]:
        context: dict[str, object] = info.context or {}
        for cidr in value:
            if cidr.prefixlen == 0 and context.get("stack") == "prod":
                raise ValueError(
                    f"{cidr} opens the prod API endpoint to the whole internet; "
                    "list the office, VPN or CI egress CIDRs instead"
                )
        return value

    @field_validator("ci_runner")
    @classmethod
    def _runner_reaches_the_api(
        cls, runner: CiRunnerAccess | None, info: ValidationInfo
    ) -> CiRunnerAccess | None:
        if runner is None:
            return runner
        # Earlier fields are in info.data when they were valid; an invalid list is reported on its own.
        admitted = info.data.get("public_access_cidrs")
        if not isinstance(admitted, list):
            return runner
        networks = [n for n in cast(list[object], admitted) if isinstance(n, IPv4Network)]
        for cidr in runner.egress_cidrs:
            if not any(cidr.subnet_of(net) for net in networks):
                listed = ", ".join(str(n) for n in networks) or "nothing (public endpoint off)"
                raise ValueError(
                    f"egressCidrs {cidr} is not admitted by cloud:cluster.publicAccessCidrs ({listed}); "
                    "add it there, or the runner's deploys time out at the EKS API"
                )
        return runner

    @model_validator(mode="after")
    def _prod_runner_named(self, info: ValidationInfo) -> Self:
        context: dict[str, object] = info.context or {}
        if self.ci_runner is None and context.get("stack") == "prod":
            raise ValueError(
                "ciRunner is missing: prod is deployed from CI, and its API endpoint admits only "
                "publicAccessCidrs; set ciRunner.egressCidrs (the lab runner's public egress, also "
                "listed in publicAccessCidrs) or ciRunner.inVpc: true"
            )
        return self

    @model_validator(mode="after")
    def _principals_distinct(self) -> Self:
        keys: dict[str, str] = {}
        for arn in [*self.admin_arns, self.ci_principal_arn]:
            key = principal_key(arn)
            if key in keys:
                raise ValueError(
                    f"{arn} and {keys[key]} share the name {key!r}; each principal needs one access entry"
                )
            keys[key] = arn
        return self
