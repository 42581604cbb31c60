"""`cloud:*` keys: the AWS part (network, cluster, load balancer)."""

import re
from ipaddress import IPv4Network
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from config.base import Model
from config.cluster import ClusterConfig, principal_key
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
    nat_gateways: Literal["single", "perZone"] = Field(
        default="single",
        description=(
            "One NAT for the VPC (the default: one per stack) or one per zone (survives a zone "
            "outage, and costs a NAT per zone)."
        ),
    )
    nat_type: Literal["gateway", "instance"] = Field(
        default="gateway",
        description=(
            "`gateway`: a managed NAT gateway (0.052 USD/h plus 0.052 USD/GB). `instance`: an EC2 NAT "
            "instance (source/destination check off, IMDSv2 only, no SSH) in an Auto Scaling group of "
            "one that replaces it when it fails; the routes and the public address live on a fixed "
            "network interface, so a replaced instance takes over the same address."
        ),
    )
    nat_instance_type: str = Field(
        default="t4g.nano",
        pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$",
        description=(
            "Instance type of the NAT instance (`natType: instance`); Graviton types run the arm64 AMI."
        ),
    )
    flow_logs: bool = False
    """Send VPC flow logs to CloudWatch Logs (a KMS-encrypted log group)."""
    flow_log_retention_days: RetentionDays = 90
    """Retention of the flow logs, when `flowLogs` is on."""

    @model_validator(mode="after")
    def _one_nat_instance(self) -> Self:
        if self.nat_type == "instance" and self.nat_gateways == "perZone":
            raise ValueError(
                "natType instance runs one NAT instance for the VPC; expected natGateways single "
                "(or natType gateway for one NAT gateway per zone)"
            )
        return self

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


_STACK_REF = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
_K8S_NAME = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"


class TenantQuota(Model):
    """What a tenant's namespaces may request together (a ResourceQuota in each)."""

    cpu: str = Field(default="2", pattern=_QUANTITY, description="Total CPU requests of the namespace.")
    memory: str = Field(
        default="4Gi", pattern=_QUANTITY, description="Total memory requests of the namespace."
    )
    limits_memory: str = Field(
        default="6Gi", pattern=_QUANTITY, description="Total memory limits of the namespace."
    )
    storage: str = Field(
        default="40Gi", pattern=_QUANTITY, description="Total storage of the namespace's volume claims."
    )
    persistent_volume_claims: int = Field(
        default=6, ge=0, description="Volume claims the namespace may hold."
    )
    pods: int = Field(default=30, ge=1, description="Pods the namespace may run.")
    load_balancers: int = Field(
        default=0,
        ge=0,
        description="Services of type LoadBalancer (each would be a paid NLB): none by default.",
    )


class TenantBackup(Model):
    """The tenant's own Velero schedule, run by the host's Velero."""

    schedule: str = Field(
        default="0 4 * * *",
        pattern=r"^(\S+\s+){4}\S+$",
        description="Cron expression of its daily backup (UTC).",
    )
    retention_days: int = Field(default=7, ge=1, le=3650, description="TTL of each of its backups, in days.")


class TenantConfig(Model):
    """One tenant of this stack's cluster (`cloud:tenants.<stack>`): another stack's namespaces."""

    deployer_arn: str = Field(
        description=(
            "IAM role (or user) that runs Pulumi for the tenant stack; it gets an access entry scoped "
            "to the tenant's namespaces (AmazonEKSEditPolicy), so it cannot touch cluster-scoped objects."
        )
    )
    namespaces: list[str] = Field(
        min_length=1,
        description="Namespaces the host creates for the tenant; the tenant deploys only into these.",
    )
    domain: str = Field(
        description=(
            "The tenant's DNS domain: the host's external-dns leaves it alone (the tenant owns its records)."
        )
    )
    quota: TenantQuota = Field(default_factory=TenantQuota, description="ResourceQuota of each namespace.")
    backup: TenantBackup = Field(default_factory=TenantBackup, description="The tenant's Velero schedule.")

    @field_validator("namespaces")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for item in value:
            if re.fullmatch(_K8S_NAME, item) is None:
                raise ValueError(f"{item!r} is not a Kubernetes namespace name")
        if len(set(value)) != len(value):
            raise ValueError("a namespace is listed twice")
        return value

    @field_validator("deployer_arn")
    @classmethod
    def _deployer(cls, value: str) -> str:
        principal_key(value)  # raises on anything but an IAM role or user ARN
        return value


class HostConfig(Model):
    """`cloud:host`: this stack is a tenant of another stack's cluster."""

    stack_reference: str = Field(
        pattern=_STACK_REF,
        description=(
            "Fully qualified name of the stack that owns the cluster (`organization/campus/prod` on a "
            "self-managed backend): read through a `pulumi.StackReference`."
        ),
    )

    namespace: str = Field(
        pattern=_K8S_NAME,
        description=(
            "The namespace (one the host made for this stack, listed in its `cloud:tenants`) the "
            "tenant's database, application ingress, certificate issuer and dump job go to."
        ),
    )

    @property
    def stack(self) -> str:
        """The host's stack name (last part of the reference)."""
        return self.stack_reference.rsplit("/", 1)[-1]

    @property
    def project(self) -> str:
        """The host's project name."""
        return self.stack_reference.split("/")[1]


class CloudConfig(Model):
    """Everything under the `cloud:` namespace."""

    enabled: bool = False
    """Build the AWS part of the stack."""
    region: str = Field(default="eu-west-3", pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    """AWS region of every resource of the stack: one the pinned AWS provider knows."""
    tags: dict[str, str] = Field(default_factory=dict[str, str])
    """Tags added to every AWS resource, besides `stack` and `project`."""
    network: NetworkConfig | None = None
    """The VPC and its subnets (a dedicated topology: absent for a tenant)."""
    cluster: ClusterConfig | None = None
    """The EKS cluster and its node group (a dedicated topology: absent for a tenant)."""
    host: HostConfig | None = Field(
        default=None,
        description=(
            "Tenant topology: run on another stack's cluster instead of owning a VPC and a cluster. "
            "Absent: the dedicated topology (`network` and `cluster` required)."
        ),
    )
    tenants: dict[str, TenantConfig] = Field(
        default_factory=dict[str, TenantConfig],
        description="Stacks that run as tenants of this stack's cluster, by stack name.",
    )
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

    @model_validator(mode="after")
    def _topology(self) -> Self:
        if self.host is not None:
            given = [k for k, v in (("network", self.network), ("cluster", self.cluster)) if v is not None]
            if given:
                raise ValueError(
                    f"cloud:host makes this stack a tenant of {self.host.stack_reference}; "
                    f"expected no {' or '.join(given)} of its own (the host owns the VPC and the cluster)"
                )
            if self.tenants:
                raise ValueError("a tenant cannot host tenants of its own; expected no tenants")
        else:
            missing = [k for k, v in (("network", self.network), ("cluster", self.cluster)) if v is None]
            if missing:
                raise ValueError(
                    f"missing {' and '.join(missing)}: a stack without cloud:host owns its VPC and cluster "
                    "(the dedicated topology)"
                )
        owners: dict[str, str] = {}
        for tenant, spec in self.tenants.items():
            for ns in spec.namespaces:
                if ns in owners:
                    raise ValueError(f"namespace {ns!r} belongs to tenants {owners[ns]} and {tenant}")
                owners[ns] = tenant
        return self

    @property
    def is_tenant(self) -> bool:
        """True in the tenant topology (the cluster belongs to `host`)."""
        return self.host is not None


def aws_regions() -> list[str]:
    """Regions of the pinned pulumi-aws (its `Region` enum), the provider every resource goes through."""
    # Imported here: the policy pack imports `config` and should not pay for the AWS SDK otherwise.
    import pulumi_aws  # noqa: PLC0415

    return [r.value for r in pulumi_aws.Region]
