"""Computed values of Kubernetes resources."""

from collections.abc import Mapping
from typing import Any, cast

from offline.mocks.registry import Context, resource, stable_hex


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


@resource(
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:Secret",
    "kubernetes:storage.k8s.io/v1:StorageClass",
    "kubernetes:networking.k8s.io/v1:Ingress",
    "kubernetes:cert-manager.io/v1:ClusterIssuer",
    "kubernetes:velero.io/v1:Schedule",
)
def _object(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's id is `namespace/name` for namespaced objects, `name` otherwise.
    metadata = cast(dict[str, Any], inputs.get("metadata") or {})
    object_name = str(metadata.get("name") or name)
    namespace = metadata.get("namespace")
    uid = stable_hex(ctx.stack, name, length=32)
    state: dict[str, Any] = {
        "metadata": {
            **metadata,
            "uid": f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}",
            "resourceVersion": "1",
        }
    }
    if inputs.get("kind") == "Namespace":
        state["status"] = {"phase": "Active"}
    return (f"{namespace}/{object_name}" if namespace else object_name), state
