"""`ClusterAccess`: how every Kubernetes component reaches the cluster it is declared on.

Each component in this folder needs the same few things from its cluster: the
Kubernetes provider its children go through, the AWS provider for what it
makes beside its release (IRSA roles, a bucket), the cluster's IAM OIDC
provider to trust, what must exist before anything is scheduled, and the
environment's chart values. The stack builds them into one `ClusterAccess`
once (`stacks/cloud.py` from its own cluster, `stacks/tenant.py` from its
host's outputs) and hands that to every component as `cluster`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class ClusterAccess:
    """The cluster a Kubernetes component is declared on, and the stack's ways to reach it.

    Only `k8s_provider` and `aws_provider` are required: a component built
    directly (in a test) on a cluster already running needs nothing else.
    """

    k8s_provider: k8s.Provider
    """The cluster's Kubernetes provider: every Kubernetes resource of a component goes through it."""
    aws_provider: aws.Provider
    """The stack's AWS provider: the IAM roles, buckets and keys a component makes beside its release."""
    oidc_provider_arn: pulumi.Input[str] | None = None
    """ARN of the cluster's IAM OIDC provider, which IRSA roles trust. Default None: a tenant
    has none (IRSA roles on its host's cluster are the host's to make); set with `oidc_issuer_url`."""
    oidc_issuer_url: pulumi.Input[str] | None = None
    """Issuer URL of the cluster's service-account tokens (`https://oidc.eks...`). Default None,
    as `oidc_provider_arn`."""
    workloads_ready: Sequence[pulumi.Resource] = ()
    """What must exist before anything is scheduled (the cluster's nodes and CoreDNS): every
    namespace a component creates, so every release in it, depends on it. Default () (a cluster
    already running, or a tenant's, whose namespaces the host made)."""
    storage_ready: Sequence[pulumi.Resource] = ()
    """What must exist before a PersistentVolumeClaim can bind (the EBS CSI driver and the gp3
    StorageClass): a release with volumes depends on it. Default () (a cluster already running)."""
    release_values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict[str, Mapping[str, Any]])
    """The environment's chart values by release name (`config/values/<release>/<stack>.yaml`,
    loaded and checked by `config/`); a component's computed values are merged over them.
    Default {} (every release with its chart's and the program's values only)."""

    def __post_init__(self) -> None:
        if (self.oidc_provider_arn is None) != (self.oidc_issuer_url is None):
            raise ValueError(
                "ClusterAccess: oidc_provider_arn and oidc_issuer_url go together (IRSA needs both)"
            )

    def values_for(self, release: str) -> Mapping[str, Any]:
        """The environment's values of one release, {} when it has none."""
        return self.release_values.get(release, {})

    def irsa(self, user: str) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
        """The OIDC provider ARN and issuer URL an IRSA role of `user` trusts.

        :raises ValueError: when this cluster access has no OIDC provider (a tenant's).
        """
        if self.oidc_provider_arn is None or self.oidc_issuer_url is None:
            raise ValueError(
                f"{user} needs an IRSA role, and this ClusterAccess has no OIDC provider "
                "(a tenant's: its host makes the roles on its cluster)"
            )
        return self.oidc_provider_arn, self.oidc_issuer_url
