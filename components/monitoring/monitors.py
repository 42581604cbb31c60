"""`Monitors`: one Datadog metric monitor per `MonitorSpec`, routed and linked to its runbook."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

# Submodules, not the package: pyright then binds only what is used instead of the
# 240 modules the package's __init__ star-imports (about half of `make typecheck`).
from pulumi_datadog._inputs import MonitorMonitorThresholdWindowsArgsDict
from pulumi_datadog.monitor import Monitor
from pulumi_datadog.provider import Provider as DatadogProvider

from components.monitoring.catalog import MonitorSpec, runbook_anchor


@dataclass(frozen=True)
class MonitorsArgs:
    """Inputs of `Monitors`."""

    env: str
    """The stack; every monitor is tagged `env:<env>`."""
    specs: Sequence[MonitorSpec]
    """What to watch (components.monitoring.catalog.monitor_catalog)."""
    mentions: Sequence[str]
    """Notification handles every message ends with (AlertRouting.mentions). At least one."""
    prefix: str
    """Text before every title, e.g. `[staging]`; "" for none."""
    runbook_url: str
    """Where docs/operations.md is read; each message links `<runbook_url>#<section anchor>`."""
    provider: DatadogProvider
    """Explicit Datadog provider."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What must exist first (the Slack channel the mentions name). Default ()."""


def monitor_message(spec: MonitorSpec, *, runbook_url: str, mentions: Sequence[str]) -> str:
    """The notification text: what happened, where the runbook is, who hears about it."""
    return f"{spec.summary}\n\nRunbook: {runbook_url}#{runbook_anchor(spec.runbook)}\n\n{' '.join(mentions)}"


def monitor_title(spec: MonitorSpec, prefix: str) -> str:
    """The monitor's name: the notification title in Slack and the e-mail subject."""
    return f"{prefix} {spec.title}" if prefix else spec.title


class Monitors(pulumi.ComponentResource):
    """An environment's monitors, named `<name>-<spec key>`."""

    monitors: dict[str, Monitor]
    """Monitor by spec key."""

    def __init__(self, name: str, args: MonitorsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:monitoring:Monitors", name, None, opts)
        if not args.mentions:
            raise ValueError(f"Monitors {name}: at least one notification handle is needed, or nobody hears")
        self.monitors = {}
        for spec in args.specs:
            windows: MonitorMonitorThresholdWindowsArgsDict | None = None
            if spec.anomaly_window is not None:
                windows = {"trigger_window": spec.anomaly_window, "recovery_window": spec.anomaly_window}
            self.monitors[spec.key] = Monitor(
                f"{name}-{spec.key}",
                name=monitor_title(spec, args.prefix),
                type=spec.monitor_type,
                query=spec.query,
                message=monitor_message(spec, runbook_url=args.runbook_url, mentions=args.mentions),
                monitor_thresholds={"critical": f"{spec.critical:g}"},
                monitor_threshold_windows=windows,
                notify_no_data=spec.notify_no_data,
                no_data_timeframe=spec.no_data_minutes,
                # Sparse metrics (cluster checks, counts) would skip evaluations otherwise.
                require_full_window=False,
                include_tags=True,
                priority=str(spec.priority),
                tags=[f"env:{args.env}", "managed-by:pulumi", f"monitor:{spec.key}"],
                opts=pulumi.ResourceOptions(
                    parent=self, provider=args.provider, depends_on=list(args.depends_on)
                ),
            )
        self.register_outputs({"monitor_ids": {key: m.id for key, m in self.monitors.items()}})
