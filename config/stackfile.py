"""Read `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the engine would hand them over.

Secrets cannot be decrypted offline. A `secure:` value is handed over as a stand-in
string, with its key listed among the secret keys: exactly the shape in which the
engine passes a decrypted secret to the program (a plain string value plus its key
in the secret-key list). A secret the schema requires but the stack does not hold
yet (a stack before `make stack-init`) is stood in for the same way, and named in
`StackFile.stood_in`, so both committed stacks plan before anyone has set their
secrets. Only the offline tooling reads stack files through here: a real
`pulumi up` gets its configuration from the engine, where an unset secret is
missing and the loader refuses it.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from config import yamlfile
from config.errors import ConfigError
from config.secrets import (
    SECRET_STAND_IN,
    ciphertext_problems,
    own_provider_problems,
    required_secrets,
    secure_values,
)

SECRET_PLACEHOLDER = SECRET_STAND_IN
"""Stands in for a `secure:` value, which cannot be decrypted offline."""


@dataclass(frozen=True)
class StackFile:
    """A stack's flat configuration and which keys are secret."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]
    secrets_provider: str | None = None
    """The stack file's `secretsprovider` (e.g. `awskms://alias/...`), if declared."""
    stood_in: tuple[str, ...] = field(default=())
    """Secret keys the schema requires that the stack file does not hold yet (stood in for)."""


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


def read_stack_file(root: Path, stack: str, *, stand_in_secrets: bool = True) -> StackFile:
    """Load a stack's configuration from the repository.

    :param stand_in_secrets: also stand in for the secrets the schema requires that are not set.
    :raises ConfigError: when the files are missing or not the expected YAML, when a `secure:`
        value is not ciphertext of the stack's secrets provider, or when prod has no provider
        of its own.
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
    top = cast(dict[str, Any], doc)
    raw = cast(dict[str, Any], top.get("config") or {})
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    secured: list[tuple[str, Any]] = []
    for key, value in raw.items():
        full = key if ":" in key else f"{project}:{key}"
        if _has_secure(value):
            secret_keys.append(full)
            secured += secure_values(value, full)
        config[full] = _as_engine_string(_unsecure(value))
    provider = _optional_text(top.get("secretsprovider"))
    problems = ciphertext_problems(
        stack_file.name,
        provider,
        _optional_text(top.get("encryptedkey")),
        _optional_text(top.get("encryptionsalt")),
        secured,
    )
    problems += own_provider_problems(root, stack, stack_file.name, provider)
    if problems:
        raise ConfigError(stack, problems)
    stood_in: list[str] = []
    if stand_in_secrets:
        for key in required_secrets(stack, config, secret_keys):
            if key not in config:
                config[key] = SECRET_PLACEHOLDER
                secret_keys.append(key)
                stood_in.append(key)
    return StackFile(
        project=project,
        stack=stack,
        config=config,
        secret_keys=secret_keys,
        secrets_provider=provider,
        stood_in=tuple(stood_in),
    )


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)
