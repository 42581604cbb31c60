"""What the program hands each Helm release fits that release's values schema.

The schema (config/values/<release>/values.schema.json) lists the keys the
program and its values files may set: the merged values of every committed
stack must satisfy it, or the schema would refuse a values file for a key the
program itself relies on.
"""

import pytest

from config.charts import RELEASES
from config.values import release_schema, schema_problems
from tests.conftest import Planner

RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_merged_values_of_every_release_fit_its_schema(plan: Planner, stack: str) -> None:
    releases = plan(stack).of_type(RELEASE)
    assert releases
    # Karpenter belongs to the cloud part: its values are computed only, with no values file to check.
    for release in (r for r in releases if r.inputs["name"] != "karpenter"):
        name = release.name.removesuffix("-release")
        assert name in RELEASES
        assert schema_problems(release.inputs["values"], release_schema(name)) == [], name


def test_the_schema_refuses_what_the_plan_would_otherwise_pass() -> None:
    values = {"deployment": {"replicas": "two"}, "ingresClass": {"enabled": True}}
    assert schema_problems(values, release_schema("traefik")) == [
        "ingresClass: unknown key; expected one of additionalArguments, autoscaling, deployment, "
        "ingressClass, logs, podDisruptionBudget, ports, providers, resources, service",
        "deployment.replicas: expected integer, got 'two'",
    ]
