"""Run the policy pack's functions over an offline plan, as the engine would.

Each `offline.harness.Registered` record becomes the `ResourceValidationArgs`
the analyzer would receive (props = the record's camelCase inputs), and the
whole plan one `StackValidationArgs` (props = inputs plus the mock's `id`, as
a stack policy sees outputs). Secrets arrive as `[secret]`, and the stack
file's `secure:` values as the plan's placeholder, which the secret policies
are told to look for.
"""

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

from config.stackfile import SECRET_PLACEHOLDER
from offline.adapt import resource_args, stack_args
from offline.harness import PlanResult, Registered
from policy.policies import POLICIES

DEFAULT_CONFIG: Mapping[str, Mapping[str, Any]] = {
    name: {"knownSecretValues": [SECRET_PLACEHOLDER]}
    for name in ("no-secrets-in-command-strings", "no-plaintext-secrets-in-helm-values")
}
"""Per-policy configuration for offline runs."""


@dataclass(frozen=True)
class Violation:
    """One reported violation."""

    policy: str
    level: EnforcementLevel
    message: str
    urn: str | None

    def __str__(self) -> str:
        where = f"\n      at {self.urn}" if self.urn else ""
        return f"  [{self.level.value}] {self.policy}: {self.message}{where}"


def _run(result: Any) -> None:
    if inspect.isawaitable(result):
        asyncio.run(_await(result))


async def _await(awaitable: Any) -> None:
    await awaitable


def _reporter(violations: list[Violation], name: str, level: EnforcementLevel) -> ReportViolation:
    def report(message: str, urn: str | None = None) -> None:
        violations.append(Violation(policy=name, level=level, message=message, urn=urn))

    return report


def check(
    records: Sequence[Registered],
    policies: Sequence[Policy] = POLICIES,
    config: Mapping[str, Mapping[str, Any]] = DEFAULT_CONFIG,
) -> list[Violation]:
    """Every violation the policies report over these records."""
    violations: list[Violation] = []
    for policy in policies:
        level = policy.enforcement_level or EnforcementLevel.ADVISORY
        if level == EnforcementLevel.DISABLED:
            continue

        report = _reporter(violations, policy.name, level)
        policy_config = config.get(policy.name)
        if isinstance(policy, ResourceValidationPolicy):
            for record in records:
                _run(policy.validate(resource_args(record, policy_config), report))  # pyright: ignore[reportUnknownMemberType]
        elif isinstance(policy, StackValidationPolicy):
            _run(policy.validate(stack_args(records, policy_config), report))  # pyright: ignore[reportUnknownMemberType]
    return violations


def check_plan(result: PlanResult, policies: Sequence[Policy] = POLICIES) -> list[Violation]:
    """Every violation in an offline plan."""
    return check(result.resources, policies)


def report_text(violations: Sequence[Violation]) -> str:
    """The policy section of the plan's printed summary."""
    mandatory = sum(1 for v in violations if v.level == EnforcementLevel.MANDATORY)
    head = f"Policies: {len(violations)} violations, {mandatory} mandatory"
    return "\n".join([head, *(str(v) for v in violations)])
