"""Every Helm chart and container image the platform installs, pinned here and nowhere else.

A bump is a reviewed one-line change: pyright, the tests and the offline plan
all read these constants. Versions were chosen in November 2026; none of them
can be resolved offline, so `helm show chart` each after a bump (see the
docs/platform.md).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartPin:
    """One chart at one exact version."""

    chart: str
    """Chart name in `repository`, or a full `oci://` reference when `repository` is None."""
    version: str
    """Exact chart version; never a range."""
    repository: str | None
    """HTTP(S) chart repository, or None for an OCI reference in `chart`."""


@dataclass(frozen=True)
class ImagePin:
    """One container image at one exact tag."""

    repository: str
    """Repository without the registry, e.g. `bitnamilegacy/pgpool`."""
    tag: str
    """Exact tag; never `latest`."""


CERT_MANAGER = ChartPin(chart="cert-manager", version="v1.21.0", repository="https://charts.jetstack.io")
EXTERNAL_DNS = ChartPin(
    chart="external-dns", version="1.21.0", repository="https://kubernetes-sigs.github.io/external-dns/"
)
# ingress-nginx was retired in March 2026 (no fixes since): Traefik replaces it.
TRAEFIK = ChartPin(chart="traefik", version="37.1.1", repository="https://traefik.github.io/charts")
# Bitnami serves charts only from OCI; the registry is overridable (platform:postgresql.chart).
POSTGRESQL_HA = ChartPin(
    chart="oci://registry-1.docker.io/bitnamicharts/postgresql-ha", version="16.3.2", repository=None
)
VELERO = ChartPin(chart="velero", version="12.0.0", repository="https://vmware-tanzu.github.io/helm-charts")
DATADOG = ChartPin(chart="datadog", version="3.140.0", repository="https://helm.datadoghq.com")

# Bitnami froze its versioned images under `bitnamilegacy` on 28 August 2025:
# these are the last tags published, and they receive no security fixes.
POSTGRESQL_REPMGR_IMAGE = ImagePin(repository="bitnamilegacy/postgresql-repmgr", tag="17.6.0-debian-12-r2")
PGPOOL_IMAGE = ImagePin(repository="bitnamilegacy/pgpool", tag="4.6.3-debian-12-r0")

# Velero 1.18 pairs with velero-plugin-for-aws 1.14 (the plugin's compatibility
# table); the plugin runs as an init container that copies itself into Velero.
VELERO_IMAGE = ImagePin(repository="velero/velero", tag="v1.18.0")
VELERO_AWS_PLUGIN_IMAGE = ImagePin(repository="velero/velero-plugin-for-aws", tag="v1.14.2")
VELERO_AWS_PLUGIN_FOR: dict[str, str] = {
    "v1.15": "v1.11",
    "v1.16": "v1.12",
    "v1.17": "v1.13",
    "v1.18": "v1.14",
}
"""Velero minor version to the velero-plugin-for-aws minor version built against it."""


def minor(tag: str) -> str:
    """`v1.18.0` -> `v1.18`."""
    return ".".join(tag.split(".")[:2])


RELEASES: dict[str, ChartPin] = {
    "cert-manager": CERT_MANAGER,
    "external-dns": EXTERNAL_DNS,
    "traefik": TRAEFIK,
    "postgresql-ha": POSTGRESQL_HA,
    "velero": VELERO,
    "datadog": DATADOG,
}
"""Release name to chart: also the folders of `config/values/`."""

# Karpenter (node autoscaling) ships its chart from Amazon ECR Public only.
# Its minor must support the cluster's Kubernetes minor (the compatibility
# matrix on karpenter.sh): check it with `helm show chart` on each bump, with
# KUBERNETES_VERSION in components/aws/eks_cluster.py.
KARPENTER = ChartPin(chart="oci://public.ecr.aws/karpenter/karpenter", version="1.8.1", repository=None)

# The logical dump's upload step (the dump itself runs in the pinned
# postgresql-repmgr image, whose pg_dumpall matches the server's major).
AWS_CLI_IMAGE = ImagePin(repository="amazon/aws-cli", tag="2.27.0")
