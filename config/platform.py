"""`platform:*` keys: the Helm releases installed on the cloud part's EKS cluster."""

import re
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from config.base import Model

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
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


class DatadogConfig(Model):
    """`platform:datadog`: the Datadog agent and cluster agent."""

    enabled: bool = True
    """Install the Datadog chart; staging turns it off."""
    site: str = Field(default="datadoghq.eu", pattern=r"^[a-z0-9.-]+\.[a-z]+$")
    """Datadog site the agents report to (`datadoghq.com`, `datadoghq.eu`, ...)."""
    cluster_agent: bool = True
    """Run the cluster agent (cluster-level checks and events)."""


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
    def _datadog_key(self) -> Self:
        if self.datadog.enabled and self.datadog_api_key is None:
            raise ValueError(
                "platform:datadogApiKey is required when platform:datadog.enabled is true "
                "(`pulumi config set --secret platform:datadogApiKey`)"
            )
        return self

    def values_for(self, release: str) -> dict[str, Any]:
        """The environment's values file for one release ({} when it has none)."""
        return self.release_values.get(release, {})
