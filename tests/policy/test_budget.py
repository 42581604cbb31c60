"""The budget policy, served by the real analyzer: the figure it judges is `--cost`'s, to the cent."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, StackValidationPolicy

from config.cost_settings import load_cost_settings
from cost.budget import check_budget
from offline.analyzer import Analyzer
from offline.cost import items_from_plan, run_offline
from offline.harness import PlanResult
from offline.plan import plan_stack
from policy.budget import NAME, budget
from tests.conftest import Planner
from tests.cost.fakes import network, node_group, plan_of, registered
from tests.policy.checkout import pack_checkout


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Analyzer]]:
    """A checkout whose stacks have a tiny budget (so the policy says the figure it sees):
    staging, a tenant, costs about one euro."""
    root = pack_checkout(tmp_path_factory.mktemp("tight"), {"staging": 0.5, "prod": 1})
    analyzer = Analyzer(root).start()
    yield root, analyzer
    analyzer.stop()


def over_budget_plan() -> PlanResult:
    return plan_of(*network(["eu-west-3a", "eu-west-3b"], nat_per_zone=True), node_group())


def test_the_pack_lists_a_mandatory_stack_policy() -> None:
    assert isinstance(budget, StackValidationPolicy)
    assert budget.name == "monthly-budget"
    assert budget.enforcement_level == EnforcementLevel.MANDATORY


def test_fires_over_budget_with_the_largest_items_and_options(tight: tuple[Path, Analyzer]) -> None:
    root, analyzer = tight
    found = analyzer.check(over_budget_plan().resources, only=[NAME])
    # Its own budget, then the account's cap (this stack plus the ledger's prod).
    assert [v.level for v in found] == [EnforcementLevel.MANDATORY] * 2
    assert "exceeds the budget of 0.50 EUR" in found[0].message
    assert "exceeds the account's cap of 150.00 EUR" in found[1].message
    assert "eks-nodes" in found[0].message and "one NAT gateway instead of 2" in found[0].message
    # The same verdict the cost report reaches in process from the same records and settings.
    verdict = check_budget(items_from_plan(over_budget_plan()), load_cost_settings("staging", root=root))
    assert found[0].message == verdict.message()


def test_silent_within_the_budget(tight: tuple[Path, Analyzer]) -> None:
    # Two KMS keys: 1.74 EUR, inside the account's cap with prod, over a budget of 0.50.
    small = plan_of(registered("aws:kms/key:Key", "key-a"), registered("aws:kms/key:Key", "key-b"))
    assert run_offline(small) == []  # the committed settings: the account's 150 EUR
    assert len(tight[1].check(small.resources, only=[NAME])) == 1


def test_reports_settings_it_cannot_read(tmp_path: Path) -> None:
    root = pack_checkout(tmp_path)
    prices = root / "config" / "prices" / "eu-west-3.yaml"
    prices.write_text(prices.read_text().replace("clusterHour", "clusterHours", 1))
    analyzer = Analyzer(root).start()
    try:
        found = analyzer.check(over_budget_plan().resources, only=[NAME])
    finally:
        analyzer.stop()
    assert len(found) == 1 and "cannot estimate the monthly cost of stack staging" in found[0].message


@pytest.mark.parametrize("stack", ["staging", "prod"])
@pytest.mark.parametrize("preview", [False, True], ids=["update", "first-preview"])
def test_the_figure_under_the_engine_is_the_cost_reports_to_the_cent(
    tight: tuple[Path, Analyzer], stack: str, preview: bool
) -> None:
    root, analyzer = tight
    settings = load_cost_settings(stack, root=root)
    # `--cost` prices the update plan's records in process.
    expected = check_budget(items_from_plan(plan_stack(stack)), settings)
    assert expected.over and expected.total_usd > 0.5
    found = analyzer.check_plan(plan_stack(stack, preview=preview), only=[NAME])
    assert [v.message for v in found] == [expected.message()]
    assert f"monthly estimate {expected.money(expected.total_usd)} exceeds" in found[0].message


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_committed_stacks_agree_with_the_budget_check(plan: Planner, stack: str) -> None:
    result = plan(stack)
    verdict = check_budget(items_from_plan(result), load_cost_settings(stack))
    assert run_offline(result) == ([verdict.message()] if verdict.over else [])
