"""What each environment watches: one `MonitorSpec` per alert, built from typed thresholds.

Pure data, no resources: the `Monitors` component turns the specs into
`datadog.Monitor`s, the dashboard reuses the same metric queries, and the tests
read them directly. Every metric named here must be listed, with its source,
in `components/monitoring/metrics.yaml` (a test parses each query against it).
`scopes` decides how each family of queries selects the environment's data:
`env:<stack>` where the stack owns its cluster, its namespace, services and
backup schedule where it is a tenant of another stack's cluster.
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
class TenantScope:
    """Where a tenant's data is among its host's (staging on prod's cluster).

    The host's agents collect every node and put the host's `env` on what they
    send; a tenant's monitors select its own workloads by what its data carries
    (docs/platform.md, Monitoring and alerts; sources in docs/provider-notes.md).
    """

    namespace: str
    """The tenant's namespace: kube-state-metrics and autodiscovered checks tag `kube_namespace:<it>`,
    and Traefik names an Ingress's services `<namespace>-<service>-<port>@kubernetes`."""
    backup_schedule: str
    """Its Velero schedule on the host: Velero's backup counters carry `schedule:<name>`."""


@dataclass(frozen=True)
class Scopes:
    """What selects one environment's data, per family of metrics (the text between braces)."""

    nodes: str | None
    """Node-level metrics; None for a tenant: the nodes, their capacity and the autoscaler are the host's."""
    pods: str
    """kube-state-metrics of pods and Deployments."""
    database: str
    """The Postgres check."""
    http: str
    """The HTTP check (availability, certificate expiry)."""
    ingress_metric: str
    """Traefik metrics read: per entrypoint (the whole ingress) or per service (a tenant's share of it)."""
    ingress: str
    """Scope of those Traefik metrics."""
    backups: str
    """Velero's backup counters."""


def scopes(
    env: str,
    workloads: Workloads,
    tenant: TenantScope | None = None,
    tenant_namespaces: Sequence[str] = (),
    tenant_schedules: Sequence[str] = (),
) -> Scopes:
    """The scopes of an environment that owns its cluster (`env:<env>` everywhere), or of a tenant.

    `tenant_namespaces`, `tenant_schedules`: the namespaces and Velero schedules of the owner's
    own tenants. The owner's agents add their global tags (`env:<owner>`) to everything they
    collect, the tenants' pods, checks and backups included: the owner's pod, database, HTTP and
    backup queries leave those out, so a tenant's problem reaches the tenant's route (staging:
    Slack only), never the owner's on-call. The nodes and the shared ingress entrypoints stay the
    owner's: they serve every tenant.
    """
    own = f"env:{env}"
    if tenant is None:
        others = tuple(f"!kube_namespace:{ns}" for ns in tenant_namespaces)
        return Scopes(
            nodes=own,
            pods=join_scope(own, *others),
            database=join_scope(own, *others),
            http=join_scope(own, *others),
            ingress_metric="traefik_mesh.entrypoint",
            ingress=f"{own},entrypoint:{workloads.ingress_entrypoint}",
            backups=join_scope(own, *(f"!schedule:{name}" for name in tenant_schedules)),
        )
    namespace = f"kube_namespace:{tenant.namespace}"
    return Scopes(
        nodes=None,
        # kube-state-metrics adds the host agent's global tags (its env) to every
        # series: the namespace is what belongs to the tenant.
        pods=namespace,
        # Check instances carry the tenant's env; autodiscovery adds the namespace.
        database=f"{own},{namespace}",
        http=f"{own},{namespace}",
        # The entrypoints are shared; Traefik's per-service series name the namespace first.
        ingress_metric="traefik_mesh.service",
        ingress=f"traefik_service:{tenant.namespace}-*",
        backups=f"schedule:{tenant.backup_schedule}",
    )


NODE_LEVEL = frozenset({"node-cpu", "node-memory", "pods-per-node", "autoscaling-max"})
"""Monitors of the nodes, their capacity and the autoscaler: a cluster owner's, never a tenant's."""


def join_scope(*parts: str) -> str:
    """Tag filters joined with commas (AND), each once, in order."""
    return ",".join(dict.fromkeys(parts))


@dataclass(frozen=True)
class CatalogArgs:
    """Inputs of `monitor_catalog`."""

    env: str
    """The stack: monitors are tagged `env:<env>`; the queries of a stack that owns its cluster filter on it,
    the tag its agents put on everything."""
    thresholds: Thresholds
    """When each monitor alerts."""
    autoscaling_metric: str
    """Metric counting the cluster's nodes (kube-state-metrics' by default)."""
    autoscaling_maximum: int
    """Node count at which the autoscaler can add nothing more."""
    workloads: Workloads = field(default_factory=Workloads)
    """Names of the platform's workloads."""
    tenant: TenantScope | None = None
    """Set for a tenant of another stack's cluster: its queries select its namespace, services and
    backup schedule, and the node-level monitors (the host's) are left out. Default None."""
    tenant_namespaces: Sequence[str] = ()
    """For a cluster owner: its tenants' namespaces, which its HTTP monitors leave to the tenants
    (`scopes`). Default ()."""
    tenant_schedules: Sequence[str] = ()
    """For a cluster owner: its tenants' Velero schedules, which its backup monitors leave to the
    tenants (`scopes`). Default ()."""


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
    """The monitors of one environment, in a stable order (a tenant's: without the node-level ones)."""
    t = args.thresholds
    w = args.workloads
    if args.tenant is not None and w.pgpool_namespace != args.tenant.namespace:
        raise ValueError(
            f"a tenant's pgpool runs in its namespace {args.tenant.namespace!r}, not {w.pgpool_namespace!r}"
        )
    s = scopes(args.env, w, args.tenant, args.tenant_namespaces, args.tenant_schedules)
    nodes = s.nodes or ""  # a tenant's node-level specs are dropped below
    requests = f"{s.ingress_metric}.requests.count"
    duration = f"{s.ingress_metric}.request.duration.seconds"
    pgpool = join_scope(
        s.pods, f"kube_namespace:{w.pgpool_namespace}", f"kube_deployment:{w.pgpool_deployment}"
    )
    specs: list[MonitorSpec] = [
        MonitorSpec(
            key="node-cpu",
            title="Node CPU high",
            query=(
                f"avg(last_10m):100 - avg:system.cpu.idle{{{nodes}}} by {{host}} > {_fmt(t.node_cpu_percent)}"
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
                f"avg(last_10m):100 - avg:system.mem.pct_usable{{{nodes}}} by {{host}} * 100 "
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
                f"{{{s.pods},pod_phase:pending}} by {{kube_namespace,pod_name}} > 0"
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
                f"{{{s.pods},reason:crashloopbackoff}} by {{kube_namespace,pod_name}} >= 1"
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
                "avg(last_15m):sum:kubernetes_state.pod.status_phase"
                f"{{{nodes},pod_phase:running}} by {{node}} "
                f"/ sum:kubernetes_state.node.pods_allocatable{{{nodes}}} by {{node}} * 100 "
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
            query=f"max(last_5m):min:network.http.can_connect{{{s.http}}} by {{url}} < 1",
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
            query=(f"avg(last_10m):p95:{duration}{{{s.ingress}}} > {_fmt(t.latency_p95_seconds)}"),
            comparator=">",
            critical=t.latency_p95_seconds,
            summary=(
                f"The 95th percentile of request latency was {{{{value}}}} s over 10 minutes; the limit is "
                f"{_fmt(t.latency_p95_seconds)} s."
            ),
            runbook="Latency or 5xx errors high",
            metrics=(duration,),
        ),
        MonitorSpec(
            key="request-rate-anomaly",
            title="Request rate unusual",
            query=(
                f"avg(last_4h):anomalies(sum:{requests}{{{s.ingress}}}.as_rate(), "
                f"'agile', {_fmt(t.request_rate_deviations)}, direction='both', alert_window='last_15m', "
                "interval=60, count_default_zero='true') >= 1"
            ),
            comparator=">=",
            critical=1,
            summary="Requests per second left their usual band for 15 minutes (a drop can be an outage).",
            runbook="Request rate unusual",
            metrics=(requests,),
            anomaly_window="last_15m",
            priority=3,
        ),
        MonitorSpec(
            key="errors-5xx",
            title="Ingress 5xx ratio high",
            query=(
                f"sum(last_10m):sum:{requests}{{{s.ingress},code:5*}}.as_count() "
                f"/ sum:{requests}{{{s.ingress}}}.as_count() * 100 "
                f"> {_fmt(t.error_5xx_percent)}"
            ),
            comparator=">",
            critical=t.error_5xx_percent,
            summary=f"More than {_fmt(t.error_5xx_percent)} % of responses were 5xx over 10 minutes.",
            runbook="Latency or 5xx errors high",
            metrics=(requests,),
            priority=1,
        ),
        MonitorSpec(
            key="postgresql-replication-lag",
            title="PostgreSQL replication lag",
            query=(
                f"max(last_10m):max:postgresql.replication_delay{{{s.database}}} by {{pod_name}} "
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
                f"max(last_10m):sum:kubernetes_state.deployment.replicas_available{{{pgpool}}} "
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
            query=f"sum(last_1d):sum:velero.backup.failure.count{{{s.backups}}}.as_count() > 0",
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
                f"sum(last_{t.backup_stale_hours}h):sum:velero.backup.success.count{{{s.backups}}}"
                ".as_count() < 1"
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
            query=f"min(last_1h):min:http.ssl.days_left{{{s.http}}} by {{url}} < {t.certificate_days}",
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
            query=f"max(last_15m):sum:{args.autoscaling_metric}{{{nodes}}} >= {args.autoscaling_maximum}",
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
    if s.nodes is None:
        specs = [spec for spec in specs if spec.key not in NODE_LEVEL]
    keys = [spec.key for spec in specs]
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
