"""Synthetic plan records, as the harness records them, judged by the real analyzer."""

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
    """A custom resource record of `stack`, with camelCase inputs; its outputs are its inputs
    plus its id (`[unknown]` for a resource of a first preview)."""
    inputs = inputs or {}
    return Registered(
        urn=f"urn:pulumi:{stack}::campus::{type_token}::{name}",
        type=type_token,
        name=name,
        parent=None,
        custom=True,
        protect=protect,
        inputs=inputs,
        id=id_,
        dependencies=[d.urn for d in dependencies],
        outputs={**inputs, "id": id_} if id_ else dict(inputs),
    )


def fired(policy: Policy, *records: Registered) -> list[Violation]:
    """What one policy reports over these records, through the analyzer (offline configuration)."""
    return check(list(records), only=[policy.name])
