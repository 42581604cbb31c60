"""`AlertRouting`: where an environment's alerts go (Slack through Datadog, e-mail)."""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

# Submodules, not the package: pyright then binds only what is used instead of the
# 240 modules the package's __init__ star-imports (about half of `make typecheck`).
from pulumi_datadog.provider import Provider as DatadogProvider
from pulumi_datadog.slack import Channel as SlackChannel


@dataclass(frozen=True)
class AlertRoutingArgs:
    """Inputs of `AlertRouting`."""

    slack_account: str
    """Account name of the Slack workspace in Datadog's Slack integration, e.g. `reverse9`."""
    slack_channel: str
    """Channel with its `#`, e.g. `#alertes`."""
    emails: Sequence[str]
    """Addresses that also receive every alert (prod); () for Slack only."""
    prefix: str
    """Text before every monitor's title, e.g. `[staging]`; "" for none."""
    provider: DatadogProvider
    """Explicit Datadog provider."""
    declare_channel: bool = True
    """Declare the Slack channel resource. The channel belongs to the Datadog
    organisation, not to a stack: when several stacks share one organisation,
    exactly one of them declares it (prod), the others only mention it. Default True."""


class AlertRouting(pulumi.ComponentResource):
    """The Slack channel in Datadog's Slack integration and the mentions every monitor message ends with."""

    channel: SlackChannel | None
    """The Slack channel resource, when this stack declares it."""
    mentions: list[str]
    """Datadog notification handles: `@slack-<account>-<channel>`, then `@<address>` per e-mail."""
    prefix: str
    """Text before every monitor title ("" for none)."""

    def __init__(self, name: str, args: AlertRoutingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:monitoring:AlertRouting", name, None, opts)
        if not args.slack_channel.startswith("#"):
            raise ValueError(
                f"AlertRouting {name}: slack_channel must start with '#', got {args.slack_channel!r}"
            )
        channel_name = args.slack_channel.removeprefix("#")
        self.channel = None
        if args.declare_channel:
            self.channel = SlackChannel(
                f"{name}-slack",
                account_name=args.slack_account,
                channel_name=args.slack_channel,
                # Snapshot, tags and the message make an alert readable in Slack
                # without opening Datadog; mute buttons let on-call silence a flapping one.
                display={
                    "message": True,
                    "notified": True,
                    "snapshot": True,
                    "tags": True,
                    "mute_buttons": True,
                },
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
            )
        # Datadog's handle for a Slack channel is `@slack-<account>-<channel without #>`.
        self.mentions = [f"@slack-{args.slack_account}-{channel_name}", *(f"@{a}" for a in args.emails)]
        self.prefix = args.prefix
        self.register_outputs({"mentions": self.mentions})
