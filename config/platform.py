"""`platform:*` keys: the Helm releases installed on the cloud part's EKS cluster."""

import re
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator

from config.base import Model

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_DURATION_DAYS_MAX = 3650


class HostBackend(Model):
    """Where one application host routes: a Service of the application namespace."""

    service: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    """Name of the application's Service, e.g. `api`."""
    port: int = Field(ge=1, le=65535)
    """Port of that Service."""


class PostgresqlConfig(Model):
    """`platform:postgresql`: the highly available PostgreSQL behind pgpool."""

    replicas: int = Field(default=2, ge=2, le=9)
    """PostgreSQL instances (one primary, the rest streaming standbys); 2 is the application's minimum."""
    pgpool_replicas: int = Field(default=2, ge=1, le=9)
    """pgpool instances in front of them (stateless)."""
    storage_size: str = Field(default="20Gi", pattern=r"^[1-9][0-9]*(Mi|Gi|Ti)$")
    """Size of each instance's volume on the cluster's gp3 StorageClass."""
    chart: str | None = Field(default=None, pattern=r"^oci://[^\s]+/postgresql-ha$")
    """OCI reference of the chart when mirrored, e.g. `oci://mirror.example.org/charts/postgresql-ha`."""
    image_registry: str = Field(default="docker.io", pattern=r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$")
    """Registry serving the pinned `bitnamilegacy/*` images; point it at a mirror to own them."""
    dump_schedule: str = Field(
        default="30 2 * * *",
        pattern=r"^(\S+\s+){4}\S+$",
        description=(
            "Cron expression (UTC) of the nightly logical dump (`pg_dumpall`, gzipped) into the backup "
            "bucket; before Velero's schedule, so the night's backup holds a fresh dump too."
        ),
    )


class VeleroConfig(Model):
    """`platform:velero`: backups of the cluster's resources and volumes to S3."""

    schedule: str = Field(default="0 3 * * *", pattern=r"^(\S+\s+){4}\S+$")
    """Cron expression of the daily backup (cluster time zone, UTC on EKS)."""
    retention_days: int = Field(default=30, ge=1, le=_DURATION_DAYS_MAX)
    """How long Velero keeps each scheduled backup (its TTL)."""
    noncurrent_version_days: int = Field(default=30, ge=1, le=_DURATION_DAYS_MAX)
    """Days S3 keeps a deleted or overwritten object version before expiring it."""


class MonitorThresholds(Model):
    """`platform:datadog.thresholds`: when each monitor alerts (docs/platform.md, Monitors)."""

    node_cpu_percent: float = Field(
        default=85.0,
        gt=0,
        le=100,
        description="Node CPU use (100 - idle, %) averaged over 10 minutes that alerts.",
    )
    node_memory_percent: float = Field(
        default=90.0,
        gt=0,
        le=100,
        description="Node memory use (100 - usable, %) over 10 minutes that alerts.",
    )
    pod_pending_minutes: int = Field(
        default=15, ge=5, le=240, description="Minutes a pod may stay Pending before it alerts."
    )
    crashloop_minutes: int = Field(
        default=10,
        ge=5,
        le=240,
        description="Minutes a container may stay in CrashLoopBackOff before it alerts.",
    )
    pods_per_node_percent: float = Field(
        default=90.0,
        gt=0,
        le=100,
        description="Running pods as % of a node's allocatable pods (the ENI limit on EKS) that alerts.",
    )
    latency_p95_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="p95 request latency at the ingress (seconds, 10 minutes) that alerts.",
    )
    request_rate_deviations: float = Field(
        default=3.0,
        ge=1,
        le=6,
        description="Width of the anomaly band on the request rate, in deviations ('agile' algorithm).",
    )
    server_error_percent: float = Field(
        default=5.0,
        gt=0,
        le=100,
        description="Share of 5xx responses at the ingress (%, 10 minutes) that alerts.",
    )
    replication_lag_seconds: float = Field(
        default=30.0,
        gt=0,
        le=86400,
        description="PostgreSQL standby replication delay (seconds) that alerts.",
    )
    backup_stale_hours: int = Field(
        default=26,
        ge=2,
        le=24 * 14,
        description="Hours without a successful Velero backup that alert (daily schedule plus slack).",
    )
    certificate_days: int = Field(
        default=14, ge=1, le=60, description="Days left on an application certificate below which it alerts."
    )


class AutoscalingMonitor(Model):
    """`platform:datadog.autoscaling`: the 'nodes at their maximum' monitor."""

    metric: str = Field(
        default="kubernetes_state.node.count",
        pattern=r"^[a-z][a-z0-9_.]*$",
        description=(
            "Metric counting the cluster's nodes; the default (kube-state-metrics' node count) works with "
            "any autoscaler. It must be listed in components/monitoring/metrics.yaml."
        ),
    )
    maximum: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Node count that means 'at the maximum'; default `cloud:cluster.nodeGroup.maxSize`.",
    )


class NotifyConfig(Model):
    """`platform:datadog.notify`: where monitors send their alerts."""

    slack_account: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._-]+$",
        description=(
            "Account name of the Slack workspace in Datadog's Slack integration tile; required when Datadog "
            "is enabled (the workspace is connected once, by hand, in Datadog)."
        ),
    )
    slack_channel: str = Field(
        default="#alertes", pattern=r"^#[a-z0-9._-]{1,80}$", description="Slack channel every alert goes to."
    )
    emails: list[str] = Field(
        default_factory=list[str],
        description="Addresses that also receive every alert; prod needs at least one, staging usually none.",
    )
    prefix: str | None = Field(
        default=None,
        max_length=40,
        description="Text before every alert title; default none in prod and `[<stack>]` elsewhere.",
    )
    runbook_url: str = Field(
        default="docs/operations.md",
        pattern=r"^\S+$",
        description=(
            "Where docs/operations.md is read (e.g. its address on the forge); monitor messages link its "
            "sections as `<runbookUrl>#<section>`."
        ),
    )

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if _EMAIL.match(address) is None:
                raise ValueError(f"{address!r} is not an e-mail address such as ops@example.org")
        return value


class DatadogConfig(Model):
    """`platform:datadog`: the Datadog agent and cluster agent, monitors, dashboard and alert routing."""

    enabled: bool = True
    """Install the Datadog chart and declare the monitors and the dashboard; off removes them all."""
    site: str = Field(default="datadoghq.eu", pattern=r"^[a-z0-9.-]+\.[a-z]+$")
    """Datadog site the agents report to and the provider calls (`datadoghq.com`, `datadoghq.eu`, ...)."""
    cluster_agent: bool = True
    """Run the cluster agent (cluster-level checks and events); required on a stack with `cloud:tenants`,
    whose HTTP checks it runs."""
    thresholds: MonitorThresholds = Field(
        default_factory=MonitorThresholds, description="When each monitor alerts."
    )
    autoscaling: AutoscalingMonitor = Field(
        default_factory=AutoscalingMonitor, description="The 'nodes at their maximum' monitor."
    )
    notify: NotifyConfig = Field(default_factory=NotifyConfig, description="Where alerts go.")


class PlatformConfig(Model):
    """Everything under the `platform:` namespace."""

    enabled: bool = False
    """Install the platform's Helm releases; requires `cloud:enabled`."""
    acme_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    """Contact address Let's Encrypt registers for expiry and revocation notices."""
    acme_issuer: Literal["staging", "production"] = "production"
    """Let's Encrypt environment whose ClusterIssuer signs the application's certificate."""
    hosts: dict[str, HostBackend] = Field(min_length=1)
    """Application hosts by label: `api` becomes `api.<cloud domain>`."""
    postgresql: PostgresqlConfig = Field(default_factory=PostgresqlConfig)
    velero: VeleroConfig = Field(default_factory=VeleroConfig)
    datadog: DatadogConfig = Field(default_factory=DatadogConfig)
    postgres_password: SecretStr
    """Secret. Password of the `postgres` user."""
    postgres_replication_password: SecretStr
    """Secret. Password of repmgr's replication user (and pgpool's streaming check)."""
    pgpool_admin_password: SecretStr
    """Secret. Password of pgpool's administrator."""
    datadog_api_key: SecretStr | None = None
    """Secret. Datadog API key; required when `datadog.enabled`."""
    datadog_app_key: SecretStr | None = Field(
        default=None,
        description=(
            "Secret. Datadog application key the provider manages monitors, the dashboard and the Slack "
            "channel with; required when `datadog.enabled`."
        ),
    )
    release_values: dict[str, dict[str, Any]] = Field(default_factory=dict[str, dict[str, Any]], exclude=True)
    """Per-release values of `config/values/<release>/<stack>.yaml`, attached by the loader."""

    @field_validator("release_values", mode="before")
    @classmethod
    def _not_a_key(cls, value: Any) -> Any:
        raise ValueError("unknown key; chart values live in config/values/<release>/<stack>.yaml")

    @field_validator("hosts")
    @classmethod
    def _labels(cls, hosts: dict[str, HostBackend]) -> dict[str, HostBackend]:
        for label in hosts:
            if not _LABEL.match(label):
                raise ValueError(f"host label {label!r} is not a DNS label; expected e.g. `api` or `www`")
        return hosts

    @model_validator(mode="after")
    def _datadog_keys(self, info: ValidationInfo) -> Self:
        if not self.datadog.enabled:
            return self
        missing = [
            key
            for key, value in (
                ("platform:datadogApiKey", self.datadog_api_key),
                ("platform:datadogAppKey", self.datadog_app_key),
            )
            if value is None
        ]
        if missing:
            # One message for both keys: a first-time setup usually lacks both.
            raise ValueError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required when "
                "platform:datadog.enabled is true ("
                + "; ".join(f"`pulumi config set --secret {key}`" for key in missing)
                + ")"
            )
        if self.datadog.notify.slack_account is None:
            raise ValueError(
                "platform:datadog.notify.slackAccount is required when platform:datadog.enabled is true "
                "(the workspace's account name in Datadog's Slack integration)"
            )
        context: dict[str, object] = info.context or {}
        if context.get("stack") == "prod" and not self.datadog.notify.emails:
            raise ValueError(
                "platform:datadog.notify.emails: prod alerts go to Slack and e-mail; list an address"
            )
        return self

    def values_for(self, release: str) -> dict[str, Any]:
        """The environment's values file for one release ({} when it has none)."""
        return self.release_values.get(release, {})
