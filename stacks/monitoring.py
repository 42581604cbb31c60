"""The monitoring part of a stack: Datadog monitors, dashboard and alert routing; budget alerts to Slack."""

import pulumi
import pulumi_aws as aws

from components.aws.budget_alerts import BudgetSlackAlerts, BudgetSlackAlertsArgs
from components.kubernetes.velero import tenant_schedule_name
from components.monitoring.catalog import CatalogArgs, TenantScope, Thresholds, Workloads, monitor_catalog
from components.monitoring.dashboard import Dashboard, DashboardArgs
from components.monitoring.monitors import Monitors, MonitorsArgs
from components.monitoring.routing import AlertRouting, AlertRoutingArgs
from config import StackConfig
from config.cloud import CloudConfig
from config.platform import PlatformConfig
from stacks.providers import datadog_provider

OWNER_OF_SHARED_OBJECTS = "prod"
"""The stack that declares what belongs to the Datadog organisation rather than to
one environment (the Slack channel): deleting staging must not unplug prod's alerts."""


def alert_prefix(cfg: StackConfig, platform: PlatformConfig) -> str:
    """Text before every alert title: the configured one, else none in prod and `[<stack>]` elsewhere."""
    configured = platform.datadog.notify.prefix
    if configured is not None:
        return configured
    return "" if cfg.is_prod else f"[{cfg.stack}]"


def tenant_scope(cfg: StackConfig, cloud: CloudConfig) -> TenantScope | None:
    """What selects a tenant's data among its host's (None for a stack that owns its cluster)."""
    if cloud.host is None:
        return None
    return TenantScope(namespace=cloud.host.namespace, backup_schedule=tenant_schedule_name(cfg.stack))


def catalog_args(cfg: StackConfig, cloud: CloudConfig, platform: PlatformConfig) -> CatalogArgs:
    """The typed inputs of the monitor catalog, from the stack's configuration."""
    dd = platform.datadog
    t = dd.thresholds
    tenant = tenant_scope(cfg, cloud)
    workloads = Workloads(pgpool_replicas=platform.postgresql.pgpool_replicas)
    if tenant is not None:
        # A tenant's database runs in its namespace on the host's cluster.
        workloads = Workloads(
            pgpool_replicas=platform.postgresql.pgpool_replicas, pgpool_namespace=tenant.namespace
        )
    return CatalogArgs(
        env=cfg.stack,
        thresholds=Thresholds(
            node_cpu_percent=t.node_cpu_percent,
            node_memory_percent=t.node_memory_percent,
            pod_pending_minutes=t.pod_pending_minutes,
            crashloop_minutes=t.crashloop_minutes,
            pods_per_node_percent=t.pods_per_node_percent,
            latency_p95_seconds=t.latency_p95_seconds,
            request_rate_deviations=t.request_rate_deviations,
            error_5xx_percent=t.server_error_percent,
            replication_lag_seconds=t.replication_lag_seconds,
            backup_stale_hours=t.backup_stale_hours,
            certificate_days=t.certificate_days,
        ),
        autoscaling_metric=dd.autoscaling.metric,
        # Read where the stack owns its cluster; a tenant has no autoscaling monitor (its host's).
        autoscaling_maximum=dd.autoscaling.maximum
        or (cloud.cluster.node_group.max_size if cloud.cluster is not None else 1),
        workloads=workloads,
        tenant=tenant,
        tenant_namespaces=sorted(ns for t in cloud.tenants.values() for ns in t.namespaces),
        tenant_schedules=[tenant_schedule_name(t) for t in sorted(cloud.tenants)],
    )


def budget_note(cfg: StackConfig) -> str:
    """The dashboard's cost panel: the AWS budget and what Datadog costs outside it."""
    lines = ["**AWS budget**"]
    if cfg.cost is not None and cfg.cost.account is not None:
        lines.append(
            f"{cfg.cost.account.monthly_budget:g} {cfg.cost.currency}/month for the whole AWS account "
            f"({cfg.cost.account.id}), every stack together; alerts at 50, 80 and 100 % of actual spend "
            "and 100 % of forecast"
        )
    if cfg.cost is not None and cfg.cost.monthly_budget is not None:
        lines.append(
            f"{cfg.cost.monthly_budget:g} {cfg.cost.currency}/month, AWS Budgets `{cfg.stack}-monthly-cost`; "
            "alerts at 80 % and 100 % (actual and forecast) by e-mail"
            + (" and in Slack." if cfg.cost.slack is not None else ".")
        )
    else:
        lines.append("No AWS budget is set for this stack (`cost:monthlyBudget`).")
    lines.append(
        "Datadog bills its per-host fee outside AWS: it is not part of the AWS budget "
        "(docs/cost.md, Outside AWS)."
    )
    return "\n\n".join(lines)


def build_monitoring(cfg: StackConfig, cloud: CloudConfig, platform: PlatformConfig) -> None:
    """Declare the environment's alert routing, monitors and dashboard, when Datadog is enabled.

    Called by `build_platform` for a stack that owns its cluster and by `build_tenant` for a
    tenant of another stack's cluster, whose queries then select its own namespace, services
    and backup schedule (`tenant_scope`) and which leaves the node-level monitors to its host.
    """
    dd = platform.datadog
    if not dd.enabled:
        return
    if (
        platform.datadog_api_key is None
        or platform.datadog_app_key is None
        or dd.notify.slack_account is None
    ):
        # The schema refuses this combination; kept for type narrowing.
        raise ValueError(
            "platform:datadog.enabled needs platform:datadogApiKey, datadogAppKey and a Slack account"
        )
    provider = datadog_provider(
        f"{cfg.stack}-datadog",
        site=dd.site,
        api_key=platform.datadog_api_key.get_secret_value(),
        app_key=platform.datadog_app_key.get_secret_value(),
    )
    prefix = alert_prefix(cfg, platform)
    routing = AlertRouting(
        "alerts",
        AlertRoutingArgs(
            slack_account=dd.notify.slack_account,
            slack_channel=dd.notify.slack_channel,
            emails=dd.notify.emails,
            prefix=prefix,
            provider=provider,
            declare_channel=cfg.stack == OWNER_OF_SHARED_OBJECTS,
        ),
    )
    args = catalog_args(cfg, cloud, platform)
    monitors = Monitors(
        "monitors",
        MonitorsArgs(
            env=cfg.stack,
            specs=monitor_catalog(args),
            mentions=routing.mentions,
            prefix=prefix,
            runbook_url=dd.notify.runbook_url,
            provider=provider,
            depends_on=[routing.channel] if routing.channel is not None else [],
        ),
    )
    dashboard = Dashboard(
        "dashboard",
        DashboardArgs(
            env=cfg.stack,
            title_prefix=prefix,
            budget_note=budget_note(cfg),
            provider=provider,
            workloads=args.workloads,
            tenant=args.tenant,
            tenant_namespaces=args.tenant_namespaces,
            tenant_schedules=args.tenant_schedules,
        ),
    )
    pulumi.export(
        "monitoring",
        {
            "dashboardUrl": dashboard.dashboard.url,
            "monitors": {key: m.id for key, m in monitors.monitors.items()},
        },
    )


def budget_slack_alerts(cfg: StackConfig, provider: aws.Provider) -> BudgetSlackAlerts | None:
    """The SNS topic and Chatbot configuration posting budget alerts to Slack, when `cost:slack` is set."""
    if cfg.cost is None or cfg.cost.slack is None:
        return None
    return BudgetSlackAlerts(
        f"{cfg.stack}-budget-slack",
        BudgetSlackAlertsArgs(
            stack=cfg.stack,
            slack_workspace_id=cfg.cost.slack.workspace_id,
            slack_channel_id=cfg.cost.slack.channel_id,
            provider=provider,
        ),
    )
