"""EksCluster: endpoint access, encryption, access entries, add-on order, nodes, storage, provider."""

import json
import runpy
from collections.abc import Mapping
from typing import Any

import kubernetes_validate
import pulumi
import pytest

from components.aws.eks_cluster import KUBERNETES_VERSION
from components.aws.kubeconfig import kubeconfig
from config import ConfigError
from offline.harness import ROOT, SECRET, PlanResult
from offline.mocks.registry import CALLS, Context
from offline.plan import plan_config, plan_stack
from tests.conftest import Planner, dedicated_staging_changes, stack_file, with_changes

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
ADDON = "aws:eks/addon:Addon"
KMS_KEY = "aws:kms/key:Key"


def cluster(result: PlanResult) -> dict[str, Any]:
    return result.one(CLUSTER, f"{result.stack}-eks-cluster").inputs


def test_cluster_runs_the_pinned_version_with_api_access_entries(prod: PlanResult) -> None:
    inputs = cluster(prod)
    assert inputs["version"] == KUBERNETES_VERSION
    assert inputs["name"] == "campus-prod"
    assert inputs["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": False,
    }
    assert inputs["bootstrapSelfManagedAddons"] is False


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_secrets_are_encrypted_with_a_rotating_kms_key(request: pytest.FixtureRequest, stack: str) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    encryption = cluster(result)["encryptionConfig"]
    key = result.one(KMS_KEY, f"{stack}-eks-key")
    assert encryption["resources"] == ["secrets"]
    assert encryption["provider"]["keyArn"].startswith("arn:aws:kms:eu-west-3:123456789012:key/")
    assert key.inputs["enableKeyRotation"] is True
    assert key.urn in result.one(CLUSTER, f"{stack}-eks-cluster").dependencies
    key_use = result.one("aws:iam/rolePolicy:RolePolicy", f"{stack}-eks-cluster-encryption")
    statement = json.loads(key_use.inputs["policy"])["Statement"][0]
    assert statement["Resource"] == encryption["provider"]["keyArn"]
    assert {"kms:Encrypt", "kms:Decrypt"} <= set(statement["Action"])
    assert key_use.urn in result.one(CLUSTER, f"{stack}-eks-cluster").depends_on


def test_prod_public_endpoint_is_restricted_and_private_endpoint_on(prod: PlanResult) -> None:
    vpc = cluster(prod)["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"], "prod must list the CIDRs that may reach its public endpoint"
    assert "0.0.0.0/0" not in vpc["publicAccessCidrs"]


def test_prod_refuses_an_endpoint_open_to_the_internet(plan: Planner) -> None:
    base = json.loads(stack_file("prod").config["cloud:cluster"])
    with pytest.raises(ConfigError) as err:
        plan("prod", set_={"cloud:cluster": {**base, "publicAccessCidrs": ["0.0.0.0/0"]}})
    assert "cloud:cluster.publicAccessCidrs" in str(err.value)
    assert "0.0.0.0/0" in str(err.value)


def test_staging_may_open_its_endpoint_and_no_cidrs_turn_it_off(plan: Planner, staging: PlanResult) -> None:
    assert cluster(staging)["vpcConfig"]["publicAccessCidrs"] == ["0.0.0.0/0"]
    base = dict(dedicated_staging_changes()["cloud:cluster"])
    closed = plan(
        "staging-dedicated",
        set_={"cloud:cluster": {**base, "publicAccessCidrs": [], "ciRunner": {"inVpc": True}}},
    )
    vpc = cluster(closed)["vpcConfig"]
    assert vpc["endpointPublicAccess"] is False and vpc["endpointPrivateAccess"] is True
    assert "publicAccessCidrs" not in vpc


def test_control_plane_logs_go_to_a_retained_encrypted_group(prod: PlanResult) -> None:
    assert cluster(prod)["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    group = prod.one("aws:cloudwatch/logGroup:LogGroup", "prod-eks-logs")
    assert group.inputs["name"] == "/aws/eks/campus-prod/cluster"
    assert group.inputs["retentionInDays"] == 365
    assert group.inputs["kmsKeyId"] == cluster(prod)["encryptionConfig"]["provider"]["keyArn"]
    assert group.urn in prod.one(CLUSTER, "prod-eks-cluster").depends_on


def test_admins_and_ci_identity_get_access_entries(staging: PlanResult) -> None:
    config = dict(dedicated_staging_changes()["cloud:cluster"])
    expected = {*config["adminArns"], config["ciPrincipalArn"]}
    # Karpenter's nodes join through an EC2_LINUX entry of their own role: not an administrator.
    entries = [
        e for e in staging.of_type("aws:eks/accessEntry:AccessEntry") if e.inputs["type"] == "STANDARD"
    ]
    policies = staging.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert {e.inputs["principalArn"] for e in entries} == expected
    assert {p.inputs["principalArn"] for p in policies} == expected
    for association in policies:
        assert association.inputs["policyArn"].endswith("cluster-access-policy/AmazonEKSClusterAdminPolicy")
        assert association.inputs["accessScope"] == {"type": "cluster"}
    ci = staging.one(
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "staging-eks-admin-campus-ci-deployer"
    )
    provider = staging.one("pulumi:providers:kubernetes", "staging-eks-k8s")
    assert ci.urn in provider.depends_on, "the Kubernetes provider must wait for CI's access"


def test_addons_are_ordered_around_the_node_group(prod: PlanResult) -> None:
    urn = {r.inputs["addonName"]: r.urn for r in prod.of_type(ADDON)}
    assert set(urn) == {
        "vpc-cni",
        "kube-proxy",
        "eks-pod-identity-agent",
        "coredns",
        "aws-ebs-csi-driver",
        "metrics-server",
    }
    nodes = prod.one(NODE_GROUP, "prod-eks-nodes")
    assert {urn["vpc-cni"], urn["eks-pod-identity-agent"], urn["kube-proxy"]} <= set(nodes.depends_on)
    for late in ("coredns", "aws-ebs-csi-driver", "metrics-server"):
        assert nodes.urn in prod.by_urn()[urn[late]].depends_on
    ebs = prod.by_urn()[urn["aws-ebs-csi-driver"]]
    assert urn["eks-pod-identity-agent"] in ebs.depends_on
    (association,) = ebs.inputs["podIdentityAssociations"]
    assert association["serviceAccount"] == "ebs-csi-controller-sa"
    role = prod.one("aws:iam/role:Role", "prod-eks-ebs-csi")
    assert "pods.eks.amazonaws.com" in role.inputs["assumeRolePolicy"]
    policy = prod.one(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "prod-eks-ebs-csi-AmazonEBSCSIDriverPolicy"
    )
    assert policy.inputs["policyArn"].endswith("service-role/AmazonEBSCSIDriverPolicy")


def test_addon_versions_are_the_default_builds_for_the_pinned_kubernetes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[dict[str, Any]] = []
    token = "aws:eks/getAddonVersion:getAddonVersion"
    real = CALLS[token]

    def recording(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
        asked.append(dict(args))
        answer = real(ctx, args)
        return {**answer, "version": f"v0.0.{len(asked)}-{args['addonName']}"}

    monkeypatch.setitem(CALLS, token, recording)
    result = plan_stack("prod")
    assert {a["addonName"] for a in asked} == {a.inputs["addonName"] for a in result.of_type(ADDON)}
    # The default build for the cluster's pinned version, never the newest one.
    assert {(a["kubernetesVersion"], a.get("mostRecent", False)) for a in asked} == {
        (KUBERNETES_VERSION, False)
    }
    answers = {f"v0.0.{i}-{a['addonName']}" for i, a in enumerate(asked, 1)}
    for addon in result.of_type(ADDON):
        version = addon.inputs["addonVersion"]
        assert version in answers and version.endswith(f"-{addon.inputs['addonName']}")


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_node_group_uses_only_private_subnets(request: pytest.FixtureRequest, stack: str) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    nodes = result.one(NODE_GROUP, f"{stack}-eks-nodes").inputs
    assert nodes["subnetIds"] == result.outputs["privateSubnetIds"]
    assert not set(nodes["subnetIds"]) & set(result.outputs["publicSubnetIds"])
    assert cluster(result)["vpcConfig"]["subnetIds"] == result.outputs["privateSubnetIds"]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(
    request: pytest.FixtureRequest, stack: str
) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    template = result.one("aws:ec2/launchTemplate:LaunchTemplate", f"{stack}-eks-nodes").inputs
    assert template["metadataOptions"]["httpTokens"] == "required"
    assert template["metadataOptions"]["httpPutResponseHopLimit"] == 1
    (root,) = template["blockDeviceMappings"]
    assert root["ebs"]["encrypted"] == "true" and root["ebs"]["volumeType"] == "gp3"
    nodes = result.one(NODE_GROUP, f"{stack}-eks-nodes").inputs
    assert nodes["launchTemplate"]["id"].startswith("lt-")


def test_node_group_sizes_and_capacity_follow_the_stack(
    staging: PlanResult, prod: PlanResult, plan: Planner
) -> None:
    big = prod.one(NODE_GROUP, "prod-eks-nodes").inputs
    small = staging.one(NODE_GROUP, "staging-eks-nodes").inputs
    base = dict(dedicated_staging_changes()["cloud:cluster"])
    # Prod's group only runs the system pods (Karpenter runs the rest): small, Graviton, on-demand.
    assert big["instanceTypes"] == ["t4g.small"] and big["capacityType"] == "ON_DEMAND"
    assert big["amiType"] == "AL2023_ARM_64_STANDARD"
    assert big["scalingConfig"] == {"minSize": 1, "desiredSize": 1, "maxSize": 2}
    assert small["capacityType"] == "ON_DEMAND"
    base["nodeGroup"] = {**base["nodeGroup"], "capacityType": "SPOT"}
    switched = plan("staging-dedicated", set_={"cloud:cluster": base})
    assert switched.one(NODE_GROUP, "staging-eks-nodes").inputs["capacityType"] == "SPOT"


def test_desired_size_is_left_to_the_autoscaler() -> None:
    """ignore_changes is an option the engine receives, recorded here by a stack transformation."""
    seen: dict[str, list[str]] = {}

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == NODE_GROUP:
            seen[args.name] = list(args.opts.ignore_changes or [])

    def program() -> None:
        pulumi.runtime.register_stack_transformation(capture)
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    base = stack_file("staging")
    plan_config(
        project=base.project,
        stack="staging",
        config=with_changes(base, dedicated_staging_changes(), ("cloud:host",)),
        secret_keys=base.secret_keys,
        program=program,
    )
    assert seen == {"staging-eks-nodes": ["scalingConfig.desiredSize"]}


def test_default_storage_class_is_encrypted_gp3_through_the_cluster_provider(staging: PlanResult) -> None:
    sc = staging.one("kubernetes:storage.k8s.io/v1:StorageClass", "staging-eks-gp3-encrypted")
    provider = staging.one("pulumi:providers:kubernetes", "staging-eks-k8s")
    ebs = staging.one(ADDON, "staging-eks-aws-ebs-csi-driver")
    assert sc.inputs["provisioner"] == "ebs.csi.aws.com"
    assert sc.inputs["parameters"]["type"] == "gp3" and sc.inputs["parameters"]["encrypted"] == "true"
    assert sc.inputs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert sc.inputs["volumeBindingMode"] == "WaitForFirstConsumer"
    assert sc.provider is not None and sc.provider.startswith(provider.urn)
    assert ebs.urn in sc.depends_on


def test_kubernetes_provider_is_secret_and_keeps_a_stable_identity(prod: PlanResult) -> None:
    provider = prod.one("pulumi:providers:kubernetes", "prod-eks-k8s")
    assert provider.inputs["kubeconfig"] == SECRET
    assert provider.inputs["clusterIdentifier"] == cluster(prod)["name"]
    assert prod.outputs["kubeconfig"] == SECRET


def test_kubeconfig_user_runs_aws_eks_get_token() -> None:
    doc = json.loads(
        kubeconfig(
            endpoint="https://x.eks.amazonaws.com", certificate_authority="Q0E=", cluster_name="c", region="r"
        )
    )
    assert doc["clusters"][0]["cluster"] == {
        "server": "https://x.eks.amazonaws.com",
        "certificate-authority-data": "Q0E=",
    }
    exec_ = doc["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"][:4] == ["eks", "get-token", "--cluster-name", "c"]
    assert exec_["args"][exec_["args"].index("--region") + 1] == "r"
    assert "token" not in doc["users"][0]["user"]


def test_oidc_provider_trusts_the_cluster_issuer(staging: PlanResult) -> None:
    oidc = staging.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "staging-eks-oidc")
    assert oidc.inputs["url"].startswith("https://oidc.eks.eu-west-3.amazonaws.com/id/")
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]


PROD_PROTECTED = [
    ("aws:ec2/vpc:Vpc", "prod-network-vpc"),
    ("aws:ec2/subnet:Subnet", "prod-network-private-a"),
    ("aws:ec2/subnet:Subnet", "prod-network-public-a"),
    ("aws:ec2/eip:Eip", "prod-network-nat-a"),
    ("aws:kms/key:Key", "prod-network-flow-logs-key"),
    (CLUSTER, "prod-eks-cluster"),
    (KMS_KEY, "prod-eks-key"),
    ("aws:cloudwatch/logGroup:LogGroup", "prod-eks-logs"),
    ("aws:lb/loadBalancer:LoadBalancer", "prod-ingress-nlb"),
    # Not data, but losing them locks people out: the CI entry is how CI reaches the cluster,
    # the OIDC provider is what every IRSA role trusts, the record is the platform's name.
    ("aws:eks/accessEntry:AccessEntry", "prod-eks-access-campus-ci-deployer"),
    ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "prod-eks-admin-campus-ci-deployer"),
    ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "prod-eks-oidc"),
    ("aws:route53/record:Record", "prod-ingress-dns-apex"),
]


@pytest.mark.parametrize(("type_token", "name"), PROD_PROTECTED)
def test_prod_stateful_resources_are_protected(prod: PlanResult, type_token: str, name: str) -> None:
    assert prod.one(type_token, name).protect
    assert all(r.protect for r in prod.of_type(type_token)), f"every prod {type_token} is protected"


@pytest.mark.parametrize(("type_token", "name"), [p for p in PROD_PROTECTED if "flow-logs" not in p[1]])
def test_staging_resources_stay_deletable(staging: PlanResult, type_token: str, name: str) -> None:
    assert not staging.one(type_token, name.replace("prod-", "staging-", 1)).protect


def test_components_themselves_are_not_protected(prod: PlanResult) -> None:
    """protect is inherited: a protected component would pin every child, roles and rules included."""
    for component in ("campus:aws:Network", "campus:aws:EksCluster", "campus:aws:LoadBalancer"):
        assert not prod.of_type(component)[0].protect
    # The node group holds no data (volumes live on EBS, bound by the CSI driver) and
    # changing its instance types or disk replaces it: protecting it would block that.
    assert not prod.one(NODE_GROUP, "prod-eks-nodes").protect


def test_prod_cluster_has_deletion_protection(prod: PlanResult, staging: PlanResult) -> None:
    assert cluster(prod)["deletionProtection"] is True
    assert cluster(staging)["deletionProtection"] is False


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_storage_class_is_valid_for_the_pinned_kubernetes_version(
    request: pytest.FixtureRequest, stack: str
) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    manifest = result.one("kubernetes:storage.k8s.io/v1:StorageClass", f"{stack}-eks-gp3-encrypted").inputs
    assert (manifest["apiVersion"], manifest["kind"]) == ("storage.k8s.io/v1", "StorageClass")
    kubernetes_validate.validate(manifest, f"{KUBERNETES_VERSION}.0", strict=True)
    assert manifest["reclaimPolicy"] == ("Retain" if stack == "prod" else "Delete")
