"""Judge an offline plan by the policy pack, as `pulumi preview --policy-pack policy` would.

The plan's records go to the real analyzer (`offline/analyzer.py`): inputs per
resource, outputs of the whole stack, secrets and unknowns marshalled as the
engine marshals them. The stack file's `secure:` values are the plan's
placeholder, which the secret policies are configured to look for (as a
reader would with `--policy-pack-config`).
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel

from config.paths import ROOT
from config.stackfile import SECRET_PLACEHOLDER
from offline.analyzer import Violation, analyzer_for
from offline.harness import PlanResult, Registered

DEFAULT_CONFIG: Mapping[str, Mapping[str, Any]] = {
    name: {"knownSecretValues": [SECRET_PLACEHOLDER]}
    for name in ("no-secrets-in-command-strings", "no-plaintext-secrets-in-helm-values")
}
"""Per-policy configuration for offline runs (the engine's `--policy-pack-config`)."""

__all__ = ["DEFAULT_CONFIG", "Violation", "check", "check_plan", "report_text"]


def check(
    records: Sequence[Registered], *, root: Path = ROOT, only: Iterable[str] = (), stack: str = ""
) -> list[Violation]:
    """Every diagnostic the analyzer of `root`'s pack returns for these records."""
    return analyzer_for(root, DEFAULT_CONFIG).check(records, stack=stack, only=only)


def check_plan(result: PlanResult, *, root: Path = ROOT, only: Iterable[str] = ()) -> list[Violation]:
    """Every diagnostic for a planned stack."""
    return analyzer_for(root, DEFAULT_CONFIG).check_plan(result, only=only)


def report_text(violations: Sequence[Violation]) -> str:
    """The policy section of the plan's printed summary."""
    mandatory = sum(1 for v in violations if v.level == EnforcementLevel.MANDATORY)
    head = f"Policies: {len(violations)} violations, {mandatory} mandatory"
    return "\n".join([head, *(str(v) for v in violations)])
