"""The cloud part: what `build_cloud` hands the platform, and the stack outputs."""

from dataclasses import FrozenInstanceError

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from config import load_current_stack
from offline.harness import SECRET, PlanResult
from offline.plan import plan_config
from stacks.cloud import CloudParts, build_cloud, record_key
from tests.conftest import Planner, stack_file


def test_build_cloud_returns_what_the_platform_builds_on() -> None:
    captured: list[CloudParts] = []

    def program() -> None:
        cfg = load_current_stack()
        assert cfg.cloud is not None
        parts = build_cloud(cfg, cfg.cloud)
        captured.append(parts)
        pulumi.export("oidcProviderArn", parts.cluster.oidc_provider_arn)
        pulumi.export("oidcIssuerUrl", parts.cluster.oidc_issuer_url)
        pulumi.export("partsClusterName", parts.cluster_name)
        pulumi.export("partsNlb", parts.nlb_dns_name)
        pulumi.export("storageReady", [r.urn for r in parts.cluster.storage_ready])
        pulumi.export("workloadsReady", [r.urn for r in parts.cluster.workloads_ready])

    base = stack_file("prod")
    result = plan_config(
        project=base.project, stack="prod", config=base.config, secret_keys=base.secret_keys, program=program
    )
    (parts,) = captured
    assert isinstance(parts.cluster.aws_provider, aws.Provider)
    assert isinstance(parts.cluster.k8s_provider, k8s.Provider)
    # The environment's chart values travel with the cluster, one mapping per release.
    assert parts.cluster.values_for("traefik")["deployment"]["replicas"] == 2
    assert parts.cluster.values_for("karpenter") == {}
    assert (parts.ingress_http_node_port, parts.ingress_https_node_port) == (30080, 30443)
    assert (parts.domain, parts.hosted_zone_id) == ("campus.reverse9.xyz", "Z0PRODCAMPUS000001")
    assert parts.storage_class_name == "gp3-encrypted"
    out = result.outputs
    oidc = result.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "prod-eks-oidc")
    assert out["oidcIssuerUrl"] == oidc.inputs["url"]
    assert out["oidcProviderArn"] == f"arn:aws:iam::123456789012:oidc-provider/{oidc.inputs['url'][8:]}"
    assert out["partsClusterName"] == "campus-prod"
    assert out["partsNlb"] == out["nlbDnsName"]
    storage_class = result.one("kubernetes:storage.k8s.io/v1:StorageClass", "prod-eks-gp3-encrypted")
    assert out["storageReady"] == [storage_class.urn]
    ebs = result.one("aws:eks/addon:Addon", "prod-eks-aws-ebs-csi-driver")
    assert ebs.urn in storage_class.depends_on  # so waiting on the class waits on the driver too
    node_group = result.one("aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes")
    coredns = result.one("aws:eks/addon:Addon", "prod-eks-coredns")
    assert out["workloadsReady"] == [node_group.urn, coredns.urn]
    with pytest.raises(FrozenInstanceError):  # the platform cannot rewire the cloud
        setattr(parts, "domain", "other")  # noqa: B010
    with pytest.raises(FrozenInstanceError):  # nor a component the cluster it was handed
        setattr(parts.cluster, "k8s_provider", None)  # noqa: B010


@pytest.mark.parametrize("stack", ["staging-dedicated", "prod"])
def test_stack_outputs(plan: Planner, stack: str) -> None:
    result: PlanResult = plan(stack)
    stack = result.stack
    out = result.outputs
    assert out["vpcId"].startswith("vpc-")
    zones = 3 if stack == "prod" else 2
    assert len(out["publicSubnetIds"]) == len(out["privateSubnetIds"]) == zones
    assert out["clusterName"] == f"campus-{stack}"
    assert out["clusterEndpoint"].startswith("https://") and ".eks.amazonaws.com" in out["clusterEndpoint"]
    assert out["kubeconfig"] == SECRET
    assert out["nlbDnsName"].endswith(".elb.eu-west-3.amazonaws.com")


RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"


def test_every_release_waits_for_the_nodes_and_coredns(plan: Planner) -> None:
    result = plan("prod")
    by_urn = result.by_urn()
    needed = {
        result.one("aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes").urn,
        result.one("aws:eks/addon:Addon", "prod-eks-coredns").urn,
    }
    releases = result.of_type(RELEASE)
    assert len(releases) == 7  # six platform releases and Karpenter
    for release in releases:
        namespaces = [by_urn[u] for u in release.dependencies if by_urn[u].type == NAMESPACE]
        reached = {*release.dependencies, *(u for ns in namespaces for u in ns.dependencies)}
        assert needed <= reached, release.name


def test_record_keys_are_stable_names() -> None:
    assert [record_key(r) for r in ["@", "*", "api", "*.apps", "a.b"]] == [
        "apex",
        "wildcard",
        "api",
        "wildcard-apps",
        "a-b",
    ]


def test_the_host_exports_what_its_tenants_read_and_nothing_secret(plan: Planner) -> None:
    out = plan("prod").outputs
    cluster = out["cluster"]
    assert set(cluster) == {
        "name",
        "endpoint",
        "certificateAuthority",
        "oidcProviderArn",
        "oidcIssuerUrl",
        "storageClass",
        "region",
        "nlbDnsName",
        "nlbZoneId",
    }
    assert SECRET not in cluster.values()
    staging = out["tenants"]["staging"]
    assert staging["namespaces"] == ["staging"] and staging["dumpPrefix"] == "pg-dumps/staging"
    assert staging["dumpRoleArn"].startswith("arn:aws:iam::123456789012:role/")
