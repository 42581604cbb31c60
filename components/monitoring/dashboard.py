"""`Dashboard`: one Datadog dashboard per environment, as the JSON Datadog's API takes.

`DashboardJson` rather than the typed `Dashboard`: the JSON is the API's own
format (what "Export dashboard JSON" gives), so a dashboard edited in the UI
can be copied back here as is, and the tests read the same document.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

# Submodules, not the package: pyright then binds only what is used instead of the
# 240 modules the package's __init__ star-imports (about half of `make typecheck`).
from pulumi_datadog.dashboard_json import DashboardJson
from pulumi_datadog.provider import Provider as DatadogProvider

from components.monitoring.catalog import TenantScope, Workloads, join_scope, scopes


@dataclass(frozen=True)
class DashboardArgs:
    """Inputs of `Dashboard`."""

    env: str
    """The stack; every query filters on `env:<env>`."""
    title_prefix: str
    """Text before the title, e.g. `[staging]`; "" for none."""
    budget_note: str
    """Markdown of the cost panel: the AWS budget, who it alerts, what Datadog itself costs."""
    provider: DatadogProvider
    """Explicit Datadog provider."""
    workloads: Workloads = field(default_factory=Workloads)
    """Names of the platform's workloads."""
    tenant: TenantScope | None = None
    """Set for a tenant of another stack's cluster: its panels read its namespace, services and backup
    schedule, and the node panels (the host's) give way to its pods. Default None."""
    tenant_namespaces: Sequence[str] = ()
    """For a cluster owner: its tenants' namespaces, left out of its pod, database and HTTP panels.
    Default ()."""
    tenant_schedules: Sequence[str] = ()
    """For a cluster owner: its tenants' Velero schedules, left out of its backup panels. Default ()."""


def _timeseries(title: str, *queries: str, display: str = "line") -> dict[str, Any]:
    return {
        "definition": {
            "type": "timeseries",
            "title": title,
            "requests": [{"q": q, "display_type": display} for q in queries],
        }
    }


def _value(title: str, query: str, aggregator: str = "last", precision: int = 0) -> dict[str, Any]:
    return {
        "definition": {
            "type": "query_value",
            "title": title,
            "requests": [{"q": query, "aggregator": aggregator}],
            "precision": precision,
        }
    }


def _group(title: str, widgets: list[dict[str, Any]]) -> dict[str, Any]:
    return {"definition": {"type": "group", "title": title, "layout_type": "ordered", "widgets": widgets}}


def _cluster_health(nodes: str) -> dict[str, Any]:
    return _group(
        "Cluster health",
        [
            _timeseries("Node CPU used (%)", f"100 - avg:system.cpu.idle{{{nodes}}} by {{host}}"),
            _timeseries(
                "Node memory used (%)", f"100 - avg:system.mem.pct_usable{{{nodes}}} by {{host}} * 100"
            ),
            _timeseries(
                "Pods running per node vs allocatable",
                f"sum:kubernetes_state.pod.status_phase{{{nodes},pod_phase:running}} by {{node}}",
                f"sum:kubernetes_state.node.pods_allocatable{{{nodes}}} by {{node}}",
            ),
            _timeseries(
                "Pods by phase",
                f"sum:kubernetes_state.pod.status_phase{{{nodes}}} by {{pod_phase}}",
                display="bars",
            ),
            _value("Nodes", f"sum:kubernetes_state.node.count{{{nodes}}}"),
            _timeseries(
                "Containers crash-looping",
                f"sum:kubernetes_state.container.status_report.count.waiting{{{nodes},reason:crashloopbackoff}}"
                " by {kube_namespace}",
                display="bars",
            ),
        ],
    )


def _workloads(pods: str) -> dict[str, Any]:
    """A tenant's pods: its namespace only (the nodes are its host's)."""
    return _group(
        "Workloads",
        [
            _timeseries(
                "Pods by phase",
                f"sum:kubernetes_state.pod.status_phase{{{pods}}} by {{pod_phase}}",
                display="bars",
            ),
            _timeseries(
                "Containers crash-looping",
                f"sum:kubernetes_state.container.status_report.count.waiting{{{pods},reason:crashloopbackoff}}"
                " by {pod_name}",
                display="bars",
            ),
        ],
    )


def dashboard_document(args: DashboardArgs) -> dict[str, Any]:
    """The dashboard as Datadog's API takes it: cluster (a tenant: its pods), ingress, DB, backups, cost."""
    env = f"env:{args.env}"
    w = args.workloads
    s = scopes(args.env, w, args.tenant, args.tenant_namespaces, args.tenant_schedules)
    requests = f"{s.ingress_metric}.requests.count"
    duration = f"{s.ingress_metric}.request.duration.seconds"
    pgpool = join_scope(
        s.pods, f"kube_namespace:{w.pgpool_namespace}", f"kube_deployment:{w.pgpool_deployment}"
    )
    title = f"campus {args.env}: platform health"
    widgets = [
        _cluster_health(s.nodes) if s.nodes is not None else _workloads(s.pods),
        _group(
            "Ingress golden signals",
            [
                _timeseries("Requests per second", f"sum:{requests}{{{s.ingress}}}.as_rate()"),
                _timeseries(
                    "5xx responses (%)",
                    f"sum:{requests}{{{s.ingress},code:5*}}.as_count() / "
                    f"sum:{requests}{{{s.ingress}}}.as_count() * 100",
                ),
                _timeseries(
                    "Latency p50 / p95 (s)",
                    f"p50:{duration}{{{s.ingress}}}",
                    f"p95:{duration}{{{s.ingress}}}",
                ),
                _timeseries(
                    "Reachable from the cluster", f"min:network.http.can_connect{{{s.http}}} by {{url}}"
                ),
                _value(
                    "Certificate days left (min)", f"min:http.ssl.days_left{{{s.http}}}", aggregator="min"
                ),
            ],
        ),
        _group(
            "Database",
            [
                _timeseries(
                    "Replication delay (s)",
                    f"max:postgresql.replication_delay{{{s.database}}} by {{pod_name}}",
                ),
                _value(
                    "pgpool replicas available",
                    f"sum:kubernetes_state.deployment.replicas_available{{{pgpool}}}",
                ),
            ],
        ),
        _group(
            "Backups",
            [
                _timeseries(
                    "Velero backups (successes, failures)",
                    f"sum:velero.backup.success.count{{{s.backups}}}.as_count()",
                    f"sum:velero.backup.failure.count{{{s.backups}}}.as_count()",
                    display="bars",
                ),
            ],
        ),
        _group(
            "Cost budget",
            [
                {"definition": {"type": "note", "content": args.budget_note, "background_color": "white"}},
                {
                    "definition": {
                        "type": "manage_status",
                        "title": "Monitors of this environment",
                        "query": f"tag:({env})",
                        "summary_type": "monitors",
                        "display_format": "countsAndList",
                    }
                },
            ],
        ),
    ]
    return {
        "title": f"{args.title_prefix} {title}" if args.title_prefix else title,
        "description": (
            f"Managed by Pulumi (stack {args.env}); edits in the UI are overwritten on the next deploy."
        ),
        "layout_type": "ordered",
        "tags": [],
        "widgets": widgets,
    }


class Dashboard(pulumi.ComponentResource):
    """The environment's dashboard."""

    dashboard: DashboardJson
    """The dashboard resource (its `url` is exported)."""

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:monitoring:Dashboard", name, None, opts)
        self.dashboard = DashboardJson(
            f"{name}-dashboard",
            dashboard=json.dumps(dashboard_document(args), sort_keys=True),
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        self.register_outputs({"url": self.dashboard.url})
