"""Plan records as the analyzer hands them to policies.

One adapter for every offline run of a policy: the whole pack in
`offline/policies.py` and the budget policy beside the cost report (`offline/cost.py`).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from offline.harness import Registered


def _options(record: Registered) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=record.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=record.parent,
    )


def resource_args(record: Registered, config: Mapping[str, Any] | None = None) -> ResourceValidationArgs:
    """What the analyzer's `Analyze` call would hand a resource policy for this record."""
    return ResourceValidationArgs(
        resource_type=record.type,
        props=record.inputs,
        urn=record.urn,
        name=record.name,
        opts=_options(record),
        provider=None,
        config=config,
    )


def stack_args(records: Sequence[Registered], config: Mapping[str, Any] | None = None) -> StackValidationArgs:
    """What the analyzer's `AnalyzeStack` call would hand a stack policy for these records."""
    built: dict[str, PolicyResource] = {}
    for record in records:
        props = dict(record.inputs)
        if record.id:
            props.setdefault("id", record.id)
        built[record.urn] = PolicyResource(
            resource_type=record.type,
            props=props,
            urn=record.urn,
            name=record.name,
            opts=_options(record),
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
    # Linked once every record is built, so the order of the records does not matter.
    for record in records:
        resource = built[record.urn]
        resource.parent = built.get(record.parent) if record.parent else None
        linked = sorted({*record.dependencies, *record.depends_on})
        resource.dependencies = [built[u] for u in linked if u in built]
    return StackValidationArgs(resources=list(built.values()), config=config)
