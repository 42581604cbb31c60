"""`Network`: the VPC, one public and one private subnet per zone, NAT, routes and flow logs."""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.aws.policies import account_of, assume_role_policy, kms_key_policy
from config.cluster import is_graviton

NAT_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
"""Public SSM parameter of the latest Amazon Linux 2023 AMI, resolved at each launch."""


def nat_user_data(vpc_cidr: str) -> str:
    """First boot of the NAT instance: forward and masquerade the VPC's traffic (AWS's AL2023 recipe)."""
    return f"""#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
systemctl enable --now iptables
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl --system
out=$(ip route show default | awk '{{print $5; exit}}')
iptables -t nat -A POSTROUTING -o "$out" -s {vpc_cidr} -j MASQUERADE
iptables -F FORWARD
iptables -A FORWARD -s {vpc_cidr} -j ACCEPT
iptables -A FORWARD -d {vpc_cidr} -m state --state ESTABLISHED,RELATED -j ACCEPT
iptables -P FORWARD DROP
service iptables save
"""


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
    nat_type: Literal["gateway", "instance"] = "gateway"
    """`gateway`: managed NAT gateways; `instance`: one EC2 NAT instance in an Auto Scaling group of one."""
    nat_instance_type: str = "t4g.nano"
    """Instance type of the NAT instance (Graviton types get the arm64 AMI)."""
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
    """NAT gateway ids (one, or one per zone), or the NAT instance's network interface id."""
    s3_endpoint: aws.ec2.VpcEndpoint
    """The S3 gateway endpoint on every route table."""

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
        # The NAT addresses keep their logical names whichever NAT uses them, so
        # switching between a gateway and an instance keeps the public address
        # (an Eip's `domain` is its only replacing input and does not change).
        eips = {
            letter: aws.ec2.Eip(
                f"{name}-nat-{letter}", domain="vpc", tags={"Name": f"{name}-nat-{letter}"}, opts=kept
            )
            for letter in nat_letters
        }
        targets: dict[str, aws.ec2.RouteTableRouteArgsDict] = {}
        nat_ids: list[pulumi.Output[str]] = []
        if args.nat_type == "instance":
            eni = self._nat_instance(
                name, args, vpc=vpc, subnet=public[0], letter=letters[0], eip=eips[letters[0]], child=child
            )
            targets = {
                letter: {"cidr_block": "0.0.0.0/0", "network_interface_id": eni.id} for letter in letters
            }
            nat_ids.append(eni.id)
        else:
            for letter in nat_letters:
                gateway = aws.ec2.NatGateway(
                    f"{name}-nat-{letter}",
                    allocation_id=eips[letter].allocation_id,
                    subnet_id=public[letters.index(letter)].id,
                    connectivity_type="public",
                    tags={"Name": f"{name}-nat-{letter}"},
                    opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[igw])),
                )
                nat_ids.append(gateway.id)
                targets[letter] = {"cidr_block": "0.0.0.0/0", "nat_gateway_id": gateway.id}

        private_tables: list[aws.ec2.RouteTable] = []
        for letter, subnet in zip(letters, private, strict=True):
            # Changing a route's target updates the table in place (inline routes).
            rt = aws.ec2.RouteTable(
                f"{name}-private-{letter}",
                vpc_id=vpc.id,
                routes=[targets.get(letter, targets[nat_letters[0]])],
                tags={"Name": f"{name}-private-{letter}"},
                opts=child,
            )
            private_tables.append(rt)
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{letter}", subnet_id=subnet.id, route_table_id=rt.id, opts=child
            )

        # Always: S3 traffic (Velero, image layers served from S3, the logical
        # dumps) leaves through this free gateway endpoint instead of the NAT's
        # per-GB charge.
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[public_rt.id, *[rt.id for rt in private_tables]],
            tags={"Name": f"{name}-s3"},
            opts=child,
        )

        if args.flow_logs:
            self._flow_logs(name, args, vpc, child, kept)

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self.nat_gateway_ids = pulumi.Output.all(*nat_ids)
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

    def _nat_instance(
        self,
        name: str,
        args: NetworkArgs,
        *,
        vpc: aws.ec2.Vpc,
        subnet: aws.ec2.Subnet,
        letter: str,
        eip: aws.ec2.Eip,
        child: pulumi.ResourceOptions,
    ) -> aws.ec2.NetworkInterface:
        """A NAT instance behind a fixed interface: the routes and the address outlive the instance."""
        group = aws.ec2.SecurityGroup(
            f"{name}-nat-instance",
            vpc_id=vpc.id,
            description=f"NAT instance of {name}: forwards the VPC's traffic only",
            ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [args.cidr]}],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
            tags={"Name": f"{name}-nat-instance"},
            opts=child,
        )
        # The interface, not the instance, carries the routes and the address;
        # forwarding needs its source/destination check off.
        eni = aws.ec2.NetworkInterface(
            f"{name}-nat-{letter}",
            subnet_id=subnet.id,
            security_groups=[group.id],
            source_dest_check=False,
            description=f"NAT instance of {name}",
            tags={"Name": f"{name}-nat-{letter}"},
            opts=child,
        )
        aws.ec2.EipAssociation(
            f"{name}-nat-{letter}", allocation_id=eip.allocation_id, network_interface_id=eni.id, opts=child
        )
        role = aws.iam.Role(
            f"{name}-nat-instance", assume_role_policy=assume_role_policy("ec2.amazonaws.com"), opts=child
        )
        # Session Manager instead of SSH: no key pair, no open port.
        aws.iam.RolePolicyAttachment(
            f"{name}-nat-instance-ssm",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            opts=child,
        )
        profile = aws.iam.InstanceProfile(f"{name}-nat-instance", role=role.name, opts=child)
        arch = "arm64" if is_graviton(args.nat_instance_type) else "x86_64"
        template = aws.ec2.LaunchTemplate(
            f"{name}-nat-instance",
            description=f"NAT instance of {name}: IMDSv2 only, encrypted root volume, no SSH key",
            image_id=f"resolve:ssm:{NAT_AMI_PARAMETER.format(arch=arch)}",
            instance_type=args.nat_instance_type,
            iam_instance_profile={"arn": profile.arn},
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
            network_interfaces=[{"device_index": 0, "network_interface_id": eni.id}],
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_size": 8,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            user_data=base64.b64encode(nat_user_data(args.cidr).encode()).decode(),
            tag_specifications=[
                {"resource_type": "instance", "tags": {"Name": f"{name}-nat-instance"}},
                {"resource_type": "volume", "tags": {"Name": f"{name}-nat-instance"}},
            ],
            update_default_version=True,
            opts=child,
        )
        # A group of one: a failed or terminated instance is replaced and
        # takes over the same interface (hence the same routes and address).
        aws.autoscaling.Group(
            f"{name}-nat-instance",
            min_size=1,
            max_size=1,
            desired_capacity=1,
            vpc_zone_identifiers=[subnet.id],
            health_check_type="EC2",
            health_check_grace_period=120,
            launch_template={"id": template.id, "version": "$Latest"},
            tags=[{"key": "Name", "value": f"{name}-nat-instance", "propagate_at_launch": True}],
            opts=child,
        )
        return eni

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
