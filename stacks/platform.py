"""The platform part of a stack: Helm releases on the cloud part's EKS cluster."""

from collections.abc import Mapping

import pulumi

from components.kubernetes.access import ClusterAccess
from components.kubernetes.app_ingress import AppIngress, AppIngressArgs, AppRoute
from components.kubernetes.cert_manager import CertManager, CertManagerArgs, issuer_name
from components.kubernetes.datadog import (
    Datadog,
    DatadogArgs,
    postgres_check_annotations,
    traefik_check_annotations,
)
from components.kubernetes.external_dns import ExternalDns, ExternalDnsArgs
from components.kubernetes.ingress import IngressController, IngressControllerArgs
from components.kubernetes.pg_dump import SERVICE_ACCOUNT as DUMP_SERVICE_ACCOUNT
from components.kubernetes.pg_dump import PostgresDump, PostgresDumpArgs
from components.kubernetes.postgresql_ha import CREDENTIALS_SECRET as PG_CREDENTIALS
from components.kubernetes.postgresql_ha import NAMESPACE as PG_NAMESPACE
from components.kubernetes.postgresql_ha import PostgresqlHa, PostgresqlHaArgs
from components.kubernetes.velero import DUMP_PREFIX, TenantSchedule, Velero, VeleroArgs, dump_statements
from components.kubernetes.workload_role import workload_role
from config import StackConfig, charts
from config.platform import PlatformConfig
from stacks.cloud import CloudParts
from stacks.monitoring import build_monitoring


def build_database(
    cfg: StackConfig,
    platform: PlatformConfig,
    cluster: ClusterAccess,
    *,
    storage_class: pulumi.Input[str],
    namespace: str,
    create_namespace: bool = True,
    pod_annotations: Mapping[str, str] | None = None,
) -> PostgresqlHa:
    """Declare the stack's database (`platform:postgresql`, its passwords) on its own cluster or its host's.

    One place for both topologies: what differs is where the volumes come from
    (`storage_class`) and whose namespace it lives in (a tenant's was made by its host).
    """
    pg = platform.postgresql
    args = PostgresqlHaArgs(
        cluster=cluster,
        chart=charts.POSTGRESQL_HA,
        chart_override=pg.chart,
        postgresql_image=charts.POSTGRESQL_REPMGR_IMAGE,
        pgpool_image=charts.PGPOOL_IMAGE,
        image_registry=pg.image_registry,
        replicas=pg.replicas,
        pgpool_replicas=pg.pgpool_replicas,
        storage_class=storage_class,
        storage_size=pg.storage_size,
        postgres_password=pulumi.Output.secret(platform.postgres_password.get_secret_value()),
        replication_password=pulumi.Output.secret(platform.postgres_replication_password.get_secret_value()),
        pgpool_admin_password=pulumi.Output.secret(platform.pgpool_admin_password.get_secret_value()),
        namespace=namespace,
        create_namespace=create_namespace,
        pod_annotations=dict(pod_annotations or {}),
        protect=cfg.is_prod,
    )
    return PostgresqlHa("postgresql-ha", args)


def build_platform(cfg: StackConfig, platform: PlatformConfig, cloud: CloudParts) -> None:
    """Declare the platform's releases, in dependency order, through the cluster's providers."""
    if cfg.cloud is None:
        raise ValueError("the platform part needs the cloud part (cloud:enabled)")
    region = cfg.cloud.region
    cluster = cloud.cluster

    cert_manager = CertManager(
        "cert-manager",
        CertManagerArgs(
            cluster=cluster,
            chart=charts.CERT_MANAGER,
            acme_email=platform.acme_email,
            region=region,
            hosted_zone_id=cloud.hosted_zone_id,
            domain=cloud.domain,
        ),
    )
    ExternalDns(
        "external-dns",
        ExternalDnsArgs(
            cluster=cluster,
            chart=charts.EXTERNAL_DNS,
            region=region,
            hosted_zone_ids=[cloud.hosted_zone_id],
            domain_filters=[cloud.domain],
            # Each tenant owns the records of its own domain.
            exclude_domains=sorted(t.domain for t in cfg.cloud.tenants.values()),
            owner_id=pulumi.Output.concat(cfg.project, "-", cfg.stack, "-", cloud.cluster_name),
        ),
    )
    traefik = IngressController(
        "traefik",
        IngressControllerArgs(
            cluster=cluster,
            chart=charts.TRAEFIK,
            http_node_port=cloud.ingress_http_node_port,
            https_node_port=cloud.ingress_https_node_port,
            load_balancer_hostname=cloud.nlb_dns_name,
            pod_annotations=traefik_check_annotations(cfg.stack) if platform.datadog.enabled else {},
        ),
    )
    issuer = cert_manager.issuers[platform.acme_issuer]
    app = AppIngress(
        "app",
        AppIngressArgs(
            cluster=cluster,
            routes={
                label: AppRoute(host=f"{label}.{cloud.domain}", service=backend.service, port=backend.port)
                for label, backend in platform.hosts.items()
            },
            ingress_class=traefik.ingress_class,
            cluster_issuer=issuer_name(platform.acme_issuer),
            depends_on=[traefik.release, issuer],
        ),
    )
    database = build_database(
        cfg,
        platform,
        cluster,
        storage_class=cloud.storage_class_name,
        namespace=PG_NAMESPACE,
        pod_annotations=(
            postgres_check_annotations(
                cfg.stack, namespace=PG_NAMESPACE, secret=PG_CREDENTIALS, key="password"
            )
            if platform.datadog.enabled
            else {}
        ),
    )
    velero = Velero(
        "velero",
        VeleroArgs(
            cluster=cluster,
            chart=charts.VELERO,
            image=charts.VELERO_IMAGE,
            aws_plugin_image=charts.VELERO_AWS_PLUGIN_IMAGE,
            region=region,
            bucket_prefix=f"{cfg.project}-{cfg.stack}-velero-",
            schedule=platform.velero.schedule,
            retention_days=platform.velero.retention_days,
            noncurrent_version_days=platform.velero.noncurrent_version_days,
            tenants={
                tenant: TenantSchedule(
                    namespaces=t.namespaces,
                    schedule=t.backup.schedule,
                    retention_days=t.backup.retention_days,
                )
                for tenant, t in cfg.cloud.tenants.items()
            },
            dump_retention_days=platform.velero.retention_days,
            protect=cfg.is_prod,
        ),
    )
    if platform.datadog.enabled:
        if platform.datadog_api_key is None:
            raise ValueError("platform:datadogApiKey is required when platform:datadog.enabled is true")
        Datadog(
            "datadog",
            DatadogArgs(
                cluster=cluster,
                chart=charts.DATADOG,
                api_key=pulumi.Output.secret(platform.datadog_api_key.get_secret_value()),
                site=platform.datadog.site,
                cluster_name=cloud.cluster_name,
                env=cfg.stack,
                cluster_agent=platform.datadog.cluster_agent,
                http_checks=[f"https://{label}.{cloud.domain}/" for label in platform.hosts],
                # Tenants' databases too: their pods carry the Postgres check, these agents run it.
                readable_secrets={
                    PG_NAMESPACE: [PG_CREDENTIALS],
                    **{ns: [PG_CREDENTIALS] for t in cfg.cloud.tenants.values() for ns in t.namespaces},
                },
                secrets_ready=[
                    database.credentials,
                    *(ns for space in cloud.tenants.values() for ns in space.namespace_resources.values()),
                ],
            ),
        )
        build_monitoring(cfg, cfg.cloud, platform)
    dump_role, dump_policy = workload_role(
        velero,
        f"{cfg.stack}-pg-dump",
        cluster=cluster,
        namespace=PG_NAMESPACE,
        service_account=DUMP_SERVICE_ACCOUNT,
        statements=dump_statements(velero.bucket.arn, velero.key.arn, cfg.stack),
    )
    pg = platform.postgresql
    PostgresDump(
        "postgresql-dump",
        PostgresDumpArgs(
            cluster=cluster,
            namespace=database.namespace,
            host="postgresql-ha-pgpool",
            credentials_secret=database.credentials_secret,
            bucket=velero.bucket.bucket,
            prefix=f"{DUMP_PREFIX}/{cfg.stack}",
            role_arn=dump_role.arn,
            region=region,
            schedule=pg.dump_schedule,
            postgresql_image=charts.POSTGRESQL_REPMGR_IMAGE,
            aws_cli_image=charts.AWS_CLI_IMAGE,
            image_registry=pg.image_registry,
            depends_on=[database.release, dump_policy],
        ),
    )
    # Each tenant's dump job writes its own folder with a role the host owns,
    # trusted for the tenant's service account only: the tenant needs no IAM rights.
    tenant_exports: dict[str, object] = {}
    for tenant, t in sorted(cfg.cloud.tenants.items()):
        role, _ = workload_role(
            velero,
            f"{tenant}-pg-dump",
            cluster=cluster,
            namespace=t.namespaces[0],
            service_account=DUMP_SERVICE_ACCOUNT,
            statements=dump_statements(velero.bucket.arn, velero.key.arn, tenant),
        )
        tenant_exports[tenant] = {
            "namespaces": t.namespaces,
            "backupBucket": velero.bucket.bucket,
            "dumpPrefix": f"{DUMP_PREFIX}/{tenant}",
            "dumpRoleArn": role.arn,
            "ingressClass": traefik.ingress_class,
        }
    pulumi.export("tenants", tenant_exports)
    pulumi.export(
        "platform",
        {"hosts": app.hosts, "backupBucket": velero.bucket.bucket, "databaseService": database.service},
    )
