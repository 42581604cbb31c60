"""One owner per DNS name: Pulumi's alias records or external-dns, never both.

`cloud:dns.records` become Route53 alias records that Pulumi owns;
`platform:hosts` become Ingress hosts that external-dns publishes. external-dns
runs upsert-only with a TXT registry, so a name Pulumi already holds is skipped
(no TXT record of its own) and the two would disagree silently.
"""

from config.cloud import CloudConfig
from config.platform import PlatformConfig


def dns_owner_problems(cloud: CloudConfig, platform: PlatformConfig) -> list[str]:
    """Messages naming each label that both keys claim; empty when they are disjoint."""
    shared = sorted(set(cloud.dns.records) & set(platform.hosts))
    return [
        f"cloud:dns.records and platform:hosts both list {label!r} ({cloud.dns.fqdn(label)}): "
        "expected each name to have one owner; remove it from cloud:dns.records "
        "(external-dns publishes platform:hosts)"
        for label in shared
    ]
