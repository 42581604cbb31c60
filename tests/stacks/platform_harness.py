"""Plan the platform part on its own, with the cloud part stood in for.

The AWS baseline (stacks/cloud.py) hands the platform a `CloudParts`; until it
is wired in, these helpers build one from real providers, a real gp3
StorageClass and the Outputs the baseline would produce, inside a program run
by `plan_config`, so everything is recorded exactly as in the offline plan.
"""

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from config import load_current_stack
from stacks.cloud import CloudParts
from stacks.harness import PlanResult
from stacks.plan import plan_config
from stacks.platform import build_platform
from stacks.providers import aws_provider
from tests.conftest import stack_file, with_changes

HTTP_NODE_PORT = 30080
HTTPS_NODE_PORT = 30443
ACCOUNT_ID = "123456789012"
OIDC_ID = "5E1B2C3D4A5F60718293A4B5C6D7E8F9"


def domain_of(stack: str) -> str:
    """The stand-in domain of a stack."""
    return f"{stack}.campus.reverse9.xyz"


def zone_of(stack: str) -> str:
    """The stand-in hosted zone id of a stack."""
    return f"Z0{stack.upper()}EXAMPLE42"


def cloud_parts() -> CloudParts:
    """What the baseline would hand over, for the running stack's configuration."""
    cfg = load_current_stack()
    assert cfg.cloud is not None
    stack = cfg.stack
    region = cfg.cloud.region
    provider = aws_provider(f"{stack}-aws", cfg.cloud, project=cfg.project, stack=stack)
    issuer = f"https://oidc.eks.{region}.amazonaws.com/id/{OIDC_ID}"
    kube = k8s.Provider(f"{stack}-eks", kubeconfig=pulumi.Output.secret("apiVersion: v1\nkind: Config\n"))
    gp3 = k8s.storage.v1.StorageClass(
        f"{stack}-gp3",
        metadata={"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        provisioner="ebs.csi.aws.com",
        parameters={"type": "gp3", "encrypted": "true"},
        volume_binding_mode="WaitForFirstConsumer",
        allow_volume_expansion=True,
        reclaim_policy="Retain",
        opts=pulumi.ResourceOptions(provider=kube),
    )
    return CloudParts(
        aws_provider=provider,
        k8s_provider=kube,
        cluster_name=pulumi.Output.from_input(f"campus-{stack}"),
        oidc_provider_arn=pulumi.Output.from_input(
            f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer.removeprefix('https://')}"
        ),
        oidc_issuer_url=pulumi.Output.from_input(issuer),
        storage_class_name="gp3",
        storage_ready=gp3,
        workloads_ready=(),
        ingress_http_node_port=HTTP_NODE_PORT,
        ingress_https_node_port=HTTPS_NODE_PORT,
        nlb_dns_name=pulumi.Output.from_input(
            f"campus-{stack}-nlb-0123456789abcdef.elb.{region}.amazonaws.com"
        ),
        hosted_zone_id=zone_of(stack),
        domain=domain_of(stack),
    )


def platform_program() -> None:
    """The platform part of the running stack over the stand-in cloud part."""
    cfg = load_current_stack()
    assert cfg.platform is not None, "the stack's platform part is disabled"
    build_platform(cfg, cfg.platform, cloud_parts())


def plan_platform(
    stack: str = "staging",
    set_: Mapping[str, Any] | None = None,
    unset: tuple[str, ...] = (),
    secrets: tuple[str, ...] = (),
) -> PlanResult:
    """Plan a committed stack's platform part, optionally with configuration changes.

    :param secrets: keys of `set_` to mark secret, as `pulumi config set --secret` would.
    """
    base = stack_file(stack)
    return plan_config(
        project=base.project,
        stack=stack,
        config=with_changes(base, set_, unset),
        secret_keys=[*base.secret_keys, *secrets],
        program=platform_program,
    )
