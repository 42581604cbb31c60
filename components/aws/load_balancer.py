"""`LoadBalancer`: the internet-facing NLB in front of the ingress controller, and its DNS names."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

LISTENER_PORTS = {"http": 80, "https": 443}
"""Public ports of the NLB, by entry point of the ingress controller."""


@dataclass(frozen=True)
class LoadBalancerArgs:
    """Inputs of `LoadBalancer`."""

    vpc_id: pulumi.Input[str]
    """VPC of the load balancer and its targets. Required."""
    public_subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets, one per zone, that the NLB spans. Required."""
    node_security_group_id: pulumi.Input[str]
    """Security group of the nodes; it gets rules admitting the NLB on the node ports. Required."""
    autoscaling_group_name: pulumi.Input[str]
    """Autoscaling group of the node group; its instances become the targets. Required."""
    node_ports: Mapping[str, int]
    """Ingress controller node port per entry point, `http` and `https` (e.g. 30080, 30443). Required."""
    hosted_zone_id: str
    """Route53 hosted zone of the DNS records. Required."""
    records: Mapping[str, str]
    """DNS records aliased to the NLB: stable key (the relative name, `apex` for the domain) to FQDN."""
    provider: aws.Provider
    """Explicit AWS provider every child uses. Required."""
    allowed_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """Client CIDRs admitted on ports 80 and 443 (the platform is public by default)."""
    deletion_protection: bool = False
    """Refuse deletion of the NLB at the API (prod)."""
    protect: bool = False
    """Protect the NLB and the DNS records in state (the records are the platform's
    public names; the NLB's DNS name is what they point at): prod."""


class LoadBalancer(pulumi.ComponentResource):
    """An internet-facing, cross-zone NLB forwarding TCP 80/443 to the ingress node ports."""

    arn: pulumi.Output[str]
    """ARN of the NLB."""
    dns_name: pulumi.Output[str]
    """DNS name of the NLB."""
    zone_id: pulumi.Output[str]
    """Route53 zone of the NLB's DNS name (for alias records)."""
    security_group_id: pulumi.Output[str]
    """Security group of the NLB."""
    fqdns: list[str]
    """Names aliased to the NLB."""

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:aws:LoadBalancer", name, None, opts)
        if set(args.node_ports) != set(LISTENER_PORTS):
            raise ValueError(f"LoadBalancer needs node ports for exactly {sorted(LISTENER_PORTS)}")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)

        # An NLB's security groups can only be chosen at creation: create one
        # now so that the nodes can admit the NLB by group, not by CIDR.
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="Internet-facing NLB of the ingress controller",
            tags={"Name": f"{name}-nlb"},
            opts=child,
        )
        for entry, port in LISTENER_PORTS.items():
            for cidr in args.allowed_cidrs:
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-{entry}-from-{cidr.replace('/', '-')}",
                    security_group_id=sg.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=cidr,
                    description=f"{entry} from clients",
                    opts=child,
                )
            node_port = args.node_ports[entry]
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{entry}-to-nodes",
                security_group_id=sg.id,
                ip_protocol="tcp",
                from_port=node_port,
                to_port=node_port,
                referenced_security_group_id=args.node_security_group_id,
                description=f"{entry} to the ingress node port",
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{entry}-nodes-from-nlb",
                security_group_id=args.node_security_group_id,
                ip_protocol="tcp",
                from_port=node_port,
                to_port=node_port,
                referenced_security_group_id=sg.id,
                description=f"{entry} from the NLB (traffic and health checks)",
                opts=child,
            )

        nlb = aws.lb.LoadBalancer(
            f"{name}-nlb",
            load_balancer_type="network",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[sg.id],
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=args.deletion_protection,
            ip_address_type="ipv4",
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=args.protect)),
        )
        for entry, port in LISTENER_PORTS.items():
            node_port = args.node_ports[entry]
            target = aws.lb.TargetGroup(
                f"{name}-{entry}",
                port=node_port,
                protocol="TCP",
                target_type="instance",
                vpc_id=args.vpc_id,
                health_check={
                    "enabled": True,
                    "protocol": "TCP",
                    "port": "traffic-port",
                    "healthy_threshold": 3,
                    "unhealthy_threshold": 3,
                    "interval": 10,
                },
                deregistration_delay=30,
                opts=child,
            )
            # Nodes come and go with the autoscaler: attaching the group keeps
            # the targets current without listing instances.
            aws.autoscaling.Attachment(
                f"{name}-{entry}",
                autoscaling_group_name=args.autoscaling_group_name,
                lb_target_group_arn=target.arn,
                opts=child,
            )
            # TCP on 443 too: TLS passes through to the ingress controller,
            # which holds the certificates (cert-manager), so the NLB needs none.
            aws.lb.Listener(
                f"{name}-{entry}",
                load_balancer_arn=nlb.arn,
                port=port,
                protocol="TCP",
                default_actions=[{"type": "forward", "target_group_arn": target.arn}],
                opts=child,
            )

        for key, fqdn in sorted(args.records.items()):
            aws.route53.Record(
                f"{name}-dns-{key}",
                zone_id=args.hosted_zone_id,
                name=fqdn,
                type="A",
                aliases=[{"name": nlb.dns_name, "zone_id": nlb.zone_id, "evaluate_target_health": True}],
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=args.protect)),
            )

        self.arn = nlb.arn
        self.dns_name = nlb.dns_name
        self.zone_id = nlb.zone_id
        self.security_group_id = sg.id
        self.fqdns = [fqdn for _, fqdn in sorted(args.records.items())]
        self.register_outputs(
            {"arn": self.arn, "dnsName": self.dns_name, "zoneId": self.zone_id, "fqdns": self.fqdns}
        )
