"""The README's cost table, generated from the real plans."""

from cost.estimate import estimate
from cost.settings import load_cost_settings
from offline.cost import items_from_plan
from offline.cost_summary import committed_stacks, dedicated_estimate, markdown
from tests.conftest import Planner


def test_every_committed_stack_is_summarised() -> None:
    assert committed_stacks() == ["prod", "staging"]


def test_summary_lines_match_the_estimates_and_add_up_per_account(plan: Planner) -> None:
    totals: dict[str, float] = {}
    text = markdown(["prod", "staging"], dedicated=False)
    for stack in ("prod", "staging"):
        s = load_cost_settings(stack)
        est = estimate(items_from_plan(plan(stack)), s.prices, s.usage)
        totals[stack] = est.total_usd
        line = f"| `{stack}` | 123456789012 | {len({r.resource for r in est.rows})} | {est.total_usd:,.2f} |"
        assert line in text
    eur = load_cost_settings("prod").cost.from_usd(sum(totals.values()))
    assert f"| **account 123456789012** (prod, staging) | | | {sum(totals.values()):,.2f} " in text
    assert f"**{eur:,.2f} EUR** of 150.00 EUR: within" in text
    assert "dedicated" not in text


def test_the_dedicated_topology_is_priced_beside_the_committed_one() -> None:
    est, s = dedicated_estimate()
    # Its own control plane, NAT gateway and load balancer: well over the cap alone.
    assert {"staging-eks-cluster", "staging-network-nat-a", "staging-ingress-nlb"} <= {
        r.resource for r in est.rows
    }
    assert s.cost.from_usd(est.total_usd) > 100
