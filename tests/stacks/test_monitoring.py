"""Monitors, dashboard and alert routing per environment, as the engine would receive them."""

import json
import re
from typing import Any

import pytest
import yaml

from components.monitoring.catalog import runbook_anchor
from config import ConfigError
from offline.harness import SECRET, PlanResult, Registered
from tests.components.monitoring.support import ISSUE_MONITORS, headings, listed_metrics, metric_refs
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
    return plan_platform("staging")


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
    assert "sum(last_26h):sum:velero.backup.success.count{env:prod}" in m["velero-stale"].inputs["query"]
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


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_every_message_links_an_existing_runbook_section(
    stack: str, prod: PlanResult, staging: PlanResult
) -> None:
    anchors = {runbook_anchor(h) for h in headings()}
    for key, monitor in monitors({"prod": prod, "staging": staging}[stack]).items():
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
