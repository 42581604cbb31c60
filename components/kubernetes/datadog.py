"""The Datadog agent and cluster agent, the API key from a Pulumi secret."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from config.charts import ChartPin

API_KEY_SECRET = "datadog-api-key"
"""Secret holding the key under `api-key`, the name the chart reads."""

NAMESPACE = "datadog"
"""Namespace of the agents (`DatadogArgs.namespace`'s default): a tenant's network policy admits it."""

POSTGRES_PORT = 5432
"""Port the Postgres check connects to on each PostgreSQL pod."""

SERVICE_CHECKS_ANNOTATION = "ad.datadoghq.com/service.checks"
"""Annotation of a Service whose check configurations the cluster agent's `kube_services`
provider reads and dispatches as cluster checks (datadog-agent
comp/core/autodiscovery/listeners/kube_services.go, `isServiceAnnotated`)."""

ENV_LABEL = "tags.datadoghq.com/env"
"""Standard label the agent turns into the `env` tag of what it collects for an object."""


@dataclass(frozen=True)
class DatadogArgs:
    """Inputs of `Datadog`."""

    cluster: ClusterAccess
    """The cluster it is installed on (its provider, readiness, the release's values)."""
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
    namespace: str = NAMESPACE
    """Namespace the program creates for the release. Default `datadog`."""
    http_checks: Sequence[str] = ()
    """Addresses probed from inside the cluster by Datadog's HTTP check (availability and
    certificate expiry of the application's hosts). Default ()."""
    readable_secrets: Mapping[str, Sequence[str]] = field(default_factory=dict[str, Sequence[str]])
    """Secrets the agents may read, by namespace, for `ENC[k8s_secret@...]` handles in check
    configurations (e.g. the database password). Only these: the chart's default would let the
    agents read every Secret of the cluster. Default {} (no secret backend)."""
    secrets_ready: Sequence[pulumi.Resource] = ()
    """The Secrets of `readable_secrets`, or the Namespace of one another stack declares (a tenant's):
    the release, which writes a Role in each namespace, waits for them. Default ()."""


def http_check_instances(urls: Sequence[str], env: str) -> list[dict[str, Any]]:
    """One HTTP check instance per address: can it connect, how long, days left on its certificate.

    4xx counts as reachable (the ingress answered; `/` of an API may well be a
    404); 5xx and timeouts do not.
    """
    return [
        {
            "name": url,
            "url": url,
            "timeout": 10,
            "http_response_status_code": "[1-4]\\d\\d",
            "check_certificate_expiration": True,
            "tags": [f"env:{env}"],
        }
        for url in urls
    ]


def http_check_config(urls: Sequence[str], env: str, *, cluster_check: bool) -> str:
    """`http_check.yaml` probing each address (`http_check_instances`).

    As a cluster check the cluster agent runs it once for the cluster instead of
    once per node.
    """
    config: dict[str, Any] = {"init_config": {}, "instances": http_check_instances(urls, env)}
    if cluster_check:
        config["cluster_check"] = True
    return yaml.safe_dump(config, sort_keys=False)


def traefik_check_annotations(
    env: str, *, container: str = "traefik", metrics_port: int = 9100
) -> dict[str, str]:
    """Autodiscovery annotations running Datadog's `traefik_mesh` check on Traefik's Prometheus metrics.

    The check also reads Traefik proxy metrics (integrations-core
    traefik_mesh/datadog_checks/traefik_mesh/metrics.py maps
    `traefik_entrypoint_*`). Histogram buckets become a distribution, so p95
    latency can be queried; `.count`/`.sum` are kept with it.
    """
    checks: dict[str, Any] = {
        "traefik_mesh": {
            "init_config": {},
            "instances": [
                {
                    "openmetrics_endpoint": f"http://%%host%%:{metrics_port}/metrics",
                    "histogram_buckets_as_distributions": True,
                    "collect_counters_with_distributions": True,
                    "tags": [f"env:{env}"],
                }
            ],
        }
    }
    return {f"ad.datadoghq.com/{container}.checks": json.dumps(checks, sort_keys=True)}


def postgres_check_annotations(
    env: str, *, namespace: str, secret: str, key: str, container: str = "postgresql"
) -> dict[str, str]:
    """Autodiscovery annotations running Datadog's Postgres check on each PostgreSQL pod.

    The check reports `postgresql.replication_delay` from a standby. The password
    is an `ENC[k8s_secret@<namespace>/<secret>/<key>]` handle the agent resolves
    through its secret backend (`readable_secrets`): it never appears in an
    annotation, a value or the state.
    """
    checks: dict[str, Any] = {
        "postgres": {
            "init_config": {},
            "instances": [
                {
                    "host": "%%host%%",
                    "port": POSTGRES_PORT,
                    "username": "postgres",
                    "password": f"ENC[k8s_secret@{namespace}/{secret}/{key}]",
                    "dbname": "postgres",
                    "tags": [f"env:{env}"],
                }
            ],
        }
    }
    return {f"ad.datadoghq.com/{container}.checks": json.dumps(checks, sort_keys=True)}


@dataclass(frozen=True)
class HttpCheckServiceArgs:
    """Inputs of `HttpCheckService`."""

    urls: Sequence[str]
    """Addresses to probe (the tenant's application hosts)."""
    env: str
    """`env` tag of the check's metrics (the tenant's stack)."""
    namespace: pulumi.Input[str]
    """The tenant's namespace; the metrics carry `kube_namespace:<it>`."""
    cluster: ClusterAccess
    """The host's cluster as the tenant reaches it (its Kubernetes provider)."""
    name: str = "datadog-http-checks"
    """Name of the Service. Default `datadog-http-checks`."""


class HttpCheckService(pulumi.ComponentResource):
    """A tenant's HTTP checks, run by its host's Datadog cluster agent.

    A tenant cannot run agents (cluster-wide objects). It declares a headless
    Service without selector, so without endpoints, whose annotation carries the
    HTTP check instances; the host's cluster agent (cluster checks on) reads
    annotated Services cluster-wide and dispatches each check once, without a
    host name, adding the Service's `kube_namespace`, `kube_service` and its
    `tags.datadoghq.com/env` label as `env` (datadog-agent
    comp/core/autodiscovery/listeners/kube_services.go `processService`,
    listeners/common.go `getStandardTags`, configresolver.go `Resolve`).
    """

    service: k8s.core.v1.Service
    """The annotated Service."""

    def __init__(
        self, name: str, args: HttpCheckServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("campus:kubernetes:HttpCheckService", name, None, opts)
        checks: dict[str, Any] = {
            "http_check": {"init_config": {}, "instances": http_check_instances(args.urls, args.env)}
        }
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={
                "name": args.name,
                "namespace": args.namespace,
                "labels": {"app.kubernetes.io/managed-by": "pulumi", ENV_LABEL: args.env},
                "annotations": {SERVICE_CHECKS_ANNOTATION: json.dumps(checks, sort_keys=True)},
            },
            # Headless and without selector: no cluster IP, no endpoints, nothing routed to it.
            spec={"cluster_ip": "None", "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]},
            opts=pulumi.ResourceOptions(parent=self, provider=args.cluster.k8s_provider),
        )
        self.register_outputs({"service": self.service.metadata.name})


class Datadog(pulumi.ComponentResource):
    """The API key Secret and the Datadog release reading it."""

    release: k8s.helm.v3.Release
    """The Helm release."""

    def __init__(self, name: str, args: DatadogArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:Datadog", name, None, opts)
        ns = namespace(self, name, namespace=args.namespace, cluster=args.cluster)
        secret = k8s.core.v1.Secret(
            f"{name}-api-key",
            metadata={"name": API_KEY_SECRET, "namespace": ns.metadata.name},
            type="Opaque",
            string_data={"api-key": pulumi.Output.secret(args.api_key)},
            opts=pulumi.ResourceOptions(parent=self, provider=args.cluster.k8s_provider),
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
        if args.readable_secrets:
            computed["datadog"]["secretBackend"] = {
                # The agent image's helper reads `ENC[k8s_secret@ns/name/key]` through the API.
                "command": "/readsecret_multiple_providers.sh",
                "enableGlobalPermissions": False,
                "roles": [
                    {"namespace": ns_name, "secrets": list(names)}
                    for ns_name, names in sorted(args.readable_secrets.items())
                ],
            }
        if args.http_checks:
            conf = {
                "http_check.yaml": http_check_config(
                    args.http_checks, args.env, cluster_check=args.cluster_agent
                )
            }
            if args.cluster_agent:
                computed["datadog"]["clusterChecks"] = {"enabled": True}
                computed["clusterAgent"]["confd"] = conf
            else:
                computed["datadog"]["confd"] = conf
        self.release = helm_release(
            self,
            name,
            release="datadog",
            pin=args.chart,
            namespace=ns,
            cluster=args.cluster,
            computed=computed,
            depends_on=[secret, *args.secrets_ready],
        )
        self.register_outputs({"release": self.release.name})
