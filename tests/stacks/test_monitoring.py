"""Monitors, dashboard and alert routing per environment, as the engine would receive them."""

import json
import re
from typing import Any, cast

import pytest
import yaml

from components.monitoring.catalog import runbook_anchor
from config import ConfigError
from offline.harness import SECRET, PlanResult, Registered
from offline.plan import plan_stack
from tests.components.monitoring.support import (
    ISSUE_MONITORS,
    TENANT_MONITORS,
    headings,
    listed_metrics,
    metric_refs,
    scope_keys,
)
from tests.conftest import Planner
from tests.stacks.test_platform import DOMAINS, plan_platform, release, values

MONITOR = "datadog:index/monitor:Monitor"
DASHBOARD = "datadog:index/dashboardJson:DashboardJson"
SLACK = "datadog:slack/channel:Channel"
PROVIDER = "pulumi:providers:datadog"
BUDGET = "aws:budgets/budget:Budget"
CHATBOT = "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration"

SLACK_HANDLE = "@slack-reverse9-alertes"
PROD_EMAIL = "@oncall@reverse9.xyz"


@pytest.fixture(scope="module")
def prod() -> PlanResult:
    return plan_platform("prod")


@pytest.fixture(scope="module")
def staging() -> PlanResult:
    """Staging with its own cluster (the dedicated topology)."""
    return plan_platform("staging")


@pytest.fixture(scope="module")
def tenant() -> PlanResult:
    """The committed staging: a tenant of prod's cluster."""
    return plan_stack("staging")


@pytest.fixture(scope="module")
def committed_prod() -> PlanResult:
    """The committed prod, as the tenant's StackReference reads it."""
    return plan_stack("prod")


def monitors(result: PlanResult) -> dict[str, Registered]:
    """Monitors by their spec key (logical name `monitors-<key>`)."""
    return {r.name.removeprefix("monitors-"): r for r in result.of_type(MONITOR)}


def dashboard(result: PlanResult) -> dict[str, Any]:
    [board] = result.of_type(DASHBOARD)
    return json.loads(board.inputs["dashboard"])


def dashboard_queries(document: Any) -> list[str]:
    """Every `q`/`query` string of a dashboard document, at any depth."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():  # pyright: ignore[reportUnknownVariableType]
            if key in ("q", "query") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(dashboard_queries(value))
    elif isinstance(document, list):
        for item in document:  # pyright: ignore[reportUnknownVariableType]
            found.extend(dashboard_queries(item))
    return found


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_each_environment_declares_its_monitors_and_dashboard(
    stack: str, prod: PlanResult, staging: PlanResult
) -> None:
    result = {"prod": prod, "staging": staging}[stack]
    found = monitors(result)
    assert len(found) >= 10
    assert set(found) >= ISSUE_MONITORS
    assert len(result.of_type(DASHBOARD)) == 1
    [provider] = result.of_type(PROVIDER)
    # The site comes from platform:datadog.site; both keys stay secrets.
    assert provider.inputs["apiUrl"] == "https://api.datadoghq.eu/"
    assert provider.inputs["apiKey"] == SECRET and provider.inputs["appKey"] == SECRET
    for monitor in found.values():
        assert monitor.provider is not None and monitor.provider.startswith(f"urn:pulumi:{stack}::")
        assert "pulumi:providers:datadog::" in monitor.provider


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_queries_use_listed_metrics_and_the_environment_tag(
    stack: str, prod: PlanResult, staging: PlanResult
) -> None:
    result = {"prod": prod, "staging": staging}[stack]
    listed = listed_metrics()
    queries = [m.inputs["query"] for m in monitors(result).values()]
    queries += dashboard_queries(dashboard(result))
    for query in queries:
        if query.startswith("tag:("):  # the monitor summary widget selects monitors, not metrics
            assert query == f"tag:(env:{stack})"
            continue
        refs = metric_refs(query)
        assert refs, query
        for metric, scope in refs:
            assert metric in listed, f"{metric} is not in components/monitoring/metrics.yaml"
            assert f"env:{stack}" in scope, f"{query!r} is not filtered on env:{stack}"
    for monitor in monitors(result).values():
        assert f"env:{stack}" in monitor.inputs["tags"]


def test_prod_thresholds_are_the_documented_defaults(prod: PlanResult) -> None:
    m = monitors(prod)
    expected = {
        "node-cpu": "85",
        "node-memory": "90",
        "pods-per-node": "90",
        "latency-p95": "1",
        "errors-5xx": "5",
        "postgresql-replication-lag": "30",
        "certificate-expiry": "14",
        "pgpool-health": "2",  # prod runs two pgpool replicas
        "autoscaling-max": "2",  # prod's cloud:cluster.nodeGroup.maxSize (the system group)
    }
    for key, critical in expected.items():
        assert m[key].inputs["monitorThresholds"] == {"critical": critical}, key
        assert m[key].inputs["query"].endswith(f" {critical}"), key
    # Prod leaves its tenant staging's schedule to staging's own monitor.
    stale = "sum(last_26h):sum:velero.backup.success.count{env:prod,!schedule:tenant-staging}"
    assert stale in m["velero-stale"].inputs["query"]
    assert m["request-rate-anomaly"].inputs["monitorThresholdWindows"] == {
        "triggerWindow": "last_15m",
        "recoveryWindow": "last_15m",
    }


def test_staging_thresholds_follow_its_own_cluster(staging: PlanResult) -> None:
    m = monitors(staging)
    assert m["pgpool-health"].inputs["query"].endswith("< 1")  # one pgpool replica in staging
    assert m["autoscaling-max"].inputs["query"].endswith(">= 2")  # staging's maxSize (dedicated)


def test_mocks_give_datadog_ids_in_datadog_shapes(prod: PlanResult, staging: PlanResult) -> None:
    ids = [m.id for result in (prod, staging) for m in monitors(result).values()]
    assert all(i.isdigit() and len(i) == 8 for i in ids) and len(set(ids)) == len(ids)
    [board] = prod.of_type(DASHBOARD)
    assert re.fullmatch(r"[0-9a-f]{3}-[0-9a-f]{3}-[0-9a-f]{3}", board.id)
    assert prod.outputs["monitoring"]["dashboardUrl"] == f"/dashboard/{board.id}/campus-prod-platform-health"
    assert prod.outputs["monitoring"]["monitors"]["node-cpu"] == monitors(prod)["node-cpu"].id


def test_prod_alerts_go_to_slack_and_email(prod: PlanResult) -> None:
    [channel] = prod.of_type(SLACK)
    assert (channel.inputs["accountName"], channel.inputs["channelName"]) == ("reverse9", "#alertes")
    assert channel.id == "reverse9:#alertes"
    channel_urn = channel.urn
    for key, monitor in monitors(prod).items():
        message = monitor.inputs["message"]
        assert message.rstrip().endswith(f"{SLACK_HANDLE} {PROD_EMAIL}"), key
        assert not monitor.inputs["name"].startswith("["), key
        assert channel_urn in monitor.dependencies, key


def test_staging_alerts_go_to_slack_only_with_a_prefix(staging: PlanResult) -> None:
    # The channel belongs to the Datadog organisation: prod declares it, staging only mentions it.
    assert not staging.of_type(SLACK)
    for key, monitor in monitors(staging).items():
        message = monitor.inputs["message"]
        assert message.rstrip().endswith(SLACK_HANDLE), key
        assert "@oncall" not in message and message.count("@") == 1, key
        assert monitor.inputs["name"].startswith("[staging] "), key
    assert dashboard(staging)["title"] == "[staging] campus staging: platform health"


@pytest.mark.parametrize("stack", ["prod", "staging", "tenant"])
def test_every_message_links_an_existing_runbook_section(
    stack: str, prod: PlanResult, staging: PlanResult, tenant: PlanResult
) -> None:
    anchors = {runbook_anchor(h) for h in headings()}
    found = monitors({"prod": prod, "staging": staging, "tenant": tenant}[stack])
    assert found
    for key, monitor in found.items():
        lines = [ln for ln in monitor.inputs["message"].splitlines() if ln.startswith("Runbook: ")]
        assert len(lines) == 1, key
        url, _, anchor = lines[0].removeprefix("Runbook: ").partition("#")
        assert url == "docs/operations.md" and anchor in anchors, key


def test_dashboard_covers_the_five_areas(prod: PlanResult) -> None:
    groups = [w["definition"]["title"] for w in dashboard(prod)["widgets"]]
    assert groups == ["Cluster health", "Ingress golden signals", "Database", "Backups", "Cost budget"]
    cost = dashboard(prod)["widgets"][-1]["definition"]["widgets"][0]["definition"]["content"]
    assert "150 EUR/month for the whole AWS account" in cost and "outside AWS" in cost


def test_budget_alerts_reach_the_same_slack_channel(prod: PlanResult) -> None:
    [chatbot] = prod.of_type(CHATBOT)
    assert (chatbot.inputs["slackTeamId"], chatbot.inputs["slackChannelId"]) == ("T04CAMPUS01", "C05ALERTES1")
    assert chatbot.inputs["guardrailPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    [topic_arn] = chatbot.inputs["snsTopicArns"]
    [budget] = prod.of_type(BUDGET)
    for notification in budget.inputs["notifications"]:
        assert notification["subscriberSnsTopicArns"] == [topic_arn]
        assert notification["subscriberEmailAddresses"] == ["cloud-team@reverse9.xyz"]
    policy = json.loads(
        prod.one("aws:sns/topicPolicy:TopicPolicy", "prod-budget-slack-topic-policy").inputs["policy"]
    )
    assert policy["Statement"][0]["Principal"] == {"Service": "budgets.amazonaws.com"}


def test_datadog_off_removes_monitors_dashboard_and_provider() -> None:
    off = plan_platform("prod", set_={"platform:datadog": {"enabled": False}})
    assert not [r for r in off.resources if r.type.startswith("datadog:") or r.type == PROVIDER]
    assert not off.of_type("campus:kubernetes:Datadog")
    # Budget alerts do not depend on Datadog.
    assert off.of_type(CHATBOT)


def test_a_missing_key_is_one_clear_error() -> None:
    with pytest.raises(ConfigError) as info:
        plan_platform("staging", unset=("platform:datadogAppKey",))
    assert info.value.problems == [
        "platform: platform:datadogAppKey is required when platform:datadog.enabled is true "
        "(`pulumi config set --secret platform:datadogAppKey`)"
    ]


def test_the_agents_collect_what_the_monitors_read(prod: PlanResult, staging: PlanResult) -> None:
    for stack, result in (("prod", prod), ("staging", staging)):
        # Traefik's pods carry the traefik_mesh check, histograms as distributions (p95).
        annotations = values(result, "traefik")["deployment"]["podAnnotations"]
        [check] = json.loads(annotations["ad.datadoghq.com/traefik.checks"])["traefik_mesh"]["instances"]
        assert check["openmetrics_endpoint"] == "http://%%host%%:9100/metrics"
        assert check["histogram_buckets_as_distributions"] is True
        assert check["tags"] == [f"env:{stack}"]
        # One HTTP check per application host, run once for the cluster by the cluster agent.
        datadog = values(result, "datadog")
        assert datadog["datadog"]["clusterChecks"] == {"enabled": True}
        http = yaml.safe_load(datadog["clusterAgent"]["confd"]["http_check.yaml"])
        assert http["cluster_check"] is True
        domain = DOMAINS[stack]
        assert [i["url"] for i in http["instances"]] == [f"https://api.{domain}/", f"https://www.{domain}/"]
        assert all(
            i["check_certificate_expiration"] and i["tags"] == [f"env:{stack}"] for i in http["instances"]
        )


def test_the_postgres_check_reads_its_password_through_the_secret_backend(prod: PlanResult) -> None:
    annotations = values(prod, "postgresql-ha")["postgresql"]["podAnnotations"]
    [check] = json.loads(annotations["ad.datadoghq.com/postgresql.checks"])["postgres"]["instances"]
    assert check["password"] == "ENC[k8s_secret@postgresql/postgresql-credentials/password]"
    assert (check["username"], check["tags"]) == ("postgres", ["env:prod"])
    # The agents may read that one Secret, in prod's database namespace and in its
    # tenant's (staging's database, on this cluster), not every Secret of the cluster.
    backend = values(prod, "datadog")["datadog"]["secretBackend"]
    assert backend == {
        "command": "/readsecret_multiple_providers.sh",
        "enableGlobalPermissions": False,
        "roles": [
            {"namespace": "postgresql", "secrets": ["postgresql-credentials"]},
            {"namespace": "staging", "secrets": ["postgresql-credentials"]},
        ],
    }
    # The release writes the Role in the tenant's namespace once prod has made it.
    namespace = prod.one("kubernetes:core/v1:Namespace", "tenant-staging-staging")
    assert namespace.urn in release(prod, "datadog").depends_on
    # The Secret the handle names holds the password under that key.
    secret = prod.one("kubernetes:core/v1:Secret", "postgresql-ha-postgresql-credentials")
    assert secret.inputs["metadata"]["name"] == "postgresql-credentials"
    assert secret.inputs["stringData"] == SECRET


def test_thresholds_and_routing_follow_the_stack_configuration() -> None:
    tuned = plan_platform(
        "staging",
        set_={
            "platform:datadog": {
                "enabled": True,
                "clusterAgent": True,
                "thresholds": {"nodeCpuPercent": 70, "serverErrorPercent": 2, "backupStaleHours": 30},
                "autoscaling": {"metric": "kubernetes_state.node.count", "maximum": 5},
                "notify": {
                    "slackAccount": "reverse9",
                    "slackChannel": "#alertes-staging",
                    "prefix": "[recette]",
                },
            }
        },
    )
    m = monitors(tuned)
    assert m["node-cpu"].inputs["query"].endswith("> 70")
    assert m["errors-5xx"].inputs["monitorThresholds"] == {"critical": "2"}
    assert "sum(last_30h):" in m["velero-stale"].inputs["query"]
    assert m["autoscaling-max"].inputs["query"].endswith(">= 5")
    assert m["node-cpu"].inputs["name"] == "[recette] Node CPU high"
    assert m["node-cpu"].inputs["message"].rstrip().endswith("@slack-reverse9-alertes-staging")


# Staging as a tenant of prod's cluster (the committed topology): its own monitors,
# scoped to its own workloads, collected by prod's agents.

TENANT_NAMESPACE = "staging"
TENANT_SELECTORS = {"kube_namespace:staging", "traefik_service:staging-*", "schedule:tenant-staging"}


def test_the_tenant_declares_its_monitors_and_dashboard_through_its_own_provider(tenant: PlanResult) -> None:
    found = monitors(tenant)
    assert set(found) == TENANT_MONITORS and len(found) >= 10
    assert len(tenant.of_type(DASHBOARD)) == 1
    [provider] = tenant.of_type(PROVIDER)
    assert provider.name == "staging-datadog"
    # Its own keys (platform:datadogApiKey/AppKey of Pulumi.staging.yaml), kept secret; the site from config.
    assert provider.inputs["apiUrl"] == "https://api.datadoghq.eu/"
    assert provider.inputs["apiKey"] == SECRET and provider.inputs["appKey"] == SECRET
    for monitor in [*found.values(), *tenant.of_type(DASHBOARD)]:
        assert monitor.provider is not None and monitor.provider.startswith(provider.urn)
    ids = tenant.outputs["monitoring"]["monitors"]
    assert set(ids) == TENANT_MONITORS and ids["pgpool-health"] == found["pgpool-health"].id


def test_tenant_alerts_go_to_slack_only_with_a_prefix_and_a_runbook(tenant: PlanResult) -> None:
    # The channel belongs to the Datadog organisation: prod declares it, the tenant only mentions it.
    assert not tenant.of_type(SLACK)
    for key, monitor in monitors(tenant).items():
        message = monitor.inputs["message"]
        assert message.rstrip().endswith(SLACK_HANDLE), key
        assert "@oncall" not in message and message.count("@") == 1, key
        assert "Runbook: docs/operations.md#" in message, key
        assert monitor.inputs["name"].startswith("[staging] "), key
        assert "env:staging" in monitor.inputs["tags"], key
    assert dashboard(tenant)["title"] == "[staging] campus staging: platform health"


def test_tenant_queries_select_the_tenants_workloads_only(tenant: PlanResult) -> None:
    listed = listed_metrics()
    queries = [m.inputs["query"] for m in monitors(tenant).values()]
    queries += dashboard_queries(dashboard(tenant))
    for query in queries:
        if query.startswith("tag:("):  # the monitor summary widget selects the tenant's monitors
            assert query == "tag:(env:staging)"
            continue
        refs = metric_refs(query)
        assert refs, query
        for metric, scope in refs:
            assert metric in listed, f"{metric} is not in components/monitoring/metrics.yaml"
            assert TENANT_SELECTORS & set(scope), f"{query!r} selects nothing of the tenant's"
            assert "env:prod" not in scope, query
            assert scope_keys(scope) <= {*listed[metric].get("tags", []), "env"}, query
    # The node-level panels are the host's: the tenant's dashboard shows its pods instead.
    groups = [w["definition"]["title"] for w in dashboard(tenant)["widgets"]]
    assert groups == ["Workloads", "Ingress golden signals", "Database", "Backups", "Cost budget"]
    assert not [q for q in queries if "system." in q or "node" in q.split("{")[0]]


def test_tenant_selectors_never_match_the_hosts_workloads(
    tenant: PlanResult, committed_prod: PlanResult
) -> None:
    host_namespaces = {
        r.inputs["metadata"]["name"] for r in committed_prod.of_type("kubernetes:core/v1:Namespace")
    } | {r.inputs["namespace"] for r in committed_prod.of_type("kubernetes:helm.sh/v3:Release")}
    own = host_namespaces - {TENANT_NAMESPACE}
    assert {"postgresql", "app", "traefik", "velero"} <= own
    # kube_namespace:staging, and Traefik's `<namespace>-<service>-<port>` behind `staging-*`.
    assert not [ns for ns in own if ns == TENANT_NAMESPACE or ns.startswith(f"{TENANT_NAMESPACE}-")]
    schedules = {
        r.inputs["metadata"]["name"]: r.inputs["spec"]["template"]
        for r in committed_prod.of_type("kubernetes:velero.io/v1:Schedule")
    }
    # schedule:tenant-staging is prod's schedule of the tenant's namespace, and only of it.
    assert schedules["tenant-staging"]["includedNamespaces"] == [TENANT_NAMESPACE]
    assert [n for n, t in schedules.items() if TENANT_NAMESPACE in t.get("includedNamespaces", [])] == [
        "tenant-staging"
    ]
    # The tenant's HTTP checks probe its own hosts.
    [service] = tenant.of_type("kubernetes:core/v1:Service")
    checks = json.loads(service.inputs["metadata"]["annotations"]["ad.datadoghq.com/service.checks"])
    urls = [i["url"] for i in checks["http_check"]["instances"]]
    assert urls == [f"https://api.{DOMAINS['staging']}/", f"https://www.{DOMAINS['staging']}/"]


def test_tenant_thresholds_follow_its_configuration(tenant: PlanResult) -> None:
    m = monitors(tenant)
    expected = {
        "latency-p95": "1",
        "errors-5xx": "5",
        "postgresql-replication-lag": "30",
        "certificate-expiry": "14",
        "pgpool-health": "1",  # staging's platform:postgresql.pgpoolReplicas
    }
    for key, critical in expected.items():
        assert m[key].inputs["monitorThresholds"] == {"critical": critical}, key
        assert m[key].inputs["query"].endswith(f" {critical}"), key
    assert m["velero-stale"].inputs["query"] == (
        "sum(last_26h):sum:velero.backup.success.count{schedule:tenant-staging}.as_count() < 1"
    )
    assert m["pods-pending"].inputs["query"] == (
        "min(last_15m):sum:kubernetes_state.pod.status_phase{kube_namespace:staging,pod_phase:pending} "
        "by {kube_namespace,pod_name} > 0"
    )
    assert m["ingress-availability"].inputs["notifyNoData"] is True


def test_the_host_collects_what_the_tenants_monitors_read(
    tenant: PlanResult, committed_prod: PlanResult
) -> None:
    # The tenant's PostgreSQL pods carry the Postgres check, tagged with its env, its password a handle.
    pg = cast(
        dict[str, Any], tenant.one("kubernetes:helm.sh/v3:Release", "postgresql-ha-release").inputs["values"]
    )
    [check] = json.loads(pg["postgresql"]["podAnnotations"]["ad.datadoghq.com/postgresql.checks"])[
        "postgres"
    ]["instances"]
    assert check["password"] == "ENC[k8s_secret@staging/postgresql-credentials/password]"
    assert check["tags"] == ["env:staging"]
    # Prod's agents may read that Secret (and reach its port: tests/stacks/test_tenant.py).
    datadog = committed_prod.one("kubernetes:helm.sh/v3:Release", "datadog-release")
    roles = cast(dict[str, Any], datadog.inputs["values"])["datadog"]["secretBackend"]["roles"]
    assert {"namespace": "staging", "secrets": ["postgresql-credentials"]} in roles
    # Prod's cluster agent runs cluster checks, which the tenant's annotated Service asks for.
    assert cast(dict[str, Any], datadog.inputs["values"])["datadog"]["clusterChecks"] == {"enabled": True}
    [service] = tenant.of_type("kubernetes:core/v1:Service")
    meta = service.inputs["metadata"]
    assert meta["namespace"] == "staging" and meta["labels"]["tags.datadoghq.com/env"] == "staging"
    assert service.inputs["spec"]["clusterIP"] == "None" and "selector" not in service.inputs["spec"]
    checks = json.loads(meta["annotations"]["ad.datadoghq.com/service.checks"])["http_check"]["instances"]
    assert all(i["tags"] == ["env:staging"] and i["check_certificate_expiration"] for i in checks)
    # The tenant installs no agent of its own.
    assert not [r for r in tenant.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "datadog"]


def test_prod_leaves_its_tenants_workloads_to_them_and_is_otherwise_unchanged(
    committed_prod: PlanResult, plan: Planner
) -> None:
    # Prod's agents tag what they collect from the tenant (its pods, checks, backups) env:prod
    # too: prod's monitors leave the tenant's namespace and schedule out, so a staging problem
    # reaches staging's Slack-only route and never prod's e-mail.
    alone = plan("prod", unset=("cloud:tenants",))
    namespaced = (
        "pods-pending", "pods-crashloop", "pgpool-health", "postgresql-replication-lag",
        "ingress-availability", "certificate-expiry",
    )  # fmt: skip
    backups = ("velero-failures", "velero-stale")
    for key, monitor in monitors(committed_prod).items():
        other = monitors(alone)[key].inputs
        expected = other["query"]
        if key in namespaced:
            expected = expected.replace("env:prod", "env:prod,!kube_namespace:staging", 1)
        elif key in backups:
            expected = expected.replace("{env:prod}", "{env:prod,!schedule:tenant-staging}")
        if key in (*namespaced, *backups):
            assert expected != other["query"], key
        assert monitor.inputs["query"] == expected, key
        for field in ("name", "message", "monitorThresholds", "tags"):
            assert monitor.inputs[field] == other[field], (key, field)
    board = json.dumps(dashboard(committed_prod))
    assert "env:prod,!kube_namespace:staging" in board and "!schedule:tenant-staging" in board
    unscoped = board.replace(",!kube_namespace:staging", "").replace(",!schedule:tenant-staging", "")
    assert unscoped == json.dumps(dashboard(alone))


def test_datadog_off_in_the_tenant_removes_its_monitors_dashboard_and_checks(plan: Planner) -> None:
    off = plan("staging", set_={"platform:datadog": {"enabled": False}})
    assert not [r for r in off.resources if r.type.startswith("datadog:") or r.type == PROVIDER]
    assert not off.of_type("kubernetes:core/v1:Service")
    assert "monitoring" not in off.outputs
    pg = cast(
        dict[str, Any], off.one("kubernetes:helm.sh/v3:Release", "postgresql-ha-release").inputs["values"]
    )
    assert "podAnnotations" not in pg["postgresql"]
    # The rest of the tenant stays.
    assert off.one("kubernetes:networking.k8s.io/v1:Ingress", "app-ingress")


def test_a_missing_key_in_the_tenant_is_one_clear_error(plan: Planner) -> None:
    with pytest.raises(ConfigError) as info:
        plan("staging", unset=("platform:datadogApiKey",))
    assert info.value.problems == [
        "platform: platform:datadogApiKey is required when platform:datadog.enabled is true "
        "(`pulumi config set --secret platform:datadogApiKey`)"
    ]


def test_a_host_without_its_cluster_agent_is_refused(plan: Planner) -> None:
    with pytest.raises(ConfigError) as info:
        plan(
            "prod",
            set_={
                "platform:datadog": {
                    "enabled": True,
                    "clusterAgent": False,
                    "notify": {"slackAccount": "reverse9", "emails": ["oncall@reverse9.xyz"]},
                }
            },
        )
    assert info.value.problems == [
        "platform:datadog.clusterAgent: the tenants of cloud:tenants (staging) have their HTTP checks run "
        "by this stack's cluster agent (annotated Services, dispatched as cluster checks); expected true"
    ]
