"""Traefik, the ingress controller behind the baseline's Network Load Balancer.

The NLB forwards TCP to fixed node ports on every node; Traefik's Service
exposes exactly those, and Traefik writes the NLB's hostname into the status of
every Ingress it serves, which is what external-dns publishes.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from config.charts import ChartPin

INGRESS_CLASS = "traefik"
"""IngressClass the controller registers and the application's Ingress names."""


@dataclass(frozen=True)
class IngressControllerArgs:
    """Inputs of `IngressController`."""

    cluster: ClusterAccess
    """The cluster it is installed on (its provider, readiness, the release's values)."""
    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    http_node_port: int
    """Node port the NLB's HTTP listener targets."""
    https_node_port: int
    """Node port the NLB's HTTPS (TCP passthrough) listener targets."""
    load_balancer_hostname: pulumi.Input[str]
    """DNS name of the NLB, published in Ingress status."""
    namespace: str = "traefik"
    """Namespace the program creates for the release. Default `traefik`."""
    pod_annotations: Mapping[str, str] = field(default_factory=dict[str, str])
    """Annotations on Traefik's pods, e.g. the Datadog check reading its metrics. Default {}."""


class IngressController(pulumi.ComponentResource):
    """Traefik on NodePorts, publishing the NLB hostname."""

    release: k8s.helm.v3.Release
    """The Helm release."""
    ingress_class: str
    """Name of the IngressClass it serves."""

    def __init__(
        self, name: str, args: IngressControllerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("campus:kubernetes:IngressController", name, None, opts)
        ns = namespace(self, name, namespace=args.namespace, cluster=args.cluster)
        computed: dict[str, Any] = {
            "service": {"type": "NodePort"},
            "ports": {
                "web": {"nodePort": args.http_node_port, "expose": {"default": True}},
                "websecure": {"nodePort": args.https_node_port, "expose": {"default": True}},
            },
            "ingressClass": {"enabled": True, "isDefaultClass": True, "name": INGRESS_CLASS},
            # The chart's values have no `ingressEndpoint` (Helm would drop it),
            # and its default publishedService points at the NodePort Service,
            # which has no load-balancer status: Ingress status would stay empty
            # and external-dns would publish nothing. The static option itself
            # writes the NLB's name into every Ingress status.
            "providers": {
                "kubernetesCRD": {"enabled": True},
                "kubernetesIngress": {"enabled": True, "publishedService": {"enabled": False}},
            },
            "additionalArguments": [
                pulumi.Output.concat(
                    "--providers.kubernetesingress.ingressendpoint.hostname=", args.load_balancer_hostname
                )
            ],
        }
        if args.pod_annotations:
            computed["deployment"] = {"podAnnotations": dict(args.pod_annotations)}
        self.release = helm_release(
            self,
            name,
            release="traefik",
            pin=args.chart,
            namespace=ns,
            cluster=args.cluster,
            computed=computed,
        )
        self.ingress_class = INGRESS_CLASS
        self.register_outputs({"release": self.release.name, "ingressClass": self.ingress_class})
