"""What the estimator reads (registered resources) and writes (cost rows)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    """One registered resource, as the estimator sees it.

    Built from the offline plan's records or from a policy's view of the stack,
    so the same rules price both.
    """

    urn: str
    """Its URN (dependencies refer to resources by URN)."""
    type: str
    """Type token, e.g. `aws:ec2/natGateway:NatGateway`."""
    name: str
    """Logical name."""
    inputs: Mapping[str, Any]
    """Inputs with the engine's camelCase keys; nested objects are dicts."""
    dependencies: tuple[str, ...] = field(default=())
    """URNs of the resources it depends on (through inputs or explicitly)."""

    def with_inputs(self, **changes: Any) -> "Item":
        """A copy with some inputs replaced (cheaper variants re-price these)."""
        return Item(self.urn, self.type, self.name, {**self.inputs, **changes}, self.dependencies)


def by_urn(items: Iterable[Item]) -> dict[str, Item]:
    """Index of items by URN."""
    return {i.urn: i for i in items}


@dataclass(frozen=True)
class CostRow:
    """One cost component of one resource for one month, in USD."""

    resource: str
    """Logical name of the resource."""
    type: str
    """Its type token."""
    component: str
    """What is billed, e.g. `NAT gateway hours`."""
    quantity: float
    """How many units a month."""
    unit: str
    """What one unit is, e.g. `hour`, `GB`."""
    unit_price_usd: float
    """Price of one unit."""

    @property
    def monthly_usd(self) -> float:
        """quantity x unit price."""
        return self.quantity * self.unit_price_usd

    def as_json(self) -> dict[str, Any]:
        """The row as written by `--cost-json`."""
        return {
            "resource": self.resource,
            "type": self.type,
            "component": self.component,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "unitPriceUsd": self.unit_price_usd,
            "monthlyUsd": round(self.monthly_usd, 6),
        }
