"""`Budget`: the AWS budget of a stack, read back from the plan."""

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from offline.mocks import PlanMocks
from tests.conftest import Planner

BUDGET = "aws:budgets/budget:Budget"


def test_staging_budget_converts_the_eur_budget_and_notifies_at_80_and_100(plan: Planner) -> None:
    result = plan("staging")
    component = result.one("campus:aws:Budget", "staging-budget")
    budget = result.one(BUDGET, "staging-budget-monthly")
    assert budget.parent == component.urn
    inputs = budget.inputs
    assert (inputs["budgetType"], inputs["timeUnit"], inputs["limitUnit"]) == ("COST", "MONTHLY", "USD")
    assert float(inputs["limitAmount"]) == pytest.approx(165 / 0.87, abs=0.005)
    assert inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:stack$staging"]}]
    notes = {(n["threshold"], n["notificationType"]) for n in inputs["notifications"]}
    assert notes == {(80, "ACTUAL"), (80, "FORECASTED"), (100, "ACTUAL"), (100, "FORECASTED")}
    for note in inputs["notifications"]:
        assert note["subscriberEmailAddresses"] == ["cloud-team@reverse9.xyz"]
        assert (note["comparisonOperator"], note["thresholdType"]) == ("GREATER_THAN", "PERCENTAGE")


def test_budget_uses_its_own_explicit_provider_in_the_stack_region(plan: Planner) -> None:
    result = plan("prod", set_={"cloud:region": "eu-west-1"})
    provider = result.one("pulumi:providers:aws", "prod-aws-budgets")
    assert provider.inputs["region"] == "eu-west-1"
    budget = result.one(BUDGET, "prod-budget-monthly")
    assert budget.provider is not None and budget.provider.startswith(provider.urn)
    assert float(budget.inputs["limitAmount"]) == pytest.approx(430 / 0.87, abs=0.005)


def test_no_budget_without_monthly_budget_or_without_the_cloud(plan: Planner) -> None:
    assert not plan("staging", unset=("cost:monthlyBudget",)).of_type(BUDGET)
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
