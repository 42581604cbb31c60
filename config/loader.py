"""Turn the raw Pulumi configuration of a stack into one `StackConfig`, or one `ConfigError`.

Pulumi hands a program its configuration as flat `namespace:key` strings (a
structured value arrives as JSON text). This module groups the keys of the
namespaces the program owns, validates each namespace against its model and
reports every problem at once, naming the stack, the key and what was expected.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from config.charts import RELEASES
from config.cloud import CloudConfig
from config.cost import CostConfig
from config.dns_owners import dns_owner_problems
from config.errors import ConfigError
from config.inventory import LabInventory, load_lab_inventory
from config.lab import LabConfig
from config.platform import PlatformConfig
from config.registrations import Registrations, build_registrations
from config.stack import StackConfig
from config.values import load_release_values

# The namespaces this program owns. Keys of other namespaces (aws:, pulumi:,
# proxmoxve:) belong to providers or the engine and are not ours to judge.
NAMESPACES: dict[str, type[BaseModel]] = {
    "lab": LabConfig,
    "cloud": CloudConfig,
    "platform": PlatformConfig,
    "cost": CostConfig,
}


# Namespaces that belong to the engine and the providers: not ours to judge, and a
# key there may be legitimately set by `pulumi config set` for tooling. Every other
# namespace is a typo of ours (`clod:enabled`) and is refused.
FOREIGN_NAMESPACES = frozenset({"pulumi", "aws", "proxmoxve", "kubernetes", "command"})


def _decode(value: Any) -> Any:
    """Structured values arrive as JSON text; scalars stay strings for pydantic to coerce."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _describe(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind == "missing":
        return "missing; this key is required"
    if kind == "extra_forbidden":
        return "unknown key; check its spelling against docs/configuration.md"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    given = error.get("input")
    if msg.startswith("Input should be "):
        msg = "expected " + msg[len("Input should be ") :]
    if kind != "value_error" and not isinstance(given, (dict, list)):
        return f"{msg}, got {given!r}"
    return msg


def _key_path(namespace: str, loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return namespace  # a rule over several keys: its message names them
    head, rest = parts[0], parts[1:]
    path = f"{namespace}:{head}"
    for part in rest:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def _secret_paths(value: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    """Where in a validated model secrets live."""
    if isinstance(value, SecretStr):
        yield path
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from _secret_paths(getattr(value, name), (*path, field.alias or name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            yield from _secret_paths(item, (*path, str(i)))
    elif isinstance(value, dict):
        for k, item in value.items():  # pyright: ignore[reportUnknownVariableType]
            yield from _secret_paths(item, (*path, str(k)))  # pyright: ignore[reportUnknownArgumentType]


def _tenant_check_problems(cloud: CloudConfig, platform: PlatformConfig) -> list[str]:
    """A host whose tenants' HTTP checks would never run: they are cluster checks (docs/platform.md)."""
    dd = platform.datadog
    if cloud.tenants and dd.enabled and not dd.cluster_agent:
        return [
            "platform:datadog.clusterAgent: the tenants of cloud:tenants "
            f"({', '.join(sorted(cloud.tenants))}) have their HTTP checks run by this stack's cluster "
            "agent (annotated Services, dispatched as cluster checks); expected true"
        ]
    return []


def load_stack_config(
    *,
    project: str,
    stack: str,
    raw: Mapping[str, Any],
    secret_keys: Iterable[str] = (),
    require_vmids: bool = True,
) -> StackConfig:
    """Validate a stack's raw configuration.

    :param raw: `namespace:key` to value, as the engine passes it.
    :param secret_keys: the keys the engine marks secret (`secure:` in the stack file).
    :param require_vmids: refuse machines without a VMID allocation (off for `python -m config.vmids`).
    :raises ConfigError: with every problem found, before any resource exists.
    """
    secrets = set(secret_keys)
    grouped: dict[str, dict[str, Any]] = {ns: {} for ns in NAMESPACES}
    problems: list[str] = []
    for key, value in raw.items():
        namespace, sep, name = key.partition(":")
        if sep and namespace in grouped:
            grouped[namespace][name] = _decode(value)
        elif namespace not in FOREIGN_NAMESPACES:
            problems.append(
                f"{key}: unknown key; this program reads {', '.join(f'{n}:' for n in NAMESPACES)} "
                f"(and leaves {', '.join(f'{n}:' for n in sorted(FOREIGN_NAMESPACES))} to the engine "
                "and providers)"
            )

    parts: dict[str, BaseModel | None] = {}
    for namespace, model in NAMESPACES.items():
        values = grouped[namespace]
        enabled_only = set(values) <= {"enabled"}
        if enabled_only and str(values.get("enabled", "false")).lower() in ("false", "0", ""):
            parts[namespace] = None
            continue
        try:
            # Some rules depend on the stack (prod refuses what staging allows).
            parsed = model.model_validate(values, context={"stack": stack})
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(f"{_key_path(namespace, error['loc'])}: {_describe(error)}")
            parts[namespace] = None
            continue
        for path in _secret_paths(parsed):
            top = f"{namespace}:{path[0]}"
            if top not in secrets:
                problems.append(
                    f"{_key_path(namespace, path)}: is stored in plaintext; "
                    f"expected a secret (`pulumi config set --secret {top} ...`)"
                )
        # A namespace without an `enabled` switch (cost:) is on when any key is set.
        enabled = bool(getattr(parsed, "enabled", True))
        parts[namespace] = parsed if enabled else None

    platform = parts["platform"]
    if isinstance(platform, PlatformConfig):
        if parts["cloud"] is None and not any(p.startswith("cloud:") for p in problems):
            problems.append(
                "platform:enabled: the platform's releases run on the cloud part's EKS cluster; "
                "expected cloud:enabled to be true as well"
            )
        values, value_problems = load_release_values(stack, list(RELEASES))
        problems.extend(value_problems)
        platform = platform.model_copy(update={"release_values": values})
        if isinstance(parts["cloud"], CloudConfig):
            problems.extend(dns_owner_problems(parts["cloud"], platform))
            problems.extend(_tenant_check_problems(parts["cloud"], platform))
    lab = parts["lab"]
    cloud = parts["cloud"]
    assert lab is None or isinstance(lab, LabConfig)
    assert cloud is None or isinstance(cloud, CloudConfig)
    assert platform is None or isinstance(platform, PlatformConfig)
    cost = parts["cost"]
    assert cost is None or isinstance(cost, CostConfig)
    inventory = LabInventory(students=(), projects=())
    registrations = Registrations(students=(), projects=())
    if lab is not None:
        inventory, found = load_lab_inventory(stack, lab, require_vmids=require_vmids)
        problems += found
        if not found and require_vmids:
            registrations, found = build_registrations(stack, lab, inventory)
            problems += found
    if problems:
        raise ConfigError(stack, problems)
    return StackConfig(
        project=project,
        stack=stack,
        lab=lab,
        cloud=cloud,
        platform=platform,
        cost=cost,
        inventory=inventory,
        registrations=registrations,
    )
