"""Plans of the committed stacks, shared by the AWS tests (planning takes a second or two)."""

import pytest

from offline.harness import PlanResult
from offline.plan import plan_stack


@pytest.fixture(scope="session")
def staging() -> PlanResult:
    """The committed staging stack, planned once."""
    return plan_stack("staging")


@pytest.fixture(scope="session")
def prod() -> PlanResult:
    """The committed prod stack, planned once."""
    return plan_stack("prod")
