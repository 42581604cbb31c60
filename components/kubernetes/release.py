"""The namespace + Helm release pair every platform service starts with."""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from config.charts import ChartPin
from config.values import deep_merge

HELM_TIMEOUT_SECONDS = 900
"""How long Helm waits for a release's workloads to become ready."""


def namespace(
    parent: pulumi.Resource,
    name: str,
    *,
    namespace: str,
    cluster: ClusterAccess,
    protect: bool = False,
) -> k8s.core.v1.Namespace:
    """The namespace a service owns, named explicitly so the charts' names stay predictable.

    It depends on the cluster's `workloads_ready` (nodes, CoreDNS): the
    release reads the namespace's name, so it waits for them too, and Helm's
    wait does not start on a cluster with nowhere to run its pods.
    """
    return k8s.core.v1.Namespace(
        f"{name}-namespace",
        metadata={
            "name": namespace,
            "labels": {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "campus"},
        },
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=cluster.k8s_provider,
            depends_on=list(cluster.workloads_ready),
            protect=protect,
        ),
    )


def helm_release(
    parent: pulumi.Resource,
    name: str,
    *,
    release: str,
    pin: ChartPin,
    namespace: k8s.core.v1.Namespace | str,
    cluster: ClusterAccess,
    computed: Mapping[str, Any],
    depends_on: Sequence[pulumi.Resource] = (),
    chart: str | None = None,
    protect: bool = False,
) -> k8s.helm.v3.Release:
    """A Helm release at its pinned chart version, in `namespace`.

    The environment's values of `release` (`cluster.values_for(release)`,
    from config/values/<release>/<stack>.yaml) come first; `computed` are
    merged over them, so a values file can tune a chart but never redirect its
    roles, Secrets, ports or domains.

    `helm.v3.Release` rather than `helm.v4.Chart`: Helm itself runs the
    charts' hooks (cert-manager's startup check, Velero's CRD upgrade job),
    which a local render drops.
    """
    return k8s.helm.v3.Release(
        f"{name}-release",
        name=release,
        chart=chart or pin.chart,
        version=pin.version,
        repository_opts={"repo": pin.repository} if pin.repository is not None else None,
        # A tenant deploys into a namespace its host made: then only its name is known here.
        namespace=namespace if isinstance(namespace, str) else namespace.metadata.name,
        values=deep_merge(dict(cluster.values_for(release)), dict(computed)),
        atomic=True,
        cleanup_on_fail=True,
        max_history=5,
        timeout=HELM_TIMEOUT_SECONDS,
        opts=pulumi.ResourceOptions(
            parent=parent, provider=cluster.k8s_provider, depends_on=list(depends_on), protect=protect
        ),
    )
