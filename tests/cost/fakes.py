"""Synthetic registered resources and round prices, so expected costs can be computed by hand."""

from collections.abc import Mapping, Sequence
from typing import Any

from config.cost import AccountBudget, CostConfig
from config.cost_settings import CostSettings
from config.pricing import PriceTable
from config.usage import Usage
from cost.model import Item
from offline.cost import items_from_plan
from offline.harness import PlanResult, Registered

SOURCE = "https://aws.amazon.com/pricing/"


def price(usd: float, unit: str) -> dict[str, Any]:
    return {"usd": usd, "unit": unit, "date": "2026-11-01", "source": SOURCE}


# Round figures, not the committed table: the arithmetic in the tests stays
# readable and does not move when the real prices are updated.
PRICES: dict[str, Any] = {
    "region": "eu-west-3",
    "currency": "USD",
    "hoursPerMonth": 730,
    "eks": {"clusterHour": price(0.10, "cluster-hour"), "extendedSupportHour": price(0.60, "cluster-hour")},
    "ec2": {
        "onDemandHour": {
            "t3.medium": price(0.05, "instance-hour"),
            "t3.large": price(0.10, "instance-hour"),
            "t3.xlarge": price(0.20, "instance-hour"),
            "t4g.nano": price(0.005, "instance-hour"),
            "t4g.medium": price(0.04, "instance-hour"),
        },
        "spotFactor": {"factor": 0.3, "date": "2026-11-01", "source": SOURCE},
    },
    "natGateway": {"hour": price(0.045, "gateway-hour"), "gb": price(0.045, "GB")},
    "networkLoadBalancer": {"hour": price(0.025, "NLB-hour"), "nlcuHour": price(0.006, "NLCU-hour")},
    "publicIpv4": {"hour": price(0.005, "address-hour")},
    "ebs": {"gp3GbMonth": price(0.08, "GB-month"), "snapshotGbMonth": price(0.05, "GB-month")},
    "dataTransfer": {"interZoneGb": price(0.02, "GB")},
    "s3": {"standardGbMonth": price(0.025, "GB-month")},
    "kms": {"keyMonth": price(1.0, "key-month")},
    "cloudwatchLogs": {"ingestionGb": price(0.5, "GB"), "storageGbMonth": price(0.03, "GB-month")},
    "route53": {"hostedZoneMonth": price(0.5, "zone-month")},
}


def price_table() -> PriceTable:
    return PriceTable.model_validate(PRICES)


def urn(type_token: str, name: str, stack: str = "staging") -> str:
    return f"urn:pulumi:{stack}::campus::{type_token}::{name}"


def registered(
    type_token: str,
    name: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    depends: Sequence[Registered] = (),
    stack: str = "staging",
) -> Registered:
    """A custom resource as the harness records it; `depends` become its dependencies."""
    return Registered(
        urn=urn(type_token, name, stack),
        type=type_token,
        name=name,
        parent=None,
        custom=True,
        protect=False,
        inputs=dict(inputs or {}),
        dependencies=[d.urn for d in depends],
        # The mocks answer a resource's inputs as its state: what a stack policy reads.
        outputs=dict(inputs or {}),
    )


def plan_of(*records: Registered, stack: str = "staging") -> PlanResult:
    return PlanResult(project="campus", stack=stack, resources=list(records), outputs={})


def items(*records: Registered) -> list[Item]:
    return items_from_plan(plan_of(*records))


def settings(
    *,
    usage: Mapping[str, Any] | None = None,
    budget: float | None = None,
    currency: str = "USD",
    rate: float = 1.0,
    stack: str = "staging",
    account_cap: float | None = None,
) -> CostSettings:
    cost = CostConfig(
        currency=currency,
        exchange_rate=rate,
        exchange_rate_date="2026-11-23" if currency != "USD" else None,  # pyright: ignore[reportArgumentType]
        monthly_budget=budget,
        account=None if account_cap is None else AccountBudget(id="123456789012", monthly_budget=account_cap),
        alert_emails=["ops@example.org"] if budget is not None else [],
    )
    return CostSettings(stack=stack, prices=price_table(), usage=Usage.model_validate(usage or {}), cost=cost)


def network(zones: Sequence[str], *, nat_per_zone: bool) -> list[Registered]:
    """Public subnets, one per zone, and NAT gateways with their addresses."""
    out: list[Registered] = []
    for zone in zones:
        subnet = registered("aws:ec2/subnet:Subnet", f"net-public-{zone[-1]}", {"availabilityZone": zone})
        out.append(subnet)
        if nat_per_zone or zone == zones[0]:
            eip = registered("aws:ec2/eip:Eip", f"net-nat-{zone[-1]}-eip", {"domain": "vpc"})
            nat = registered(
                "aws:ec2/natGateway:NatGateway",
                f"net-nat-{zone[-1]}",
                {"subnetId": "subnet-x", "allocationId": "eipalloc-x"},
                depends=[subnet, eip],
            )
            out += [eip, nat]
    return out


def node_group(
    name: str = "eks-nodes",
    *,
    types: Sequence[str] = ("t3.large",),
    capacity: str = "ON_DEMAND",
    sizes: tuple[int, int, int] = (1, 2, 4),
    depends: Sequence[Registered] = (),
) -> Registered:
    low, desired, high = sizes
    inputs: dict[str, Any] = {
        "scalingConfig": {"minSize": low, "desiredSize": desired, "maxSize": high},
        "capacityType": capacity,
    }
    if types:
        inputs["instanceTypes"] = list(types)
    return registered("aws:eks/nodeGroup:NodeGroup", name, inputs, depends=depends)
