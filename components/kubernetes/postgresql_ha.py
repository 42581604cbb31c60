"""PostgreSQL with streaming replicas behind pgpool (Bitnami postgresql-ha).

Bitnami froze its versioned images under `bitnamilegacy` in August 2025: the
images are pinned explicitly (config/charts.py) and their registry is
overridable, so a mirror can take them over.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from config.charts import ChartPin, ImagePin

CREDENTIALS_SECRET = "postgresql-credentials"
"""Secret with the `postgres` user's password under `password` (and repmgr's)."""
NAMESPACE = "postgresql"
"""Default namespace of the release."""


@dataclass(frozen=True)
class PostgresqlHaArgs:
    """Inputs of `PostgresqlHa`."""

    cluster: ClusterAccess
    """The cluster it is installed on (its provider, readiness and storage readiness, the
    release's values)."""
    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    postgresql_image: ImagePin
    """Pinned postgresql-repmgr image."""
    pgpool_image: ImagePin
    """Pinned pgpool image."""
    image_registry: str
    """Registry serving both images, e.g. `docker.io` or a mirror."""
    replicas: int
    """PostgreSQL instances (primary plus standbys)."""
    pgpool_replicas: int
    """pgpool instances."""
    storage_class: pulumi.Input[str]
    """StorageClass of the instances' volumes (gp3)."""
    storage_size: str
    """Size of each instance's volume, e.g. `20Gi`."""
    postgres_password: pulumi.Input[str]
    """Secret. Password of the `postgres` user."""
    replication_password: pulumi.Input[str]
    """Secret. Password of repmgr's replication user, also pgpool's streaming-check user."""
    pgpool_admin_password: pulumi.Input[str]
    """Secret. Password of pgpool's administrator."""
    chart_override: str | None = None
    """OCI reference replacing the pinned chart's registry (a mirror). Default None."""
    namespace: str = NAMESPACE
    """Namespace of the release. Default `postgresql`."""
    create_namespace: bool = True
    """Create the namespace (False: a tenant's namespace, made by the host). Default True."""
    protect: bool = False
    """Protect the namespace and release (prod): deleting either deletes the data. Default False."""
    pod_annotations: Mapping[str, str] = field(default_factory=dict[str, str])
    """Annotations on the PostgreSQL pods, e.g. the Datadog check reading replication delay. Default {}."""


class PostgresqlHa(pulumi.ComponentResource):
    """The database: credentials in Secrets, the chart reading them through `existingSecret`."""

    release: k8s.helm.v3.Release
    """The Helm release."""
    service: pulumi.Output[str]
    """In-cluster address of pgpool, the one endpoint clients use."""
    namespace: pulumi.Input[str]
    """Namespace of the release."""
    credentials_secret: pulumi.Output[str]
    """Secret with the `postgres` user's password (key `password`)."""
    credentials: k8s.core.v1.Secret
    """The Secret holding the `postgres` password (`CREDENTIALS_SECRET`)."""

    def __init__(self, name: str, args: PostgresqlHaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:PostgresqlHa", name, None, opts)
        ns: k8s.core.v1.Namespace | str = args.namespace
        if args.create_namespace:
            ns = namespace(self, name, namespace=args.namespace, cluster=args.cluster, protect=args.protect)
        ns_name = ns if isinstance(ns, str) else ns.metadata.name
        child = pulumi.ResourceOptions(parent=self, provider=args.cluster.k8s_provider)
        db_secret = k8s.core.v1.Secret(
            f"{name}-postgresql-credentials",
            metadata={"name": CREDENTIALS_SECRET, "namespace": ns_name},
            type="Opaque",
            string_data={
                "password": pulumi.Output.secret(args.postgres_password),
                "postgres-password": pulumi.Output.secret(args.postgres_password),
                "repmgr-password": pulumi.Output.secret(args.replication_password),
            },
            opts=child,
        )
        self.credentials = db_secret
        pgpool_secret = k8s.core.v1.Secret(
            f"{name}-pgpool-credentials",
            metadata={"name": "pgpool-credentials", "namespace": ns_name},
            type="Opaque",
            string_data={
                "admin-password": pulumi.Output.secret(args.pgpool_admin_password),
                "sr-check-password": pulumi.Output.secret(args.replication_password),
            },
            opts=child,
        )

        # The frozen bitnamilegacy copies cannot be checked for arm64 manifests
        # from here (Bitnami's catalogue went multi-arch in 2023, the legacy
        # copies are not documented): the database stays on amd64 nodes.
        amd64 = {"kubernetes.io/arch": "amd64"}

        def image(pin: ImagePin) -> dict[str, str]:
            return {"registry": args.image_registry, "repository": pin.repository, "tag": pin.tag}

        computed: dict[str, Any] = {
            "global": {
                "defaultStorageClass": args.storage_class,
                # The chart refuses images other than its own unless told: bitnamilegacy is one.
                "security": {"allowInsecureImages": True},
            },
            "postgresql": {
                "image": image(args.postgresql_image),
                "replicaCount": args.replicas,
                "username": "postgres",
                "existingSecret": db_secret.metadata.name,
                "nodeSelector": amd64,
                "pdb": {"create": True},
            },
            "pgpool": {
                "image": image(args.pgpool_image),
                "replicaCount": args.pgpool_replicas,
                "existingSecret": pgpool_secret.metadata.name,
                "nodeSelector": amd64,
                "pdb": {"create": True},
            },
            "persistence": {"enabled": True, "storageClass": args.storage_class, "size": args.storage_size},
            # Both would pull further bitnamilegacy images that are not pinned here.
            "metrics": {"enabled": False},
            "volumePermissions": {"enabled": False},
        }
        if args.pod_annotations:
            computed["postgresql"]["podAnnotations"] = dict(args.pod_annotations)
        self.release = helm_release(
            self,
            name,
            release="postgresql-ha",
            pin=args.chart,
            chart=args.chart_override,
            namespace=ns,
            cluster=args.cluster,
            computed=computed,
            depends_on=[db_secret, pgpool_secret, *args.cluster.storage_ready],
            protect=args.protect,
        )
        self.service = pulumi.Output.concat("postgresql-ha-pgpool.", ns_name, ".svc.cluster.local")
        self.namespace = ns_name
        self.credentials_secret = db_secret.metadata.name
        self.register_outputs({"release": self.release.name, "service": self.service})
