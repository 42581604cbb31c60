"""Which resource types cost money, and how each is priced.

`RULES` maps a type token to the function that prices it; `FREE_TYPES` lists
the AWS types that cost nothing by themselves (or whose cost another resource's
rule carries). An AWS type in neither is uncovered: the estimate reports it and
the coverage test fails, so a new paid resource cannot slip in unpriced.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from config.pricing import Price, PriceTable
from config.usage import Usage
from cost.model import CostRow, Item


class CostError(ValueError):
    """The resources cannot be priced as declared (unknown instance type, usage out of range)."""


class Unpriced(Exception):  # noqa: N818 (a verdict, not a failure)
    """This resource's variant has no price in the table (e.g. an Application Load Balancer)."""


@dataclass(frozen=True)
class Context:
    """What a rule may look at besides its own resource."""

    prices: PriceTable
    usage: Usage
    items: Mapping[str, Item]
    """Every priced item by URN (a node group finds its launch template here)."""

    @property
    def hours(self) -> float:
        """Hours in a month."""
        return self.prices.hours_per_month

    def of_type(self, type_token: str) -> list[Item]:
        """Items of one type."""
        return [i for i in self.items.values() if i.type == type_token]

    def dependencies(self, item: Item, type_token: str) -> list[Item]:
        """The items of one type that `item` depends on."""
        found = (self.items.get(urn) for urn in item.dependencies)
        return [d for d in found if d is not None and d.type == type_token]


Rule = Callable[[Item, Context], list[CostRow]]


def _row(item: Item, component: str, quantity: float, price: Price, *, factor: float = 1.0) -> CostRow:
    return CostRow(
        resource=item.name,
        type=item.type,
        component=component,
        quantity=quantity,
        unit=price.unit,
        unit_price_usd=price.usd * factor,
    )


def _dict(value: Any) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return cast(list[Any], value) if isinstance(value, list) else []


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


# --- Amazon EKS ----------------------------------------------------------------

EKS_CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

# What EKS uses when a node group says nothing (documented on `aws.eks.NodeGroup`).
DEFAULT_INSTANCE_TYPE = "t3.medium"
DEFAULT_DISK_GB = 20


def eks_cluster(item: Item, ctx: Context) -> list[CostRow]:
    """The control plane, every hour of the month; at the extended-support rate if opted in.

    An EXTENDED upgrade policy only costs more once the version leaves standard
    support; the estimate prices it as if it had, so opting in shows its price.
    """
    policy = _dict(item.inputs.get("upgradePolicy")).get("supportType", "EXTENDED")
    if str(policy).upper() == "EXTENDED":
        # EXTENDED is also what AWS applies when no upgrade policy is set.
        return [
            _row(
                item, "EKS control plane (extended support)", ctx.hours, ctx.prices.eks.extended_support_hour
            )
        ]
    return [_row(item, "EKS control plane", ctx.hours, ctx.prices.eks.cluster_hour)]


def node_count(item: Item, usage: Usage) -> float:
    """Average nodes of a node group: the usage file, else desiredSize, within min..max."""
    scaling = _dict(item.inputs.get("scalingConfig"))
    low = _number(scaling.get("minSize"), 0)
    desired = _number(scaling.get("desiredSize"), low)
    high = _number(scaling.get("maxSize"), max(desired, low))
    count = usage.nodes.groups.get(item.name, usage.nodes.average_count)
    if count is None:
        return desired
    if not low <= count <= high:
        raise CostError(
            f"usage nodes: {count:g} average nodes for node group {item.name!r} is outside its "
            f"scaling range {low:g}..{high:g}; expected a count between minSize and maxSize"
        )
    return count


def instance_type(item: Item, ctx: Context) -> str:
    """The node group's first instance type, else its launch template's, else EKS's default."""
    types = [t for t in _list(item.inputs.get("instanceTypes")) if isinstance(t, str)]
    if types:
        return types[0]
    for template in ctx.dependencies(item, LAUNCH_TEMPLATE):
        declared = template.inputs.get("instanceType")
        if isinstance(declared, str):
            return declared
    return DEFAULT_INSTANCE_TYPE


def node_disk_gb(item: Item, ctx: Context) -> float:
    """GB of EBS per node: the launch template's block devices, else the group's diskSize."""
    for template in ctx.dependencies(item, LAUNCH_TEMPLATE):
        mappings = _list(template.inputs.get("blockDeviceMappings"))
        sizes = [_number(_dict(_dict(m).get("ebs")).get("volumeSize"), 0) for m in mappings]
        if any(sizes):
            return sum(sizes)
    return _number(item.inputs.get("diskSize"), DEFAULT_DISK_GB)


def node_group(item: Item, ctx: Context) -> list[CostRow]:
    """Instances (on-demand or spot) and their root volumes, for the average node count."""
    nodes = node_count(item, ctx.usage)
    kind = instance_type(item, ctx)
    price = ctx.prices.instance_hour(kind)
    if price is None:
        raise CostError(
            f"node group {item.name!r} uses instance type {kind}, which "
            f"config/prices/{ctx.prices.region}.yaml does not price; add it under ec2.onDemandHour"
        )
    spot = str(item.inputs.get("capacityType", "ON_DEMAND")).upper() == "SPOT"
    factor = ctx.prices.ec2.spot_factor.factor if spot else 1.0
    capacity = "spot" if spot else "on-demand"
    return [
        _row(item, f"{kind} {capacity} instances", nodes * ctx.hours, price, factor=factor),
        _row(item, "node volumes (gp3)", nodes * node_disk_gb(item, ctx), ctx.prices.ebs.gp3_gb_month),
    ]


def _launch_template_volume_gb(template: Item) -> float:
    mappings = _list(template.inputs.get("blockDeviceMappings"))
    return sum(_number(_dict(_dict(m).get("ebs")).get("volumeSize"), 0) for m in mappings)


def autoscaling_group(item: Item, ctx: Context) -> list[CostRow]:
    """Instances of an Auto Scaling group (a NAT instance): its launch template's type and volumes."""
    count = _number(item.inputs.get("desiredCapacity"), _number(item.inputs.get("minSize"), 0))
    templates = ctx.dependencies(item, LAUNCH_TEMPLATE)
    kind = next(
        (str(t.inputs["instanceType"]) for t in templates if isinstance(t.inputs.get("instanceType"), str)),
        None,
    )
    if kind is None:
        raise Unpriced("no launch template with an instanceType among its dependencies")
    price = ctx.prices.instance_hour(kind)
    if price is None:
        raise CostError(
            f"Auto Scaling group {item.name!r} launches {kind}, which config/prices/{ctx.prices.region}.yaml "
            "does not price; add it under ec2.onDemandHour"
        )
    gb = sum(_launch_template_volume_gb(t) for t in templates)
    rows = [_row(item, f"{kind} on-demand instances", count * ctx.hours, price)]
    if gb:
        rows.append(_row(item, "instance volumes (gp3)", count * gb, ctx.prices.ebs.gp3_gb_month))
    return rows


NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"


def _capacity_types(item: Item) -> set[str]:
    spec = _dict(_dict(_dict(item.inputs.get("spec")).get("template")).get("spec"))
    for requirement in _list(spec.get("requirements")):
        req = _dict(requirement)
        if req.get("key") == "karpenter.sh/capacity-type" and req.get("operator") == "In":
            return {str(v) for v in _list(req.get("values"))}
    return {"on-demand"}  # Karpenter's default when the pool says nothing


def node_pool(item: Item, ctx: Context) -> list[CostRow]:
    """A Karpenter NodePool: the nodes it runs on average (usage), spot and on-demand, with their volumes."""
    usage = ctx.usage.node_pools.pools.get(item.name, ctx.usage.node_pools.default)
    price = ctx.prices.instance_hour(usage.instance_type)
    if price is None:
        raise CostError(
            f"usage nodePools: NodePool {item.name!r} is assumed to run {usage.instance_type}, which "
            f"config/prices/{ctx.prices.region}.yaml does not price; add it under ec2.onDemandHour"
        )
    allowed = _capacity_types(item)
    share = usage.spot_share if {"spot", "on-demand"} <= allowed else (1.0 if "spot" in allowed else 0.0)
    hours = usage.average_nodes * ctx.hours
    rows: list[CostRow] = []
    if share > 0:
        rows.append(
            _row(
                item,
                f"{usage.instance_type} spot instances (Karpenter)",
                hours * share,
                price,
                factor=ctx.prices.ec2.spot_factor.factor,
            )
        )
    if share < 1:
        rows.append(
            _row(item, f"{usage.instance_type} on-demand instances (Karpenter)", hours * (1 - share), price)
        )
    if usage.disk_gb:
        rows.append(
            _row(
                item,
                "node volumes (gp3, Karpenter)",
                usage.average_nodes * usage.disk_gb,
                ctx.prices.ebs.gp3_gb_month,
            )
        )
    return rows


# --- Network ---------------------------------------------------------------------

NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
SUBNET = "aws:ec2/subnet:Subnet"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"


def nat_gateway(item: Item, ctx: Context) -> list[CostRow]:
    """Hours, plus this gateway's share of the stack's NAT traffic."""
    gateways = max(1, len(ctx.of_type(NAT_GATEWAY)))
    prices = ctx.prices.nat_gateway
    return [
        _row(item, "NAT gateway hours", ctx.hours, prices.hour),
        _row(item, "NAT data processed", ctx.usage.nat_gateway.gb_per_month / gateways, prices.gb),
    ]


def vpc(item: Item, ctx: Context) -> list[CostRow]:
    """Traffic between the VPC's zones (usage), billed in both directions."""
    gb = ctx.usage.transfer.inter_zone_gb_per_month
    return [_row(item, "inter-zone data transfer", gb, ctx.prices.data_transfer.inter_zone_gb)] if gb else []


def vpc_endpoint(item: Item, ctx: Context) -> list[CostRow]:
    """A gateway endpoint (S3, DynamoDB) is free; an interface endpoint is not priced here."""
    kind = str(item.inputs.get("vpcEndpointType", "Gateway"))
    if kind != "Gateway":
        raise Unpriced(f"vpcEndpointType {kind!r} has no price; only gateway endpoints (free) are known")
    return []


def elastic_ip(item: Item, ctx: Context) -> list[CostRow]:
    """A public IPv4 address, billed every hour whether attached or not."""
    return [_row(item, "public IPv4 address", ctx.hours, ctx.prices.public_ipv4.hour)]


def load_balancer(item: Item, ctx: Context) -> list[CostRow]:
    """An NLB: hours, NLCUs, and one public IPv4 per zone when internet-facing."""
    kind = item.inputs.get("loadBalancerType", "application")
    if kind != "network":
        raise Unpriced(f"loadBalancerType {kind!r} has no price; only network load balancers are priced")
    prices = ctx.prices.network_load_balancer
    nlcu = ctx.usage.load_balancer.nlcu_per_hour
    rows = [
        _row(item, "NLB hours", ctx.hours, prices.hour),
        _row(item, "NLB capacity units", nlcu * ctx.hours, prices.nlcu_hour),
    ]
    if not item.inputs.get("internal", False):
        mappings = [_dict(m) for m in _list(item.inputs.get("subnetMappings"))]
        # An Elastic IP given in a mapping is billed as its own Eip resource.
        zones = len(mappings) - sum(1 for m in mappings if m.get("allocationId")) if mappings else 0
        zones = zones or len(_list(item.inputs.get("subnets")))
        if zones:
            rows.append(
                _row(
                    item,
                    "public IPv4 addresses (one per zone)",
                    zones * ctx.hours,
                    ctx.prices.public_ipv4.hour,
                )
            )
    return rows


# --- Storage, keys, logs, DNS ------------------------------------------------------


def kms_key(item: Item, ctx: Context) -> list[CostRow]:
    """A customer managed key, every month."""
    return [_row(item, "KMS customer managed key", 1, ctx.prices.kms.key_month)]


DAYS_PER_MONTH = 365 / 12


def log_group(item: Item, ctx: Context) -> list[CostRow]:
    """Ingestion of the assumed GB a month, and storage of what the retention keeps (compressed)."""
    logs = ctx.usage.logs
    gb = logs.groups.get(item.name, logs.gb_per_group)
    days = _number(item.inputs.get("retentionInDays"), 0)
    months = days / DAYS_PER_MONTH if days else logs.months_without_retention
    stored = gb * logs.compression_ratio * months
    rows = [_row(item, "log ingestion", gb, ctx.prices.cloudwatch_logs.ingestion_gb)]
    if stored:
        rows.append(
            _row(
                item,
                f"log storage ({months:.1f} months kept)",
                stored,
                ctx.prices.cloudwatch_logs.storage_gb_month,
            )
        )
    return rows


VELERO_SCHEDULE = "kubernetes:velero.io/v1:Schedule"


def velero_schedule(item: Item, ctx: Context) -> list[CostRow]:
    """The EBS snapshots a Velero schedule keeps, when it snapshots volumes (usage)."""
    template = _dict(_dict(item.inputs.get("spec")).get("template"))
    if template.get("snapshotVolumes") is False:
        return []
    gb = ctx.usage.backups.schedules.get(item.name, ctx.usage.backups.snapshot_gb_per_schedule)
    return [_row(item, "EBS snapshots (Velero)", gb, ctx.prices.ebs.snapshot_gb_month)] if gb else []


def bucket(item: Item, ctx: Context) -> list[CostRow]:
    """S3 Standard storage of the assumed GB."""
    gb = ctx.usage.backups.buckets.get(item.name, ctx.usage.backups.gb_per_bucket)
    return [_row(item, "S3 Standard storage", gb, ctx.prices.s3.standard_gb_month)]


def hosted_zone(item: Item, ctx: Context) -> list[CostRow]:
    """A hosted zone, every month."""
    return [_row(item, "Route53 hosted zone", 1, ctx.prices.route53.hosted_zone_month)]


def ebs_volume(item: Item, ctx: Context) -> list[CostRow]:
    """A volume of `size` GB, priced as gp3."""
    kind = item.inputs.get("type", "gp3")
    if kind != "gp3":
        raise Unpriced(f"EBS volume type {kind!r} has no price; only gp3 is priced")
    return [_row(item, "EBS gp3 storage", _number(item.inputs.get("size"), 0), ctx.prices.ebs.gp3_gb_month)]


# --- Kubernetes volumes (EBS through the CSI driver) -------------------------------

_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_TO_GB = {
    None: 1e-9,
    "K": 1e-6,
    "M": 1e-3,
    "G": 1.0,
    "T": 1e3,
    "Ki": 1024 / 1e9,
    "Mi": 1024**2 / 1e9,
    "Gi": 1024**3 / 1e9,
    "Ti": 1024**4 / 1e9,
}


def quantity_gb(value: Any) -> float | None:
    """A Kubernetes storage quantity (`8Gi`, `500M`) in GB, or None when it is not one."""
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    return float(match.group(1)) * _TO_GB[match.group(2)]


def _claim_gb(spec: Mapping[str, Any]) -> float:
    return quantity_gb(_dict(_dict(spec.get("resources")).get("requests")).get("storage")) or 0.0


def persistent_volume_claim(item: Item, ctx: Context) -> list[CostRow]:
    """A claim's requested storage, as gp3."""
    gb = _claim_gb(_dict(item.inputs.get("spec")))
    return [_row(item, "persistent volume (gp3)", gb, ctx.prices.ebs.gp3_gb_month)] if gb else []


def stateful_set(item: Item, ctx: Context) -> list[CostRow]:
    """Each replica's volume claim templates, as gp3."""
    spec = _dict(item.inputs.get("spec"))
    replicas = _number(spec.get("replicas"), 1)
    per_replica = sum(_claim_gb(_dict(_dict(t).get("spec"))) for t in _list(spec.get("volumeClaimTemplates")))
    if not per_replica:
        return []
    return [_row(item, "persistent volumes (gp3)", replicas * per_replica, ctx.prices.ebs.gp3_gb_month)]


# Keys under which charts declare persistent storage (`persistence.size`,
# `primary.persistence.size`, `storage.size`, `volumeClaimTemplate...`).
_VOLUME_KEYS = re.compile(r"^(persistence|persistentVolume|storage|walStorage|volumeClaimTemplates?)$")
_REPLICA_KEYS = ("replicaCount", "replicas", "instances")


def _replicas(node: Mapping[str, Any]) -> float:
    for key in _REPLICA_KEYS:
        value = node.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
    return 1.0


# Charts whose top-level `persistence` belongs to a workload described
# elsewhere in the values: Bitnami postgresql-ha gives every PostgreSQL
# instance (`postgresql.replicaCount`) a volume of `persistence.size`.
CHART_VOLUME_REPLICAS: dict[str, tuple[str, ...]] = {"postgresql-ha": ("postgresql", "replicaCount")}


def chart_name(chart: Any) -> str:
    """`postgresql-ha` of `postgresql-ha`, `bitnami/postgresql-ha` or `oci://.../postgresql-ha`."""
    return str(chart or "").rstrip("/").rsplit("/", 1)[-1]


def helm_volumes_gb(values: Mapping[str, Any], chart: str = "") -> float:
    """GB of persistent volumes a chart's values ask for.

    Each `size` under a persistence-like key counts once per replica of the
    mapping that holds it (`replicaCount`, `replicas` or `instances`), unless
    persistence is explicitly disabled there. For the charts in
    `CHART_VOLUME_REPLICAS`, the top level's replicas are read where the chart
    keeps them.
    """

    def walk(node: Mapping[str, Any], replicas: float) -> Iterator[float]:
        for key, value in node.items():
            child = _dict(value)
            if not child:
                continue
            if _VOLUME_KEYS.match(key) and child.get("enabled", True) is not False:
                given = child.get("size")
                size = quantity_gb(given)
                if given is not None and size is None:
                    # Skipping it would price the release as if it had no volume at all.
                    raise CostError(
                        f"{chart or 'helm release'}: {key}.size {given!r} is not a storage quantity "
                        "(such as 10Gi); the volume cannot be priced"
                    )
                if size:
                    yield size * replicas
            yield from walk(child, _replicas(child) if any(k in child for k in _REPLICA_KEYS) else replicas)

    top = _replicas(values)
    path = CHART_VOLUME_REPLICAS.get(chart)
    if path is not None:
        node: Any = values
        for key in path:
            node = _dict(node).get(key)
        top = _number(node, top)
    return sum(walk(values, top))


def helm_release(item: Item, ctx: Context) -> list[CostRow]:
    """The persistent volumes a release's values ask for (usage file wins), as gp3."""
    gb = ctx.usage.volumes.releases.get(item.name)
    if gb is None:
        gb = helm_volumes_gb(_dict(item.inputs.get("values")), chart_name(item.inputs.get("chart")))
    return [_row(item, "persistent volumes (gp3)", gb, ctx.prices.ebs.gp3_gb_month)] if gb else []


RULES: dict[str, Rule] = {
    EKS_CLUSTER: eks_cluster,
    NODE_GROUP: node_group,
    "aws:autoscaling/group:Group": autoscaling_group,
    NODE_POOL: node_pool,
    VELERO_SCHEDULE: velero_schedule,
    "aws:ec2/vpc:Vpc": vpc,
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    NAT_GATEWAY: nat_gateway,
    EIP: elastic_ip,
    LOAD_BALANCER: load_balancer,
    "aws:kms/key:Key": kms_key,
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:s3/bucket:Bucket": bucket,
    "aws:s3/bucketV2:BucketV2": bucket,
    "aws:route53/zone:Zone": hosted_zone,
    "aws:ebs/volume:Volume": ebs_volume,
    "kubernetes:core/v1:PersistentVolumeClaim": persistent_volume_claim,
    "kubernetes:apps/v1:StatefulSet": stateful_set,
    "kubernetes:helm.sh/v3:Release": helm_release,
}
"""Type token -> the function that prices one resource of that type."""

FREE_TYPES: frozenset[str] = frozenset(
    {
        # Network plumbing: no charge of its own.
        SUBNET,
        # A network interface and an address association cost nothing (the address does).
        "aws:ec2/networkInterface:NetworkInterface",
        "aws:ec2/eipAssociation:EipAssociation",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/route:Route",
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
        "aws:ec2/defaultRouteTable:DefaultRouteTable",
        "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
        "aws:ec2/networkAcl:NetworkAcl",
        "aws:ec2/networkAclRule:NetworkAclRule",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        # Flow logs cost their ingestion, priced on the log group they write to.
        "aws:ec2/flowLog:FlowLog",
        # A launch template is priced through the node group that launches it.
        LAUNCH_TEMPLATE,
        # Identity and access.
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/policy:Policy",
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:iam/serviceLinkedRole:ServiceLinkedRole",
        # EKS objects other than the cluster and its nodes.
        "aws:eks/addon:Addon",
        "aws:eks/accessEntry:AccessEntry",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        # Load balancer parts: the load balancer carries the charge.
        "aws:lb/targetGroup:TargetGroup",
        "aws:lb/listener:Listener",
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        "aws:autoscaling/attachment:Attachment",
        # DNS records (queries to alias records of AWS resources are free).
        "aws:route53/record:Record",
        # Key and bucket settings: the key and the bucket carry the charge.
        "aws:kms/alias:Alias",
        "aws:kms/keyPolicy:KeyPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketVersioningV2:BucketVersioningV2",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        # Budgets without actions are free.
        "aws:budgets/budget:Budget",
        # Karpenter's interruption queue: a long-polling consumer stays far inside
        # SQS's free million requests a month; EventBridge delivers AWS service
        # events to it at no charge.
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget",
        # Budget alerts to Slack: a few SNS publishes a month stay inside SNS's
        # always-free tier (1 million publishes, notifications to Chatbot
        # included), and AWS Chatbot itself has no charge.
        "aws:sns/topic:Topic",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
    }
)
"""AWS types that cost nothing by themselves, or whose cost another rule carries."""


def is_covered(type_token: str) -> bool:
    """True when the type is priced, known to be free, or not an AWS or Kubernetes volume type."""
    return type_token in RULES or type_token in FREE_TYPES or not type_token.startswith("aws:")
