"""Plans of the committed stacks, shared by the AWS tests (planning takes a second or two)."""

import pytest

from offline.harness import PlanResult
from offline.plan import plan_config, plan_stack
from tests.conftest import dedicated_staging_changes, stack_file, with_changes


@pytest.fixture(scope="session")
def staging() -> PlanResult:
    """Staging in the dedicated topology (its own VPC and cluster), planned once.

    The committed staging is a tenant of prod's cluster (tests/stacks/test_tenant.py);
    the cluster components are tested on the topology that has them twice.
    """
    base = stack_file("staging")
    return plan_config(
        project=base.project,
        stack="staging",
        config=with_changes(base, dedicated_staging_changes(), ("cloud:host",)),
        secret_keys=base.secret_keys,
    )


@pytest.fixture(scope="session")
def prod() -> PlanResult:
    """The committed prod stack, planned once."""
    return plan_stack("prod")
