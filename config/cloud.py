"""`cloud:*` keys: the AWS part (network, cluster, load balancer)."""

from ipaddress import IPv4Network
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from config.base import Model
from config.cluster import ClusterConfig
from config.ingress import DnsConfig, IngressConfig
from config.retention import RetentionDays


class Subnet(Model):
    """One subnet of one availability zone, as computed or as configured."""

    zone_index: int
    cidr: IPv4Network


class NetworkConfig(Model):
    """`cloud:network`: the VPC and its subnets."""

    cidr: IPv4Network
    """VPC CIDR, e.g. `10.20.0.0/16`."""
    zones: int = Field(default=2, le=6)
    """Availability zones used (staging 2, prod 3); at least 2, as EKS requires."""
    subnet_prefix: int = Field(default=20, ge=16, le=28)
    """Prefix length of each computed subnet."""
    public_subnet_cidrs: list[IPv4Network] | None = None
    """Explicit public subnets, one per zone; computed from `cidr` when absent."""
    private_subnet_cidrs: list[IPv4Network] | None = None
    """Explicit private subnets, one per zone; computed from `cidr` when absent."""
    nat_gateways: Literal["single", "perZone"] = "single"
    """One NAT gateway for the VPC (cheap) or one per zone (survives a zone outage)."""
    flow_logs: bool = False
    """Send VPC flow logs to CloudWatch Logs (a KMS-encrypted log group)."""
    flow_log_retention_days: RetentionDays = 90
    """Retention of the flow logs, when `flowLogs` is on."""

    @field_validator("zones")
    @classmethod
    def _two_zones_at_least(cls, zones: int) -> int:
        if zones < 2:
            raise ValueError(
                f"expected at least 2 zones, got {zones}: EKS needs subnets in two availability zones"
            )
        return zones

    @model_validator(mode="after")
    def _subnets_fit(self) -> Self:
        if self.subnet_prefix <= self.cidr.prefixlen:
            raise ValueError(
                f"subnetPrefix /{self.subnet_prefix} must be longer than the VPC's /{self.cidr.prefixlen}"
            )
        per_half = 2 ** (self.subnet_prefix - self.cidr.prefixlen - 1)
        if per_half < self.zones and (self.public_subnet_cidrs is None or self.private_subnet_cidrs is None):
            raise ValueError(
                f"each half of {self.cidr} holds {per_half} /{self.subnet_prefix} subnets; "
                f"{self.zones} zones need {self.zones}: lower subnetPrefix or widen the VPC"
            )
        for label, given in (
            ("publicSubnetCidrs", self.public_subnet_cidrs),
            ("privateSubnetCidrs", self.private_subnet_cidrs),
        ):
            if given is not None and len(given) != self.zones:
                raise ValueError(f"{label} lists {len(given)} subnets; expected one per zone ({self.zones})")
        subnets = [*self.public_subnets(), *self.private_subnets()]
        for subnet in subnets:
            if not subnet.cidr.subnet_of(self.cidr):
                raise ValueError(f"subnet {subnet.cidr} is outside the VPC {self.cidr}")
        for i, a in enumerate(subnets):
            for b in subnets[i + 1 :]:
                if a.cidr.overlaps(b.cidr):
                    raise ValueError(f"subnets {a.cidr} and {b.cidr} overlap")
        return self

    def _half(self, index: int) -> list[IPv4Network]:
        # Public subnets come from the first half of the VPC, private ones from
        # the second, zone i taking block i of its half: adding a zone later
        # never moves an existing subnet (a moved subnet is a replaced one).
        half = list(self.cidr.subnets(prefixlen_diff=1))[index]
        return list(half.subnets(new_prefix=self.subnet_prefix))[: self.zones]

    def public_subnets(self) -> list[Subnet]:
        """Public subnets, one per zone, in zone order."""
        if self.public_subnet_cidrs is not None:
            return [Subnet(zone_index=i, cidr=c) for i, c in enumerate(self.public_subnet_cidrs)]
        return [Subnet(zone_index=i, cidr=c) for i, c in enumerate(self._half(0))]

    def private_subnets(self) -> list[Subnet]:
        """Private subnets, one per zone, in zone order."""
        if self.private_subnet_cidrs is not None:
            return [Subnet(zone_index=i, cidr=c) for i, c in enumerate(self.private_subnet_cidrs)]
        return [Subnet(zone_index=i, cidr=c) for i, c in enumerate(self._half(1))]


class CloudConfig(Model):
    """Everything under the `cloud:` namespace."""

    enabled: bool = False
    """Build the AWS part of the stack."""
    region: str = Field(default="eu-west-3", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    """AWS region of every resource of the stack: one the pinned AWS provider knows."""
    tags: dict[str, str] = Field(default_factory=dict[str, str])
    """Tags added to every AWS resource, besides `stack` and `project`."""
    network: NetworkConfig
    """The VPC and its subnets."""
    cluster: ClusterConfig
    """The EKS cluster and its node group."""
    ingress: IngressConfig = Field(default_factory=IngressConfig)
    """Node ports of the ingress controller, targeted by the NLB."""
    dns: DnsConfig
    """Route53 zone and the names aliased to the NLB."""

    @field_validator("region")
    @classmethod
    def _known_region(cls, region: str) -> str:
        known = aws_regions()
        if region not in known:
            raise ValueError(
                f"unknown AWS region {region!r}; expected one of the regions the pinned provider knows, "
                f"such as {', '.join(r for r in known if r.startswith(region[:3])) or 'eu-west-3'}"
            )
        return region


def aws_regions() -> list[str]:
    """Regions of the pinned pulumi-aws (its `Region` enum), the provider every resource goes through."""
    # Imported here: the policy pack imports `config` and should not pay for the AWS SDK otherwise.
    import pulumi_aws  # noqa: PLC0415

    return [r.value for r in pulumi_aws.Region]
