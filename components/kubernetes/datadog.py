"""The Datadog agent and cluster agent, the API key from a Pulumi secret."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.release import helm_release, namespace
from config.charts import ChartPin

API_KEY_SECRET = "datadog-api-key"
"""Secret holding the key under `api-key`, the name the chart reads."""


@dataclass(frozen=True)
class DatadogArgs:
    """Inputs of `Datadog`."""

    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    api_key: pulumi.Input[str]
    """Secret. The Datadog API key."""
    site: str
    """Datadog site, e.g. `datadoghq.eu`."""
    cluster_name: pulumi.Input[str]
    """Cluster name shown in Datadog."""
    env: str
    """`env` tag on everything the agents send (the stack name)."""
    cluster_agent: bool
    """Run the cluster agent."""
    k8s_provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    values: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Environment values (config/values/datadog/<stack>.yaml); computed values win. Default {}."""
    namespace: str = "datadog"
    """Namespace the program creates for the release. Default `datadog`."""
    workloads_ready: Sequence[pulumi.Resource] = ()
    """What must exist before anything is scheduled (the cluster's nodes and CoreDNS);
    the namespace depends on it. Default () (a cluster already running)."""


class Datadog(pulumi.ComponentResource):
    """The API key Secret and the Datadog release reading it."""

    release: k8s.helm.v3.Release
    """The Helm release."""

    def __init__(self, name: str, args: DatadogArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:Datadog", name, None, opts)
        ns = namespace(
            self, name, namespace=args.namespace, provider=args.k8s_provider, depends_on=args.workloads_ready
        )
        secret = k8s.core.v1.Secret(
            f"{name}-api-key",
            metadata={"name": API_KEY_SECRET, "namespace": ns.metadata.name},
            type="Opaque",
            string_data={"api-key": pulumi.Output.secret(args.api_key)},
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider),
        )
        computed: dict[str, Any] = {
            "datadog": {
                "apiKeyExistingSecret": secret.metadata.name,
                "site": args.site,
                "clusterName": args.cluster_name,
                "tags": [f"env:{args.env}"],
            },
            "clusterAgent": {"enabled": args.cluster_agent},
        }
        self.release = helm_release(
            self,
            name,
            release="datadog",
            pin=args.chart,
            namespace=ns,
            values=args.values,
            computed=computed,
            provider=args.k8s_provider,
            depends_on=[secret],
        )
        self.register_outputs({"release": self.release.name})
