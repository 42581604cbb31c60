"""Per-environment chart values: `config/values/<release>/<stack>.yaml`.

Only what differs between environments lives in these files (replicas,
resources, log levels); what the program computes (roles, secrets, node
ports, domains) is merged over them by the components.
"""

from pathlib import Path
from typing import Any, cast

import yaml

from config import yamlfile

VALUES_DIR = Path(__file__).resolve().parent / "values"


def load_release_values(
    stack: str, releases: list[str], root: Path = VALUES_DIR
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Read each release's values file for a stack.

    A missing file means no environment-specific values. Returns the values and
    the problems found, each naming the file and what was expected.
    """
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
