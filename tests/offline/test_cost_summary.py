"""The README's cost table, generated from the real plans."""

from cost.budget import check_budget
from cost.estimate import estimate
from cost.settings import load_cost_settings
from offline.cost import items_from_plan
from offline.cost_summary import committed_stacks, markdown
from tests.conftest import Planner


def test_every_committed_stack_is_summarised() -> None:
    assert committed_stacks() == ["prod", "staging"]


def test_summary_line_matches_the_estimate_of_the_plan(plan: Planner) -> None:
    s = load_cost_settings("staging")
    est = estimate(items_from_plan(plan("staging")), s.prices, s.usage)
    text = markdown(["staging"])
    budget = f"{s.cost.monthly_budget:,.2f} {s.cost.currency}"
    status = "**over**" if check_budget(items_from_plan(plan("staging")), s).over else "within"
    assert f"| `staging` | {len({r.resource for r in est.rows})} | {est.total_usd:,.2f} |" in text
    assert f"| {budget} | {status} |" in text
