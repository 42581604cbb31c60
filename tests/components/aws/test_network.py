"""Network: zones, subnets, NAT gateways, routes, default security group, flow logs."""

import base64
from ipaddress import IPv4Network
from typing import Any

import pytest

from components.aws.network import NAT_AMI_PARAMETER
from config import ConfigError
from offline.harness import PlanResult
from tests.conftest import Planner

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"
ENI = "aws:ec2/networkInterface:NetworkInterface"


def subnets(result: PlanResult, role: str) -> dict[str, dict[str, Any]]:
    """Inputs of the public or private subnets, by zone letter."""
    prefix = f"{result.stack}-network-{role}-"
    return {
        r.name.removeprefix(prefix): r.inputs for r in result.of_type(SUBNET) if r.name.startswith(prefix)
    }


@pytest.mark.parametrize(("stack", "letters", "nats"), [("staging", "ab", 1), ("prod", "abc", 0)])
def test_subnets_and_nat_gateways_per_stack(
    request: pytest.FixtureRequest, stack: str, letters: str, nats: int
) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    for role in ("public", "private"):
        found = subnets(result, role)
        assert sorted(found) == list(letters)
        for letter, inputs in found.items():
            assert inputs["availabilityZone"] == f"eu-west-3{letter}"
    assert len(result.of_type(SUBNET)) == 2 * len(letters)
    assert len(result.of_type(NAT)) == nats
    # One public address per stack: the NAT gateway's, or prod's NAT instance's.
    assert len(result.of_type(EIP)) == 1
    assert result.one("aws:ec2/vpc:Vpc", f"{stack}-network-vpc").inputs["enableDnsHostnames"] is True


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_no_subnet_maps_public_ips_and_subnets_carry_elb_tags(
    request: pytest.FixtureRequest, stack: str
) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    for inputs in subnets(result, "private").values():
        assert inputs["mapPublicIpOnLaunch"] is False
        assert inputs["tags"]["kubernetes.io/role/internal-elb"] == "1"
        assert "kubernetes.io/role/elb" not in inputs["tags"]
    for inputs in subnets(result, "public").values():
        assert inputs["mapPublicIpOnLaunch"] is False
        assert inputs["tags"]["kubernetes.io/role/elb"] == "1"


def test_subnet_cidrs_do_not_overlap_and_sit_in_the_vpc(prod: PlanResult) -> None:
    vpc = IPv4Network(prod.one("aws:ec2/vpc:Vpc", "prod-network-vpc").inputs["cidrBlock"])
    cidrs = [IPv4Network(r.inputs["cidrBlock"]) for r in prod.of_type(SUBNET)]
    assert all(c.subnet_of(vpc) for c in cidrs)
    assert all(not a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])


def test_adding_a_zone_moves_and_renames_nothing(plan: Planner, staging: PlanResult) -> None:
    wider = plan("staging-dedicated", set_={"cloud:network": {"cidr": "10.30.0.0/16", "zones": 3}})
    before = {r.name: r.inputs["cidrBlock"] for r in staging.of_type(SUBNET)}
    after = {r.name: r.inputs["cidrBlock"] for r in wider.of_type(SUBNET)}
    assert len(after) == len(before) + 2
    assert {name: after[name] for name in before} == before


def nat_routes(result: PlanResult) -> dict[str, str]:
    """Private route table by zone letter -> the NAT gateway id of its default route."""
    prefix = f"{result.stack}-network-private-"
    return {
        r.name.removeprefix(prefix): r.inputs["routes"][0]["natGatewayId"]
        for r in result.of_type(ROUTE_TABLE)
        if r.name.startswith(prefix)
    }


def test_one_nat_per_stack_serves_every_zone(staging: PlanResult, prod: PlanResult) -> None:
    assert len(nat_routes(staging)) == 2
    assert len(set(nat_routes(staging).values())) == 1
    routes = {
        r.name: r.inputs["routes"][0]
        for r in prod.of_type(ROUTE_TABLE)
        if r.name.startswith("prod-network-private-")
    }
    assert len(routes) == 3
    assert {r["networkInterfaceId"] for r in routes.values()} == {prod.one(ENI, "prod-network-nat-a").id}
    public = prod.one(ROUTE_TABLE, "prod-network-public-rt").inputs["routes"]
    assert public[0]["cidrBlock"] == "0.0.0.0/0" and public[0]["gatewayId"].startswith("igw-")


def test_nat_switch_is_configuration(plan: Planner) -> None:
    result = plan(
        "staging-dedicated",
        set_={"cloud:network": {"cidr": "10.30.0.0/16", "zones": 2, "natGateways": "perZone"}},
    )
    assert len(result.of_type(NAT)) == 2
    assert len(result.of_type(EIP)) == 2


def test_nat_instance_is_hardened_and_heals_behind_a_fixed_interface(prod: PlanResult) -> None:
    eni = prod.one(ENI, "prod-network-nat-a")
    assert eni.inputs["sourceDestCheck"] is False
    association = prod.one("aws:ec2/eipAssociation:EipAssociation", "prod-network-nat-a")
    assert association.inputs["networkInterfaceId"] == eni.id
    assert association.inputs["allocationId"] == prod.one(EIP, "prod-network-nat-a").id
    template = prod.one("aws:ec2/launchTemplate:LaunchTemplate", "prod-network-nat-instance").inputs
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    assert template["imageId"] == f"resolve:ssm:{NAT_AMI_PARAMETER.format(arch='arm64')}"
    assert template["instanceType"] == "t4g.nano"
    assert "keyName" not in template  # no SSH key: Session Manager only
    assert template["networkInterfaces"] == [{"deviceIndex": 0, "networkInterfaceId": eni.id}]
    assert template["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"
    script = base64.b64decode(template["userData"]).decode()
    assert "net.ipv4.ip_forward = 1" in script and "MASQUERADE" in script and "10.20.0.0/16" in script
    group = prod.one("aws:autoscaling/group:Group", "prod-network-nat-instance").inputs
    assert (group["minSize"], group["maxSize"], group["desiredCapacity"]) == (1, 1, 1)
    assert group["vpcZoneIdentifiers"] == [prod.one(SUBNET, "prod-network-public-a").id]
    assert group["launchTemplate"]["version"] == "$Latest"
    sg = prod.one("aws:ec2/securityGroup:SecurityGroup", "prod-network-nat-instance").inputs
    assert [rule["cidrBlocks"] for rule in sg["ingress"]] == [["10.20.0.0/16"]]


def test_nat_instance_refuses_one_per_zone(plan: Planner) -> None:
    with pytest.raises(ConfigError, match="natType instance runs one NAT instance"):
        plan(
            "staging-dedicated",
            set_={
                "cloud:network": {
                    "cidr": "10.30.0.0/16",
                    "zones": 2,
                    "natGateways": "perZone",
                    "natType": "instance",
                }
            },
        )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_s3_gateway_endpoint_serves_every_route_table(request: pytest.FixtureRequest, stack: str) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    endpoint = result.one("aws:ec2/vpcEndpoint:VpcEndpoint", f"{stack}-network-s3").inputs
    assert endpoint["serviceName"] == "com.amazonaws.eu-west-3.s3"
    assert endpoint["vpcEndpointType"] == "Gateway"
    tables = {r.id for r in result.of_type(ROUTE_TABLE)}
    assert set(endpoint["routeTableIds"]) == tables


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_default_security_group_keeps_no_rules(request: pytest.FixtureRequest, stack: str) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    default = result.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", f"{stack}-network-default-sg")
    assert not default.inputs.get("ingress") and not default.inputs.get("egress")
    assert default.inputs["vpcId"].startswith("vpc-")


def test_prod_flow_logs_go_to_an_encrypted_retained_group(prod: PlanResult) -> None:
    flow = prod.one(FLOW_LOG, "prod-network-flow-logs")
    group = prod.one(LOG_GROUP, "prod-network-flow-logs")
    key = prod.one(KMS_KEY, "prod-network-flow-logs-key")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    assert flow.inputs["logDestination"].endswith(f":log-group:{group.inputs['name']}")
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:eu-west-3:")
    assert group.inputs["retentionInDays"] == 365
    assert key.inputs["enableKeyRotation"] is True
    assert group.inputs["name"] in key.inputs["policy"]  # CloudWatch Logs may use the key for this group


def test_staging_has_no_flow_logs(staging: PlanResult) -> None:
    assert staging.of_type(FLOW_LOG) == []
