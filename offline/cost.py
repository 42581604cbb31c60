"""`python -m stacks.plan --stack NAME --cost [--cost-json FILE]`: estimate, table, budget policy.

Exit codes: 0 within budget (or none set), 2 the estimate cannot be computed
(invalid price table, usage file or resources), 3 over budget.
"""

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from config import ConfigError
from config.cost_settings import load_cost_settings
from cost.account import check_account, ledger_others
from cost.estimate import CostError, estimate
from cost.model import Item
from cost.outside_aws import outside_aws, outside_lines
from cost.render import cost_document, cost_table
from offline.harness import ROOT, PlanResult
from offline.policies import check_plan
from policy.budget import NAME

OVER_BUDGET = 3
INVALID = 2


def items_from_plan(result: PlanResult) -> list[Item]:
    """The custom resources of an offline plan, in registration order."""
    return [
        Item(
            urn=r.urn,
            type=r.type,
            name=r.name,
            inputs=r.inputs,
            dependencies=tuple(sorted({*r.dependencies, *r.depends_on})),
        )
        for r in result.resources
        if r.custom
    ]


def run_offline(result: PlanResult, root: Path = ROOT) -> list[str]:
    """The budget policy's violation messages for a plan (empty: passed), from the analyzer
    serving the pack of `root`, which reads the budget from `root`'s stack files."""
    return [v.message for v in check_plan(result, root=root, only=[NAME])]


def cost_report(
    result: PlanResult,
    *,
    root: Path = ROOT,
    json_file: Path | None = None,
    others: Mapping[str, float] | None = None,
) -> int:
    """Print the estimate of a planned stack, write its JSON, run the budget policy offline.

    :param others: fresh estimates (USD) of the account's other stacks; None reads the ledger.
    """
    try:
        settings = load_cost_settings(result.stack, root=root)
        items = items_from_plan(result)
        est = estimate(items, settings.prices, settings.usage)
        others = dict(others) if others is not None else ledger_others(settings)
        account = check_account(items, settings, others, est)
    except (ConfigError, CostError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return INVALID
    print()
    print(cost_table(est, settings))
    outside = outside_aws(items, settings.usage)
    for line in outside_lines(outside, currency=settings.cost.currency, rate=settings.cost.exchange_rate):
        print(line)
    if account is not None:
        print(f"\n{account.message().splitlines()[0]}")
    if json_file is not None:
        doc = cost_document(est, settings)
        doc["outsideAws"] = [o.as_json() for o in outside]
        if account is not None:
            doc["account"] = {
                "id": account.account,
                "monthlyBudget": settings.cost.account.monthly_budget if settings.cost.account else None,
                "stacksUsd": {k: round(v, 6) for k, v in sorted(account.totals.items())},
            }
        json_file.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"\nCost estimate written to {json_file}")
    # The policy runs in the real analyzer, which reads the account's other stacks
    # from config/cost-ledger.yaml (kept equal to fresh plans by a test).
    violations = run_offline(result, root)
    print()
    if violations:
        for message in violations:
            print(f"policy monthly-budget: {message}", file=sys.stderr)
        return OVER_BUDGET
    budget = settings.cost.monthly_budget
    cap = settings.cost.account
    shown = [f"{budget:g} {settings.cost.currency} stack budget"] if budget is not None else []
    shown += [f"{cap.monthly_budget:g} {settings.cost.currency} account cap"] if cap is not None else []
    print(f"policy monthly-budget: passed ({', '.join(shown) or 'no budget'})")
    return 0
