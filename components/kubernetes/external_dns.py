"""external-dns for Route53: the hosts of Ingress objects become records in the stack's zone."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from components.kubernetes.workload_role import role_annotation, workload_role
from config.charts import ChartPin

SERVICE_ACCOUNT = "external-dns"


@dataclass(frozen=True)
class ExternalDnsArgs:
    """Inputs of `ExternalDns`."""

    cluster: ClusterAccess
    """The cluster it is installed on (providers, IRSA trust, readiness, the release's values)."""
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
    namespace: str = "external-dns"
    """Namespace the program creates for the release. Default `external-dns`."""
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
        ns = namespace(self, name, namespace=args.namespace, cluster=args.cluster)
        zone_arns = [f"arn:aws:route53:::hostedzone/{zone}" for zone in args.hosted_zone_ids]
        role, role_policy = workload_role(
            self,
            name,
            cluster=args.cluster,
            namespace=args.namespace,
            service_account=SERVICE_ACCOUNT,
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
            cluster=args.cluster,
            computed=computed,
            depends_on=[role, role_policy],
        )
        self.role_arn = role.arn
        self.register_outputs({"release": self.release.name, "roleArn": self.role_arn})
