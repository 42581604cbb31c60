"""Offline monthly cost estimate of a stack, from the resources its plan registered.

`estimate()` prices each registered resource with the rule its type token maps
to (`cost.rules`), the region's price table (`config/prices/`) and the stack's
usage assumptions (`config/usage/`); `check_budget()` compares the total with
`cost:monthlyBudget` and re-prices cheaper variants of the same resources.
Those settings are read by `config/` (`config.cost_settings.load_cost_settings`):
nothing here reads a stack file.
"""

from cost.budget import BudgetVerdict, check_budget
from cost.estimate import CostError, Estimate, estimate
from cost.model import CostRow, Item

__all__ = [
    "BudgetVerdict",
    "CostError",
    "CostRow",
    "Estimate",
    "Item",
    "check_budget",
    "estimate",
]
