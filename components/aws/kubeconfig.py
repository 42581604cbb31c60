"""A kubeconfig for an EKS cluster whose user runs `aws eks get-token`."""

import json


def kubeconfig(*, endpoint: str, certificate_authority: str, cluster_name: str, region: str) -> str:
    """Kubeconfig (JSON) for one EKS cluster.

    The user holds no credential: each call runs `aws eks get-token`, so the
    token is short-lived and comes from whoever runs Pulumi (a person's SSO
    session or the CI role), matched to an access entry by EKS.
    """
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority},
                }
            ],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster_name,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                            "interactiveMode": "Never",
                        }
                    },
                }
            ],
        }
    )
