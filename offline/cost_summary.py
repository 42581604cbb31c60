"""`python -m offline.cost_summary [--write-ledger] [STACK ...]`: docs/cost.md's estimate tables, in Markdown.

Plans each committed stack offline (every `Pulumi.<stack>.yaml` when none is
named) and prints its monthly total, each account's total against its cap,
what the dedicated topology (staging with its own cluster) would cost, then
each stack's cost rows. With `--write-ledger`, also rewrites
`config/cost-ledger.yaml`, which the budget policy reads for the account's
other stacks. `make cost` runs both; paste the output into docs/cost.md when
resources, prices or usage change.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from config import ConfigError
from config.cost_settings import CostSettings, load_cost_settings
from config.ledger import LEDGER, LedgerEntry, render_ledger
from config.stackfile import read_stack_file
from cost.budget import BudgetVerdict
from cost.estimate import CostError, Estimate, estimate
from offline.cost import items_from_plan
from offline.harness import ROOT
from offline.plan import plan_config, plan_stack

DEDICATED = ROOT / "config" / "topologies" / "staging-dedicated.yaml"
"""The cloud keys that turn staging into a dedicated-cluster stack (priced, never deployed as is)."""


def committed_stacks(root: Path = ROOT) -> list[str]:
    """Stacks with a stack file in the repository (personal `dev-*` stacks left out)."""
    names = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
    return [n for n in names if not n.startswith("dev-")]


def _totals_line(est: Estimate, s: CostSettings) -> str:
    cost = s.cost
    budget = cost.monthly_budget
    verdict = BudgetVerdict(s.stack, est.total_usd, cost.monthly_budget_usd, cost)
    status = "" if budget is None else (" **over its budget**" if verdict.over else "")
    account = cost.account.id if cost.account is not None else "(none)"
    return (
        f"| `{s.stack}` | {account} | {len({r.resource for r in est.rows})} | {est.total_usd:,.2f} "
        f"| {cost.from_usd(est.total_usd):,.2f} {cost.currency}{status} |"
    )


def _account_lines(results: Sequence[tuple[Estimate, CostSettings]]) -> list[str]:
    lines: list[str] = []
    accounts = sorted({s.cost.account.id for _, s in results if s.cost.account is not None})
    for account in accounts:
        members = [(e, s) for e, s in results if s.cost.account is not None and s.cost.account.id == account]
        cost = members[0][1].cost
        assert cost.account is not None
        total = sum(e.total_usd for e, _ in members)
        cap = cost.account.monthly_budget
        shown = cost.from_usd(total)
        status = (
            "**over the cap**" if shown > cap + 0.005 else f"within, {cap - shown:,.2f} {cost.currency} left"
        )
        lines.append(
            f"| **account {account}** ({', '.join(s.stack for _, s in members)}) | | | {total:,.2f} "
            f"| **{shown:,.2f} {cost.currency}** of {cap:,.2f} {cost.currency}: {status} |"
        )
    return lines


def dedicated_estimate(root: Path = ROOT) -> tuple[Estimate, CostSettings]:
    """Staging in the dedicated topology: its stack file with `config/topologies/staging-dedicated.yaml`."""
    base = read_stack_file(root, "staging")
    keys = {k: v for k, v in base.config.items() if k != "cloud:host"}
    overrides: dict[str, Any] = yaml.safe_load(DEDICATED.read_text())
    # Structured values travel as JSON text, as the engine sends them.
    keys.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in overrides.items()})
    # The stack file and the overlay are the repository's: the plan can be shared.
    result = plan_config(
        project=base.project,
        stack="staging",
        config=keys,
        secret_keys=base.secret_keys,
        root=root,
        shareable=root == ROOT,
    )
    s = load_cost_settings("staging", root=root)
    return estimate(items_from_plan(result), s.prices, s.usage), s


def markdown(stacks: Sequence[str], root: Path = ROOT, *, dedicated: bool = True) -> str:
    """The totals table (stacks, accounts), the dedicated topology's price, then each stack's rows."""
    results: list[tuple[Estimate, CostSettings]] = []
    for stack in stacks:
        s = load_cost_settings(stack, root=root)
        results.append((estimate(items_from_plan(plan_stack(stack, root=root)), s.prices, s.usage), s))
    lines = [
        "| stack | AWS account | priced resources | monthly (USD) | monthly (currency) |",
        "| --- | --- | ---: | ---: | ---: |",
        *(_totals_line(est, s) for est, s in results),
        *_account_lines(results),
    ]
    if dedicated and "staging" in stacks:
        est, s = dedicated_estimate(root)
        others = sum(e.total_usd for e, o in results if o.stack != "staging")
        total = others + est.total_usd
        cap = s.cost.account.monthly_budget if s.cost.account is not None else None
        lines += [
            "",
            "The dedicated topology (staging with its own VPC, EKS cluster, NAT gateway and NLB, "
            "`config/topologies/staging-dedicated.yaml`):",
            "",
            "| | monthly (USD) | monthly (currency) |",
            "| --- | ---: | ---: |",
            f"| `staging`, dedicated | {est.total_usd:,.2f} "
            f"| {s.cost.from_usd(est.total_usd):,.2f} {s.cost.currency} |",
            f"| account total, dedicated | {total:,.2f} | {s.cost.from_usd(total):,.2f} {s.cost.currency}"
            + (f" (cap {cap:,.2f} {s.cost.currency})" if cap is not None else "")
            + " |",
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


def ledger_entries(stacks: Sequence[str], root: Path = ROOT) -> dict[str, LedgerEntry]:
    """Each committed stack's estimate, for the stacks that name an account."""
    entries: dict[str, LedgerEntry] = {}
    for stack in stacks:
        s = load_cost_settings(stack, root=root)
        if s.cost.account is None:
            continue
        est = estimate(items_from_plan(plan_stack(stack, root=root)), s.prices, s.usage)
        entries[stack] = LedgerEntry(account=s.cost.account.id, total_usd=est.total_usd)
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m offline.cost_summary", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("stacks", nargs="*", help="stacks to summarise (default: every committed one)")
    parser.add_argument("--write-ledger", action="store_true", help=f"rewrite {LEDGER.name} too")
    args = parser.parse_args(argv)
    stacks = args.stacks or committed_stacks()
    try:
        if args.write_ledger:
            LEDGER.write_text(render_ledger(ledger_entries(committed_stacks())))
            print(f"Wrote config/{LEDGER.name}", file=sys.stderr)
        print(markdown(stacks))
    except (ConfigError, CostError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
