"""An IAM role one Kubernetes service account assumes through IRSA.

The nodes enforce IMDSv2 with a hop limit of 1, so pods cannot borrow the node
role: every chart that calls AWS gets a role of its own, trusted only for its
own service account in its own namespace, with an inline policy.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from components.kubernetes.access import ClusterAccess


def trust_policy(oidc_provider_arn: str, oidc_issuer_url: str, namespace: str, service_account: str) -> str:
    """Trust the cluster's OIDC provider for exactly one service account."""
    issuer = oidc_issuer_url.removeprefix("https://")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": oidc_provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                            f"{issuer}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        }
    )


def workload_role(
    parent: pulumi.Resource,
    name: str,
    *,
    cluster: ClusterAccess,
    namespace: str,
    service_account: str,
    statements: pulumi.Input[list[dict[str, Any]]],
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """The role (`{name}-role`) and its inline policy (`{name}-policy`), through `cluster`'s AWS provider.

    Both are returned because the release must wait for both: a role without
    its policy yet is assumable, and the chart's first calls would be denied.

    :raises ValueError: when `cluster` has no OIDC provider to trust (a tenant's).
    """
    oidc_provider_arn, oidc_issuer_url = cluster.irsa(f"service account {namespace}/{service_account}")
    provider = cluster.aws_provider
    assume = pulumi.Output.all(oidc_provider_arn, oidc_issuer_url).apply(
        lambda a: trust_policy(str(a[0]), str(a[1]), namespace, service_account)
    )
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=assume,
        description=f"IRSA role of {namespace}/{service_account}",
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
    policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
    return role, policy


def role_annotation(role: aws.iam.Role) -> dict[str, pulumi.Output[str]]:
    """The service-account annotation IRSA's webhook reads."""
    return {"eks.amazonaws.com/role-arn": role.arn}
