"""EKS: the API endpoint in prod, and where node groups run."""

from collections.abc import Mapping
from typing import Any, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.common import UNKNOWN, as_list, of_type, prop, stack_of, tags_of

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
SUBNET = "aws:ec2/subnet:Subnet"
PROD_STACKS = ("prod",)
_WORLD = ("0.0.0.0/0", "::/0")
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"
ELB_TAG = "kubernetes.io/role/elb"


def _endpoint(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != CLUSTER or stack_of(args.urn) not in PROD_STACKS:
        return
    # The raw provider defaults are the open ones: public access on, from 0.0.0.0/0.
    if prop(args.props, "vpcConfig.endpointPublicAccess", True) is False:
        return
    cidrs = prop(args.props, "vpcConfig.publicAccessCidrs")
    if cidrs == UNKNOWN:
        return
    listed = [c for c in as_list(cidrs) if isinstance(c, str)]
    open_to = [c for c in listed if c in _WORLD] or ([] if listed else ["0.0.0.0/0 (the default)"])
    if open_to:
        report_violation(
            f"cluster '{args.name}' has a public endpoint open to {', '.join(open_to)}: "
            "set vpcConfig.endpointPublicAccess to false or list the allowed CIDRs in publicAccessCidrs",
            args.urn,
        )


eks_public_endpoint = ResourceValidationPolicy(
    name="aws-eks-cluster-disallow-api-endpoint-public-access",
    description="In prod the EKS public endpoint is never open to 0.0.0.0/0 (Checkov CKV_AWS_38/39).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV_AWS_38", "checkov:CKV_AWS_39"],
    validate=_endpoint,
)


def _igw_route_tables(resources: list[PolicyResource]) -> set[str]:
    """Ids of route tables with a default route to an internet gateway (inline or `Route`)."""
    gateways = {g.props.get("id") for g in of_type(resources, INTERNET_GATEWAY)}

    def to_igw(route: Mapping[str, Any]) -> bool:
        default = route.get("cidrBlock", route.get("destinationCidrBlock")) == "0.0.0.0/0" or (
            route.get("ipv6CidrBlock", route.get("destinationIpv6CidrBlock")) == "::/0"
        )
        gateway = route.get("gatewayId")
        return default and isinstance(gateway, str) and (gateway in gateways or gateway.startswith("igw-"))

    tables: set[str] = set()
    for table in of_type(resources, ROUTE_TABLE):
        routes = [
            cast(Mapping[str, Any], r) for r in as_list(table.props.get("routes")) if isinstance(r, Mapping)
        ]
        if any(to_igw(r) for r in routes) and isinstance(table.props.get("id"), str):
            tables.add(str(table.props["id"]))
    for route in of_type(resources, ROUTE):
        if to_igw(route.props) and isinstance(route.props.get("routeTableId"), str):
            tables.add(str(route.props["routeTableId"]))
    return tables


def public_subnet_ids(resources: list[PolicyResource]) -> set[str]:
    """Subnets routed to an internet gateway, or meant to be public by their settings or tags.

    A default route to an internet gateway makes a subnet public whatever its
    tags; otherwise `mapPublicIpOnLaunch` or the `kubernetes.io/role/elb` tag
    do, unless the subnet is tagged `kubernetes.io/role/internal-elb`.
    """
    tables = _igw_route_tables(resources)
    routed = {
        str(a.props.get("subnetId"))
        for a in of_type(resources, ROUTE_TABLE_ASSOCIATION)
        if a.props.get("routeTableId") in tables
    }
    public: set[str] = set()
    for subnet in of_type(resources, SUBNET):
        subnet_id = subnet.props.get("id")
        if not isinstance(subnet_id, str):
            continue
        tags = tags_of(subnet.props)
        internal = str(tags.get(INTERNAL_ELB_TAG, "")) == "1"
        meant_public = subnet.props.get("mapPublicIpOnLaunch") is True or str(tags.get(ELB_TAG, "")) == "1"
        if subnet_id in routed or (meant_public and not internal):
            public.add(subnet_id)
    return public


def _node_groups(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    public = public_subnet_ids(args.resources)
    names = {s.props.get("id"): s.name for s in of_type(args.resources, SUBNET)}
    for group in of_type(args.resources, NODE_GROUP):
        for subnet_id in as_list(group.props.get("subnetIds")):
            if isinstance(subnet_id, str) and subnet_id in public:
                report_violation(
                    f"node group '{group.name}' uses public subnet '{names.get(subnet_id, subnet_id)}' "
                    f"({subnet_id}): nodes belong in private subnets (no route to an internet gateway, "
                    f"no mapPublicIpOnLaunch, tagged {INTERNAL_ELB_TAG}=1)",
                    group.urn,
                )


eks_node_groups_private = StackValidationPolicy(
    name="aws-eks-nodegroup-private-subnets-only",
    description="EKS node groups run only in private subnets (no default route to an internet gateway).",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_node_groups,
)
