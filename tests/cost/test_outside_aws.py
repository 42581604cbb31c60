"""Datadog's per-host fee: shown next to the AWS estimate, never counted in it."""

import pytest

from cost.estimate import estimate
from cost.outside_aws import DATADOG_HOST_MONTH_USD, outside_aws, outside_lines
from tests.cost.fakes import items, registered, settings

NODES = registered(
    "aws:eks/nodeGroup:NodeGroup",
    "nodes",
    {"scalingConfig": {"minSize": 2, "desiredSize": 3, "maxSize": 6}, "instanceTypes": ["t3.large"]},
)
DATADOG = registered("kubernetes:helm.sh/v3:Release", "datadog-release", {"name": "datadog", "values": {}})


def test_datadog_fee_is_one_host_per_node() -> None:
    [line] = outside_aws(items(NODES, DATADOG), settings().usage)
    assert (line.service, line.quantity, line.unit_usd) == (
        "Datadog Infrastructure Pro",
        3,
        DATADOG_HOST_MONTH_USD,
    )
    assert line.monthly_usd == pytest.approx(3 * DATADOG_HOST_MONTH_USD)
    assert "up to 6 hosts" in line.note


def test_no_agent_no_fee() -> None:
    assert outside_aws(items(NODES), settings().usage) == []


def test_the_fee_is_not_part_of_the_aws_total() -> None:
    s = settings()
    with_agent = estimate(items(NODES, DATADOG), s.prices, s.usage)
    without = estimate(items(NODES), s.prices, s.usage)
    assert with_agent.total_usd == pytest.approx(without.total_usd)


def test_the_line_says_it_is_outside_the_budget() -> None:
    [line] = outside_aws(items(NODES, DATADOG), settings().usage)
    [text] = outside_lines([line], currency="EUR", rate=0.5)
    assert text.startswith(
        "Outside AWS, not counted against the AWS budget: Datadog Infrastructure Pro: 3 x 18.00"
    )
    assert f"({3 * DATADOG_HOST_MONTH_USD * 0.5:.2f} EUR)" in text
