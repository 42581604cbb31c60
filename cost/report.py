"""`python -m stacks.plan --stack NAME --cost [--cost-json FILE]`: estimate, table, budget policy.

Exit codes: 0 within budget (or none set), 2 the estimate cannot be computed
(invalid price table, usage file or resources), 3 over budget.
"""

import json
import sys
from pathlib import Path

from config import ConfigError
from cost.estimate import CostError, estimate
from cost.model import items_from_plan
from cost.render import cost_document, cost_table
from cost.settings import load_cost_settings
from policy.budget import run_offline
from stacks.harness import ROOT, PlanResult

OVER_BUDGET = 3
INVALID = 2


def cost_report(result: PlanResult, *, root: Path = ROOT, json_file: Path | None = None) -> int:
    """Print the estimate of a planned stack, write its JSON, run the budget policy offline."""
    try:
        settings = load_cost_settings(result.stack, root=root)
        est = estimate(items_from_plan(result), settings.prices, settings.usage)
    except (ConfigError, CostError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return INVALID
    print()
    print(cost_table(est, settings))
    if json_file is not None:
        json_file.write_text(json.dumps(cost_document(est, settings), indent=2) + "\n")
        print(f"\nCost estimate written to {json_file}")
    violations = run_offline(result, lambda stack: settings)
    print()
    if violations:
        for message in violations:
            print(f"policy monthly-budget: {message}", file=sys.stderr)
        return OVER_BUDGET
    budget = settings.cost.monthly_budget
    shown = f"{budget:g} {settings.cost.currency}" if budget is not None else "no"
    print(f"policy monthly-budget: passed ({shown} budget)")
    return 0
