"""Reading Datadog queries: which metrics they name and how each is filtered."""

import re
from pathlib import Path
from typing import Any, cast

import yaml

from config.paths import ROOT

METRICS_FILE = ROOT / "components" / "monitoring" / "metrics.yaml"
OPERATIONS = ROOT / "docs" / "operations.md"
PLATFORM = ROOT / "docs" / "platform.md"

# `<aggregator>:<metric>{<scope>}`: the space aggregator (avg, sum, min, max, or a
# percentile such as p95) comes right before the metric and its scope.
METRIC_REF = re.compile(r"(?:avg|sum|min|max|p\d{2}):([a-z][a-z0-9_.]*)\{([^}]*)\}")


def listed_metrics(path: Path = METRICS_FILE) -> dict[str, dict[str, Any]]:
    """metrics.yaml's metrics, each with its source entry checked to exist."""
    data = cast(dict[str, Any], yaml.safe_load(path.read_text()))
    sources = cast(dict[str, Any], data["sources"])
    metrics = cast(dict[str, dict[str, Any]], data["metrics"])
    for name, entry in metrics.items():
        assert entry["source"] in sources, f"{name}: unknown source {entry['source']!r}"
    return metrics


def metric_refs(query: str) -> list[tuple[str, list[str]]]:
    """Every (metric, scope tags) a query reads, in order."""
    return [(m.group(1), [t.strip() for t in m.group(2).split(",")]) for m in METRIC_REF.finditer(query)]


def headings(path: Path = OPERATIONS) -> set[str]:
    """Level-2 headings of a Markdown page."""
    return {line[3:].strip() for line in path.read_text().splitlines() if line.startswith("## ")}


ISSUE_MONITORS = frozenset(
    {
        "node-cpu",
        "node-memory",
        "pods-pending",
        "pods-crashloop",
        "pods-per-node",
        "ingress-availability",
        "latency-p95",
        "request-rate-anomaly",
        "errors-5xx",
        "postgresql-replication-lag",
        "pgpool-health",
        "velero-failures",
        "velero-stale",
        "certificate-expiry",
        "autoscaling-max",
    }
)
"""The monitors issue 18 asks for, by spec key: the catalog and both plans must hold them."""

NODE_LEVEL_MONITORS = frozenset({"node-cpu", "node-memory", "pods-per-node", "autoscaling-max"})
"""Monitors of the nodes, their capacity and the autoscaler: the cluster owner's, never a tenant's."""

TENANT_MONITORS = ISSUE_MONITORS - NODE_LEVEL_MONITORS
"""The documented subset a tenant of another stack's cluster declares (docs/platform.md)."""


def scope_keys(scope: list[str]) -> set[str]:
    """Tag keys a scope filters on (`kube_namespace:staging` -> `kube_namespace`)."""
    return {tag.split(":", 1)[0] for tag in scope}
