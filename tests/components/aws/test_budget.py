"""`Budget`: the AWS budget of a stack, read back from the plan."""

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from offline.mocks import PlanMocks
from tests.conftest import Planner

BUDGET = "aws:budgets/budget:Budget"


def test_prod_owns_the_account_budget_at_50_80_100_actual_and_100_forecast(plan: Planner) -> None:
    result = plan("prod")
    component = result.one("campus:aws:Budget", "account-budget")
    budget = result.one(BUDGET, "account-budget-monthly")
    assert budget.parent == component.urn
    inputs = budget.inputs
    assert (inputs["budgetType"], inputs["timeUnit"], inputs["limitUnit"]) == ("COST", "MONTHLY", "USD")
    assert inputs["name"] == "campus-account-monthly-cost"
    assert float(inputs["limitAmount"]) == pytest.approx(150 / 0.87, abs=0.005)
    # The whole account: no cost filter, so untagged and shared costs count too.
    assert "costFilters" not in inputs
    notes = sorted((n["threshold"], n["notificationType"]) for n in inputs["notifications"])
    assert notes == [(50, "ACTUAL"), (80, "ACTUAL"), (100, "ACTUAL"), (100, "FORECASTED")]
    for note in inputs["notifications"]:
        assert note["subscriberEmailAddresses"] == ["cloud-team@reverse9.xyz"]
        assert (note["comparisonOperator"], note["thresholdType"]) == ("GREATER_THAN", "PERCENTAGE")


def test_only_the_owner_declares_the_account_budget(plan: Planner) -> None:
    assert not plan("staging").of_type(BUDGET)
    assert plan(
        "staging", set_={"cost:account": {"id": "123456789012", "monthlyBudget": 150, "owner": True}}
    ).one(BUDGET, "account-budget-monthly")


def test_a_stack_budget_filters_on_the_stack_tag_at_80_and_100(plan: Planner) -> None:
    result = plan("staging", set_={"cost:monthlyBudget": "20"})
    inputs = result.one(BUDGET, "staging-budget-monthly").inputs
    assert float(inputs["limitAmount"]) == pytest.approx(20 / 0.87, abs=0.005)
    assert inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:stack$staging"]}]
    notes = {(n["threshold"], n["notificationType"]) for n in inputs["notifications"]}
    assert notes == {(80, "ACTUAL"), (80, "FORECASTED"), (100, "ACTUAL"), (100, "FORECASTED")}


def test_budget_uses_its_own_explicit_provider_in_the_stack_region(plan: Planner) -> None:
    result = plan("prod", set_={"cloud:region": "eu-west-1"})
    provider = result.one("pulumi:providers:aws", "prod-aws-budgets")
    assert provider.inputs["region"] == "eu-west-1"
    budget = result.one(BUDGET, "account-budget-monthly")
    assert budget.provider is not None and budget.provider.startswith(provider.urn)


def test_no_budget_without_monthly_budget_or_without_the_cloud(plan: Planner) -> None:
    assert not plan("prod", unset=("cost:account",)).of_type(BUDGET)
    assert not plan("staging", set_={"cloud:enabled": "false", "platform:enabled": "false"}).of_type(BUDGET)


def test_the_mock_gives_the_budget_its_global_arn_and_account_scoped_id() -> None:
    mocks = PlanMocks(stack="staging", region="eu-west-3", account_id="123456789012")
    args = MockResourceArgs(
        typ=BUDGET,
        name="staging-budget-monthly",
        inputs={"name": "staging-monthly-cost"},
        provider="",
        resource_id="",
        custom=True,
    )
    resource_id, state = mocks.new_resource(args)
    assert resource_id == "123456789012:staging-monthly-cost"
    assert state["arn"] == "arn:aws:budgets::123456789012:budget/staging-monthly-cost"
