"""`DnsAliases`: Route53 alias records of one zone pointing at a load balancer another stack owns."""

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class DnsAliasesArgs:
    """Inputs of `DnsAliases`."""

    hosted_zone_id: str
    """Route53 zone of the records."""
    records: Mapping[str, str]
    """Stable key (the relative name, `apex` for the domain) to FQDN."""
    target_dns_name: pulumi.Input[str]
    """DNS name of the load balancer."""
    target_zone_id: pulumi.Input[str]
    """Route53 zone of the load balancer's DNS name."""
    provider: aws.Provider
    """Explicit AWS provider."""


class DnsAliases(pulumi.ComponentResource):
    """One alias A record per name (alias queries to AWS resources are free)."""

    fqdns: list[str]
    """The names, sorted by key."""

    def __init__(self, name: str, args: DnsAliasesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:aws:DnsAliases", name, None, opts)
        for key, fqdn in sorted(args.records.items()):
            aws.route53.Record(
                f"{name}-{key}",
                zone_id=args.hosted_zone_id,
                name=fqdn,
                type="A",
                aliases=[
                    {
                        "name": args.target_dns_name,
                        "zone_id": args.target_zone_id,
                        "evaluate_target_health": True,
                    }
                ],
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
            )
        self.fqdns = [fqdn for _, fqdn in sorted(args.records.items())]
        self.register_outputs({"fqdns": self.fqdns})
