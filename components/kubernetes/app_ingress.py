"""The application's Ingress: its hosts, their certificate, their DNS records."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import namespace


@dataclass(frozen=True)
class AppRoute:
    """One application host and the Service it routes to."""

    host: str
    """Fully qualified host, e.g. `api.staging.example.org`."""
    service: str
    """Service in the application namespace."""
    port: int
    """Port of that Service."""


@dataclass(frozen=True)
class AppIngressArgs:
    """Inputs of `AppIngress`."""

    cluster: ClusterAccess
    """The cluster it is declared on (its provider, readiness)."""
    routes: Mapping[str, AppRoute]
    """Routes by stable label (`api`, `www`)."""
    ingress_class: pulumi.Input[str]
    """IngressClass of the controller that serves it."""
    cluster_issuer: str
    """Issuer cert-manager uses for the hosts' certificate (a ClusterIssuer unless `issuer_kind` says)."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The controller's release and the issuer: the Ingress is admitted and served only after them."""
    namespace: str = "app"
    """Namespace of the application. Default `app`."""
    create_namespace: bool = True
    """Create the namespace (False: a tenant's namespace, made by the host). Default True."""
    issuer_kind: str = "ClusterIssuer"
    """`ClusterIssuer`, or `Issuer` (namespaced: a tenant's own). Default `ClusterIssuer`."""
    tls_secret: str = "app-tls"
    """Secret cert-manager writes the certificate to. Default `app-tls`."""


class AppIngress(pulumi.ComponentResource):
    """The application namespace and its Ingress (TLS by cert-manager, DNS by external-dns)."""

    ingress: k8s.networking.v1.Ingress
    """The Ingress."""
    hosts: list[str]
    """Hosts it serves, in label order."""

    def __init__(self, name: str, args: AppIngressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:AppIngress", name, None, opts)
        ns_name: pulumi.Input[str] = args.namespace
        if args.create_namespace:
            ns_name = namespace(self, name, namespace=args.namespace, cluster=args.cluster).metadata.name
        annotation = (
            "cert-manager.io/cluster-issuer"
            if args.issuer_kind == "ClusterIssuer"
            else "cert-manager.io/issuer"
        )
        labels = sorted(args.routes)
        self.hosts = [args.routes[label].host for label in labels]
        rules: list[k8s.networking.v1.IngressRuleArgsDict] = [
            {
                "host": args.routes[label].host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "path_type": "Prefix",
                            "backend": {
                                "service": {
                                    "name": args.routes[label].service,
                                    "port": {"number": args.routes[label].port},
                                }
                            },
                        }
                    ]
                },
            }
            for label in labels
        ]
        self.ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata={
                "name": "app",
                "namespace": ns_name,
                "annotations": {
                    annotation: args.cluster_issuer,
                    "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
                    "traefik.ingress.kubernetes.io/router.tls": "true",
                },
            },
            spec={
                "ingress_class_name": args.ingress_class,
                "tls": [{"hosts": self.hosts, "secret_name": args.tls_secret}],
                "rules": rules,
            },
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.cluster.k8s_provider, depends_on=list(args.depends_on)
            ),
        )
        self.register_outputs({"hosts": self.hosts})
