"""The tenant topology: this stack's platform on another stack's EKS cluster.

Everything cluster-wide (the VPC, the cluster, Karpenter, the ingress
controller, cert-manager, external-dns, Velero, the tenant's namespaces with
their quotas and network policies) belongs to the host stack. The tenant reads
what it needs through a `pulumi.StackReference` to the host's outputs and
declares namespaced objects only (its database, issuer, ingress, dump job) in
the namespace the host made for it, plus its own DNS records.
"""

from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from components.aws.dns_alias import DnsAliases, DnsAliasesArgs
from components.aws.kubeconfig import kubeconfig
from components.kubernetes.access import ClusterAccess
from components.kubernetes.app_ingress import AppIngress, AppIngressArgs, AppRoute
from components.kubernetes.cert_manager import AcmeIssuer, AcmeIssuerArgs
from components.kubernetes.datadog import HttpCheckService, HttpCheckServiceArgs, postgres_check_annotations
from components.kubernetes.pg_dump import PostgresDump, PostgresDumpArgs
from components.kubernetes.postgresql_ha import CREDENTIALS_SECRET as PG_CREDENTIALS
from components.kubernetes.velero import DUMP_PREFIX
from config import StackConfig, charts
from config.cloud import CloudConfig, HostConfig
from stacks.cloud import record_key
from stacks.monitoring import build_monitoring
from stacks.platform import build_database
from stacks.providers import aws_provider


def _mine(stack: str, host: HostConfig, tenants: Any) -> dict[str, Any]:
    """This stack's entry in the host's `tenants` output, or a clear error."""
    entries = cast(dict[str, Any], tenants or {})
    if stack not in entries:
        raise ValueError(
            f"stack {host.stack_reference} hosts no tenant {stack!r} (its tenants: "
            f"{', '.join(sorted(entries)) or 'none'}); add {stack} to its cloud:tenants first"
        )
    entry = cast(dict[str, Any], entries[stack])
    if host.namespace not in entry["namespaces"]:
        raise ValueError(
            f"cloud:host.namespace {host.namespace!r} is not one of the namespaces "
            f"{host.stack_reference} made for {stack}: {entry['namespaces']}"
        )
    return entry


def build_tenant(cfg: StackConfig, cloud: CloudConfig) -> None:
    """Declare the tenant's resources on its host's cluster."""
    host = cloud.host
    if host is None:
        raise ValueError("build_tenant needs cloud:host")
    reference = pulumi.StackReference(f"{cfg.stack}-host", stack_name=host.stack_reference)
    cluster = reference.require_output("cluster").apply(lambda c: cast(dict[str, Any], c))
    mine = reference.require_output("tenants").apply(lambda t: _mine(cfg.stack, host, t))

    provider = aws_provider(f"{cfg.stack}-aws", cloud, project=cfg.project, stack=cfg.stack)
    config = pulumi.Output.secret(
        cluster.apply(
            lambda c: kubeconfig(
                endpoint=str(c["endpoint"]),
                certificate_authority=str(c["certificateAuthority"]),
                cluster_name=str(c["name"]),
                region=str(c["region"]),
            )
        )
    )
    k8s_provider = k8s.Provider(
        f"{cfg.stack}-k8s",
        kubeconfig=config,
        # The host's cluster: a new endpoint updates the provider instead of
        # replacing everything the tenant declared through it.
        cluster_identifier=f"{host.project}-{host.stack}",
        # Anything that forgets its namespace lands in the tenant's, never in `default`.
        namespace=host.namespace,
    )

    records = {record_key(r): cloud.dns.fqdn(r) for r in cloud.dns.records}
    DnsAliases(
        f"{cfg.stack}-dns",
        DnsAliasesArgs(
            hosted_zone_id=cloud.dns.hosted_zone_id,
            records=records,
            target_dns_name=cluster.apply(lambda c: str(c["nlbDnsName"])),
            target_zone_id=cluster.apply(lambda c: str(c["nlbZoneId"])),
            provider=provider,
        ),
    )
    pulumi.export("host", {"stack": host.stack_reference, "namespace": host.namespace})

    platform = cfg.platform
    if platform is None:
        return
    # The host's cluster as this stack reaches it: no OIDC provider (IRSA roles on it are the
    # host's to make), nothing to wait for (the host made the namespace, on running nodes).
    access = ClusterAccess(
        k8s_provider=k8s_provider, aws_provider=provider, release_values=platform.release_values
    )
    ns = mine.apply(lambda _: host.namespace)  # waits for the check above
    database = build_database(
        cfg,
        platform,
        access,
        storage_class=cluster.apply(lambda c: str(c["storageClass"])),
        namespace=host.namespace,
        create_namespace=False,
        # The host's agents run the Postgres check on these pods (the host lets them read this Secret).
        pod_annotations=(
            postgres_check_annotations(
                cfg.stack, namespace=host.namespace, secret=PG_CREDENTIALS, key="password"
            )
            if platform.datadog.enabled
            else {}
        ),
    )
    ingress_class = mine.apply(lambda m: str(m["ingressClass"]))
    issuer = AcmeIssuer(
        f"{cfg.stack}-issuer",
        AcmeIssuerArgs(
            cluster=access,
            environment=platform.acme_issuer,
            acme_email=platform.acme_email,
            namespace=ns,
            ingress_class=ingress_class,
        ),
    )
    app = AppIngress(
        "app",
        AppIngressArgs(
            cluster=access,
            routes={
                label: AppRoute(
                    host=f"{label}.{cloud.dns.domain}", service=backend.service, port=backend.port
                )
                for label, backend in platform.hosts.items()
            },
            ingress_class=ingress_class,
            cluster_issuer=issuer.name,
            issuer_kind="Issuer",
            namespace=host.namespace,
            create_namespace=False,
            depends_on=[issuer.issuer],
        ),
    )
    pg = platform.postgresql
    PostgresDump(
        "postgresql-dump",
        PostgresDumpArgs(
            cluster=access,
            namespace=ns,
            host="postgresql-ha-pgpool",
            credentials_secret=database.credentials_secret,
            bucket=mine.apply(lambda m: str(m["backupBucket"])),
            prefix=f"{DUMP_PREFIX}/{cfg.stack}",
            role_arn=mine.apply(lambda m: str(m["dumpRoleArn"])),
            region=cloud.region,
            schedule=pg.dump_schedule,
            postgresql_image=charts.POSTGRESQL_REPMGR_IMAGE,
            aws_cli_image=charts.AWS_CLI_IMAGE,
            image_registry=pg.image_registry,
            depends_on=[database.release],
        ),
    )
    pulumi.export(
        "platform",
        {
            "hosts": app.hosts,
            "databaseService": database.service,
            "backupBucket": mine.apply(lambda m: str(m["backupBucket"])),
        },
    )
    if platform.datadog.enabled:
        # The host's cluster agent probes the tenant's hosts; the tenant declares its own monitors.
        HttpCheckService(
            f"{cfg.stack}-http-checks",
            HttpCheckServiceArgs(
                urls=[f"https://{host_name}/" for host_name in app.hosts],
                env=cfg.stack,
                namespace=ns,
                cluster=access,
            ),
        )
        build_monitoring(cfg, cloud, platform)
