"""The cloud part of a stack: the VPC, the EKS cluster and the NLB, wired together."""

from dataclasses import dataclass

import pulumi

from components.aws.eks_cluster import EksCluster, EksClusterArgs
from components.aws.load_balancer import LoadBalancer, LoadBalancerArgs
from components.aws.network import Network, NetworkArgs
from components.aws.policies import account_of
from components.kubernetes.access import ClusterAccess
from components.kubernetes.datadog import NAMESPACE as DATADOG_NAMESPACE
from components.kubernetes.datadog import POSTGRES_PORT
from components.kubernetes.karpenter import Karpenter, KarpenterArgs
from components.kubernetes.tenant import TenantQuotaArgs, TenantSpace, TenantSpaceArgs
from config import StackConfig, charts
from config.cloud import CloudConfig
from config.cluster import principal_key
from stacks.providers import aws_provider

INGRESS_NAMESPACE = "traefik"
"""Namespace of the ingress controller (components/kubernetes/ingress.py's default)."""


@dataclass(frozen=True)
class CloudParts:
    """What the platform (Helm releases) builds on."""

    cluster: ClusterAccess
    """How every Kubernetes component reaches the EKS cluster: its Kubernetes provider, the
    stack's AWS provider, the cluster's OIDC provider (IRSA), `workloads_ready` (the node group
    and CoreDNS), `storage_ready` (the gp3 StorageClass, made after the EBS CSI add-on) and the
    environment's chart values."""
    cluster_name: pulumi.Output[str]
    """Name of the EKS cluster."""
    storage_class_name: str
    """The default, encrypted gp3 StorageClass."""
    ingress_http_node_port: int
    """Node port the ingress controller must expose for HTTP (the NLB's port 80 targets it)."""
    ingress_https_node_port: int
    """Node port the ingress controller must expose for HTTPS (the NLB's port 443 targets it)."""
    nlb_dns_name: pulumi.Output[str]
    """DNS name of the NLB."""
    hosted_zone_id: str
    """Route53 hosted zone of the platform's domain."""
    domain: str
    """DNS domain of the platform."""
    nlb_zone_id: pulumi.Output[str]
    """Route53 zone of the NLB's DNS name (tenants alias their records to it)."""
    tenants: dict[str, TenantSpace]
    """The tenants' spaces on this cluster, by tenant stack."""


def record_key(record: str) -> str:
    """Stable logical-name key of a DNS record name relative to the domain."""
    if record == "@":
        return "apex"
    return record.replace("*", "wildcard").replace(".", "-")


def build_cloud(cfg: StackConfig, cloud: CloudConfig) -> CloudParts:
    """Declare the cloud's resources through one explicit AWS provider (the dedicated topology)."""
    if cloud.network is None or cloud.cluster is None:
        raise ValueError("build_cloud builds a cluster-owning stack; a tenant goes through stacks.tenant")
    provider = aws_provider(f"{cfg.stack}-aws", cloud, project=cfg.project, stack=cfg.stack)
    net = cloud.network
    network = Network(
        f"{cfg.stack}-network",
        NetworkArgs(
            cidr=str(net.cidr),
            public_subnet_cidrs=[str(s.cidr) for s in net.public_subnets()],
            private_subnet_cidrs=[str(s.cidr) for s in net.private_subnets()],
            region=cloud.region,
            provider=provider,
            nat_gateways=net.nat_gateways,
            nat_type=net.nat_type,
            nat_instance_type=net.nat_instance_type,
            flow_logs=net.flow_logs,
            flow_log_retention_days=net.flow_log_retention_days,
            protect=cfg.is_prod,
        ),
    )

    spec = cloud.cluster
    nodes = spec.node_group
    admins = {principal_key(arn): arn for arn in [*spec.admin_arns, spec.ci_principal_arn]}
    cluster = EksCluster(
        f"{cfg.stack}-eks",
        EksClusterArgs(
            cluster_name=f"{cfg.project}-{cfg.stack}",
            private_subnet_ids=network.private_subnet_ids,
            region=cloud.region,
            provider=provider,
            admins=admins,
            public_access_cidrs=[str(c) for c in spec.public_access_cidrs],
            log_retention_days=spec.log_retention_days,
            instance_types=nodes.instance_types,
            capacity_type=nodes.capacity_type,
            min_size=nodes.min_size,
            desired_size=nodes.desired_size,
            max_size=nodes.max_size,
            disk_size_gib=nodes.disk_size_gib,
            architecture=nodes.architecture,
            support_type=spec.support_type,
            protect=cfg.is_prod,
        ),
    )
    # Built once; every Kubernetes component of the stack reaches the cluster through it.
    access = ClusterAccess(
        k8s_provider=cluster.k8s_provider,
        aws_provider=provider,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer_url=cluster.oidc_issuer_url,
        workloads_ready=cluster.workloads_ready,
        storage_ready=(cluster.storage_ready,),
        release_values=cfg.platform.release_values if cfg.platform is not None else {},
    )

    scaling = spec.autoscaling
    if scaling.enabled:
        Karpenter(
            f"{cfg.stack}-karpenter",
            KarpenterArgs(
                cluster=access,
                chart=charts.KARPENTER,
                cluster_name=cluster.cluster_name,
                cluster_endpoint=cluster.endpoint,
                region=cloud.region,
                private_subnet_ids=network.private_subnet_ids,
                node_security_group_id=cluster.cluster_security_group_id,
                capacity_types=scaling.capacity_types,
                architectures=scaling.architectures,
                instance_families=scaling.instance_families,
                max_cpu=scaling.max_cpu,
                consolidate_after=scaling.consolidate_after,
                expire_after=scaling.expire_after,
                protect=cfg.is_prod,
            ),
        )

    dns = cloud.dns
    ingress = cloud.ingress
    lb = LoadBalancer(
        f"{cfg.stack}-ingress",
        LoadBalancerArgs(
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            node_security_group_id=cluster.cluster_security_group_id,
            autoscaling_group_name=cluster.autoscaling_group_name,
            node_ports={"http": ingress.http_node_port, "https": ingress.https_node_port},
            hosted_zone_id=dns.hosted_zone_id,
            records={record_key(r): dns.fqdn(r) for r in dns.records},
            provider=provider,
            deletion_protection=cfg.is_prod,
            protect=cfg.is_prod,
        ),
    )

    _, partition = account_of(provider)
    # The host's Datadog agents run the Postgres check on each tenant's database pods.
    monitored = cfg.platform is not None and cfg.platform.datadog.enabled
    tenants = {
        tenant: TenantSpace(
            f"tenant-{tenant}",
            TenantSpaceArgs(
                cluster=access,
                tenant=tenant,
                namespaces=t.namespaces,
                deployer_arn=t.deployer_arn,
                quota=TenantQuotaArgs(**t.quota.model_dump()),
                cluster_name=cluster.cluster_name,
                partition=partition,
                ingress_namespace=INGRESS_NAMESPACE,
                protect=cfg.is_prod,
                agents_namespace=DATADOG_NAMESPACE if monitored else None,
                agent_ports=[POSTGRES_PORT] if monitored else [],
            ),
        )
        for tenant, t in sorted(cloud.tenants.items())
    }

    pulumi.export("vpcId", network.vpc_id)
    pulumi.export("publicSubnetIds", network.public_subnet_ids)
    pulumi.export("privateSubnetIds", network.private_subnet_ids)
    pulumi.export("clusterName", cluster.cluster_name)
    pulumi.export("clusterEndpoint", cluster.endpoint)
    pulumi.export("kubeconfig", cluster.kubeconfig)
    pulumi.export("nlbDnsName", lb.dns_name)
    # What a tenant stack reads through its StackReference: nothing secret.
    pulumi.export(
        "cluster",
        {
            "name": cluster.cluster_name,
            "endpoint": cluster.endpoint,
            "certificateAuthority": cluster.certificate_authority,
            "oidcProviderArn": cluster.oidc_provider_arn,
            "oidcIssuerUrl": cluster.oidc_issuer_url,
            "storageClass": cluster.storage_class_name,
            "region": cloud.region,
            "nlbDnsName": lb.dns_name,
            "nlbZoneId": lb.zone_id,
        },
    )

    return CloudParts(
        cluster=access,
        cluster_name=cluster.cluster_name,
        storage_class_name=cluster.storage_class_name,
        ingress_http_node_port=ingress.http_node_port,
        ingress_https_node_port=ingress.https_node_port,
        nlb_dns_name=lb.dns_name,
        hosted_zone_id=dns.hosted_zone_id,
        domain=dns.domain,
        nlb_zone_id=lb.zone_id,
        tenants=tenants,
    )
