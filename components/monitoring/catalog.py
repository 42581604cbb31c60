"""What each environment watches: one `MonitorSpec` per alert, built from typed thresholds.

Pure data, no resources: the `Monitors` component turns the specs into
`datadog.Monitor`s, the dashboard reuses the same metric queries, and the tests
read them directly. Every metric named here must be listed, with its source,
in `components/monitoring/metrics.yaml` (a test parses each query against it).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Comparator = Literal[">", ">=", "<", "<="]


@dataclass(frozen=True)
class Thresholds:
    """When each monitor alerts (mirrors `platform:datadog.thresholds`)."""

    node_cpu_percent: float
    node_memory_percent: float
    pod_pending_minutes: int
    crashloop_minutes: int
    pods_per_node_percent: float
    latency_p95_seconds: float
    request_rate_deviations: float
    error_5xx_percent: float
    replication_lag_seconds: float
    backup_stale_hours: int
    certificate_days: int


@dataclass(frozen=True)
class Workloads:
    """Where the platform's services run, as Kubernetes names the metrics are tagged with."""

    ingress_entrypoint: str = "websecure"
    """Traefik entrypoint serving the application over TLS (the chart's default name)."""
    pgpool_namespace: str = "postgresql"
    """Namespace of the postgresql-ha release."""
    pgpool_deployment: str = "postgresql-ha-pgpool"
    """pgpool's Deployment: the chart's full name (the release name) plus `-pgpool`."""
    pgpool_replicas: int = 2
    """pgpool replicas the release asks for; fewer available for 10 minutes alerts."""


@dataclass(frozen=True)
class CatalogArgs:
    """Inputs of `monitor_catalog`."""

    env: str
    """The stack: every query filters on `env:<env>`, the tag the agents put on everything."""
    thresholds: Thresholds
    """When each monitor alerts."""
    autoscaling_metric: str
    """Metric counting the cluster's nodes (kube-state-metrics' by default)."""
    autoscaling_maximum: int
    """Node count at which the autoscaler can add nothing more."""
    workloads: Workloads = field(default_factory=Workloads)
    """Names of the platform's workloads."""


@dataclass(frozen=True)
class MonitorSpec:
    """One Datadog metric monitor, before routing is added to its message."""

    key: str
    """Stable key: the resource's logical name is `<component>-<key>`, never renamed by a reorder."""
    title: str
    """Monitor name shown in Datadog and in the notification's title."""
    query: str
    """Datadog monitor query; its comparator and threshold match `comparator` and `critical`."""
    comparator: Comparator
    """How the query's value is compared to `critical`."""
    critical: float
    """Threshold that alerts (also written at the end of `query`)."""
    summary: str
    """What the alert means, first line of the message."""
    runbook: str
    """Heading of the docs/operations.md section that tells what to do."""
    metrics: tuple[str, ...]
    """Every metric the query reads (checked against metrics.yaml)."""
    monitor_type: Literal["query alert"] = "query alert"
    """Datadog monitor type: all of these are metric monitors."""
    notify_no_data: bool = False
    """Alert when the metric stops reporting (the watched thing vanished)."""
    no_data_minutes: int | None = None
    """Minutes without data before a no-data alert, when `notify_no_data`."""
    anomaly_window: str | None = None
    """Trigger and recovery window of an anomaly monitor (`last_15m`), else None."""
    priority: int = 2
    """Datadog priority, 1 (highest) to 5."""


def _fmt(value: float) -> str:
    """A threshold as Datadog prints it: `85`, not `85.0`."""
    return f"{value:g}"


def monitor_catalog(args: CatalogArgs) -> list[MonitorSpec]:
    """The monitors of one environment, in a stable order."""
    env = f"env:{args.env}"
    t = args.thresholds
    w = args.workloads
    ingress = f"{env},entrypoint:{w.ingress_entrypoint}"
    specs: list[MonitorSpec] = [
        MonitorSpec(
            key="node-cpu",
            title="Node CPU high",
            query=(
                f"avg(last_10m):100 - avg:system.cpu.idle{{{env}}} by {{host}} > {_fmt(t.node_cpu_percent)}"
            ),
            comparator=">",
            critical=t.node_cpu_percent,
            summary=(
                f"Node {{{{host.name}}}} has used more than {_fmt(t.node_cpu_percent)} % CPU for 10 minutes."
            ),
            runbook="Node CPU or memory high",
            metrics=("system.cpu.idle",),
        ),
        MonitorSpec(
            key="node-memory",
            title="Node memory high",
            query=(
                f"avg(last_10m):100 - avg:system.mem.pct_usable{{{env}}} by {{host}} * 100 "
                f"> {_fmt(t.node_memory_percent)}"
            ),
            comparator=">",
            critical=t.node_memory_percent,
            summary=(
                f"Node {{{{host.name}}}} has used more than {_fmt(t.node_memory_percent)} % of its memory "
                "for 10 minutes."
            ),
            runbook="Node CPU or memory high",
            metrics=("system.mem.pct_usable",),
        ),
        MonitorSpec(
            key="pods-pending",
            title="Pods stuck Pending",
            query=(
                f"min(last_{t.pod_pending_minutes}m):sum:kubernetes_state.pod.status_phase"
                f"{{{env},pod_phase:pending}} by {{kube_namespace,pod_name}} > 0"
            ),
            comparator=">",
            critical=0,
            summary=(
                f"Pod {{{{kube_namespace.name}}}}/{{{{pod_name.name}}}} has been Pending for "
                f"{t.pod_pending_minutes} minutes: no node can take it."
            ),
            runbook="Pods Pending or crash-looping",
            metrics=("kubernetes_state.pod.status_phase",),
        ),
        MonitorSpec(
            key="pods-crashloop",
            title="Container crash-looping",
            query=(
                f"min(last_{t.crashloop_minutes}m):max:kubernetes_state.container.status_report.count.waiting"
                f"{{{env},reason:crashloopbackoff}} by {{kube_namespace,pod_name}} >= 1"
            ),
            comparator=">=",
            critical=1,
            summary=(
                f"A container of {{{{kube_namespace.name}}}}/{{{{pod_name.name}}}} has been in "
                f"CrashLoopBackOff for {t.crashloop_minutes} minutes."
            ),
            runbook="Pods Pending or crash-looping",
            metrics=("kubernetes_state.container.status_report.count.waiting",),
        ),
        MonitorSpec(
            key="pods-per-node",
            title="Node close to its pod capacity",
            query=(
                f"avg(last_15m):sum:kubernetes_state.pod.status_phase{{{env},pod_phase:running}} by {{node}} "
                f"/ sum:kubernetes_state.node.pods_allocatable{{{env}}} by {{node}} * 100 "
                f"> {_fmt(t.pods_per_node_percent)}"
            ),
            comparator=">",
            critical=t.pods_per_node_percent,
            summary=(
                f"Node {{{{node.name}}}} runs more than {_fmt(t.pods_per_node_percent)} % of the pods it can "
                "hold (on EKS the limit comes from the instance type's network interfaces)."
            ),
            runbook="Node close to its pod capacity",
            metrics=("kubernetes_state.pod.status_phase", "kubernetes_state.node.pods_allocatable"),
        ),
        MonitorSpec(
            key="ingress-availability",
            title="Application unreachable",
            query=f"max(last_5m):min:network.http.can_connect{{{env}}} by {{url}} < 1",
            comparator="<",
            critical=1,
            summary=(
                "{{url.name}} has not answered (or answered 5xx) for 5 minutes, checked from inside the "
                "cluster through the load balancer."
            ),
            runbook="Application unreachable",
            metrics=("network.http.can_connect",),
            notify_no_data=True,
            no_data_minutes=15,
            priority=1,
        ),
        MonitorSpec(
            key="latency-p95",
            title="Ingress p95 latency high",
            query=(
                f"avg(last_10m):p95:traefik_mesh.entrypoint.request.duration.seconds{{{ingress}}} "
                f"> {_fmt(t.latency_p95_seconds)}"
            ),
            comparator=">",
            critical=t.latency_p95_seconds,
            summary=(
                f"The 95th percentile of request latency was {{{{value}}}} s over 10 minutes; the limit is "
                f"{_fmt(t.latency_p95_seconds)} s."
            ),
            runbook="Latency or 5xx errors high",
            metrics=("traefik_mesh.entrypoint.request.duration.seconds",),
        ),
        MonitorSpec(
            key="request-rate-anomaly",
            title="Request rate unusual",
            query=(
                f"avg(last_4h):anomalies(sum:traefik_mesh.entrypoint.requests.count{{{ingress}}}.as_rate(), "
                f"'agile', {_fmt(t.request_rate_deviations)}, direction='both', alert_window='last_15m', "
                "interval=60, count_default_zero='true') >= 1"
            ),
            comparator=">=",
            critical=1,
            summary="Requests per second left their usual band for 15 minutes (a drop can be an outage).",
            runbook="Request rate unusual",
            metrics=("traefik_mesh.entrypoint.requests.count",),
            anomaly_window="last_15m",
            priority=3,
        ),
        MonitorSpec(
            key="errors-5xx",
            title="Ingress 5xx ratio high",
            query=(
                f"sum(last_10m):sum:traefik_mesh.entrypoint.requests.count{{{ingress},code:5*}}.as_count() "
                f"/ sum:traefik_mesh.entrypoint.requests.count{{{ingress}}}.as_count() * 100 "
                f"> {_fmt(t.error_5xx_percent)}"
            ),
            comparator=">",
            critical=t.error_5xx_percent,
            summary=f"More than {_fmt(t.error_5xx_percent)} % of responses were 5xx over 10 minutes.",
            runbook="Latency or 5xx errors high",
            metrics=("traefik_mesh.entrypoint.requests.count",),
            priority=1,
        ),
        MonitorSpec(
            key="postgresql-replication-lag",
            title="PostgreSQL replication lag",
            query=(
                f"max(last_10m):max:postgresql.replication_delay{{{env}}} by {{pod_name}} "
                f"> {_fmt(t.replication_lag_seconds)}"
            ),
            comparator=">",
            critical=t.replication_lag_seconds,
            summary=(
                f"Standby {{{{pod_name.name}}}} is more than {_fmt(t.replication_lag_seconds)} s behind the "
                "primary: a failover now would lose that much."
            ),
            runbook="PostgreSQL replication lag or pgpool down",
            metrics=("postgresql.replication_delay",),
        ),
        MonitorSpec(
            key="pgpool-health",
            title="pgpool replicas missing",
            query=(
                f"max(last_10m):sum:kubernetes_state.deployment.replicas_available{{{env},"
                f"kube_namespace:{w.pgpool_namespace},kube_deployment:{w.pgpool_deployment}}} "
                f"< {w.pgpool_replicas}"
            ),
            comparator="<",
            critical=w.pgpool_replicas,
            summary=(
                f"Fewer than {w.pgpool_replicas} pgpool replicas have been available for 10 minutes; "
                "with none, the application cannot reach the database."
            ),
            runbook="PostgreSQL replication lag or pgpool down",
            metrics=("kubernetes_state.deployment.replicas_available",),
            notify_no_data=True,
            no_data_minutes=20,
            priority=1,
        ),
        MonitorSpec(
            key="velero-failures",
            title="Velero backup failed",
            query=f"sum(last_1d):sum:velero.backup.failure.count{{{env}}}.as_count() > 0",
            comparator=">",
            critical=0,
            summary="A Velero backup failed in the last 24 hours.",
            runbook="Velero backup failed or stale",
            metrics=("velero.backup.failure.count",),
        ),
        MonitorSpec(
            key="velero-stale",
            title="No recent Velero backup",
            # A count query over an empty window evaluates to 0, so a schedule
            # that stopped running alerts just like one whose backups fail.
            query=(
                f"sum(last_{t.backup_stale_hours}h):sum:velero.backup.success.count{{{env}}}.as_count() < 1"
            ),
            comparator="<",
            critical=1,
            summary=f"No Velero backup has succeeded for {t.backup_stale_hours} hours.",
            runbook="Velero backup failed or stale",
            metrics=("velero.backup.success.count",),
            priority=1,
        ),
        MonitorSpec(
            key="certificate-expiry",
            title="Certificate expires soon",
            query=f"min(last_1h):min:http.ssl.days_left{{{env}}} by {{url}} < {t.certificate_days}",
            comparator="<",
            critical=t.certificate_days,
            summary=(
                f"The certificate served for {{{{url.name}}}} expires in less than "
                f"{t.certificate_days} days: cert-manager has not renewed it."
            ),
            runbook="Certificate expires soon",
            metrics=("http.ssl.days_left",),
        ),
        MonitorSpec(
            key="autoscaling-max",
            title="Nodes at the autoscaling maximum",
            query=f"max(last_15m):sum:{args.autoscaling_metric}{{{env}}} >= {args.autoscaling_maximum}",
            comparator=">=",
            critical=args.autoscaling_maximum,
            summary=(
                f"The cluster has run {args.autoscaling_maximum} nodes, its maximum, for 15 minutes: "
                "new pods will wait for capacity."
            ),
            runbook="Nodes at the autoscaling maximum",
            metrics=(args.autoscaling_metric,),
            priority=3,
        ),
    ]
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):  # a duplicate would make two resources share a name
        raise ValueError(f"duplicate monitor keys: {sorted(keys)}")
    return specs


def runbook_anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub, GitLab) gives a `## heading`."""
    kept = "".join(c for c in heading.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def metrics_of(specs: Sequence[MonitorSpec]) -> set[str]:
    """Every metric the specs read."""
    return {m for s in specs for m in s.metrics}
