"""`python -m offline.cost_summary [STACK ...]`: docs/cost.md's table of each stack's estimate, in Markdown.

Plans each committed stack offline (every `Pulumi.<stack>.yaml` when none is
named) and prints its monthly total against its budget, then each stack's
cost rows. `make cost` runs it; paste the output into the docs/cost.md
section when the resources, prices or usage change.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from config import ConfigError
from cost.budget import BudgetVerdict
from cost.estimate import CostError, Estimate, estimate
from cost.settings import CostSettings, load_cost_settings
from offline.cost import items_from_plan
from offline.harness import ROOT
from offline.plan import plan_stack


def committed_stacks(root: Path = ROOT) -> list[str]:
    """Stacks with a stack file in the repository."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def _totals_line(est: Estimate, s: CostSettings) -> str:
    cost = s.cost
    budget = cost.monthly_budget
    verdict = BudgetVerdict(s.stack, est.total_usd, cost.monthly_budget_usd, cost)
    status = "no budget" if budget is None else ("**over**" if verdict.over else "within")
    budget_text = "" if budget is None else f"{budget:,.2f}"
    return (
        f"| `{s.stack}` | {len({r.resource for r in est.rows})} | {est.total_usd:,.2f} "
        f"| {cost.from_usd(est.total_usd):,.2f} {cost.currency} | {budget_text} {cost.currency} | {status} |"
    )


def markdown(stacks: Sequence[str], root: Path = ROOT) -> str:
    """The totals table, then the rows of each stack."""
    results: list[tuple[Estimate, CostSettings]] = []
    for stack in stacks:
        s = load_cost_settings(stack, root=root)
        results.append((estimate(items_from_plan(plan_stack(stack, root=root)), s.prices, s.usage), s))
    lines = [
        "| stack | priced resources | monthly (USD) | monthly (currency) | budget | status |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(_totals_line(est, s) for est, s in results),
    ]
    for est, s in results:
        lines += [
            "",
            f"`{s.stack}` ({s.prices.region}):",
            "",
            "| resource | component | quantity | unit price (USD) | monthly (USD) |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| `{r.resource}` | {r.component} | {r.quantity:,.2f} {r.unit} | {r.unit_price_usd:.4f} "
            f"| {r.monthly_usd:,.2f} |"
            # In a fixed order: resources register concurrently, so the plan's order varies per run.
            for r in sorted(est.rows, key=lambda r: (r.resource, r.component))
        ] or ["| (no paid resource) | | | | 0.00 |"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m offline.cost_summary", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("stacks", nargs="*", help="stacks to summarise (default: every committed one)")
    args = parser.parse_args(argv)
    try:
        print(markdown(args.stacks or committed_stacks()))
    except (ConfigError, CostError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
