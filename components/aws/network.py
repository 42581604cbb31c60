"""`Network`: the VPC, one public and one private subnet per zone, NAT, routes and flow logs."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.aws.policies import account_of, assume_role_policy, kms_key_policy


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of `Network`."""

    cidr: str
    """VPC CIDR, e.g. `10.20.0.0/16`. Required."""
    public_subnet_cidrs: Sequence[str]
    """Public subnet CIDRs, one per zone, in zone order; checked by `config.cloud`. Required."""
    private_subnet_cidrs: Sequence[str]
    """Private subnet CIDRs, one per zone, in zone order (as many as the public ones). Required."""
    region: str
    """Region of the provider; flow-log key policies name it. Required."""
    provider: aws.Provider
    """Explicit AWS provider every child uses. Required."""
    nat_gateways: Literal["single", "perZone"] = "single"
    """`single`: one NAT gateway in the first zone (cheap); `perZone`: one per zone (survives a zone loss)."""
    flow_logs: bool = False
    """Send VPC flow logs to a KMS-encrypted CloudWatch log group."""
    flow_log_retention_days: int = 90
    """Retention of the flow log group, in days (a CloudWatch Logs value)."""
    protect: bool = False
    """Protect the stateful children (VPC, subnets, NAT addresses, flow-log key and group): prod."""


class Network(pulumi.ComponentResource):
    """A VPC across availability zones, laid out for EKS and an internet-facing NLB."""

    vpc_id: pulumi.Output[str]
    """Id of the VPC."""
    zones: list[str]
    """Availability zone names used, in zone order."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnet ids, in zone order (NLB, NAT gateways)."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnet ids, in zone order (nodes, pods, control-plane interfaces)."""
    nat_gateway_ids: pulumi.Output[list[str]]
    """NAT gateway ids: one, or one per zone."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:aws:Network", name, None, opts)
        if len(args.public_subnet_cidrs) != len(args.private_subnet_cidrs):
            raise ValueError("Network needs as many private subnets as public ones (one of each per zone)")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        kept = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=args.protect))

        self.zones = self._zone_names(args.provider, len(args.public_subnet_cidrs))
        letters = [zone[-1] for zone in self.zones]

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"{name}-vpc"},
            opts=kept,
        )
        # Adopting the default security group with no rules removes AWS's
        # allow-all-within-the-group rules: nothing may rely on it.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, tags={"Name": f"{name}-default-deny"}, opts=child
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": f"{name}-igw"}, opts=child)

        public: list[aws.ec2.Subnet] = []
        private: list[aws.ec2.Subnet] = []
        for zone, letter, pub_cidr, priv_cidr in zip(
            self.zones, letters, args.public_subnet_cidrs, args.private_subnet_cidrs, strict=True
        ):
            # No public IPs on launch anywhere: only the NLB and NAT gateways
            # live in public subnets, and both get their addresses explicitly.
            public.append(
                aws.ec2.Subnet(
                    f"{name}-public-{letter}",
                    vpc_id=vpc.id,
                    cidr_block=pub_cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-public-{letter}", "kubernetes.io/role/elb": "1"},
                    opts=kept,
                )
            )
            private.append(
                aws.ec2.Subnet(
                    f"{name}-private-{letter}",
                    vpc_id=vpc.id,
                    cidr_block=priv_cidr,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-private-{letter}", "kubernetes.io/role/internal-elb": "1"},
                    opts=kept,
                )
            )

        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags={"Name": f"{name}-public"},
            opts=child,
        )
        for letter, subnet in zip(letters, public, strict=True):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{letter}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child
            )

        nat_letters = letters if args.nat_gateways == "perZone" else letters[:1]
        nats: dict[str, aws.ec2.NatGateway] = {}
        for letter in nat_letters:
            eip = aws.ec2.Eip(
                f"{name}-nat-{letter}", domain="vpc", tags={"Name": f"{name}-nat-{letter}"}, opts=kept
            )
            nats[letter] = aws.ec2.NatGateway(
                f"{name}-nat-{letter}",
                allocation_id=eip.allocation_id,
                subnet_id=public[letters.index(letter)].id,
                connectivity_type="public",
                tags={"Name": f"{name}-nat-{letter}"},
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[igw])),
            )

        for letter, subnet in zip(letters, private, strict=True):
            nat = nats.get(letter, nats[nat_letters[0]])
            rt = aws.ec2.RouteTable(
                f"{name}-private-{letter}",
                vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                tags={"Name": f"{name}-private-{letter}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{letter}", subnet_id=subnet.id, route_table_id=rt.id, opts=child
            )

        if args.flow_logs:
            self._flow_logs(name, args, vpc, child, kept)

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self.nat_gateway_ids = pulumi.Output.all(*[n.id for n in nats.values()])
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "zones": self.zones,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "natGatewayIds": self.nat_gateway_ids,
            }
        )

    @staticmethod
    def _zone_names(provider: aws.Provider, count: int) -> list[str]:
        # Resolved now, not as an Output: each zone's letter names its
        # resources, so adding a zone never renames another one.
        found = aws.get_availability_zones(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(provider=provider),
        )
        names = sorted(found.names)
        if len(names) < count:
            raise ValueError(
                f"the region offers {len(names)} availability zones; the network asks for {count}"
            )
        return names[:count]

    def _flow_logs(
        self,
        name: str,
        args: NetworkArgs,
        vpc: aws.ec2.Vpc,
        child: pulumi.ResourceOptions,
        kept: pulumi.ResourceOptions,
    ) -> None:
        account_id, partition = account_of(args.provider)
        group_name = f"/aws/vpc/{name}/flow-logs"
        key = aws.kms.Key(
            f"{name}-flow-logs-key",
            description=f"Encrypts the VPC flow logs of {name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=kms_key_policy(
                account_id=account_id, region=args.region, partition=partition, log_groups=[group_name]
            ),
            opts=kept,
        )
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=group_name,
            kms_key_id=key.arn,
            retention_in_days=args.flow_log_retention_days,
            opts=kept,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=group.arn.apply(_flow_log_writer),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags={"Name": f"{name}-flow-logs"},
            opts=child,
        )


def _flow_log_writer(group_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogGroups",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [group_arn, f"{group_arn}:*"],
                }
            ],
        }
    )
