"""Staging as a tenant of prod's cluster: what the host makes for it, and what the tenant may declare."""

import json
from typing import Any, cast

import pytest

from offline.harness import PlanResult
from offline.plan import plan_stack

# Kinds Kubernetes keeps outside namespaces: a tenant must declare none of them.
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "ClusterIssuer",
    "PersistentVolume",
    "PriorityClass",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "NodePool",
    "EC2NodeClass",
}


@pytest.fixture(scope="module")
def prod() -> PlanResult:
    return plan_stack("prod")


@pytest.fixture(scope="module")
def staging() -> PlanResult:
    return plan_stack("staging")


def kind_of(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def test_the_host_makes_the_tenants_namespace_quota_limits_and_policies(prod: PlanResult) -> None:
    ns = prod.one("kubernetes:core/v1:Namespace", "tenant-staging-staging")
    assert ns.inputs["metadata"]["labels"]["campus/tenant"] == "staging"
    assert ns.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert ns.protect  # prod's: deleting it deletes staging's database
    quota = prod.one("kubernetes:core/v1:ResourceQuota", "tenant-staging-staging-quota").inputs
    assert quota["metadata"]["namespace"] == "staging"
    hard = quota["spec"]["hard"]
    assert hard["requests.cpu"] == "2" and hard["requests.memory"] == "4Gi"
    assert hard["requests.storage"] == "40Gi" and hard["services.loadbalancers"] == "0"
    limits = prod.one("kubernetes:core/v1:LimitRange", "tenant-staging-staging-limits").inputs
    container = next(i for i in limits["spec"]["limits"] if i["type"] == "Container")
    assert container["defaultRequest"] == {"cpu": "50m", "memory": "128Mi"}
    ingress = prod.one(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-staging-staging-ingress"
    ).inputs
    sources = [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for peer in ingress["spec"]["ingress"][0]["from"]
    ]
    assert sources == ["staging", "traefik"]  # itself and the ingress controller, nothing of prod's
    # Prod's Datadog agents reach the tenant's database port only (the Postgres check).
    agents = ingress["spec"]["ingress"][1]
    assert agents["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "datadog"}}}
    ]
    assert agents["ports"] == [{"protocol": "TCP", "port": 5432}]
    egress = prod.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "tenant-staging-staging-egress").inputs
    internet = egress["spec"]["egress"][-1]["to"][0]["ipBlock"]
    assert internet["cidr"] == "0.0.0.0/0" and "10.0.0.0/8" in internet["except"]


def test_the_tenants_deployer_may_edit_its_namespace_only(prod: PlanResult) -> None:
    entry = prod.one("aws:eks/accessEntry:AccessEntry", "tenant-staging-deployer")
    assert entry.inputs["principalArn"] == "arn:aws:iam::123456789012:role/campus-staging-deployer"
    association = prod.one(
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "tenant-staging-deployer-edit"
    ).inputs
    assert association["policyArn"].endswith("cluster-access-policy/AmazonEKSEditPolicy")
    assert association["accessScope"] == {"type": "namespace", "namespaces": ["staging"]}
    # No cluster-wide association for it anywhere.
    cluster_wide = [
        a
        for a in prod.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        if a.inputs["principalArn"] == entry.inputs["principalArn"]
        and a.inputs["accessScope"]["type"] == "cluster"
    ]
    assert cluster_wide == []


def test_the_tenant_declares_no_cluster_and_nothing_cluster_scoped(staging: PlanResult) -> None:
    types = {r.type for r in staging.resources}
    assert not [t for t in types if t.startswith("aws:eks/") or t.startswith("aws:ec2/")]
    assert "pulumi:pulumi:StackReference" in types
    objects = [r for r in staging.resources if r.custom and r.type.startswith("kubernetes:")]
    assert objects
    for res in objects:
        if res.type == "kubernetes:helm.sh/v3:Release":
            assert res.inputs["namespace"] == "staging", res.name
            continue
        assert kind_of(res.type) not in CLUSTER_SCOPED, res.name
        assert res.inputs["metadata"]["namespace"] == "staging", res.name
    provider = staging.one("pulumi:providers:kubernetes", "staging-k8s")
    # Every object goes through the tenant's provider (prod's cluster, its namespace by default).
    assert all(r.provider is not None and r.provider.startswith(provider.urn) for r in objects)
    assert provider.inputs["namespace"] == "staging"


def test_the_tenant_owns_its_database_issuer_hosts_and_dump(staging: PlanResult, prod: PlanResult) -> None:
    issuer = staging.one(
        "kubernetes:cert-manager.io/v1:Issuer", "staging-issuer-letsencrypt-production"
    ).inputs
    assert issuer["spec"]["acme"]["solvers"] == [{"http01": {"ingress": {"ingressClassName": "traefik"}}}]
    ingress = staging.one("kubernetes:networking.k8s.io/v1:Ingress", "app-ingress").inputs
    assert ingress["metadata"]["annotations"]["cert-manager.io/issuer"] == "letsencrypt-production"
    assert [r["host"] for r in ingress["spec"]["rules"]] == [
        "api.staging.campus.reverse9.xyz",
        "www.staging.campus.reverse9.xyz",
    ]
    values = cast(
        dict[str, Any], staging.one("kubernetes:helm.sh/v3:Release", "postgresql-ha-release").inputs["values"]
    )
    assert values["persistence"]["storageClass"] == "gp3-encrypted"
    cron = staging.one("kubernetes:batch/v1:CronJob", "postgresql-dump-cron-job").inputs
    env = {
        e["name"]: e.get("value")
        for e in cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["BUCKET"] == prod.outputs["platform"]["backupBucket"] and env["PREFIX"] == "pg-dumps/staging"
    account = staging.one("kubernetes:core/v1:ServiceAccount", "postgresql-dump-service-account").inputs
    role_arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role_arn == prod.outputs["tenants"]["staging"]["dumpRoleArn"]
    # The role prod made trusts staging's dump service account, and writes staging's folder only.
    role = next(r for r in prod.of_type("aws:iam/role:Role") if r.name == "staging-pg-dump-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    assert "system:serviceaccount:staging:pg-dump" in trust.values()
    policy = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy", "staging-pg-dump-policy").inputs["policy"])
    write = next(s for s in policy["Statement"] if s["Sid"] == "WriteDumps")
    assert write["Resource"].endswith("/pg-dumps/staging/*")


def test_prods_external_dns_leaves_the_tenants_domain_alone(prod: PlanResult) -> None:
    values = cast(
        dict[str, Any], prod.one("kubernetes:helm.sh/v3:Release", "external-dns-release").inputs["values"]
    )
    assert "--exclude-domains=staging.campus.reverse9.xyz" in values["extraArgs"]


def test_the_host_runs_the_autoscaler_metrics_and_cheap_egress(prod: PlanResult) -> None:
    cluster = prod.one("aws:eks/cluster:Cluster", "prod-eks-cluster").inputs
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    addons = {a.inputs["addonName"] for a in prod.of_type("aws:eks/addon:Addon")}
    assert "metrics-server" in addons
    karpenter = prod.one("kubernetes:helm.sh/v3:Release", "prod-karpenter-release")
    assert karpenter.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    identity = prod.one(
        "aws:eks/podIdentityAssociation:PodIdentityAssociation", "prod-karpenter-controller"
    ).inputs
    assert (identity["namespace"], identity["serviceAccount"]) == ("karpenter", "karpenter")
    policy = json.loads(
        prod.one("aws:iam/rolePolicy:RolePolicy", "prod-karpenter-controller").inputs["policy"]
    )
    run = next(s for s in policy["Statement"] if s["Sid"] == "AllowScopedEC2InstanceActionsWithTags")
    assert run["Condition"]["StringEquals"]["aws:RequestTag/kubernetes.io/cluster/campus-prod"] == "owned"
    pool = prod.one("kubernetes:karpenter.sh/v1:NodePool", "prod-karpenter-node-pool").inputs["spec"]
    requirements = {r["key"]: r["values"] for r in pool["template"]["spec"]["requirements"]}
    assert requirements["karpenter.sh/capacity-type"] == ["spot", "on-demand"]
    assert requirements["kubernetes.io/arch"] == ["arm64", "amd64"]
    assert pool["disruption"]["consolidationPolicy"] == "WhenEmptyOrUnderutilized"
    assert pool["limits"] == {"cpu": "12"}
    node_class = prod.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "prod-karpenter-node-class").inputs[
        "spec"
    ]
    assert node_class["metadataOptions"]["httpTokens"] == "required"
    assert {t["id"] for t in node_class["subnetSelectorTerms"]} == set(prod.outputs["privateSubnetIds"])
    group = prod.one("aws:eks/nodeGroup:NodeGroup", "prod-eks-nodes")
    assert group.ignore_changes == ["scalingConfig.desiredSize"]
    assert (
        prod.one("aws:ec2/vpcEndpoint:VpcEndpoint", "prod-network-s3").inputs["vpcEndpointType"] == "Gateway"
    )
    assert prod.one("aws:budgets/budget:Budget", "account-budget-monthly")
