"""Components built directly from their typed arguments, outside any stack."""

import json
import re
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from components.kubernetes.access import ClusterAccess
from components.kubernetes.cert_manager import CertManager, CertManagerArgs
from components.kubernetes.ingress import IngressController, IngressControllerArgs
from components.kubernetes.postgresql_ha import PostgresqlHa, PostgresqlHaArgs
from components.kubernetes.velero import check_plugin
from components.kubernetes.workload_role import trust_policy, workload_role
from config.charts import (
    CERT_MANAGER,
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


def access(kube: k8s.Provider | None = None, **fields: Any) -> ClusterAccess:
    """A ClusterAccess on a test cluster, with an AWS provider of its own."""
    return ClusterAccess(
        k8s_provider=kube or provider(),
        aws_provider=aws.Provider("cloud", region="eu-west-3"),
        **fields,
    )


OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-3.amazonaws.com/id/ABC"
OIDC_URL = "https://oidc.eks.eu-west-3.amazonaws.com/id/ABC"


def test_values_for_a_release_without_values_is_empty() -> None:
    values = {"traefik": {"deployment": {"replicas": 2}}}
    cluster = ClusterAccess(
        k8s_provider=cast(k8s.Provider, None), aws_provider=cast(aws.Provider, None), release_values=values
    )
    assert cluster.values_for("traefik") == {"deployment": {"replicas": 2}}
    assert cluster.values_for("velero") == {}
    assert (
        ClusterAccess(
            k8s_provider=cast(k8s.Provider, None), aws_provider=cast(aws.Provider, None)
        ).values_for("traefik")
        == {}
    )


def test_the_oidc_provider_comes_whole_or_not_at_all() -> None:
    none = cast(Any, None)
    with pytest.raises(ValueError, match="oidc_provider_arn and oidc_issuer_url go together"):
        ClusterAccess(k8s_provider=none, aws_provider=none, oidc_provider_arn=OIDC_ARN)
    tenant = ClusterAccess(k8s_provider=none, aws_provider=none)
    with pytest.raises(ValueError, match="service account velero/velero-server needs an IRSA role"):
        tenant.irsa("service account velero/velero-server")
    host = ClusterAccess(
        k8s_provider=none, aws_provider=none, oidc_provider_arn=OIDC_ARN, oidc_issuer_url=OIDC_URL
    )
    assert host.irsa("cert-manager") == (OIDC_ARN, OIDC_URL)


def test_a_component_puts_its_children_on_the_cluster_s_providers_and_waits_for_it() -> None:
    def program() -> None:
        kube = provider()
        nodes = pulumi.CustomResource("test:index:Nodes", "nodes")
        CertManager(
            "certs",
            CertManagerArgs(
                cluster=access(
                    kube,
                    oidc_provider_arn=OIDC_ARN,
                    oidc_issuer_url=OIDC_URL,
                    workloads_ready=[nodes],
                    release_values={"cert-manager": {"replicaCount": 2}, "velero": {"x": 1}},
                ),
                chart=CERT_MANAGER,
                acme_email="ops@example.org",
                region="eu-west-3",
                hosted_zone_id="Z1",
                domain="example.org",
            ),
        )

    result = run(program)
    kube = result.one("pulumi:providers:kubernetes", "kube")
    cloud = result.one("pulumi:providers:aws", "cloud")
    component = result.one("campus:kubernetes:CertManager", "certs")
    children = result.children(component.urn)
    assert {r.type.split(":")[0] for r in children} == {"kubernetes", "aws"}
    for child in children:
        expected = kube if child.type.startswith("kubernetes:") else cloud
        assert child.provider is not None and child.provider.startswith(expected.urn + "::"), child.name
    namespace = result.one("kubernetes:core/v1:Namespace", "certs-namespace")
    assert namespace.depends_on == [result.one("test:index:Nodes", "nodes").urn]
    release = result.one(RELEASE, "certs-release")
    values = cast(dict[str, Any], release.inputs["values"])
    assert values["replicaCount"] == 2  # its own release's values, not another's
    assert "x" not in values
    role = result.one("aws:iam/role:Role", "certs-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Federated": OIDC_ARN}


def test_a_tenant_s_cluster_access_makes_no_irsa_role() -> None:
    def program() -> None:
        tenant = access()
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        workload_role(
            parent, "dump", cluster=tenant, namespace="staging", service_account="pg-dump", statements=[]
        )

    with pytest.raises(ValueError, match="service account staging/pg-dump needs an IRSA role"):
        run(program)


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
                cluster=access(
                    kube,
                    storage_ready=[storage],
                    release_values={
                        "postgresql-ha": {"postgresql": {"replicaCount": 9, "resourcesPreset": "large"}}
                    },
                ),
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
    kube = result.one("pulumi:providers:kubernetes", "kube")
    assert all(
        r.provider is not None and r.provider.startswith(kube.urn + "::")
        for r in result.children(component.urn)
    )


def test_ingress_controller_node_ports_are_its_arguments() -> None:
    def program() -> None:
        IngressController(
            "edge",
            IngressControllerArgs(
                cluster=access(),
                chart=TRAEFIK,
                http_node_port=31080,
                https_node_port=31443,
                load_balancer_hostname="lb.example.org",
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
