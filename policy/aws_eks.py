"""EKS: the API endpoint in prod, and where node groups run."""

from collections.abc import Mapping
from typing import Any

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
INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"


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


def _public(subnet: Mapping[str, Any]) -> bool:
    if str(tags_of(subnet).get(INTERNAL_ELB_TAG, "")) == "1":
        return False
    return subnet.get("mapPublicIpOnLaunch") is True


def _node_groups(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    subnets: dict[str, PolicyResource] = {}
    for subnet in of_type(args.resources, SUBNET):
        subnet_id = subnet.props.get("id")
        if isinstance(subnet_id, str):
            subnets[subnet_id] = subnet
    for group in of_type(args.resources, NODE_GROUP):
        for subnet_id in as_list(group.props.get("subnetIds")):
            subnet = subnets.get(subnet_id) if isinstance(subnet_id, str) else None
            if subnet is not None and _public(subnet.props):
                report_violation(
                    f"node group '{group.name}' uses public subnet '{subnet.name}' ({subnet_id}): "
                    "nodes belong in private subnets (no mapPublicIpOnLaunch, or tagged "
                    f"{INTERNAL_ELB_TAG}=1)",
                    group.urn,
                )


eks_node_groups_private = StackValidationPolicy(
    name="aws-eks-nodegroup-private-subnets-only",
    description="EKS node groups run only in private subnets.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_node_groups,
)
