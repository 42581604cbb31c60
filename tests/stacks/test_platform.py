"""The platform part as the engine would receive it: releases, values, secrets, order."""

import json
import re
from collections.abc import Iterable
from typing import Any, cast

import pytest

from config.charts import KARPENTER, RELEASES
from config.stackfile import SECRET_PLACEHOLDER
from offline.harness import SECRET, PlanResult, Registered
from offline.plan import plan_config
from offline.report import plan_document, summary
from tests.conftest import dedicated_staging_changes, stack_file, with_changes

RELEASE = "kubernetes:helm.sh/v3:Release"
ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer"
SCHEDULE = "kubernetes:velero.io/v1:Schedule"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SECRET_TYPE = "kubernetes:core/v1:Secret"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

# Where each release comes from; the versions are read from config/charts.py,
# the one place they are pinned, and checked to be exact.
EXPECTED_SOURCES = {
    "cert-manager": ("cert-manager", "https://charts.jetstack.io"),
    "external-dns": ("external-dns", "https://kubernetes-sigs.github.io/external-dns/"),
    "traefik": ("traefik", "https://traefik.github.io/charts"),
    "postgresql-ha": ("oci://registry-1.docker.io/bitnamicharts/postgresql-ha", None),
    "velero": ("velero", "https://vmware-tanzu.github.io/helm-charts"),
    "datadog": ("datadog", "https://helm.datadoghq.com"),
    "karpenter": ("oci://public.ecr.aws/karpenter/karpenter", None),
}
PINS = {**RELEASES, "karpenter": KARPENTER}
"""Every pinned chart: the platform's releases and the cloud part's Karpenter."""
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+$")

# The committed stacks' cloud:ingress and cloud:dns, which the platform must follow.
HTTP_NODE_PORT = 30080
HTTPS_NODE_PORT = 30443
DOMAINS = {"prod": "campus.reverse9.xyz", "staging": "staging.campus.reverse9.xyz"}
ZONES = {"prod": "Z0PRODCAMPUS000001", "staging": "Z0STAGINGCAMPUS0001"}


def domain_of(stack: str) -> str:
    return DOMAINS[stack]


def zone_of(stack: str) -> str:
    return ZONES[stack]


def plan_platform(
    stack: str,
    set_: dict[str, Any] | None = None,
    unset: tuple[str, ...] = (),
    secrets: tuple[str, ...] = (),
) -> PlanResult:
    """The whole stack's plan (cloud and platform), as `stacks.plan` makes it.

    :param secrets: keys of `set_` to mark secret, as `pulumi config set --secret` would.
    """
    base = stack_file(stack)
    if stack == "staging":
        # The releases are tested where a stack installs them all: staging in the
        # dedicated topology (the committed tenant: tests/stacks/test_tenant.py).
        set_ = {**dedicated_staging_changes(), **(set_ or {})}
        unset = (*unset, "cloud:host")
    return plan_config(
        project=base.project,
        stack=stack,
        config=with_changes(base, set_, unset),
        secret_keys=[*base.secret_keys, *secrets],
    )


@pytest.fixture(scope="module")
def prod() -> PlanResult:
    return plan_platform("prod")


@pytest.fixture(scope="module")
def staging() -> PlanResult:
    return plan_platform("staging")


@pytest.fixture(scope="module")
def stacks(prod: PlanResult, staging: PlanResult) -> dict[str, PlanResult]:
    return {"prod": prod, "staging": staging}


def release(result: PlanResult, name: str) -> Registered:
    return result.one(RELEASE, f"{name}-release")


def values(result: PlanResult, name: str) -> dict[str, Any]:
    return cast(dict[str, Any], release(result, name).inputs["values"])


def ancestors(result: PlanResult, res: Registered) -> set[str]:
    """Every URN a resource waits for, directly or through others."""
    by_urn = result.by_urn()
    seen: set[str] = set()
    todo = list(res.dependencies) + list(res.depends_on)
    while todo:
        urn = todo.pop()
        if urn in seen:
            continue
        seen.add(urn)
        found = by_urn.get(urn)
        if found is not None:
            todo.extend(found.dependencies)
            todo.extend(found.depends_on)
    return seen


def strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for v in cast(dict[str, Any], value).values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in cast(list[Any], value):
            yield from strings(v)
    elif isinstance(value, str):
        yield value


# --- releases and their pins ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "expected"),
    [("prod", set(EXPECTED_SOURCES)), ("staging", set(EXPECTED_SOURCES))],
)
def test_each_stack_installs_its_releases_at_their_pins(
    stacks: dict[str, PlanResult], stack: str, expected: set[str]
) -> None:
    found = {r.inputs["name"]: r for r in stacks[stack].of_type(RELEASE)}
    assert set(found) == expected
    for name, res in found.items():
        chart, repo = EXPECTED_SOURCES[name]
        assert res.inputs["chart"] == chart
        assert res.inputs["version"] == PINS[name].version
        assert EXACT_VERSION.match(res.inputs["version"]), f"{name}: {res.inputs['version']} is not exact"
        assert res.inputs.get("repositoryOpts", {}).get("repo") == repo
        assert res.inputs["atomic"] is True


def test_each_release_lives_in_a_namespace_the_program_creates(stacks: dict[str, PlanResult]) -> None:
    for result in stacks.values():
        namespaces = {
            n.inputs["metadata"]["name"]: n.urn for n in result.of_type("kubernetes:core/v1:Namespace")
        }
        for res in result.of_type(RELEASE):
            assert res.inputs["namespace"] in namespaces
            assert namespaces[res.inputs["namespace"]] in res.dependencies
            assert (
                res.parent is not None
                and res.parent == result.by_urn()[namespaces[res.inputs["namespace"]]].parent
            )


def test_staging_is_lighter_through_configuration(prod: PlanResult, staging: PlanResult) -> None:
    assert values(prod, "traefik")["deployment"]["replicas"] == 2
    assert values(staging, "traefik")["deployment"]["replicas"] == 1
    assert values(prod, "cert-manager")["replicaCount"] == 2
    assert values(staging, "cert-manager")["replicaCount"] == 1
    assert values(prod, "postgresql-ha")["pgpool"]["replicaCount"] == 2
    assert values(staging, "postgresql-ha")["pgpool"]["replicaCount"] == 1


def test_datadog_follows_its_switch() -> None:
    off = plan_platform("prod", set_={"platform:datadog": {"enabled": False}})
    assert "datadog" not in {r.inputs["name"] for r in off.of_type(RELEASE)}
    assert not [s for s in off.of_type(SECRET_TYPE) if s.inputs["metadata"]["namespace"] == "datadog"]
    # The monitors, the dashboard and the provider go with it.
    assert not [r for r in off.resources if r.type.startswith(("datadog:", "pulumi:providers:datadog"))]
    assert "ad.datadoghq.com/traefik.checks" not in str(values(off, "traefik"))


# --- values that matter --------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_cert_manager_installs_crds_and_issuers_use_dns01(stacks: dict[str, PlanResult], stack: str) -> None:
    result = stacks[stack]
    assert values(result, "cert-manager")["crds"]["enabled"] is True
    issuers = {r.inputs["metadata"]["name"]: r.inputs["spec"]["acme"] for r in result.of_type(ISSUER)}
    assert set(issuers) == {"letsencrypt-staging", "letsencrypt-production"}
    assert (
        issuers["letsencrypt-staging"]["server"] == "https://acme-staging-v02.api.letsencrypt.org/directory"
    )
    assert issuers["letsencrypt-production"]["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    for acme in issuers.values():
        assert acme["email"] == "platform-team@reverse9.xyz"
        (solver,) = acme["solvers"]
        assert solver["dns01"]["route53"] == {"region": "eu-west-3", "hostedZoneID": zone_of(stack)}
        assert solver["selector"]["dnsZones"] == [domain_of(stack)]


def test_acme_email_comes_from_configuration() -> None:
    result = plan_platform("staging", set_={"platform:acmeEmail": "ops@example.org"})
    assert {r.inputs["spec"]["acme"]["email"] for r in result.of_type(ISSUER)} == {"ops@example.org"}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_external_dns_owns_only_its_records(stacks: dict[str, PlanResult], stack: str) -> None:
    v = values(stacks[stack], "external-dns")
    assert v["txtOwnerId"] == f"campus-{stack}-campus-{stack}"
    assert v["domainFilters"] == [domain_of(stack)]
    assert v["policy"] == "upsert-only"
    assert f"--zone-id-filter={zone_of(stack)}" in v["extraArgs"]
    assert v["provider"] == {"name": "aws"}


def test_owner_ids_differ_between_stacks(prod: PlanResult, staging: PlanResult) -> None:
    assert values(prod, "external-dns")["txtOwnerId"] != values(staging, "external-dns")["txtOwnerId"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_traefik_serves_the_nlb_node_ports_and_publishes_its_hostname(
    stacks: dict[str, PlanResult], stack: str
) -> None:
    v = values(stacks[stack], "traefik")
    assert v["service"]["type"] == "NodePort"
    assert v["ports"]["web"]["nodePort"] == HTTP_NODE_PORT
    assert v["ports"]["websecure"]["nodePort"] == HTTPS_NODE_PORT
    hostname = stacks[stack].outputs["nlbDnsName"]
    assert hostname.endswith(".elb.eu-west-3.amazonaws.com")
    assert v["additionalArguments"] == [f"--providers.kubernetesingress.ingressendpoint.hostname={hostname}"]
    # Left on, the chart would publish its NodePort Service, which has no address.
    assert v["providers"]["kubernetesIngress"]["publishedService"] == {"enabled": False}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_application_hosts_come_from_configuration(stacks: dict[str, PlanResult], stack: str) -> None:
    (ingress,) = stacks[stack].of_type(INGRESS)
    spec = ingress.inputs["spec"]
    hosts = [f"api.{domain_of(stack)}", f"www.{domain_of(stack)}"]
    assert [rule["host"] for rule in spec["rules"]] == hosts
    assert spec["tls"] == [{"hosts": hosts, "secretName": "app-tls"}]
    assert spec["ingressClassName"] == values(stacks[stack], "traefik")["ingressClass"]["name"]
    assert (
        ingress.inputs["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        == "letsencrypt-production"
    )
    backends = {r["host"]: r["http"]["paths"][0]["backend"]["service"] for r in spec["rules"]}
    assert backends[hosts[0]] == {"name": "api", "port": {"number": 8080}}


def test_a_new_host_adds_a_rule() -> None:
    hosts = {"api": {"service": "api", "port": 8080}, "docs": {"service": "docs", "port": 8000}}
    result = plan_platform("staging", set_={"platform:hosts": hosts})
    (ingress,) = result.of_type(INGRESS)
    assert [r["host"] for r in ingress.inputs["spec"]["rules"]] == [
        f"api.{domain_of('staging')}",
        f"docs.{domain_of('staging')}",
    ]


@pytest.mark.parametrize(("stack", "size"), [("prod", "50Gi"), ("staging", "5Gi")])
def test_postgresql_has_two_replicas_behind_pgpool_on_gp3(
    stacks: dict[str, PlanResult], stack: str, size: str
) -> None:
    v = values(stacks[stack], "postgresql-ha")
    assert v["postgresql"]["replicaCount"] == 2
    assert v["persistence"] == {"enabled": True, "storageClass": "gp3-encrypted", "size": size}
    assert v["global"]["defaultStorageClass"] == "gp3-encrypted"
    assert v["postgresql"]["existingSecret"] == "postgresql-credentials"
    assert v["pgpool"]["existingSecret"] == "pgpool-credentials"
    assert v["postgresql"]["image"] == {
        "registry": "docker.io",
        "repository": "bitnamilegacy/postgresql-repmgr",
        "tag": "17.6.0-debian-12-r2",
    }
    assert v["pgpool"]["image"]["repository"] == "bitnamilegacy/pgpool"
    assert v["pgpool"]["image"]["tag"] == "4.6.3-debian-12-r0"


def test_postgresql_chart_and_registry_follow_configuration() -> None:
    result = plan_platform(
        "staging",
        set_={
            "platform:postgresql": {
                "chart": "oci://mirror.example.org/charts/postgresql-ha",
                "imageRegistry": "mirror.example.org",
            }
        },
    )
    res = release(result, "postgresql-ha")
    assert res.inputs["chart"] == "oci://mirror.example.org/charts/postgresql-ha"
    assert res.inputs["version"] == RELEASES["postgresql-ha"].version
    v = cast(dict[str, Any], res.inputs["values"])
    assert v["postgresql"]["image"]["registry"] == v["pgpool"]["image"]["registry"] == "mirror.example.org"


@pytest.mark.parametrize(("stack", "ttl"), [("prod", "720h0m0s"), ("staging", "168h0m0s")])
def test_velero_schedule_and_retention(stacks: dict[str, PlanResult], stack: str, ttl: str) -> None:
    result = stacks[stack]
    schedule = result.one(SCHEDULE, "velero-daily-schedule")
    assert schedule.inputs["metadata"] == {"name": "daily", "namespace": "velero"}
    assert schedule.inputs["spec"]["schedule"] == "0 3 * * *"
    assert schedule.inputs["spec"]["template"]["ttl"] == ttl
    assert schedule.inputs["spec"]["template"]["snapshotVolumes"] is True


def test_the_tenant_has_its_own_schedule_and_the_hosts_leaves_it_out(prod: PlanResult) -> None:
    daily = prod.one(SCHEDULE, "velero-daily-schedule").inputs["spec"]["template"]
    assert daily["includedNamespaces"] == ["*"] and daily["excludedNamespaces"] == ["staging"]
    tenant = prod.one(SCHEDULE, "velero-staging-schedule").inputs
    assert tenant["metadata"] == {"name": "tenant-staging", "namespace": "velero"}
    assert tenant["spec"]["schedule"] == "0 4 * * *"
    assert tenant["spec"]["template"]["includedNamespaces"] == ["staging"]
    assert tenant["spec"]["template"]["ttl"] == "168h0m0s"


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_velero_writes_to_its_bucket_with_the_pinned_plugin(
    stacks: dict[str, PlanResult], stack: str
) -> None:
    result = stacks[stack]
    v = values(result, "velero")
    bucket = result.one("aws:s3/bucket:Bucket", "velero-bucket")
    assert bucket.inputs["bucketPrefix"] == f"campus-{stack}-velero-"
    (bsl,) = v["configuration"]["backupStorageLocation"]
    (vsl,) = v["configuration"]["volumeSnapshotLocation"]
    assert bsl["provider"] == vsl["provider"] == "aws"
    assert bsl["bucket"].startswith(f"campus-{stack}-velero-")
    assert bsl["config"] == vsl["config"] == {"region": "eu-west-3"}
    assert v["image"] == {"repository": "velero/velero", "tag": "v1.18.0"}
    (plugin,) = v["initContainers"]
    assert plugin["image"] == "velero/velero-plugin-for-aws:v1.14.2"
    assert plugin["volumeMounts"] == [{"mountPath": "/target", "name": "plugins"}]
    assert v["credentials"] == {"useSecret": False}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_backup_bucket_is_versioned_encrypted_private_and_expiring(
    stacks: dict[str, PlanResult], stack: str
) -> None:
    result = stacks[stack]
    bucket_id = result.one("aws:s3/bucket:Bucket", "velero-bucket")
    assert bucket_id.inputs["forceDestroy"] is False
    versioning = result.one("aws:s3/bucketVersioning:BucketVersioning", "velero-versioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    sse = result.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "velero-encryption",
    )
    # Backups hold every Secret of the cluster: a customer managed key, and TLS only.
    rule0 = sse.inputs["rules"][0]
    key = result.one("aws:kms/key:Key", "velero-key")
    assert rule0["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    assert rule0["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].endswith(f":key/{key.id}")
    assert rule0["bucketKeyEnabled"] is True and key.inputs["enableKeyRotation"] is True
    assert key.protect is (stack == "prod")
    policy = json.loads(result.one("aws:s3/bucketPolicy:BucketPolicy", "velero-tls-only").inputs["policy"])
    (deny,) = policy["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"][0].endswith(versioning.inputs["bucket"])
    block = result.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "velero-public-access-block")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block.inputs[flag] is True
    lifecycle = result.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "velero-lifecycle"
    )
    rule, dumps = lifecycle.inputs["rules"]
    assert dumps["filter"] == {"prefix": "pg-dumps/"} and dumps["expiration"]["days"] == (
        30 if stack == "prod" else 7
    )
    assert rule["status"] == "Enabled"
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == (30 if stack == "prod" else 7)
    for setting in (versioning, sse, block, lifecycle):
        assert setting.inputs["bucket"] == versioning.inputs["bucket"]
        assert setting.inputs["bucket"].startswith(f"campus-{stack}-velero-")


@pytest.fixture(scope="module")
def staging_with_datadog() -> PlanResult:
    return plan_platform(
        "staging",
        set_={
            "platform:datadog": {
                "enabled": True,
                "clusterAgent": False,
                "notify": {"slackAccount": "reverse9"},
            },
            "platform:datadogApiKey": "k",
        },
        secrets=("platform:datadogApiKey",),
    )


def test_datadog_reads_its_key_from_a_secret_and_tags_the_stack(
    prod: PlanResult, staging_with_datadog: PlanResult
) -> None:
    for stack, result, cluster_agent in (("prod", prod, True), ("staging", staging_with_datadog, False)):
        v = values(result, "datadog")
        assert v["datadog"]["apiKeyExistingSecret"] == "datadog-api-key"
        assert v["datadog"]["clusterName"] == f"campus-{stack}"
        assert v["datadog"]["tags"] == [f"env:{stack}"]
        assert v["datadog"]["site"] == "datadoghq.eu"
        assert v["clusterAgent"]["enabled"] is cluster_agent
        secret = result.one(SECRET_TYPE, "datadog-api-key")
        assert secret.inputs["metadata"] == {"name": "datadog-api-key", "namespace": "datadog"}
        assert secret.inputs["stringData"] == SECRET


# --- IAM: least privilege ------------------------------------------------------------------


def listed(value: Any) -> list[str]:
    """IAM allows one string or a list wherever a list is meant."""
    return [str(v) for v in cast(list[Any], value)] if isinstance(value, list) else [str(value)]


def policy(result: PlanResult, name: str) -> list[dict[str, Any]]:
    doc = json.loads(result.one(ROLE_POLICY, f"{name}-policy").inputs["policy"])
    return cast(list[dict[str, Any]], doc["Statement"])


def trust(result: PlanResult, name: str) -> dict[str, Any]:
    doc = json.loads(result.one("aws:iam/role:Role", f"{name}-role").inputs["assumeRolePolicy"])
    (statement,) = doc["Statement"]
    return cast(dict[str, Any], statement)


@pytest.mark.parametrize(
    ("name", "namespace", "account_path"),
    [
        ("cert-manager", "cert-manager", ("serviceAccount", "name")),
        ("external-dns", "external-dns", ("serviceAccount", "name")),
        ("velero", "velero", ("serviceAccount", "server", "name")),
    ],
)
def test_each_role_trusts_only_the_service_account_its_chart_runs_as(
    prod: PlanResult, name: str, namespace: str, account_path: tuple[str, ...]
) -> None:
    v: Any = values(prod, name)
    for key in account_path:
        v = v[key]
    statement = trust(prod, name)
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].startswith("arn:aws:iam::123456789012:oidc-provider/oidc.eks.")
    conditions = statement["Condition"]["StringEquals"]
    subjects = [value for key, value in conditions.items() if key.endswith(":sub")]
    assert subjects == [f"system:serviceaccount:{namespace}:{v}"]
    assert [value for key, value in conditions.items() if key.endswith(":aud")] == ["sts.amazonaws.com"]
    annotations = values(prod, name)
    for key in account_path[:-1]:
        annotations = annotations[key]
    role_arn = annotations["annotations"]["eks.amazonaws.com/role-arn"]
    assert role_arn.startswith("arn:aws:iam::123456789012:role/" + f"{name}-role-")


def test_dns_roles_are_limited_to_the_stack_zone(prod: PlanResult) -> None:
    zone = f"arn:aws:route53:::hostedzone/{zone_of('prod')}"
    for name in ("external-dns", "cert-manager"):
        for statement in policy(prod, name):
            if "route53:ChangeResourceRecordSets" in listed(statement["Action"]):
                assert listed(statement["Resource"]) == [zone]
    (challenge,) = [s for s in policy(prod, "cert-manager") if s["Sid"] == "ChallengeRecords"]
    condition = challenge["Condition"]["ForAllValues:StringEquals"]
    assert condition == {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}


def test_velero_role_reaches_only_its_bucket(prod: PlanResult) -> None:
    bucket = prod.one("aws:s3/bucketVersioning:BucketVersioning", "velero-versioning").inputs["bucket"]
    statements = {s["Sid"]: s for s in policy(prod, "velero")}
    assert statements["BackupObjects"]["Resource"] == f"arn:aws:s3:::{bucket}/*"
    assert statements["ListBucket"]["Resource"] == f"arn:aws:s3:::{bucket}"
    assert all(a.startswith("ec2:") for a in statements["SnapshotAndRestoreVolumes"]["Action"])
    assert all(":eu-west-3:" in r for r in statements["SnapshotAndRestoreVolumes"]["Resource"])
    for statement in statements.values():
        assert not [a for a in listed(statement["Action"]) if a.endswith("*")], "no wildcard actions"


# --- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_secrets_only_ever_render_as_secret(stacks: dict[str, PlanResult], stack: str) -> None:
    result = stacks[stack]
    text = json.dumps(plan_document(result)) + summary(result)
    assert SECRET_PLACEHOLDER not in text
    secrets = result.of_type(SECRET_TYPE)
    assert secrets, "the plan declares no Secret"
    for secret in secrets:
        assert secret.inputs["stringData"] == SECRET
    for res in result.of_type(RELEASE):
        rendered = list(strings(res.inputs["values"]))
        assert SECRET not in rendered, f"{res.name} carries a secret in its values"
        assert SECRET_PLACEHOLDER not in rendered


def test_a_password_change_reaches_only_its_secret() -> None:
    result = plan_platform(
        "staging",
        set_={"platform:postgresPassword": "changed-password-42"},
        secrets=("platform:postgresPassword",),
    )
    text = json.dumps(plan_document(result))
    assert "changed-password-42" not in text


# --- order ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_custom_resources_wait_for_the_release_installing_their_crd(
    stacks: dict[str, PlanResult], stack: str
) -> None:
    result = stacks[stack]
    for kind, owner in ((ISSUER, "cert-manager"), (SCHEDULE, "velero")):
        resources = result.of_type(kind)
        assert resources
        for res in resources:
            assert release(result, owner).urn in res.depends_on


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_everything_with_a_volume_claim_waits_for_storage(stacks: dict[str, PlanResult], stack: str) -> None:
    result = stacks[stack]
    storage_class = result.one("kubernetes:storage.k8s.io/v1:StorageClass", f"{stack}-eks-gp3-encrypted")
    storage = storage_class.urn
    # The class waits for the EBS CSI driver, so the claims' volumes can be provisioned.
    assert (
        result.one("aws:eks/addon:Addon", f"{stack}-eks-aws-ebs-csi-driver").urn in storage_class.depends_on
    )
    with_claims = [
        r for r in result.of_type(RELEASE) if "persistence" in cast(dict[str, Any], r.inputs["values"])
    ]
    assert [r.inputs["name"] for r in with_claims] == ["postgresql-ha"]
    for res in with_claims:
        assert storage in res.depends_on


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_ingress_waits_for_the_controller_and_its_issuer(stacks: dict[str, PlanResult], stack: str) -> None:
    result = stacks[stack]
    (ingress,) = result.of_type(INGRESS)
    assert release(result, "traefik").urn in ingress.depends_on
    assert result.one(ISSUER, "cert-manager-letsencrypt-production").urn in ingress.depends_on
    assert release(result, "cert-manager").urn in ancestors(result, ingress)


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_releases_wait_for_the_secrets_they_reference(stacks: dict[str, PlanResult], stack: str) -> None:
    result = stacks[stack]
    by_name = {s.inputs["metadata"]["name"]: s.urn for s in result.of_type(SECRET_TYPE)}
    for res in result.of_type(RELEASE):
        referenced = {s for s in strings(res.inputs["values"]) if s in by_name}
        for name in referenced:
            assert by_name[name] in res.depends_on, f"{res.name} does not wait for Secret {name}"


# --- protection ----------------------------------------------------------------------------


def test_prod_protects_the_data_and_staging_does_not(prod: PlanResult, staging: PlanResult) -> None:
    for result, expected in ((prod, True), (staging, False)):
        assert result.one("aws:s3/bucket:Bucket", "velero-bucket").protect is expected
        assert result.one("kubernetes:core/v1:Namespace", "postgresql-ha-namespace").protect is expected
        assert release(result, "postgresql-ha").protect is expected
        assert not release(result, "traefik").protect


@pytest.mark.parametrize("name", ["cert-manager", "external-dns", "velero"])
def test_irsa_releases_wait_for_their_role_and_its_policy(prod: PlanResult, name: str) -> None:
    role = prod.one("aws:iam/role:Role", f"{name}-role")
    role_policy = prod.one(ROLE_POLICY, f"{name}-policy")
    # Without the policy the role is assumable yet denied: the chart's first calls would fail.
    assert {role.urn, role_policy.urn} <= set(release(prod, name).depends_on)
