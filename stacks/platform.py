"""The platform part of a stack: Helm releases on the cloud part's EKS cluster."""

import pulumi

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
from components.kubernetes.postgresql_ha import CREDENTIALS_SECRET as PG_CREDENTIALS
from components.kubernetes.postgresql_ha import NAMESPACE as PG_NAMESPACE
from components.kubernetes.postgresql_ha import PostgresqlHa, PostgresqlHaArgs
from components.kubernetes.velero import Velero, VeleroArgs
from config import StackConfig, charts
from config.platform import PlatformConfig
from stacks.cloud import CloudParts
from stacks.monitoring import build_monitoring


def build_platform(cfg: StackConfig, platform: PlatformConfig, cloud: CloudParts) -> None:
    """Declare the platform's releases, in dependency order, through the cluster's providers."""
    if cfg.cloud is None:
        raise ValueError("the platform part needs the cloud part (cloud:enabled)")
    region = cfg.cloud.region

    cert_manager = CertManager(
        "cert-manager",
        CertManagerArgs(
            chart=charts.CERT_MANAGER,
            acme_email=platform.acme_email,
            region=region,
            hosted_zone_id=cloud.hosted_zone_id,
            domain=cloud.domain,
            k8s_provider=cloud.k8s_provider,
            workloads_ready=cloud.workloads_ready,
            aws_provider=cloud.aws_provider,
            values=platform.values_for("cert-manager"),
            oidc_provider_arn=cloud.oidc_provider_arn,
            oidc_issuer_url=cloud.oidc_issuer_url,
        ),
    )
    ExternalDns(
        "external-dns",
        ExternalDnsArgs(
            chart=charts.EXTERNAL_DNS,
            region=region,
            hosted_zone_ids=[cloud.hosted_zone_id],
            domain_filters=[cloud.domain],
            owner_id=pulumi.Output.concat(cfg.project, "-", cfg.stack, "-", cloud.cluster_name),
            k8s_provider=cloud.k8s_provider,
            workloads_ready=cloud.workloads_ready,
            aws_provider=cloud.aws_provider,
            values=platform.values_for("external-dns"),
            oidc_provider_arn=cloud.oidc_provider_arn,
            oidc_issuer_url=cloud.oidc_issuer_url,
        ),
    )
    traefik = IngressController(
        "traefik",
        IngressControllerArgs(
            chart=charts.TRAEFIK,
            http_node_port=cloud.ingress_http_node_port,
            https_node_port=cloud.ingress_https_node_port,
            load_balancer_hostname=cloud.nlb_dns_name,
            k8s_provider=cloud.k8s_provider,
            workloads_ready=cloud.workloads_ready,
            values=platform.values_for("traefik"),
            pod_annotations=traefik_check_annotations(cfg.stack) if platform.datadog.enabled else {},
        ),
    )
    issuer = cert_manager.issuers[platform.acme_issuer]
    app = AppIngress(
        "app",
        AppIngressArgs(
            routes={
                label: AppRoute(host=f"{label}.{cloud.domain}", service=backend.service, port=backend.port)
                for label, backend in platform.hosts.items()
            },
            ingress_class=traefik.ingress_class,
            cluster_issuer=issuer_name(platform.acme_issuer),
            k8s_provider=cloud.k8s_provider,
            workloads_ready=cloud.workloads_ready,
            depends_on=[traefik.release, issuer],
        ),
    )
    pg = platform.postgresql
    database = PostgresqlHa(
        "postgresql-ha",
        PostgresqlHaArgs(
            chart=charts.POSTGRESQL_HA,
            chart_override=pg.chart,
            postgresql_image=charts.POSTGRESQL_REPMGR_IMAGE,
            pgpool_image=charts.PGPOOL_IMAGE,
            image_registry=pg.image_registry,
            replicas=pg.replicas,
            pgpool_replicas=pg.pgpool_replicas,
            storage_class=cloud.storage_class_name,
            storage_size=pg.storage_size,
            postgres_password=pulumi.Output.secret(platform.postgres_password.get_secret_value()),
            replication_password=pulumi.Output.secret(
                platform.postgres_replication_password.get_secret_value()
            ),
            pgpool_admin_password=pulumi.Output.secret(platform.pgpool_admin_password.get_secret_value()),
            k8s_provider=cloud.k8s_provider,
            workloads_ready=cloud.workloads_ready,
            storage_ready=[cloud.storage_ready],
            values=platform.values_for("postgresql-ha"),
            pod_annotations=(
                postgres_check_annotations(
                    cfg.stack, namespace=PG_NAMESPACE, secret=PG_CREDENTIALS, key="password"
                )
                if platform.datadog.enabled
                else {}
            ),
            protect=cfg.is_prod,
        ),
    )
    velero = Velero(
        "velero",
        VeleroArgs(
            chart=charts.VELERO,
            image=charts.VELERO_IMAGE,
            aws_plugin_image=charts.VELERO_AWS_PLUGIN_IMAGE,
            region=region,
            bucket_prefix=f"{cfg.project}-{cfg.stack}-velero-",
            schedule=platform.velero.schedule,
            retention_days=platform.velero.retention_days,
            noncurrent_version_days=platform.velero.noncurrent_version_days,
            k8s_provider=cloud.k8s_provider,
            workloads_ready=cloud.workloads_ready,
            aws_provider=cloud.aws_provider,
            values=platform.values_for("velero"),
            protect=cfg.is_prod,
            oidc_provider_arn=cloud.oidc_provider_arn,
            oidc_issuer_url=cloud.oidc_issuer_url,
        ),
    )
    if platform.datadog.enabled:
        if platform.datadog_api_key is None:
            raise ValueError("platform:datadogApiKey is required when platform:datadog.enabled is true")
        Datadog(
            "datadog",
            DatadogArgs(
                chart=charts.DATADOG,
                api_key=pulumi.Output.secret(platform.datadog_api_key.get_secret_value()),
                site=platform.datadog.site,
                cluster_name=cloud.cluster_name,
                env=cfg.stack,
                cluster_agent=platform.datadog.cluster_agent,
                k8s_provider=cloud.k8s_provider,
                workloads_ready=cloud.workloads_ready,
                values=platform.values_for("datadog"),
                http_checks=[f"https://{label}.{cloud.domain}/" for label in platform.hosts],
                readable_secrets={PG_NAMESPACE: [PG_CREDENTIALS]},
                secrets_ready=[database.credentials],
            ),
        )
        build_monitoring(cfg, cfg.cloud, platform)
    pulumi.export(
        "platform",
        {"hosts": app.hosts, "backupBucket": velero.bucket.bucket, "databaseService": database.service},
    )
