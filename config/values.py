"""Per-environment chart values: `config/values/<release>/<stack>.yaml`.

Only what differs between environments lives in these files (replicas,
resources, log levels); what the program computes (roles, secrets, node
ports, domains) is merged over them by the components.
"""

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator, ValidationError

from config import yamlfile

VALUES_DIR = Path(__file__).resolve().parent / "values"
SCHEMA_FILE = "values.schema.json"
"""Per release, next to its values files: the keys this program and those files may set, with their
types (written from the pinned chart's own values.yaml / values.schema.json; each file says which)."""


@lru_cache(maxsize=16)
def _validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def release_schema(release: str, schema_dir: Path = VALUES_DIR) -> Draft202012Validator:
    """The validator of a release's values (its `values.schema.json`)."""
    return _validator(schema_dir / release / SCHEMA_FILE)


def _where(error: ValidationError) -> str:
    parts = ""
    for part in error.absolute_path:
        parts += f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part))
    return parts


def schema_problems(values: Mapping[str, Any], validator: Draft202012Validator) -> list[str]:
    """Each way `values` departs from the schema: `key.path: what was expected, got what`."""
    problems: list[str] = []
    errors: list[ValidationError] = list(validator.iter_errors(values))  # pyright: ignore[reportUnknownMemberType]
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        where = _where(error)
        if error.validator == "additionalProperties":
            allowed = sorted(cast(dict[str, Any], error.schema).get("properties", {}))
            given = cast(dict[str, Any], error.instance)
            unknown = [k for k in given if k not in allowed]
            for key in unknown:
                path = f"{where}.{key}" if where else key
                problems.append(
                    f"{path}: unknown key; expected one of {', '.join(allowed)}"
                    if allowed
                    else f"{path}: unknown key"
                )
            continue
        if error.validator == "type":
            expected = error.validator_value
            kinds = (
                " or ".join(str(k) for k in cast(list[Any], expected))
                if isinstance(expected, list)
                else str(expected)
            )
            problems.append(f"{where}: expected {kinds}, got {error.instance!r}")
        elif error.validator == "enum":
            options = ", ".join(str(v) for v in cast(list[Any], error.validator_value))
            problems.append(f"{where}: expected one of {options}, got {error.instance!r}")
        elif (
            error.validator == "pattern"
            and "quantity" in str(cast(dict[str, Any], error.schema).get("description", "")).lower()
        ):
            problems.append(
                f"{where}: expected a Kubernetes quantity such as 10Gi or 500m, got {error.instance!r}"
            )
        else:
            problems.append(f"{where or 'values'}: {error.message}")
    return problems


def load_release_values(
    stack: str, releases: list[str], root: Path | None = None, schema_dir: Path = VALUES_DIR
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Read each release's values file for a stack and check it against the release's schema.

    A missing file means no environment-specific values. Returns the values and
    the problems found, each naming the file, the key and what was expected.
    """
    root = VALUES_DIR if root is None else root
    values: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for release in releases:
        path = root / release / f"{stack}.yaml"
        shown = f"config/values/{release}/{stack}.yaml"
        if not path.is_file():
            values[release] = {}
            continue
        try:
            doc: Any = yamlfile.parse(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(f"{shown}: {yamlfile.problem(exc)}")
            continue
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            problems.append(f"{shown}: expected a mapping of chart values, got {type(doc).__name__}")
            continue
        bad = [k for k in cast(dict[Any, Any], doc) if not isinstance(k, str)]
        if bad:
            problems.append(f"{shown}: keys must be strings, got {bad[0]!r}")
            continue
        found = schema_problems(cast(dict[str, Any], doc), release_schema(release, schema_dir))
        if found:
            problems += [f"{shown}: {p} ({release}/{SCHEMA_FILE})" for p in found]
            continue
        values[release] = cast(dict[str, Any], doc)
    return values, problems


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` merged into a copy of `base`; nested mappings merge, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(cast(dict[str, Any], current), cast(dict[str, Any], value))
        else:
            merged[key] = value
    return merged
