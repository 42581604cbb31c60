"""Helpers shared by the policies: reading engine properties and URNs."""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from pulumi_policy import PolicyResource

SECRET = "[secret]"
"""How the offline plan renders a secret value (the live engine hands policies plaintext)."""
UNKNOWN = "[unknown]"
"""How the offline plan renders a value not known before the update."""


def stack_of(urn: str) -> str:
    """The stack a URN belongs to: `urn:pulumi:<stack>::<project>::...`."""
    parts = urn.split("::", 1)[0].split(":")
    return parts[2] if len(parts) > 2 else ""


def prop(props: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """A nested property by dotted camelCase path (`vpcConfig.endpointPublicAccess`)."""
    value: Any = props
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = cast(Mapping[str, Any], value)[key]
    return value


def as_list(value: Any) -> list[Any]:
    """A property that holds a list, or an empty list for anything else."""
    return list(cast(Sequence[Any], value)) if isinstance(value, (list, tuple)) else []


def tags_of(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """A resource's tags, wherever the engine put them (inputs or outputs)."""
    for key in ("tags", "tagsAll"):
        value = props.get(key)
        if isinstance(value, Mapping):
            return cast(Mapping[str, Any], value)
    return {}


def of_type(resources: Sequence[PolicyResource], type_token: str) -> list[PolicyResource]:
    """The stack's resources of one type."""
    return [r for r in resources if r.resource_type == type_token]


def strings_in(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a nested value, with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in cast(Mapping[str, Any], value).items():
            yield from strings_in(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(cast(Sequence[Any], value)):
            yield from strings_in(item, f"{path}[{i}]")


def known_secret_values(config: Mapping[str, Any]) -> list[str]:
    """Secret values a policy was told to look for (the offline plan passes its placeholder)."""
    values = config.get("knownSecretValues", [])
    return [v for v in as_list(values) if isinstance(v, str) and len(v) >= 6]
