"""Computed values of Kubernetes resources."""

from collections.abc import Mapping
from typing import Any

from stacks.mocks.registry import Context, resource


@resource("kubernetes:helm.sh/v3:Release")
def _release(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    namespace = inputs.get("namespace", "default")
    release = inputs.get("name", name)
    return f"{namespace}/{release}", {
        "status": {
            "name": release,
            "namespace": namespace,
            "chart": inputs.get("chart"),
            "version": inputs.get("version"),
            "status": "deployed",
            "revision": 1,
        }
    }
