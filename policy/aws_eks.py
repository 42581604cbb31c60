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

from policy.common import (
    UNKNOWN,
    UndecidedError,
    as_list,
    of_type,
    plain,
    prop,
    props_of,
    references,
    stack_of,
    tags_of,
)

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
    props = cast(dict[str, Any], plain(args.props))
    # The raw provider defaults are the open ones: public access on, from 0.0.0.0/0.
    public = prop(props, "vpcConfig.endpointPublicAccess", True)
    if public is False:
        return
    cidrs = prop(props, "vpcConfig.publicAccessCidrs")
    listed = [c for c in as_list(cidrs) if isinstance(c, str)]
    open_to = [c for c in listed if c in _WORLD]
    if not open_to and not listed and cidrs != UNKNOWN:
        open_to = ["0.0.0.0/0 (the default)"]
    if open_to:
        report_violation(
            f"cluster '{args.name}' has a public endpoint open to {', '.join(open_to)}: "
            "set vpcConfig.endpointPublicAccess to false or list the allowed CIDRs in publicAccessCidrs",
            args.urn,
        )
    elif UNKNOWN in (public, cidrs, *listed):
        raise UndecidedError(
            f"cluster '{args.name}': its public endpoint's CIDRs are known only at the update"
        )


eks_public_endpoint = ResourceValidationPolicy(
    name="aws-eks-cluster-disallow-api-endpoint-public-access",
    description="In prod the EKS public endpoint is never open to 0.0.0.0/0 (Checkov CKV_AWS_38/39).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV_AWS_38", "checkov:CKV_AWS_39"],
    validate=_endpoint,
)


class _Stack:
    """The stack's resources with their unwrapped properties, and what stays undecided."""

    def __init__(self, resources: list[PolicyResource]) -> None:
        self.resources = resources
        self.props = {r.urn: props_of(r) for r in resources}
        self.ids = {
            urn: {p["id"]}
            for urn, p in self.props.items()
            if isinstance(p.get("id"), str) and p["id"] != UNKNOWN
        }
        self.undecided: list[str] = []

    def refs(self, resource: PolicyResource, key: str, type_token: str) -> set[str]:
        found, unsure = references(
            resource, self.props[resource.urn], key, of_type(self.resources, type_token), self.ids
        )
        if unsure:
            self.undecided.append(f"{resource.name}.{key}")
        return found


def _to_igw(stack: _Stack, owner: PolicyResource, route: Mapping[str, Any], key: str) -> bool:
    """Whether a route is a default route to an internet gateway (`key`: where its gateway came from)."""
    default = route.get("cidrBlock", route.get("destinationCidrBlock")) == "0.0.0.0/0" or (
        route.get("ipv6CidrBlock", route.get("destinationIpv6CidrBlock")) == "::/0"
    )
    gateway = route.get("gatewayId")
    if not default or gateway is None:
        return False
    if isinstance(gateway, str) and gateway.startswith("igw-"):
        return True
    if gateway == UNKNOWN:
        # Unknown in a first preview: the input's dependencies say whether it is an internet gateway.
        deps = owner.property_dependencies.get(key) or owner.dependencies
        if any(d.resource_type == INTERNET_GATEWAY for d in deps):
            return True
        if not deps:
            stack.undecided.append(f"{owner.name}.{key}")
        return False
    return any(gateway in stack.ids.get(g.urn, set()) for g in of_type(stack.resources, INTERNET_GATEWAY))


def _igw_route_tables(stack: _Stack) -> set[str]:
    """URNs of route tables with a default route to an internet gateway (inline or `Route`)."""
    tables: set[str] = set()
    for table in of_type(stack.resources, ROUTE_TABLE):
        routes = as_list(stack.props[table.urn].get("routes"))
        if any(
            isinstance(r, Mapping) and _to_igw(stack, table, cast(Mapping[str, Any], r), "routes")
            for r in routes
        ):
            tables.add(table.urn)
    for route in of_type(stack.resources, ROUTE):
        if _to_igw(stack, route, stack.props[route.urn], "gatewayId"):
            tables |= stack.refs(route, "routeTableId", ROUTE_TABLE)
    return tables


def public_subnets(stack: _Stack) -> set[str]:
    """URNs of subnets routed to an internet gateway, or meant to be public by their settings or tags.

    A default route to an internet gateway makes a subnet public whatever its
    tags; otherwise `mapPublicIpOnLaunch` or the `kubernetes.io/role/elb` tag
    do, unless the subnet is tagged `kubernetes.io/role/internal-elb`.
    """
    tables = _igw_route_tables(stack)
    routed: set[str] = set()
    for association in of_type(stack.resources, ROUTE_TABLE_ASSOCIATION):
        if stack.refs(association, "routeTableId", ROUTE_TABLE) & tables:
            routed |= stack.refs(association, "subnetId", SUBNET)
    public: set[str] = set()
    for subnet in of_type(stack.resources, SUBNET):
        props = stack.props[subnet.urn]
        tags = tags_of(props)
        internal = str(tags.get(INTERNAL_ELB_TAG, "")) == "1"
        meant_public = props.get("mapPublicIpOnLaunch") is True or str(tags.get(ELB_TAG, "")) == "1"
        if subnet.urn in routed or (meant_public and not internal):
            public.add(subnet.urn)
    return public


def _node_groups(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    stack = _Stack(args.resources)
    public = public_subnets(stack)
    names = {s.urn: s.name for s in of_type(args.resources, SUBNET)}
    for group in of_type(args.resources, NODE_GROUP):
        for subnet in sorted(stack.refs(group, "subnetIds", SUBNET) & public):
            report_violation(
                f"node group '{group.name}' uses public subnet '{names[subnet]}': nodes belong in "
                "private subnets (no route to an internet gateway, no mapPublicIpOnLaunch, "
                f"tagged {INTERNAL_ELB_TAG}=1)",
                group.urn,
            )
    if stack.undecided:
        raise UndecidedError(f"known only at the update: {', '.join(sorted(set(stack.undecided)))}")


eks_node_groups_private = StackValidationPolicy(
    name="aws-eks-nodegroup-private-subnets-only",
    description="EKS node groups run only in private subnets (no default route to an internet gateway).",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_node_groups,
)
