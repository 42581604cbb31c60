"""`TenantSpace`: the host's side of a tenant stack on its cluster.

A tenant (staging, on prod's cluster) deploys into namespaces the host made
for it, with an access entry scoped to those namespaces: it can create what
lives in a namespace and nothing cluster-scoped. What keeps it in its lane is
the host's, not the tenant's to change: the namespaces themselves, a
ResourceQuota and a LimitRange in each (the tenant's identity gets the `edit`
policy, which cannot write either), and default NetworkPolicies that admit
traffic from the tenant's own namespaces and from the ingress controller only
(and from the host's monitoring agents, to the ports their checks read).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess

EDIT_POLICY = "AmazonEKSEditPolicy"
"""EKS access policy of a tenant's deployer: Kubernetes' `edit` role, in its namespaces only."""

NAME_LABEL = "kubernetes.io/metadata.name"
"""Label Kubernetes puts on every namespace: its name."""

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
"""RFC 1918 ranges a tenant's egress may not reach (the VPC, the pods of the host)."""

TENANT_LABEL = "campus/tenant"
"""Label every tenant namespace carries (its value: the tenant's stack)."""


@dataclass(frozen=True)
class TenantQuotaArgs:
    """What one tenant namespace may request."""

    cpu: str
    memory: str
    limits_memory: str
    storage: str
    persistent_volume_claims: int
    pods: int
    load_balancers: int


@dataclass(frozen=True)
class TenantSpaceArgs:
    """Inputs of `TenantSpace`."""

    cluster: ClusterAccess
    """The host's cluster (its providers; the namespaces wait for its `workloads_ready`)."""
    tenant: str
    """The tenant's stack name, e.g. `staging`."""
    namespaces: Sequence[str]
    """Namespaces made for it."""
    deployer_arn: str
    """IAM principal that runs the tenant's Pulumi: gets `edit` in those namespaces only."""
    quota: TenantQuotaArgs
    """ResourceQuota of each namespace."""
    cluster_name: pulumi.Input[str]
    """Name of the host's EKS cluster."""
    partition: str
    """AWS partition, for the access policy's ARN."""
    ingress_namespace: str
    """Namespace of the ingress controller, the one outside source admitted."""
    protect: bool = False
    """Protect the namespaces (deleting one deletes the tenant's data)."""
    agents_namespace: str | None = None
    """Namespace of the host's monitoring agents, admitted to `agent_ports` of the tenant's pods (the
    checks they run there, e.g. the Postgres check). Default None (no agents admitted)."""
    agent_ports: Sequence[int] = ()
    """TCP ports of the tenant's pods the agents may reach. Default ()."""


class TenantSpace(pulumi.ComponentResource):
    """Namespaces, quotas, limits, network policies and a namespace-scoped access entry for a tenant."""

    namespaces: list[str]
    """The tenant's namespaces."""
    namespace_resources: Mapping[str, k8s.core.v1.Namespace]
    """The Namespace objects, by name."""

    def __init__(self, name: str, args: TenantSpaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:TenantSpace", name, None, opts)
        k8s_child = pulumi.ResourceOptions(parent=self, provider=args.cluster.k8s_provider)
        created: dict[str, k8s.core.v1.Namespace] = {}
        for ns_name in args.namespaces:
            ns = k8s.core.v1.Namespace(
                f"{name}-{ns_name}",
                metadata={
                    "name": ns_name,
                    "labels": {
                        "app.kubernetes.io/managed-by": "pulumi",
                        TENANT_LABEL: args.tenant,
                        # Pods of a tenant run as restricted as the charts allow.
                        "pod-security.kubernetes.io/enforce": "baseline",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
                opts=pulumi.ResourceOptions.merge(
                    k8s_child,
                    pulumi.ResourceOptions(
                        depends_on=list(args.cluster.workloads_ready), protect=args.protect
                    ),
                ),
            )
            created[ns_name] = ns
            inside = pulumi.ResourceOptions.merge(k8s_child, pulumi.ResourceOptions(depends_on=[ns]))
            q = args.quota
            k8s.core.v1.ResourceQuota(
                f"{name}-{ns_name}-quota",
                metadata={"name": "tenant", "namespace": ns_name},
                spec={
                    "hard": {
                        "requests.cpu": q.cpu,
                        "requests.memory": q.memory,
                        "limits.memory": q.limits_memory,
                        "requests.storage": q.storage,
                        "persistentvolumeclaims": str(q.persistent_volume_claims),
                        "pods": str(q.pods),
                        "services.loadbalancers": str(q.load_balancers),
                        "services.nodeports": "0",
                    }
                },
                opts=inside,
            )
            # Defaults for containers that say nothing, so the quota can count them.
            k8s.core.v1.LimitRange(
                f"{name}-{ns_name}-limits",
                metadata={"name": "tenant-defaults", "namespace": ns_name},
                spec={
                    "limits": [
                        {
                            "type": "Container",
                            "default": {"memory": "256Mi"},
                            "default_request": {"cpu": "50m", "memory": "128Mi"},
                            "max": {"memory": "2Gi"},
                        },
                        {"type": "PersistentVolumeClaim", "max": {"storage": q.storage}},
                    ]
                },
                opts=inside,
            )
            own: list[k8s.networking.v1.NetworkPolicyPeerArgsDict] = [
                {"namespace_selector": {"match_labels": {NAME_LABEL: other}}} for other in args.namespaces
            ]
            ingress_controller: k8s.networking.v1.NetworkPolicyPeerArgsDict = {
                "namespace_selector": {"match_labels": {NAME_LABEL: args.ingress_namespace}}
            }
            ingress_rules: list[k8s.networking.v1.NetworkPolicyIngressRuleArgsDict] = [
                {"from_": [*own, ingress_controller]}
            ]
            if args.agents_namespace is not None and args.agent_ports:
                # The host's agents run checks on the tenant's pods (its database): those ports only.
                ingress_rules.append(
                    {
                        "from_": [
                            {"namespace_selector": {"match_labels": {NAME_LABEL: args.agents_namespace}}}
                        ],
                        "ports": [{"protocol": "TCP", "port": port} for port in args.agent_ports],
                    }
                )
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{ns_name}-ingress",
                metadata={"name": "tenant-ingress", "namespace": ns_name},
                spec={"pod_selector": {}, "policy_types": ["Ingress"], "ingress": ingress_rules},
                opts=inside,
            )
            dns: k8s.networking.v1.NetworkPolicyEgressRuleArgsDict = {
                "to": [{"namespace_selector": {"match_labels": {NAME_LABEL: "kube-system"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }
            # The internet, but no private address: neither the host's pods nor the VPC.
            internet: k8s.networking.v1.NetworkPolicyEgressRuleArgsDict = {
                "to": [{"ip_block": {"cidr": "0.0.0.0/0", "except_": list(PRIVATE_RANGES)}}]
            }
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{ns_name}-egress",
                metadata={"name": "tenant-egress", "namespace": ns_name},
                spec={"pod_selector": {}, "policy_types": ["Egress"], "egress": [{"to": own}, dns, internet]},
                opts=inside,
            )
        # Kept in prod, like every access entry: the tenant's CI would lose its way in.
        aws_child = pulumi.ResourceOptions(
            parent=self, provider=args.cluster.aws_provider, protect=args.protect
        )
        entry = aws.eks.AccessEntry(
            f"{name}-deployer",
            cluster_name=args.cluster_name,
            principal_arn=args.deployer_arn,
            type="STANDARD",
            opts=aws_child,
        )
        aws.eks.AccessPolicyAssociation(
            f"{name}-deployer-edit",
            cluster_name=args.cluster_name,
            principal_arn=args.deployer_arn,
            policy_arn=f"arn:{args.partition}:eks::aws:cluster-access-policy/{EDIT_POLICY}",
            access_scope={"type": "namespace", "namespaces": list(args.namespaces)},
            opts=pulumi.ResourceOptions.merge(aws_child, pulumi.ResourceOptions(depends_on=[entry])),
        )
        self.namespaces = list(args.namespaces)
        self.namespace_resources = created
        self.register_outputs({"namespaces": self.namespaces})
