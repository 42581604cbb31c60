"""Synthetic plan records, as the harness records them, for policy tests."""

from collections.abc import Sequence
from typing import Any

from pulumi_policy import Policy

from offline.harness import Registered
from offline.policies import Violation, check


def record(
    type_token: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    *,
    stack: str = "prod",
    protect: bool = False,
    id_: str = "",
    dependencies: Sequence[Registered] = (),
) -> Registered:
    """A custom resource record of `stack`, with camelCase inputs."""
    return Registered(
        urn=f"urn:pulumi:{stack}::campus::{type_token}::{name}",
        type=type_token,
        name=name,
        parent=None,
        custom=True,
        protect=protect,
        inputs=inputs or {},
        id=id_,
        dependencies=[d.urn for d in dependencies],
    )


def fired(policy: Policy, *records: Registered) -> list[Violation]:
    """What one policy reports over these records (with the offline plan's configuration)."""
    return check(list(records), [policy])
