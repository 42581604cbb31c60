"""Costs the stack causes outside AWS: shown beside the estimate, never added to it.

The AWS budget (and the budget policy) compare AWS's bill only; Datadog bills
its own invoice. Listing its fee next to the AWS total keeps the whole cost of
a design visible without letting it count against the AWS cap.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from config.usage import Usage
from cost.model import Item
from cost.rules import NODE_GROUP, node_count

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"

DATADOG_HOST_MONTH_USD = 18.0
"""Datadog Infrastructure Pro, per host and month, billed month to month (15.0 with
an annual commitment). Read 2026-12 from third-party summaries of
https://www.datadoghq.com/pricing/ (not readable from here: check it there);
a Kubernetes node running the agent is one host
(https://docs.datadoghq.com/account_management/billing/)."""


@dataclass(frozen=True)
class OutsideLine:
    """One monthly fee paid outside AWS."""

    service: str
    """Who bills it, e.g. `Datadog Infrastructure Pro`."""
    quantity: float
    """How many units, e.g. hosts."""
    unit: str
    """What a unit is."""
    unit_usd: float
    """Price of one unit per month, USD."""
    note: str
    """What the figure assumes."""

    @property
    def monthly_usd(self) -> float:
        """quantity x unit price."""
        return self.quantity * self.unit_usd

    def as_json(self) -> dict[str, str | float]:
        """The line in the `--cost-json` document (key `outsideAws`)."""
        return {
            "service": self.service,
            "quantity": self.quantity,
            "unit": self.unit,
            "unitUsd": self.unit_usd,
            "monthlyUsd": round(self.monthly_usd, 6),
            "note": self.note,
        }


def outside_aws(items: Iterable[Item], usage: Usage) -> list[OutsideLine]:
    """Fees outside AWS: Datadog's per-host fee when the stack installs the agent."""
    listed = list(items)
    if not any(i.type == HELM_RELEASE and i.inputs.get("name") == "datadog" for i in listed):
        return []
    groups = [i for i in listed if i.type == NODE_GROUP]
    hosts = sum(node_count(g, usage) for g in groups)
    peak = sum(float(dict(g.inputs.get("scalingConfig") or {}).get("maxSize", 0)) for g in groups)
    return [
        OutsideLine(
            service="Datadog Infrastructure Pro",
            quantity=hosts,
            unit="host-month",
            unit_usd=DATADOG_HOST_MONTH_USD,
            note=(
                f"one host per node running the agent; Datadog bills the month's high-water mark, "
                f"up to {peak:g} hosts at the node groups' maximum"
            ),
        )
    ]


def outside_lines(lines: Iterable[OutsideLine], *, currency: str, rate: float) -> list[str]:
    """The readable lines printed after the AWS totals."""
    return [
        f"Outside AWS, not counted against the AWS budget: {line.service}: {line.quantity:g} x "
        f"{line.unit_usd:.2f} USD/{line.unit} = {line.monthly_usd:.2f} USD/month"
        + (f" ({line.monthly_usd * rate:.2f} {currency})" if currency != "USD" else "")
        + f"; {line.note}"
        for line in lines
    ]
