"""Components built directly from their typed arguments, outside any stack."""

import json
import re
from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.kubernetes.ingress import IngressController, IngressControllerArgs
from components.kubernetes.postgresql_ha import PostgresqlHa, PostgresqlHaArgs
from components.kubernetes.velero import check_plugin
from components.kubernetes.workload_role import trust_policy
from config.charts import (
    PGPOOL_IMAGE,
    POSTGRESQL_HA,
    POSTGRESQL_REPMGR_IMAGE,
    TRAEFIK,
    VELERO_AWS_PLUGIN_IMAGE,
    VELERO_IMAGE,
    ImagePin,
)
from offline.harness import PlanResult
from offline.plan import plan_config
from tests.conftest import stack_file

RELEASE = "kubernetes:helm.sh/v3:Release"


def run(program: Any) -> PlanResult:
    base = stack_file("staging")
    return plan_config(
        project="campus", stack="staging", config=base.config, secret_keys=base.secret_keys, program=program
    )


def provider() -> k8s.Provider:
    return k8s.Provider("kube", kubeconfig=pulumi.Output.secret("apiVersion: v1\nkind: Config\n"))


def test_trust_policy_names_one_service_account() -> None:
    doc = json.loads(
        trust_policy(
            "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-3.amazonaws.com/id/ABC",
            "https://oidc.eks.eu-west-3.amazonaws.com/id/ABC",
            "velero",
            "velero-server",
        )
    )
    (statement,) = doc["Statement"]
    assert statement["Condition"]["StringEquals"] == {
        "oidc.eks.eu-west-3.amazonaws.com/id/ABC:sub": "system:serviceaccount:velero:velero-server",
        "oidc.eks.eu-west-3.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
    }


def test_postgresql_ha_takes_its_sizes_and_waits_for_storage() -> None:
    def program() -> None:
        kube = provider()
        storage = k8s.storage.v1.StorageClass(
            "fast",
            metadata={"name": "fast"},
            provisioner="ebs.csi.aws.com",
            opts=pulumi.ResourceOptions(provider=kube),
        )
        PostgresqlHa(
            "db",
            PostgresqlHaArgs(
                chart=POSTGRESQL_HA,
                postgresql_image=POSTGRESQL_REPMGR_IMAGE,
                pgpool_image=PGPOOL_IMAGE,
                image_registry="registry.example.org",
                replicas=3,
                pgpool_replicas=2,
                storage_class="fast",
                storage_size="5Gi",
                postgres_password="a",
                replication_password="b",
                pgpool_admin_password="c",
                k8s_provider=kube,
                storage_ready=[storage],
                values={"postgresql": {"replicaCount": 9, "resourcesPreset": "large"}},
                namespace="db",
            ),
        )

    result = run(program)
    (release,) = result.of_type(RELEASE)
    values = cast(dict[str, Any], release.inputs["values"])
    assert release.inputs["namespace"] == "db"
    assert "repositoryOpts" not in release.inputs  # an OCI chart needs no repository
    # Computed values win over the environment file; the file's other keys stay.
    assert values["postgresql"]["replicaCount"] == 3
    assert values["postgresql"]["resourcesPreset"] == "large"
    assert values["persistence"]["storageClass"] == "fast"
    assert values["postgresql"]["image"]["registry"] == "registry.example.org"
    assert result.one("kubernetes:storage.k8s.io/v1:StorageClass", "fast").urn in release.depends_on
    component = result.one("campus:kubernetes:PostgresqlHa", "db")
    assert all(r.parent == component.urn for r in result.resources if r.name.startswith("db-"))


def test_ingress_controller_node_ports_are_its_arguments() -> None:
    def program() -> None:
        IngressController(
            "edge",
            IngressControllerArgs(
                chart=TRAEFIK,
                http_node_port=31080,
                https_node_port=31443,
                load_balancer_hostname="lb.example.org",
                k8s_provider=provider(),
            ),
        )

    result = run(program)
    values = cast(dict[str, Any], result.one(RELEASE, "edge-release").inputs["values"])
    assert (values["ports"]["web"]["nodePort"], values["ports"]["websecure"]["nodePort"]) == (31080, 31443)
    assert values["additionalArguments"] == [
        "--providers.kubernetesingress.ingressendpoint.hostname=lb.example.org"
    ]
    assert values["providers"]["kubernetesIngress"]["publishedService"] == {"enabled": False}
    assert "ingressEndpoint" not in values["providers"]["kubernetesIngress"]
    assert (
        result.one("kubernetes:core/v1:Namespace", "edge-namespace").inputs["metadata"]["name"] == "traefik"
    )


def test_pinned_velero_and_aws_plugin_are_compatible() -> None:
    check_plugin(VELERO_IMAGE, VELERO_AWS_PLUGIN_IMAGE)


def test_a_plugin_built_for_another_velero_is_refused() -> None:
    with pytest.raises(
        ValueError, match=re.escape("v1.13.1 does not match Velero v1.18.0; expected v1.14.x")
    ):
        check_plugin(VELERO_IMAGE, ImagePin(repository="velero/velero-plugin-for-aws", tag="v1.13.1"))
    with pytest.raises(ValueError, match=re.escape("no known velero-plugin-for-aws for Velero v2.0.0")):
        check_plugin(ImagePin(repository="velero/velero", tag="v2.0.0"), VELERO_AWS_PLUGIN_IMAGE)
