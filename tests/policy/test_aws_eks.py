"""EKS: public endpoint in prod, node groups in private subnets."""

from typing import Any

import pytest

from policy.aws_eks import CLUSTER, NODE_GROUP, SUBNET, eks_node_groups_private, eks_public_endpoint
from tests.policy.records import fired, record


@pytest.mark.parametrize(
    "vpc_config",
    [
        {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
        {"endpointPublicAccess": True},
        {"publicAccessCidrs": ["203.0.113.0/24", "::/0"]},
        {},
    ],
)
def test_endpoint_open_to_the_world_fires_in_prod(vpc_config: dict[str, Any]) -> None:
    found = fired(eks_public_endpoint, record(CLUSTER, "eks", {"vpcConfig": vpc_config}))
    assert len(found) == 1 and "public endpoint open to" in found[0].message


@pytest.mark.parametrize(
    "vpc_config",
    [
        {"endpointPublicAccess": False, "endpointPrivateAccess": True},
        {"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]},
    ],
)
def test_private_or_restricted_endpoint_is_silent(vpc_config: dict[str, Any]) -> None:
    assert fired(eks_public_endpoint, record(CLUSTER, "eks", {"vpcConfig": vpc_config})) == []


def test_endpoint_rule_applies_to_prod_only() -> None:
    open_ = {"vpcConfig": {"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}}
    assert fired(eks_public_endpoint, record(CLUSTER, "eks", open_, stack="staging")) == []
    assert fired(eks_public_endpoint, record(CLUSTER, "eks", open_, stack="prod")) != []


def subnets() -> list[Any]:
    return [
        record(
            SUBNET,
            "public-a",
            {"mapPublicIpOnLaunch": True, "tags": {"kubernetes.io/role/elb": "1"}},
            id_="subnet-pub",
        ),
        record(SUBNET, "private-a", {"mapPublicIpOnLaunch": False}, id_="subnet-priv"),
        record(
            SUBNET,
            "internal-b",
            {"mapPublicIpOnLaunch": True, "tags": {"kubernetes.io/role/internal-elb": "1"}},
            id_="subnet-int",
        ),
    ]


def test_node_group_in_a_public_subnet_fires() -> None:
    group = record(NODE_GROUP, "workers", {"subnetIds": ["subnet-priv", "subnet-pub"]})
    found = fired(eks_node_groups_private, *subnets(), group)
    assert [v.urn for v in found] == [group.urn]
    assert "public-a" in found[0].message


def test_node_group_in_private_or_internal_subnets_is_silent() -> None:
    group = record(NODE_GROUP, "workers", {"subnetIds": ["subnet-priv", "subnet-int"]})
    assert fired(eks_node_groups_private, *subnets(), group) == []


IGW = "aws:ec2/internetGateway:InternetGateway"
TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"


def routed_network() -> list[Any]:
    """Untagged subnets without mapPublicIpOnLaunch: only their routes say which are public."""
    return [
        record(IGW, "igw", id_="igw-1"),
        record(
            TABLE, "public-rt", {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"}]}, id_="rtb-pub"
        ),
        record(
            TABLE,
            "private-rt",
            {"routes": [{"cidrBlock": "0.0.0.0/0", "natGatewayId": "nat-1"}]},
            id_="rtb-priv",
        ),
        record(TABLE, "edge-rt", {}, id_="rtb-edge"),
        record(
            ROUTE,
            "edge-default",
            {"routeTableId": "rtb-edge", "destinationCidrBlock": "0.0.0.0/0", "gatewayId": "igw-1"},
        ),
        record(SUBNET, "a", {"tags": {"kubernetes.io/role/internal-elb": "1"}}, id_="subnet-a"),
        record(SUBNET, "b", {}, id_="subnet-b"),
        record(SUBNET, "c", {}, id_="subnet-c"),
        record(ASSOC, "a", {"subnetId": "subnet-a", "routeTableId": "rtb-pub"}),
        record(ASSOC, "b", {"subnetId": "subnet-b", "routeTableId": "rtb-priv"}),
        record(ASSOC, "c", {"subnetId": "subnet-c", "routeTableId": "rtb-edge"}),
    ]


def test_a_default_route_to_an_internet_gateway_makes_a_subnet_public_whatever_its_tags() -> None:
    group = record(NODE_GROUP, "workers", {"subnetIds": ["subnet-a", "subnet-b", "subnet-c"]})
    found = fired(eks_node_groups_private, *routed_network(), group)
    assert sorted(v.message.split("'")[3] for v in found) == ["a", "c"]


def test_node_group_behind_a_nat_gateway_is_silent() -> None:
    group = record(NODE_GROUP, "workers", {"subnetIds": ["subnet-b"]})
    assert fired(eks_node_groups_private, *routed_network(), group) == []
