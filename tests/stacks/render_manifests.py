"""Write the Kubernetes manifests the program declares itself, for the validators.

`python -m tests.stacks.render_manifests DIR` plans each committed stack (the
real program, as `python -m stacks.plan` does) and writes every Kubernetes object that is not a Helm release
(namespaces, Secrets, the StorageClass, the Ingress, ClusterIssuers, the
Velero Schedule) as YAML: built-in kinds under `DIR/<stack>/core/`, for
`kubernetes-validate`; custom resources under `DIR/<stack>/crd/<Kind>/`, for
`check-jsonschema` with the schema of `tests/schemas/` named in `CRD_SCHEMAS`.
"""

import sys
from pathlib import Path
from typing import Any, cast

import yaml

from components.aws.eks_cluster import KUBERNETES_VERSION as CLUSTER_VERSION
from offline.harness import SECRET, PlanResult
from offline.plan import plan_stack

STACKS = ("staging", "prod")
KUBERNETES_VERSION = f"{CLUSTER_VERSION}.0"
"""Kubernetes version the built-in kinds are validated against: the cluster's pinned version."""
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
CRD_SCHEMAS = {
    ("cert-manager.io/v1", "ClusterIssuer"): SCHEMAS / "clusterissuer.cert-manager.io-v1.json",
    ("velero.io/v1", "Schedule"): SCHEMAS / "schedule.velero.io-v1.json",
    ("cert-manager.io/v1", "Issuer"): SCHEMAS / "issuer.cert-manager.io-v1.json",
    ("karpenter.sh/v1", "NodePool"): SCHEMAS / "nodepool.karpenter.sh-v1.json",
    ("karpenter.k8s.aws/v1", "EC2NodeClass"): SCHEMAS / "ec2nodeclass.karpenter.k8s.aws-v1.json",
}
"""Custom resource kinds the program writes, and the schema each is checked against."""
REDACTED = "redacted-for-validation"


def _normalize(value: Any) -> Any:
    """Undo the mock transport's artefacts: integral floats become ints, secrets a dummy string."""
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in cast(dict[str, Any], value).items()}
    if isinstance(value, list):
        return [_normalize(v) for v in cast(list[Any], value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == SECRET:
        return REDACTED
    return value


def manifests(result: PlanResult) -> list[dict[str, Any]]:
    """Every Kubernetes object of a plan that the program writes itself, as a manifest."""
    found: list[dict[str, Any]] = []
    for res in result.resources:
        if not (res.custom and res.type.startswith("kubernetes:")) or res.type.startswith(
            "kubernetes:helm.sh"
        ):
            continue
        doc = cast(dict[str, Any], _normalize(res.inputs))
        if doc.get("kind") == "Secret" and doc.get("stringData") == REDACTED:
            # The whole map is secret in the plan: keep its shape for the schema.
            doc["stringData"] = {"value": REDACTED}
        found.append(doc)
    return found


def is_custom(doc: dict[str, Any]) -> bool:
    """Whether a manifest is a custom resource (validated with `CRD_SCHEMAS`)."""
    return (doc.get("apiVersion"), doc.get("kind")) in CRD_SCHEMAS


def write(out: Path) -> list[Path]:
    """Plan every committed stack and write the manifests it declares under `out`."""
    written: list[Path] = []
    for stack in STACKS:
        for doc in manifests(plan_stack(stack)):
            meta = cast(dict[str, Any], doc["metadata"])
            name = "-".join(str(p) for p in (meta.get("namespace"), meta["name"]) if p)
            folder = out / stack / ("crd/" + str(doc["kind"]) if is_custom(doc) else "core")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{str(doc['kind']).lower()}-{name}.yaml"
            path.write_text(yaml.safe_dump(doc, sort_keys=False))
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if len(argv) != 1:
        print("usage: python -m tests.stacks.render_manifests DIR", file=sys.stderr)
        return 2
    for path in write(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
