"""Render an estimate: the readable table and the `--cost-json` document."""

from typing import Any

from config.cost_settings import CostSettings
from cost.estimate import Estimate


def _fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def cost_table(est: Estimate, settings: CostSettings) -> str:
    """Resource, cost component, quantity, unit price, monthly; then the totals."""
    cost = settings.cost
    header = ("resource", "component", "quantity", "unit price (USD)", "monthly (USD)")
    body = [
        (
            r.resource,
            r.component,
            f"{_fmt(r.quantity)} {r.unit}",
            _fmt(r.unit_price_usd, 4),
            _fmt(r.monthly_usd),
        )
        for r in est.rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        left = [cells[i].ljust(widths[i]) for i in range(2)]
        right = [cells[i].rjust(widths[i]) for i in range(2, len(cells))]
        return "  ".join([*left, *right]).rstrip()

    dates = sorted({p.date.isoformat() for p in _prices(settings)})
    lines = [
        f"Monthly cost estimate of stack '{settings.stack}' in {settings.prices.region} "
        f"({settings.prices.hours_per_month:g} hours; prices of config/prices/{settings.prices.region}.yaml, "
        f"recorded {', '.join(dates)}; usage of config/usage/{settings.stack}.yaml)",
        "",
        line(header),
        line(tuple("-" * w for w in widths)),
        *(line(b) for b in body),
        "",
        f"Total: {_fmt(est.total_usd)} USD/month",
    ]
    if cost.currency != "USD":
        lines.append(
            f"Total: {_fmt(cost.from_usd(est.total_usd))} {cost.currency}/month "
            f"(1 USD = {cost.exchange_rate:g} {cost.currency})"
        )
    for problem in est.uncovered:
        lines.append(f"warning: not priced: {problem}")
    return "\n".join(lines)


def _prices(settings: CostSettings) -> list[Any]:
    table = settings.prices
    return [
        table.eks.cluster_hour,
        table.eks.extended_support_hour,
        *table.ec2.on_demand_hour.values(),
        table.ec2.spot_factor,
        table.nat_gateway.hour,
        table.nat_gateway.gb,
        table.network_load_balancer.hour,
        table.network_load_balancer.nlcu_hour,
        table.public_ipv4.hour,
        table.ebs.gp3_gb_month,
        table.ebs.snapshot_gb_month,
        table.data_transfer.inter_zone_gb,
        table.s3.standard_gb_month,
        table.kms.key_month,
        table.cloudwatch_logs.ingestion_gb,
        table.cloudwatch_logs.storage_gb_month,
        table.route53.hosted_zone_month,
    ]


def cost_document(est: Estimate, settings: CostSettings) -> dict[str, Any]:
    """The `--cost-json` document: the rows plus what they were computed with."""
    cost = settings.cost
    return {
        "stack": settings.stack,
        "region": settings.prices.region,
        "currency": cost.currency,
        "exchangeRate": cost.exchange_rate,
        "monthlyBudget": cost.monthly_budget,
        "totalUsd": round(est.total_usd, 6),
        "total": round(cost.from_usd(est.total_usd), 6),
        "rows": [r.as_json() for r in est.rows],
        "uncovered": est.uncovered,
    }
