"""The budget policy as the policy pack runs it, and offline over a plan."""

from pulumi_policy import EnforcementLevel, StackValidationPolicy

from config import ConfigError
from cost.budget import check_budget
from cost.settings import CostSettings, load_cost_settings
from offline.adapt import stack_args
from offline.cost import items_from_plan, run_offline
from offline.harness import PlanResult
from policy.budget import budget, budget_policy
from tests.conftest import Planner
from tests.cost.fakes import network, node_group, plan_of, registered, settings


def over_budget_plan() -> PlanResult:
    return plan_of(*network(["eu-west-3a", "eu-west-3b"], nat_per_zone=True), node_group())


def test_the_pack_lists_a_mandatory_stack_policy() -> None:
    assert isinstance(budget, StackValidationPolicy)
    assert budget.name == "monthly-budget"
    assert budget.enforcement_level == EnforcementLevel.MANDATORY


def test_policy_fires_over_budget_with_the_largest_items_and_options() -> None:
    seen: list[str] = []

    def settings_for(stack: str) -> CostSettings:
        seen.append(stack)
        return settings(budget=50)

    messages = run_offline(over_budget_plan(), settings_for)
    assert seen == ["staging"]  # read from the resources' URNs
    assert len(messages) == 1
    assert "exceeds the budget of 50.00 USD" in messages[0]
    assert "eks-nodes" in messages[0] and "one NAT gateway instead of 2" in messages[0]


def test_policy_is_silent_within_budget() -> None:
    assert run_offline(over_budget_plan(), lambda stack: settings(budget=1000)) == []


def test_policy_reports_settings_it_cannot_read() -> None:
    def broken(stack: str) -> CostSettings:
        raise ConfigError(stack, ["config/prices/eu-west-3.yaml: eks.clusterHour.usd: missing"])

    messages = run_offline(over_budget_plan(), broken)
    assert len(messages) == 1 and "eks.clusterHour.usd" in messages[0]


def test_stack_args_carry_types_props_and_dependencies() -> None:
    result = over_budget_plan()
    args = stack_args(result.resources)
    nat = next(r for r in args.resources if r.name == "net-nat-b")
    assert nat.resource_type == "aws:ec2/natGateway:NatGateway"
    assert {d.name for d in nat.dependencies} == {"net-public-b", "net-nat-b-eip"}


def test_policy_on_the_committed_stacks_agrees_with_the_budget_check(plan: Planner) -> None:
    # Whether a committed stack fits its budget is make validate's verdict;
    # here the pack's policy must reach the same one from the same plan.
    for stack in ("staging", "prod"):
        result = plan(stack)
        verdict = check_budget(items_from_plan(result), load_cost_settings(stack))
        assert run_offline(result) == ([verdict.message()] if verdict.over else [])


def test_a_custom_policy_reads_settings_through_its_function() -> None:
    calls: list[str] = []

    def settings_for(stack: str) -> CostSettings:
        calls.append(stack)
        return settings(budget=0.5, stack=stack)

    policy = budget_policy(settings_for)
    violations: list[str] = []
    args = stack_args(plan_of(registered("aws:kms/key:Key", "key")).resources)
    policy.validate(args, lambda message, urn: violations.append(message))  # pyright: ignore[reportUnknownMemberType]
    assert calls == ["staging"] and len(violations) == 1
