"""Helpers shared by the policies: reading engine properties and URNs.

Under the analyzer, property values arrive wrapped in the SDK's proxy types
(`Mapping`/`Sequence`, not `dict`/`list`), and reading a value unknown during a
preview raises `UnknownValueError`, which the SDK turns into an advisory "can't
run policy during preview" for the whole policy. So every policy unwraps its
properties once with `plain` (unknowns become `UNKNOWN`), judges what the known
values decide, and raises `UndecidedError` for what only the update can decide.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

SECRET = "[secret]"
"""How the offline plan renders a secret value; the analyzer hands the policies the plaintext,
which for the offline plan is this text."""
UNKNOWN = "[unknown]"
"""What `plain` puts where the engine sent an unknown value (a first preview)."""


class UndecidedError(UnknownValueError):
    """Only the update can decide: the SDK reports it as an advisory diagnostic
    ("can't run policy ... during preview: <message>"), never as a violation."""

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = message


def plain(value: Any) -> Any:
    """`value` with the SDK's proxies unwrapped to `dict`/`list`, unknown values as `UNKNOWN`."""
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, Mapping):
        mapping = cast(Mapping[Any, Any], value)
        out: dict[str, Any] = {}
        for key in mapping:  # iterating the keys never reads a value
            try:
                out[str(key)] = plain(mapping[key])
            except UnknownValueError:
                out[str(key)] = UNKNOWN
        return out
    if isinstance(value, Sequence):
        sequence = cast(Sequence[Any], value)
        items: list[Any] = []
        for i in range(len(sequence)):
            try:
                items.append(plain(sequence[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def props_of(resource: PolicyResource) -> dict[str, Any]:
    """A stack resource's properties, unwrapped."""
    return cast(dict[str, Any], plain(resource.props))


def stack_of(urn: str) -> str:
    """The stack a URN belongs to: `urn:pulumi:<stack>::<project>::...`."""
    parts = urn.split("::", 1)[0].split(":")
    return parts[2] if len(parts) > 2 else ""


def prop(props: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """A nested property by dotted camelCase path (`vpcConfig.endpointPublicAccess`);
    `UNKNOWN` when the path crosses an unknown value."""
    value: Any = props
    for key in path.split("."):
        if value == UNKNOWN:
            return UNKNOWN
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = cast(Mapping[str, Any], value)[key]
    return value


def as_list(value: Any) -> list[Any]:
    """A property that holds a list, or an empty list for anything else (a string included)."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(cast(Sequence[Any], value))
    return []


def tags_of(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """A resource's tags, wherever the engine put them (inputs or outputs)."""
    for key in ("tags", "tagsAll"):
        value = props.get(key)
        if isinstance(value, Mapping):
            return cast(Mapping[str, Any], value)
    return {}


def of_type(resources: Sequence[PolicyResource], *type_tokens: str) -> list[PolicyResource]:
    """The stack's resources of these types."""
    return [r for r in resources if r.resource_type in type_tokens]


def strings_in(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a nested (unwrapped) value, with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in cast(Mapping[str, Any], value).items():
            yield from strings_in(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, bytes):
        for i, item in enumerate(cast(Sequence[Any], value)):
            yield from strings_in(item, f"{path}[{i}]")


def known_secret_values(config: Mapping[str, Any]) -> list[str]:
    """Secret values a policy was told to look for (the offline plan passes its placeholder)."""
    values = plain(config).get("knownSecretValues", [])
    return [v for v in as_list(values) if isinstance(v, str) and len(v) >= 6]


def references(
    resource: PolicyResource,
    props: Mapping[str, Any],
    key: str,
    candidates: Sequence[PolicyResource],
    ids: Mapping[str, set[str]],
) -> tuple[set[str], bool]:
    """The URNs of the `candidates` that input `key` of `resource` names, and whether that is undecided.

    A known id (or name) in the value names its resource; an unknown one (a first
    preview) is found through the property's dependencies, which the engine sends
    in both modes (all of the resource's dependencies when it sent none per property).
    `ids` maps each candidate's URN to the ids and names it is known by.
    """
    value = props.get(key)
    entries = [value] if isinstance(value, str) else as_list(value)
    known = {e for e in entries if isinstance(e, str) and e != UNKNOWN}
    found = {c.urn for c in candidates if ids.get(c.urn, set()) & known}
    if value == UNKNOWN or UNKNOWN in entries:
        deps = resource.property_dependencies.get(key) or resource.dependencies
        urns = {c.urn for c in candidates}
        through = {d.urn for d in deps if d.urn in urns}
        if not through:
            return found, True
        found |= through
    return found, False
