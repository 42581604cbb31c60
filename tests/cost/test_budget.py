"""The budget check and its cheaper options, re-priced from the registered resources."""

import pytest

from cost.budget import check_budget, smaller_size
from cost.estimate import estimate
from offline.harness import Registered
from tests.cost.fakes import items, network, node_group, price_table, registered, settings

ZONES = ["eu-west-3a", "eu-west-3b", "eu-west-3c"]


def expensive_stack() -> list[Registered]:
    records = network(ZONES, nat_per_zone=True)
    subnets = [r for r in records if r.type == "aws:ec2/subnet:Subnet"]
    nlb = registered(
        "aws:lb/loadBalancer:LoadBalancer",
        "ingress-nlb",
        {"loadBalancerType": "network", "subnets": ["s-a", "s-b", "s-c"]},
        depends=subnets,
    )
    cluster = registered("aws:eks/cluster:Cluster", "eks", {"upgradePolicy": {"supportType": "STANDARD"}})
    return [*records, nlb, cluster, node_group(depends=subnets)]


def test_budget_check_stays_silent_within_budget() -> None:
    stack = items(*expensive_stack())
    total = estimate(stack, price_table(), settings().usage).total_usd
    verdict = check_budget(stack, settings(budget=total + 1))
    assert not verdict.over
    assert verdict.largest == [] and verdict.options == []
    assert "is within the budget" in verdict.message()


def test_no_budget_never_fires() -> None:
    verdict = check_budget(items(*expensive_stack()), settings())
    assert verdict.budget_usd is None and not verdict.over


def test_over_budget_names_the_three_largest_items_and_prices_each_option() -> None:
    s = settings(budget=100)
    stack = items(*expensive_stack())
    verdict = check_budget(stack, s)
    assert verdict.over
    # node group: 2 x 730 x 0.10 + 2 x 20 GB x 0.08 = 149.2; cluster 73; each NAT 32.85 + 50/3 GB x 0.045
    assert [name for name, _, _ in verdict.largest] == ["eks-nodes", "eks", "net-nat-a"]
    assert verdict.largest[0][2] == pytest.approx(149.2)
    savings = {o.description: o.saving_usd for o in verdict.options}
    assert set(savings) == {
        "one NAT gateway instead of 3",
        "spot nodes instead of on-demand",
        "2 zones instead of 3",
        "smaller nodes (t3.medium instead of t3.large)",
    }
    nat_and_ip = 730 * 0.045 + 730 * 0.005  # a gateway's hours and its address; traffic stays
    assert savings["one NAT gateway instead of 3"] == pytest.approx(2 * nat_and_ip)
    assert savings["spot nodes instead of on-demand"] == pytest.approx(2 * 730 * 0.10 * 0.7)
    # zone c: its NAT gateway and address, and the NLB's address there
    assert savings["2 zones instead of 3"] == pytest.approx(nat_and_ip + 730 * 0.005)
    assert savings["smaller nodes (t3.medium instead of t3.large)"] == pytest.approx(2 * 730 * 0.05)
    assert [o.saving_usd for o in verdict.options] == sorted(savings.values(), reverse=True)
    message = verdict.message()
    assert "exceeds the budget of 100.00 USD" in message
    assert "eks-nodes (aws:eks/nodeGroup:NodeGroup): 149.20 USD/month" in message
    assert f"one NAT gateway instead of 3: saves {2 * nat_and_ip:.2f} USD/month" in message


def test_single_nat_spot_small_nodes_in_one_zone_have_no_cheaper_option() -> None:
    records = [
        *network(["eu-west-3a"], nat_per_zone=False),
        node_group(types=("t3.medium",), capacity="SPOT"),
    ]
    verdict = check_budget(items(*records), settings(budget=1))
    assert verdict.over and verdict.options == []
    assert "No cheaper variant" in verdict.message()


def test_budget_and_message_use_the_configured_currency() -> None:
    s = settings(budget=50, currency="EUR", rate=0.9)
    assert s.cost.monthly_budget_usd == pytest.approx(50 / 0.9)
    nat = registered("aws:ec2/natGateway:NatGateway", "net-nat-a")
    s = settings(budget=20, currency="EUR", rate=0.9, usage={"natGateway": {"gbPerMonth": 10}})
    verdict = check_budget(items(nat), s)
    # 33.30 USD is 29.97 EUR, over a 20 EUR budget by 9.97 EUR
    assert verdict.over
    assert (
        "29.97 EUR (33.30 USD) exceeds the budget of 20.00 EUR (22.22 USD) by 9.97 EUR" in verdict.message()
    )


def test_smaller_size_skips_sizes_the_table_lacks() -> None:
    prices = price_table()
    assert smaller_size("t3.xlarge", prices) == "t3.large"
    assert smaller_size("t3.medium", prices) is None  # no t3.small in the test table
    assert smaller_size("m5.large", prices) is None
