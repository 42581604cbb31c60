"""The budget check: the estimate against `cost:monthlyBudget`, with cheaper options priced.

Each option is a variant of the registered resources (one NAT gateway, spot
capacity, one zone fewer, the next smaller instance size) priced by the same
rules, so a saving is what the estimate would say after the change, not a
rule of thumb.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from config.cost import CostConfig
from config.cost_settings import CostSettings
from config.pricing import PriceTable
from config.usage import Usage
from cost.estimate import Estimate, estimate
from cost.model import Item, by_urn
from cost.rules import (
    EIP,
    EKS_CLUSTER,
    LAUNCH_TEMPLATE,
    LOAD_BALANCER,
    NAT_GATEWAY,
    NODE_GROUP,
    SUBNET,
    Context,
    CostError,
    instance_type,
)

# Instance sizes from small to large, as EC2 names them.
_SIZES = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge")


@dataclass(frozen=True)
class Option:
    """A cheaper variant of the stack and what it saves a month."""

    description: str
    """What changes, e.g. `one NAT gateway instead of 3`."""
    saving_usd: float
    """Monthly saving in USD, from re-pricing the variant."""


@dataclass(frozen=True)
class BudgetVerdict:
    """The estimate of a stack against its budget."""

    stack: str
    """Stack name."""
    total_usd: float
    """Monthly estimate in USD."""
    budget_usd: float | None
    """Monthly budget in USD, or None when the stack has none."""
    cost: CostConfig
    """Currency and exchange rate the message uses."""
    largest: list[tuple[str, str, float]] = field(default_factory=list[tuple[str, str, float]])
    """The three most expensive resources: (name, type, monthly USD)."""
    options: list[Option] = field(default_factory=list[Option])
    """Cheaper variants, largest saving first (computed only when over budget)."""

    @property
    def over(self) -> bool:
        """True when the estimate exceeds the budget."""
        return self.budget_usd is not None and self.total_usd > self.budget_usd + 0.005

    def money(self, usd: float) -> str:
        """An amount in the configured currency (and in USD when that differs)."""
        shown = f"{self.cost.from_usd(usd):,.2f} {self.cost.currency}"
        return shown if self.cost.currency == "USD" else f"{shown} ({usd:,.2f} USD)"

    def message(self) -> str:
        """One paragraph for a person: the gap, the largest items, the options."""
        if self.budget_usd is None:
            return f"stack {self.stack}: monthly estimate {self.money(self.total_usd)}; no budget set"
        head = (
            f"stack {self.stack}: monthly estimate {self.money(self.total_usd)} "
            f"{'exceeds' if self.over else 'is within'} the budget of {self.money(self.budget_usd)}"
        )
        if not self.over:
            return head
        lines = [f"{head} by {self.money(self.total_usd - self.budget_usd)}.", "Largest items:"]
        lines += [f"  - {name} ({type_}): {self.money(usd)}/month" for name, type_, usd in self.largest]
        if self.options:
            lines.append("Cheaper options:")
            lines += [f"  - {o.description}: saves {self.money(o.saving_usd)}/month" for o in self.options]
        else:
            lines.append("No cheaper variant of the registered resources was found.")
        return "\n".join(lines)


Variant = Callable[[list[Item], PriceTable], tuple[str, list[Item]] | None]


def _without(items: list[Item], dropped: set[str]) -> list[Item]:
    return [i for i in items if i.urn not in dropped]


def _with_eips(nats: Sequence[Item], items: list[Item]) -> set[str]:
    index = by_urn(items)
    dropped = {n.urn for n in nats}
    for nat in nats:
        dropped |= {u for u in nat.dependencies if u in index and index[u].type == EIP}
    return dropped


def one_nat_gateway(items: list[Item], prices: PriceTable) -> tuple[str, list[Item]] | None:
    """Keep the first NAT gateway (and its address), drop the others."""
    nats = sorted((i for i in items if i.type == NAT_GATEWAY), key=lambda i: i.name)
    if len(nats) < 2:
        return None
    return f"one NAT gateway instead of {len(nats)}", _without(items, _with_eips(nats[1:], items))


def spot_nodes(items: list[Item], prices: PriceTable) -> tuple[str, list[Item]] | None:
    """Every on-demand node group on spot capacity."""
    groups = [
        i for i in items if i.type == NODE_GROUP and str(i.inputs.get("capacityType", "ON_DEMAND")) != "SPOT"
    ]
    if not groups:
        return None
    changed = {g.urn for g in groups}
    variant = [i.with_inputs(capacityType="SPOT") if i.urn in changed else i for i in items]
    return "spot nodes instead of on-demand", variant


def _zone(subnet: Item) -> str | None:
    zone = subnet.inputs.get("availabilityZone") or subnet.inputs.get("availabilityZoneId")
    return zone if isinstance(zone, str) else None


def fewer_zones(items: list[Item], prices: PriceTable) -> tuple[str, list[Item]] | None:
    """Drop the last zone: its subnets, NAT gateways (with addresses), NLB addresses, zonal node groups."""
    zones = sorted({z for i in items if i.type == SUBNET and (z := _zone(i)) is not None})
    # EKS needs subnets in two zones: with a cluster, two is the floor, not an option to drop.
    floor = 3 if any(i.type == EKS_CLUSTER for i in items) else 2
    if len(zones) < floor:
        return None
    index = by_urn(items)
    gone = {i.urn for i in items if i.type == SUBNET and _zone(i) == zones[-1]}
    nats = [i for i in items if i.type == NAT_GATEWAY and gone & set(i.dependencies)]
    dropped = gone | _with_eips(nats, items)
    for group in (i for i in items if i.type == NODE_GROUP):
        subnets = {u for u in group.dependencies if u in index and index[u].type == SUBNET}
        if subnets and subnets <= gone:
            dropped.add(group.urn)
    variant: list[Item] = []
    for kept in _without(items, dropped):
        lost = len(gone & set(kept.dependencies))
        if kept.type == LOAD_BALANCER and lost:
            changes: dict[str, object] = {}
            for key in ("subnets", "subnetMappings"):
                value = kept.inputs.get(key)
                if isinstance(value, list) and len(value) > lost:  # pyright: ignore[reportUnknownArgumentType]
                    changes[key] = value[:-lost]
            kept = kept.with_inputs(**changes)  # noqa: PLW2901 (the variant replaces it)
        variant.append(kept)
    fewer = len(zones) - 1
    return f"{fewer} zone{'s' if fewer > 1 else ''} instead of {len(zones)}", variant


def smaller_size(kind: str, prices: PriceTable) -> str | None:
    """The next smaller size of the same family that the price table knows."""
    family, _, size = kind.partition(".")
    if size not in _SIZES:
        return None
    for smaller in reversed(_SIZES[: _SIZES.index(size)]):
        candidate = f"{family}.{smaller}"
        if prices.instance_hour(candidate) is not None:
            return candidate
    return None


def smaller_nodes(items: list[Item], prices: PriceTable) -> tuple[str, list[Item]] | None:
    """Every node group one instance size down (in its instanceTypes or its launch template)."""
    index = by_urn(items)
    # Only the instance type is read here, which usage does not change.
    ctx = Context(prices=prices, usage=Usage(), items=index)
    changes: dict[str, Item] = {}
    moves: list[str] = []
    for group in (i for i in items if i.type == NODE_GROUP):
        current = instance_type(group, ctx)
        smaller = smaller_size(current, prices)
        if smaller is None:
            continue
        moves.append(f"{smaller} instead of {current}")
        declared = group.inputs.get("instanceTypes")
        if isinstance(declared, list) and declared:
            changes[group.urn] = group.with_inputs(instanceTypes=[smaller])
        else:
            for template in ctx.dependencies(group, LAUNCH_TEMPLATE):
                changes[template.urn] = template.with_inputs(instanceType=smaller)
            changes.setdefault(group.urn, group.with_inputs(instanceTypes=[smaller]))
    if not moves:
        return None
    return f"smaller nodes ({', '.join(sorted(set(moves)))})", [changes.get(i.urn, i) for i in items]


VARIANTS: tuple[Variant, ...] = (one_nat_gateway, spot_nodes, fewer_zones, smaller_nodes)
"""The cheaper options the budget check prices."""


def cheaper_options(items: list[Item], settings: CostSettings, base: Estimate | None = None) -> list[Option]:
    """Each applicable variant with its monthly saving, largest first."""
    base_total = (base or estimate(items, settings.prices, settings.usage)).total_usd
    options: list[Option] = []
    for variant in VARIANTS:
        made = variant(items, settings.prices)
        if made is None:
            continue
        description, changed = made
        try:
            total = estimate(changed, settings.prices, settings.usage).total_usd
        except CostError:
            continue
        if base_total - total > 0.005:
            options.append(Option(description=description, saving_usd=base_total - total))
    return sorted(options, key=lambda o: -o.saving_usd)


def check_budget(items: list[Item], settings: CostSettings, base: Estimate | None = None) -> BudgetVerdict:
    """The estimate against the stack's budget; over budget, with the three largest items and options."""
    current = base or estimate(items, settings.prices, settings.usage)
    verdict = BudgetVerdict(
        stack=settings.stack,
        total_usd=current.total_usd,
        budget_usd=settings.cost.monthly_budget_usd,
        cost=settings.cost,
    )
    if not verdict.over:
        return verdict
    return BudgetVerdict(
        stack=verdict.stack,
        total_usd=verdict.total_usd,
        budget_usd=verdict.budget_usd,
        cost=verdict.cost,
        largest=current.by_resource()[:3],
        options=cheaper_options(items, settings, current),
    )
