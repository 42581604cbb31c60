"""The components refuse arguments they cannot build, whoever calls them."""

from collections.abc import Callable

import pulumi
import pulumi_aws as aws
import pytest

from components.aws.load_balancer import LoadBalancer, LoadBalancerArgs
from components.aws.network import Network, NetworkArgs
from offline.harness import PlanResult
from offline.plan import plan_config
from tests.conftest import stack_file


def run(program: Callable[[aws.Provider], object]) -> PlanResult:
    base = stack_file("staging")
    return plan_config(
        project=base.project,
        stack="staging",
        config=base.config,
        secret_keys=base.secret_keys,
        program=lambda: _discard(program(aws.Provider("test-aws", region="eu-west-3"))),
    )


def _discard(_: object) -> None:
    """Programs return nothing; the component built is found in the plan."""


def network(provider: aws.Provider, public: list[str], private: list[str]) -> Network:
    return Network(
        "t",
        NetworkArgs(
            cidr="10.0.0.0/16",
            public_subnet_cidrs=public,
            private_subnet_cidrs=private,
            region="eu-west-3",
            provider=provider,
        ),
    )


def test_a_network_on_its_own_names_children_by_zone_letter() -> None:
    result = run(lambda p: pulumi.export("zones", network(p, ["10.0.0.0/20"], ["10.0.128.0/20"]).zones))
    assert result.outputs["zones"] == ["eu-west-3a"]
    assert sorted(r.name for r in result.of_type("aws:ec2/subnet:Subnet")) == ["t-private-a", "t-public-a"]
    assert len(result.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert result.of_type("aws:ec2/flowLog:FlowLog") == []


def test_network_refuses_unpaired_subnets() -> None:
    with pytest.raises(Exception, match="as many private subnets as public ones"):
        run(lambda p: network(p, ["10.0.0.0/20", "10.0.16.0/20"], ["10.0.128.0/20"]))


def test_network_refuses_more_zones_than_the_region_has() -> None:
    cidrs = [f"10.0.{16 * i}.0/20" for i in range(4)]
    private = [f"10.0.{128 + 16 * i}.0/20" for i in range(4)]
    with pytest.raises(Exception, match="offers 3 availability zones; the network asks for 4"):
        run(lambda p: network(p, cidrs, private))


def test_load_balancer_needs_both_node_ports() -> None:
    def program(provider: aws.Provider) -> None:
        LoadBalancer(
            "t",
            LoadBalancerArgs(
                vpc_id="vpc-1",
                public_subnet_ids=["subnet-1"],
                node_security_group_id="sg-1",
                autoscaling_group_name="asg",
                node_ports={"http": 30080},
                hosted_zone_id="Z1",
                records={},
                provider=provider,
            ),
        )

    with pytest.raises(Exception, match=r"node ports for exactly \['http', 'https'\]"):
        run(program)
