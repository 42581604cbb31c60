"""cert-manager with its CRDs, and the Let's Encrypt ClusterIssuers (DNS-01 through Route53)."""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from components.kubernetes.workload_role import role_annotation, workload_role
from config.charts import ChartPin

ACME_SERVERS = {
    "staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "production": "https://acme-v02.api.letsencrypt.org/directory",
}
"""Let's Encrypt's ACME directories, by issuer suffix."""
SERVICE_ACCOUNT = "cert-manager"


def issuer_name(environment: str) -> str:
    """Name of the ClusterIssuer for one Let's Encrypt environment."""
    return f"letsencrypt-{environment}"


def cluster_issuer_spec(
    *, environment: str, email: str, region: str, zone_id: str, domain: str
) -> dict[str, Any]:
    """The spec of one ACME ClusterIssuer solving DNS-01 in the stack's hosted zone."""
    return {
        "acme": {
            "email": email,
            "server": ACME_SERVERS[environment],
            "privateKeySecretRef": {"name": f"{issuer_name(environment)}-account-key"},
            "solvers": [
                {
                    "selector": {"dnsZones": [domain]},
                    "dns01": {"route53": {"region": region, "hostedZoneID": zone_id}},
                }
            ],
        }
    }


@dataclass(frozen=True)
class CertManagerArgs:
    """Inputs of `CertManager`."""

    cluster: ClusterAccess
    """The cluster it is installed on (providers, IRSA trust, readiness, the release's values)."""
    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    acme_email: str
    """Contact address registered with Let's Encrypt."""
    region: str
    """AWS region of the Route53 API calls."""
    hosted_zone_id: str
    """Route53 hosted zone the DNS-01 challenges are written to; the role may touch no other."""
    domain: str
    """The zone's domain; the issuers solve only for names under it."""
    namespace: str = "cert-manager"
    """Namespace the program creates for the release. Default `cert-manager`."""


class CertManager(pulumi.ComponentResource):
    """cert-manager, its IRSA role for Route53, and two ACME ClusterIssuers."""

    release: k8s.helm.v3.Release
    """The Helm release (installs the CRDs: `crds.enabled`)."""
    issuers: dict[str, k8s.apiextensions.CustomResource]
    """ClusterIssuers by Let's Encrypt environment (`staging`, `production`)."""
    role_arn: pulumi.Output[str]
    """ARN of the role cert-manager's controller assumes."""

    def __init__(self, name: str, args: CertManagerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:CertManager", name, None, opts)
        ns = namespace(self, name, namespace=args.namespace, cluster=args.cluster)
        zone_arn = f"arn:aws:route53:::hostedzone/{args.hosted_zone_id}"
        role, role_policy = workload_role(
            self,
            name,
            cluster=args.cluster,
            namespace=args.namespace,
            service_account=SERVICE_ACCOUNT,
            statements=[
                {
                    "Sid": "ChallengeStatus",
                    "Effect": "Allow",
                    "Action": "route53:GetChange",
                    "Resource": "arn:aws:route53:::change/*",
                },
                {
                    "Sid": "ChallengeRecords",
                    "Effect": "Allow",
                    "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                    "Resource": zone_arn,
                    "Condition": {
                        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}
                    },
                },
                {
                    "Sid": "FindZone",
                    "Effect": "Allow",
                    "Action": "route53:ListHostedZonesByName",
                    "Resource": "*",
                },
            ],
        )
        computed: dict[str, Any] = {
            "crds": {"enabled": True, "keep": True},
            "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT, "annotations": role_annotation(role)},
            # The projected IRSA token is readable by the controller's group only.
            "securityContext": {"fsGroup": 1001},
        }
        self.release = helm_release(
            self,
            name,
            release="cert-manager",
            pin=args.chart,
            namespace=ns,
            cluster=args.cluster,
            computed=computed,
            depends_on=[role, role_policy],
        )
        self.issuers = {
            environment: k8s.apiextensions.CustomResource(
                f"{name}-{issuer_name(environment)}",
                api_version="cert-manager.io/v1",
                kind="ClusterIssuer",
                metadata={"name": issuer_name(environment)},
                spec=cluster_issuer_spec(
                    environment=environment,
                    email=args.acme_email,
                    region=args.region,
                    zone_id=args.hosted_zone_id,
                    domain=args.domain,
                ),
                # The release installs the ClusterIssuer CRD: the API must know the kind first.
                opts=pulumi.ResourceOptions(
                    parent=self, provider=args.cluster.k8s_provider, depends_on=[self.release]
                ),
            )
            for environment in ACME_SERVERS
        }
        self.role_arn = role.arn
        self.register_outputs({"release": self.release.name, "roleArn": self.role_arn})


def http01_issuer_spec(*, environment: str, email: str, ingress_class: str) -> dict[str, Any]:
    """The spec of a namespaced ACME Issuer solving HTTP-01 through the ingress controller.

    A tenant has no Route53 role on its host's cluster and may create no
    ClusterIssuer: HTTP-01 needs neither, only the shared ingress controller.
    """
    return {
        "acme": {
            "email": email,
            "server": ACME_SERVERS[environment],
            "privateKeySecretRef": {"name": f"{issuer_name(environment)}-account-key"},
            "solvers": [{"http01": {"ingress": {"ingressClassName": ingress_class}}}],
        }
    }


@dataclass(frozen=True)
class AcmeIssuerArgs:
    """Inputs of `AcmeIssuer`."""

    cluster: ClusterAccess
    """The cluster it is declared on (cert-manager's CRDs installed by its host)."""
    environment: str
    """Let's Encrypt environment: `staging` or `production`."""
    acme_email: str
    """Contact address registered with Let's Encrypt."""
    namespace: pulumi.Input[str]
    """Namespace of the Issuer (and of the certificates it signs)."""
    ingress_class: pulumi.Input[str]
    """IngressClass that serves the HTTP-01 challenges."""


class AcmeIssuer(pulumi.ComponentResource):
    """A namespaced Let's Encrypt Issuer (HTTP-01), for a tenant that owns no cluster-scoped object."""

    issuer: k8s.apiextensions.CustomResource
    """The Issuer."""
    name: str
    """Its name (what the Ingress's `cert-manager.io/issuer` annotation says)."""

    def __init__(self, name: str, args: AcmeIssuerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:AcmeIssuer", name, None, opts)
        self.name = issuer_name(args.environment)
        self.issuer = k8s.apiextensions.CustomResource(
            f"{name}-{self.name}",
            api_version="cert-manager.io/v1",
            kind="Issuer",
            metadata={"name": self.name, "namespace": args.namespace},
            spec=pulumi.Output.from_input(args.ingress_class).apply(
                lambda cls: http01_issuer_spec(
                    environment=args.environment, email=args.acme_email, ingress_class=cls
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, provider=args.cluster.k8s_provider),
        )
        self.register_outputs({"name": self.name})
