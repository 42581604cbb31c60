"""The monitor catalog: real metrics only, scoped to the environment, thresholds where configured."""

import re
from dataclasses import replace

import pytest

from components.monitoring.catalog import (
    CatalogArgs,
    MonitorSpec,
    TenantScope,
    Thresholds,
    Workloads,
    metrics_of,
    monitor_catalog,
    runbook_anchor,
)
from tests.components.monitoring.support import (
    ISSUE_MONITORS,
    NODE_LEVEL_MONITORS,
    PLATFORM,
    TENANT_MONITORS,
    headings,
    listed_metrics,
    metric_refs,
    scope_keys,
)

THRESHOLDS = Thresholds(
    node_cpu_percent=85,
    node_memory_percent=90,
    pod_pending_minutes=15,
    crashloop_minutes=10,
    pods_per_node_percent=90,
    latency_p95_seconds=1.0,
    request_rate_deviations=3,
    error_5xx_percent=5,
    replication_lag_seconds=30,
    backup_stale_hours=26,
    certificate_days=14,
)


def catalog(env: str = "prod", **changes: float) -> dict[str, MonitorSpec]:
    args = CatalogArgs(
        env=env,
        thresholds=replace(THRESHOLDS, **changes),
        autoscaling_metric="kubernetes_state.node.count",
        autoscaling_maximum=6,
        workloads=Workloads(pgpool_replicas=2),
    )
    return {s.key: s for s in monitor_catalog(args)}


def tenant_catalog(namespace: str = "staging", schedule: str = "tenant-staging") -> dict[str, MonitorSpec]:
    args = CatalogArgs(
        env="staging",
        thresholds=THRESHOLDS,
        autoscaling_metric="kubernetes_state.node.count",
        autoscaling_maximum=6,
        workloads=Workloads(pgpool_replicas=1, pgpool_namespace=namespace),
        tenant=TenantScope(namespace=namespace, backup_schedule=schedule),
    )
    return {s.key: s for s in monitor_catalog(args)}


# What selects a tenant's series: its namespace, its services' names, its backup schedule.
TENANT_SELECTORS = {"kube_namespace:staging", "traefik_service:staging-*", "schedule:tenant-staging"}


def test_it_covers_what_the_issue_lists() -> None:
    assert set(catalog()) == ISSUE_MONITORS


def test_a_tenant_gets_the_documented_subset_without_the_node_level_monitors() -> None:
    assert set(tenant_catalog()) == TENANT_MONITORS
    assert len(TENANT_MONITORS) >= 10


def test_the_tenant_subset_is_the_documented_one() -> None:
    section = PLATFORM.read_text().split("### Staging as a tenant", 1)[1].split("\n### ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| ")][2:]  # after the header and rule
    # First column: monitor keys, commas between, an optional `(note)` after each.
    documented = {re.sub(r"\(.*\)", "", key).strip() for row in rows for key in row.split("|")[1].split(",")}
    assert documented == TENANT_MONITORS == set(tenant_catalog())
    left_out = section.split("**Left out, the host's job:**", 1)[1].split("\n\n", 1)[0]
    assert all(key in left_out for key in NODE_LEVEL_MONITORS)


def test_every_tenant_query_selects_the_tenants_series_only() -> None:
    listed = listed_metrics()
    for spec in tenant_catalog().values():
        refs = metric_refs(spec.query)
        assert refs and {m for m, _ in refs} == set(spec.metrics), spec.key
        for metric, scope in refs:
            assert metric in listed, f"{spec.key}: {metric} is not in components/monitoring/metrics.yaml"
            # The host's agents put env:<host> on what they collect: never select on it.
            assert not [t for t in scope if t.startswith("env:") and t != "env:staging"], spec.key
            assert TENANT_SELECTORS & set(scope), f"{spec.key}: {scope} selects nothing of the tenant's"
            # Only tags the source puts on the metric (env comes from the tenant's check instances).
            tags = set(listed[metric].get("tags", [])) | {"env"}
            assert scope_keys(scope) <= tags, f"{spec.key}: {metric} has no {scope_keys(scope) - tags} tag"


def test_tenant_queries_read_per_service_ingress_series_and_its_schedule() -> None:
    c = tenant_catalog()
    assert c["latency-p95"].query == (
        "avg(last_10m):p95:traefik_mesh.service.request.duration.seconds{traefik_service:staging-*} > 1"
    )
    assert (
        "sum:traefik_mesh.service.requests.count{traefik_service:staging-*,code:5*}" in c["errors-5xx"].query
    )
    assert c["pgpool-health"].query == (
        "max(last_10m):sum:kubernetes_state.deployment.replicas_available"
        "{kube_namespace:staging,kube_deployment:postgresql-ha-pgpool} < 1"
    )
    assert c["velero-stale"].query == (
        "sum(last_26h):sum:velero.backup.success.count{schedule:tenant-staging}.as_count() < 1"
    )
    assert c["ingress-availability"].query == (
        "max(last_5m):min:network.http.can_connect{env:staging,kube_namespace:staging} by {url} < 1"
    )
    # Thresholds and comparators as for a cluster owner.
    for key in ("latency-p95", "errors-5xx", "certificate-expiry", "postgresql-replication-lag"):
        assert (c[key].comparator, c[key].critical) == (catalog()[key].comparator, catalog()[key].critical)


TENANT_WORKLOADS = {
    "pods-pending", "pods-crashloop", "pgpool-health", "postgresql-replication-lag",
    "ingress-availability", "certificate-expiry",
}  # fmt: skip
"""The owner's monitors whose data its tenants' workloads also feed (through the owner's agents)."""


def test_a_cluster_owner_leaves_its_tenants_workloads_to_them() -> None:
    # Else a staging pod stuck Pending, or staging's backups failing, would page prod's on-call by
    # e-mail as well as reaching staging's Slack-only route.
    args = CatalogArgs(
        env="prod",
        thresholds=THRESHOLDS,
        autoscaling_metric="kubernetes_state.node.count",
        autoscaling_maximum=6,
        tenant_namespaces=("staging",),
        tenant_schedules=("tenant-staging",),
    )
    owner, alone = {s.key: s for s in monitor_catalog(args)}, catalog()
    for key, spec in owner.items():
        if key in TENANT_WORKLOADS:
            assert "env:prod,!kube_namespace:staging" in spec.query, key
            assert spec.query.replace(",!kube_namespace:staging", "") == alone[key].query, key
        elif key.startswith("velero-"):
            assert "{env:prod,!schedule:tenant-staging}" in spec.query, key
            assert spec.query.replace(",!schedule:tenant-staging", "") == alone[key].query, key
        else:
            # The nodes, the autoscaler and the shared ingress entrypoints serve every tenant: the owner's.
            assert spec == alone[key], key


def test_a_tenants_pgpool_outside_its_namespace_is_refused() -> None:
    args = CatalogArgs(
        env="staging",
        thresholds=THRESHOLDS,
        autoscaling_metric="kubernetes_state.node.count",
        autoscaling_maximum=6,
        workloads=Workloads(pgpool_replicas=1),  # the default namespace, `postgresql`: prod's
        tenant=TenantScope(namespace="staging", backup_schedule="tenant-staging"),
    )
    with pytest.raises(ValueError, match="runs in its namespace 'staging'"):
        monitor_catalog(args)


@pytest.mark.parametrize("env", ["prod", "staging"])
def test_every_query_reads_listed_metrics_scoped_to_its_environment(env: str) -> None:
    listed = listed_metrics()
    for spec in catalog(env).values():
        refs = metric_refs(spec.query)
        assert refs, f"{spec.key}: no metric found in {spec.query!r}"
        assert {m for m, _ in refs} == set(spec.metrics), spec.key
        for metric, scope in refs:
            assert metric in listed, f"{spec.key}: {metric} is not in components/monitoring/metrics.yaml"
            assert f"env:{env}" in scope, f"{spec.key}: {metric} is not filtered on env:{env}"


def test_each_query_ends_with_its_comparator_and_critical_threshold() -> None:
    for spec in [*catalog().values(), *tenant_catalog().values()]:
        match = re.search(r"\s(>=|<=|>|<)\s*([0-9.]+)$", spec.query)
        assert match is not None, spec.key
        assert (match.group(1), float(match.group(2))) == (spec.comparator, spec.critical), spec.key


def test_thresholds_come_from_the_configuration() -> None:
    base, tuned = catalog(), catalog(node_cpu_percent=70, backup_stale_hours=30, certificate_days=21)
    assert base["node-cpu"].query.endswith("> 85") and tuned["node-cpu"].query.endswith("> 70")
    assert "sum(last_26h)" in base["velero-stale"].query
    assert "sum(last_30h)" in tuned["velero-stale"].query
    assert tuned["certificate-expiry"].critical == 21
    assert tuned["certificate-expiry"].query.endswith("< 21")


def test_queries_read_what_the_issue_asks() -> None:
    c = catalog()
    assert "p95:traefik_mesh.entrypoint.request.duration.seconds" in c["latency-p95"].query
    assert "anomalies(" in c["request-rate-anomaly"].query
    assert c["request-rate-anomaly"].anomaly_window == "last_15m"
    assert "code:5*" in c["errors-5xx"].query and c["errors-5xx"].query.count("/") == 1
    assert "kube_deployment:postgresql-ha-pgpool" in c["pgpool-health"].query
    assert c["pgpool-health"].query.endswith("< 2")
    assert "velero.backup.success.count" in c["velero-stale"].query
    assert c["autoscaling-max"].query == "max(last_15m):sum:kubernetes_state.node.count{env:prod} >= 6"


def test_an_outage_notifies_when_its_data_disappears() -> None:
    c = catalog()
    assert c["ingress-availability"].notify_no_data and c["pgpool-health"].notify_no_data
    assert not c["node-cpu"].notify_no_data


def test_every_runbook_is_a_section_of_the_operations_page() -> None:
    sections = headings()
    for spec in catalog().values():
        assert spec.runbook in sections, f"{spec.key}: docs/operations.md has no '## {spec.runbook}'"


def test_runbook_anchors_follow_markdown_renderers() -> None:
    assert (
        runbook_anchor("PostgreSQL replication lag or pgpool down")
        == "postgresql-replication-lag-or-pgpool-down"
    )
    assert runbook_anchor("Node CPU or memory high") == "node-cpu-or-memory-high"


def test_the_metric_list_names_a_source_for_every_metric() -> None:
    listed = listed_metrics()
    assert metrics_of([*catalog().values(), *tenant_catalog().values()]) <= set(listed)
