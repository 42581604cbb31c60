"""Price a list of registered resources."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from config.pricing import PriceTable
from config.usage import Usage
from cost.model import CostRow, Item, by_urn
from cost.rules import RULES, Context, CostError, Unpriced, is_covered

__all__ = ["CostError", "Estimate", "estimate"]


@dataclass(frozen=True)
class Estimate:
    """The monthly cost of a set of resources, in USD."""

    rows: list[CostRow]
    """One row per cost component, in registration order."""
    uncovered: list[str] = field(default_factory=list[str])
    """Resources the price table cannot price (type unknown to the rules, or an unpriced variant)."""

    @property
    def total_usd(self) -> float:
        """Sum of every row."""
        return sum(r.monthly_usd for r in self.rows)

    def by_resource(self) -> list[tuple[str, str, float]]:
        """(resource, type, monthly USD) per resource, most expensive first."""
        totals: dict[tuple[str, str], float] = {}
        for row in self.rows:
            key = (row.resource, row.type)
            totals[key] = totals.get(key, 0.0) + row.monthly_usd
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(name, type_, usd) for (name, type_), usd in ranked]


def estimate(items: Iterable[Item], prices: PriceTable, usage: Usage) -> Estimate:
    """Price every item with the rule of its type.

    :raises CostError: when a resource cannot be priced as declared (an
        instance type the table lacks, a node count outside min..max).
    """
    listed = list(items)
    ctx = Context(prices=prices, usage=usage, items=by_urn(listed))
    rows: list[CostRow] = []
    uncovered: list[str] = []
    for item in listed:
        rule = RULES.get(item.type)
        if rule is None:
            if not is_covered(item.type):
                uncovered.append(f"{item.name} ({item.type}): no pricing rule and not listed as free")
            continue
        try:
            rows.extend(rule(item, ctx))
        except Unpriced as exc:
            uncovered.append(f"{item.name} ({item.type}): {exc}")
    return Estimate(rows=rows, uncovered=uncovered)
