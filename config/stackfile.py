"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the engine would hand them over."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from config import yamlfile
from config.errors import ConfigError

SECRET_PLACEHOLDER = "offline-plan-secret-placeholder"
"""Stands in for a `secure:` value, which cannot be decrypted offline."""


@dataclass(frozen=True)
class StackFile:
    """A stack's flat configuration and which keys are secret."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"}:  # pyright: ignore[reportUnknownArgumentType]
            return True
        return any(_has_secure(v) for v in value.values())  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)  # pyright: ignore[reportUnknownVariableType]
    return False


def _unsecure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:  # pyright: ignore[reportUnknownArgumentType]
            return SECRET_PLACEHOLDER
        return {k: _unsecure(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [_unsecure(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _as_engine_string(value: Any) -> str:
    """The engine passes structured values as JSON and scalars as their YAML text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def read_stack_file(root: Path, stack: str) -> StackFile:
    """Load a stack's configuration from the repository.

    :raises ConfigError: when the files are missing or not the expected YAML.
    """
    project_file = root / "Pulumi.yaml"
    stack_file = root / f"Pulumi.{stack}.yaml"
    try:
        project_doc = yamlfile.parse(project_file.read_text(encoding="utf-8"))
        project = str(project_doc["name"])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(stack, [f"{project_file.name}: cannot read the project name ({exc})"]) from None
    if not stack_file.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise ConfigError(stack, [f"{stack_file.name}: no such stack file; known stacks: {', '.join(known)}"])
    try:
        doc: Any = yamlfile.parse(stack_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(stack, [f"{stack_file.name}: {yamlfile.problem(exc)}"]) from None
    if not isinstance(doc, dict) or not isinstance(cast(dict[str, Any], doc).get("config", {}), dict):
        raise ConfigError(stack, [f"{stack_file.name}: expected a mapping with a `config:` mapping"])
    raw = cast(dict[str, Any], cast(dict[str, Any], doc).get("config") or {})
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        if _has_secure(value):
            secret_keys.append(full)
        config[full] = _as_engine_string(_unsecure(value))
    return StackFile(project=project, stack=stack, config=config, secret_keys=secret_keys)
