"""external-dns for Route53: the hosts of Ingress objects become records in the stack's zone."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.kubernetes.release import helm_release, namespace
from components.kubernetes.workload_role import role_annotation, workload_role
from config.charts import ChartPin

SERVICE_ACCOUNT = "external-dns"


@dataclass(frozen=True)
class ExternalDnsArgs:
    """Inputs of `ExternalDns`."""

    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    region: str
    """AWS region of the Route53 API calls."""
    hosted_zone_ids: Sequence[str]
    """Route53 zones external-dns may write; its role may touch no other."""
    domain_filters: Sequence[str]
    """Domains whose records external-dns manages (`domainFilters`)."""
    owner_id: pulumi.Input[str]
    """`txtOwnerId`: unique per stack and cluster, so no two clusters claim the same records."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (IRSA)."""
    oidc_issuer_url: pulumi.Input[str]
    """Issuer URL of the cluster's service-account tokens."""
    k8s_provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    aws_provider: aws.Provider
    """The stack's AWS provider."""
    values: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Environment values (config/values/external-dns/<stack>.yaml); computed values win. Default {}."""
    namespace: str = "external-dns"
    """Namespace the program creates for the release. Default `external-dns`."""
    workloads_ready: Sequence[pulumi.Resource] = ()
    """What must exist before anything is scheduled (the cluster's nodes and CoreDNS);
    the namespace depends on it. Default () (a cluster already running)."""

    exclude_domains: Sequence[str] = ()
    """Subdomains left to someone else (a tenant stack owns its records): `--exclude-domains`."""


class ExternalDns(pulumi.ComponentResource):
    """external-dns with a Route53 role limited to the stack's hosted zones."""

    release: k8s.helm.v3.Release
    """The Helm release."""
    role_arn: pulumi.Output[str]
    """ARN of the role external-dns assumes."""

    def __init__(self, name: str, args: ExternalDnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:ExternalDns", name, None, opts)
        ns = namespace(
            self, name, namespace=args.namespace, provider=args.k8s_provider, depends_on=args.workloads_ready
        )
        zone_arns = [f"arn:aws:route53:::hostedzone/{zone}" for zone in args.hosted_zone_ids]
        role, role_policy = workload_role(
            self,
            name,
            namespace=args.namespace,
            service_account=SERVICE_ACCOUNT,
            oidc_provider_arn=args.oidc_provider_arn,
            oidc_issuer_url=args.oidc_issuer_url,
            statements=[
                {
                    "Sid": "ManageRecordsInOwnZones",
                    "Effect": "Allow",
                    "Action": [
                        "route53:ChangeResourceRecordSets",
                        "route53:ListResourceRecordSets",
                        "route53:ListTagsForResources",
                    ],
                    "Resource": zone_arns,
                },
                # Listing zones cannot be scoped to a zone; it reveals names only.
                {"Sid": "ListZones", "Effect": "Allow", "Action": "route53:ListHostedZones", "Resource": "*"},
            ],
            provider=args.aws_provider,
        )
        computed: dict[str, Any] = {
            "provider": {"name": "aws"},
            "env": [{"name": "AWS_DEFAULT_REGION", "value": args.region}],
            "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT, "annotations": role_annotation(role)},
            "sources": ["ingress", "service"],
            "domainFilters": list(args.domain_filters),
            "extraArgs": [
                *(f"--zone-id-filter={zone}" for zone in args.hosted_zone_ids),
                *(f"--exclude-domains={domain}" for domain in args.exclude_domains),
            ],
            "registry": "txt",
            "txtOwnerId": args.owner_id,
            # upsert-only never deletes: a record another cluster owns survives any mistake here.
            "policy": "upsert-only",
        }
        self.release = helm_release(
            self,
            name,
            release="external-dns",
            pin=args.chart,
            namespace=ns,
            values=args.values,
            computed=computed,
            provider=args.k8s_provider,
            depends_on=[role, role_policy],
        )
        self.role_arn = role.arn
        self.register_outputs({"release": self.release.name, "roleArn": self.role_arn})
