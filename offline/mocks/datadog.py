"""Computed values of Datadog resources, in the shapes Datadog's API gives them."""

import json
import re
from collections.abc import Mapping
from typing import Any, cast

from offline.mocks.registry import Context, resource, stable_hex


@resource("datadog:index/monitor:Monitor")
def _monitor(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # Monitor ids are positive integers (8 digits in current organisations), as strings in the state.
    monitor_id = str(10_000_000 + int(stable_hex(ctx.stack, "monitor", name, length=8), 16) % 90_000_000)
    return monitor_id, {}


@resource("datadog:index/dashboardJson:DashboardJson")
def _dashboard(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # Dashboard ids are three groups of three characters, e.g. `abc-def-ghi`; the
    # URL path ends with a slug of the title.
    digest = stable_hex(ctx.stack, "dashboard", name, length=9)
    dashboard_id = f"{digest[0:3]}-{digest[3:6]}-{digest[6:9]}"
    title = str(_title(inputs.get("dashboard")) or name)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return dashboard_id, {"url": f"/dashboard/{dashboard_id}/{slug}"}


@resource("datadog:slack/channel:Channel")
def _slack_channel(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's id is `<account name>:<channel name>` (its import format).
    return f"{inputs.get('accountName')}:{inputs.get('channelName')}", {}


def _title(document: Any) -> str | None:
    if not isinstance(document, str):
        return None  # unknown during a preview
    title = cast(dict[str, Any], json.loads(document)).get("title")
    return title if isinstance(title, str) else None
