"""The budget policy: a stack's estimate within `cost:monthlyBudget`, its account's within `cost:account`.

A `StackValidationPolicy` for the policy pack (which lists `budget`; this
module never builds a `PolicyPack`, whose constructor serves gRPC forever).
The offline plan judges its plan with it through the analyzer (`offline/cost.py`).
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from config import ConfigError
from config.cost_settings import CostSettings, load_cost_settings
from config.paths import ROOT
from cost.account import OthersFor, budget_violations, ledger_others
from cost.estimate import CostError
from cost.model import Item
from policy.common import UNKNOWN, props_of

SettingsFor = Callable[[str], CostSettings | None]
"""Stack name -> its cost settings (prices, usage, currency, budget), None when it has none."""

NAME = "monthly-budget"


def _stack_of(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<type>::<name>
    return urn.split("::", 1)[0].rsplit(":", 1)[-1]


def _inputs(resource: PolicyResource) -> dict[str, Any]:
    """A resource's properties as the cost rules read them: plain dicts and lists.

    In a first preview a list of ids is unknown as a whole (the NLB's `subnets`);
    its property dependencies still say which resources it was made from, and the
    rules only count its entries, so it is read as one unknown entry per resource
    when those are all of one type (the program passes `[s.id for s in subnets]`).
    """
    props = props_of(resource)
    for key, value in props.items():
        deps = resource.property_dependencies.get(key, [])
        if value == UNKNOWN and deps and len({d.resource_type for d in deps}) == 1:
            props[key] = [UNKNOWN] * len(deps)
    return props


def _items(resources: list[PolicyResource]) -> list[Item]:
    return [
        Item(
            urn=r.urn,
            type=r.resource_type,
            name=r.name,
            inputs=_inputs(r),
            dependencies=tuple(sorted({d.urn for d in r.dependencies})),
        )
        for r in resources
    ]


def committed_settings(stack: str, root: Path = ROOT) -> CostSettings | None:
    """The settings of a stack whose stack file is in the repository at `root`; None for any
    other (a throwaway stack made elsewhere has no budget to hold it to)."""
    if not (root / f"Pulumi.{stack}.yaml").is_file():
        return None
    return load_cost_settings(stack, root=root)


def budget_policy(
    settings_for: SettingsFor = committed_settings, others_for: OthersFor = ledger_others
) -> StackValidationPolicy:
    """The policy, reading each stack's settings with `settings_for` and the account's other
    stacks' estimates with `others_for` (by default the committed ledger)."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        if not args.resources:
            return
        stack = _stack_of(args.resources[0].urn)
        items = _items(args.resources)
        try:
            settings = settings_for(stack)
            if settings is None:
                return
            messages = budget_violations(items, settings, others_for)
        except (ConfigError, CostError) as exc:
            report_violation(f"cannot estimate the monthly cost of stack {stack}: {exc}", None)
            return
        for message in messages:
            report_violation(message, None)

    return StackValidationPolicy(
        name=NAME,
        description=(
            "The monthly cost estimate of the stack stays within cost:monthlyBudget, and the estimates "
            "of every stack of its AWS account within cost:account.monthlyBudget."
        ),
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        remediation_steps=(
            "Take one of the cheaper options the message lists. The account's cap is set by whoever "
            "pays for the account; a stack's own budget is the team's to agree."
        ),
    )


budget = budget_policy()
"""The instance the policy pack lists."""


__all__ = ["NAME", "budget", "budget_policy", "committed_settings"]
