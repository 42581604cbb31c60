"""`Dashboard`: one Datadog dashboard per environment, as the JSON Datadog's API takes.

`DashboardJson` rather than the typed `Dashboard`: the JSON is the API's own
format (what "Export dashboard JSON" gives), so a dashboard edited in the UI
can be copied back here as is, and the tests read the same document.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_datadog as datadog

from components.monitoring.catalog import Workloads


@dataclass(frozen=True)
class DashboardArgs:
    """Inputs of `Dashboard`."""

    env: str
    """The stack; every query filters on `env:<env>`."""
    title_prefix: str
    """Text before the title, e.g. `[staging]`; "" for none."""
    budget_note: str
    """Markdown of the cost panel: the AWS budget, who it alerts, what Datadog itself costs."""
    provider: datadog.Provider
    """Explicit Datadog provider."""
    workloads: Workloads = field(default_factory=Workloads)
    """Names of the platform's workloads."""


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


def dashboard_document(args: DashboardArgs) -> dict[str, Any]:
    """The dashboard as Datadog's API takes it: cluster, ingress, database, backups, cost."""
    env = f"env:{args.env}"
    w = args.workloads
    ingress = f"{env},entrypoint:{w.ingress_entrypoint}"
    title = f"campus {args.env}: platform health"
    widgets = [
        _group(
            "Cluster health",
            [
                _timeseries("Node CPU used (%)", f"100 - avg:system.cpu.idle{{{env}}} by {{host}}"),
                _timeseries(
                    "Node memory used (%)", f"100 - avg:system.mem.pct_usable{{{env}}} by {{host}} * 100"
                ),
                _timeseries(
                    "Pods running per node vs allocatable",
                    f"sum:kubernetes_state.pod.status_phase{{{env},pod_phase:running}} by {{node}}",
                    f"sum:kubernetes_state.node.pods_allocatable{{{env}}} by {{node}}",
                ),
                _timeseries(
                    "Pods by phase",
                    f"sum:kubernetes_state.pod.status_phase{{{env}}} by {{pod_phase}}",
                    display="bars",
                ),
                _value("Nodes", f"sum:kubernetes_state.node.count{{{env}}}"),
                _timeseries(
                    "Containers crash-looping",
                    f"sum:kubernetes_state.container.status_report.count.waiting{{{env},reason:crashloopbackoff}}"
                    " by {kube_namespace}",
                    display="bars",
                ),
            ],
        ),
        _group(
            "Ingress golden signals",
            [
                _timeseries(
                    "Requests per second",
                    f"sum:traefik_mesh.entrypoint.requests.count{{{ingress}}}.as_rate()",
                ),
                _timeseries(
                    "5xx responses (%)",
                    f"sum:traefik_mesh.entrypoint.requests.count{{{ingress},code:5*}}.as_count() / "
                    f"sum:traefik_mesh.entrypoint.requests.count{{{ingress}}}.as_count() * 100",
                ),
                _timeseries(
                    "Latency p50 / p95 (s)",
                    f"p50:traefik_mesh.entrypoint.request.duration.seconds{{{ingress}}}",
                    f"p95:traefik_mesh.entrypoint.request.duration.seconds{{{ingress}}}",
                ),
                _timeseries(
                    "Reachable from the cluster", f"min:network.http.can_connect{{{env}}} by {{url}}"
                ),
                _value("Certificate days left (min)", f"min:http.ssl.days_left{{{env}}}", aggregator="min"),
            ],
        ),
        _group(
            "Database",
            [
                _timeseries(
                    "Replication delay (s)", f"max:postgresql.replication_delay{{{env}}} by {{pod_name}}"
                ),
                _value(
                    "pgpool replicas available",
                    f"sum:kubernetes_state.deployment.replicas_available{{{env},kube_namespace:{w.pgpool_namespace},"
                    f"kube_deployment:{w.pgpool_deployment}}}",
                ),
            ],
        ),
        _group(
            "Backups",
            [
                _timeseries(
                    "Velero backups (successes, failures)",
                    f"sum:velero.backup.success.count{{{env}}}.as_count()",
                    f"sum:velero.backup.failure.count{{{env}}}.as_count()",
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

    dashboard: datadog.DashboardJson
    """The dashboard resource (its `url` is exported)."""

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:monitoring:Dashboard", name, None, opts)
        self.dashboard = datadog.DashboardJson(
            f"{name}-dashboard",
            dashboard=json.dumps(dashboard_document(args), sort_keys=True),
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        self.register_outputs({"url": self.dashboard.url})
