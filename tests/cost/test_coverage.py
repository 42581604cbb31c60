"""The coverage rule: every AWS type the program registers is priced or known to be free."""

import re
from pathlib import Path

import pulumi_aws
import pytest

from cost.estimate import estimate
from cost.rules import FREE_TYPES, RULES, is_covered
from tests.conftest import Planner
from tests.cost.fakes import items, registered, settings


def uncovered_types(types: set[str]) -> list[str]:
    return sorted(t for t in types if not is_covered(t))


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_registered_aws_type_is_priced_or_free(plan: Planner, stack: str) -> None:
    result = plan(stack)
    aws_types = {r.type for r in result.resources if r.custom and r.type.startswith("aws:")}
    assert aws_types, "the plan registered no AWS resource"
    missing = uncovered_types(aws_types)
    assert not missing, (
        f"paid resource types without a pricing rule: {missing}; add a rule to cost.rules.RULES "
        "(and its price to config/prices/) or, if it costs nothing, list it in cost.rules.FREE_TYPES"
    )


def test_an_unknown_aws_type_is_reported_not_silently_free() -> None:
    s = settings()
    instance = registered("aws:ec2/instance:Instance", "bastion", {"instanceType": "t3.large"})
    est = estimate(items(instance), s.prices, s.usage)
    assert uncovered_types({instance.type}) == ["aws:ec2/instance:Instance"]
    assert est.uncovered == ["bastion (aws:ec2/instance:Instance): no pricing rule and not listed as free"]


def test_a_type_is_never_both_priced_and_free() -> None:
    assert not set(RULES) & FREE_TYPES


def test_every_listed_aws_token_exists_in_the_pinned_sdk() -> None:
    """A typo in a token would make a rule never match; the SDK's module map lists every real one."""
    module_map = (Path(pulumi_aws.__file__).parent / "__init__.py").read_text()
    known = set(re.findall(r'"(aws:[A-Za-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+)"', module_map))
    listed = {t for t in [*RULES, *FREE_TYPES] if t.startswith("aws:")}
    assert listed - known == set()
