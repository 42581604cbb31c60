"""Karpenter: launches the nodes pending pods need, prefers spot, and consolidates what is idle.

The managed node group keeps the system pods (Karpenter itself, CoreDNS);
everything else lands on nodes Karpenter buys from one NodePool: Graviton or
x86, spot first with on-demand as the fallback, within a vCPU ceiling.
Karpenter's controller reaches AWS through EKS Pod Identity with a policy
scoped to this cluster's tagged resources (after Karpenter's own reference
policy), and reads spot interruption warnings from an SQS queue.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.policies import account_of, assume_role_policy
from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from config.charts import ChartPin

SERVICE_ACCOUNT = "karpenter"
NAMESPACE = "karpenter"
NODE_CLASS = "default"
NODE_POOL = "default"

# EventBridge events Karpenter acts on before AWS takes a node away.
INTERRUPTION_EVENTS: dict[str, dict[str, Any]] = {
    "spot-interruption": {"source": ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"]},
    "rebalance": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"]},
    "state-change": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]},
    "scheduled-change": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
}


@dataclass(frozen=True)
class KarpenterArgs:
    """Inputs of `Karpenter`."""

    cluster: ClusterAccess
    """The cluster it scales (its providers; its `workloads_ready`, the managed node group and
    CoreDNS, is where Karpenter's controller runs)."""
    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    cluster_name: pulumi.Input[str]
    """Name of the EKS cluster."""
    cluster_endpoint: pulumi.Input[str]
    """API server endpoint of the cluster."""
    region: str
    """Region of the cluster."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Subnets the nodes are launched in."""
    node_security_group_id: pulumi.Input[str]
    """Security group of the nodes (the cluster security group EKS made)."""
    capacity_types: Sequence[str] = ("spot", "on-demand")
    """`spot`, `on-demand`: with both, spot first, on-demand when no spot pool fits."""
    architectures: Sequence[str] = ("arm64", "amd64")
    """CPU architectures of the nodes."""
    instance_families: Sequence[str] = ("t4g", "t3", "t3a", "m6g", "m7g", "m6i", "c6g", "c7g")
    """Instance families Karpenter chooses from."""
    max_cpu: int = 12
    """vCPU ceiling of the NodePool: the most it may ever run at once."""
    consolidate_after: str = "5m"
    """How long a node stays empty or underused before it is consolidated."""
    expire_after: str = "720h"
    """Node lifetime (new AMIs reach the nodes as they expire)."""
    disk_size_gib: int = 20
    """Encrypted gp3 root volume of each node."""
    replicas: int = 1
    """Controller replicas (one leader; a second only speeds up failover)."""
    protect: bool = False
    """Protect the nodes' access entry (prod): without it no Karpenter node can join."""


class Karpenter(pulumi.ComponentResource):
    """Karpenter's IAM, interruption queue, Helm release, EC2NodeClass and NodePool."""

    release: k8s.helm.v3.Release
    """The Helm release (installs Karpenter's CRDs)."""
    node_pool: k8s.apiextensions.CustomResource
    """The NodePool."""
    node_role_arn: pulumi.Output[str]
    """Role of the nodes Karpenter launches."""

    def __init__(self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:Karpenter", name, None, opts)
        aws_child = pulumi.ResourceOptions(parent=self, provider=args.cluster.aws_provider)
        account_id, partition = account_of(args.cluster.aws_provider)
        managed = f"arn:{partition}:iam::aws:policy"

        node_role = aws.iam.Role(
            f"{name}-node", assume_role_policy=assume_role_policy("ec2.amazonaws.com"), opts=aws_child
        )
        node_policies = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}", role=node_role.name, policy_arn=f"{managed}/{policy}", opts=aws_child
            )
            for policy in (
                "AmazonEKSWorkerNodePolicy",
                "AmazonEKS_CNI_Policy",
                "AmazonEC2ContainerRegistryPullOnly",
            )
        ]
        # Nodes join through an access entry of type EC2_LINUX (API authentication mode).
        node_access = aws.eks.AccessEntry(
            f"{name}-node",
            cluster_name=args.cluster_name,
            principal_arn=node_role.arn,
            type="EC2_LINUX",
            opts=pulumi.ResourceOptions.merge(aws_child, pulumi.ResourceOptions(protect=args.protect)),
        )

        queue = aws.sqs.Queue(
            f"{name}-interruption",
            message_retention_seconds=300,
            sqs_managed_sse_enabled=True,
            opts=aws_child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-interruption",
            queue_url=queue.url,
            policy=queue.arn.apply(_queue_policy),
            opts=aws_child,
        )
        for key, pattern in INTERRUPTION_EVENTS.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{key}",
                description=f"Karpenter: {pattern['detail-type'][0]}",
                event_pattern=json.dumps(pattern),
                opts=aws_child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{key}", rule=rule.name, arn=queue.arn, target_id="karpenter", opts=aws_child
            )

        controller = aws.iam.Role(
            f"{name}-controller",
            assume_role_policy=assume_role_policy("pods.eks.amazonaws.com", tag_session=True),
            opts=aws_child,
        )
        controller_policy = aws.iam.RolePolicy(
            f"{name}-controller",
            role=controller.id,
            policy=pulumi.Output.all(args.cluster_name, queue.arn, node_role.arn).apply(
                lambda v: controller_policy_document(
                    cluster=str(v[0]),
                    queue_arn=str(v[1]),
                    node_role_arn=str(v[2]),
                    region=args.region,
                    account_id=account_id,
                    partition=partition,
                )
            ),
            opts=aws_child,
        )
        identity = aws.eks.PodIdentityAssociation(
            f"{name}-controller",
            cluster_name=args.cluster_name,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            role_arn=controller.arn,
            opts=aws_child,
        )

        ns = namespace(self, name, namespace=NAMESPACE, cluster=args.cluster)
        computed: dict[str, Any] = {
            "settings": {
                "clusterName": args.cluster_name,
                "clusterEndpoint": args.cluster_endpoint,
                "interruptionQueue": queue.name,
            },
            "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
            "replicas": args.replicas,
            "controller": {
                "resources": {
                    "requests": {"cpu": "200m", "memory": "256Mi"},
                    "limits": {"memory": "512Mi"},
                }
            },
            # The chart's default affinity keeps the controller off the nodes it
            # manages (karpenter.sh/nodepool DoesNotExist): it runs on the system group.
            "podDisruptionBudget": {"name": "karpenter", "maxUnavailable": 1},
        }
        self.release = helm_release(
            self,
            name,
            release="karpenter",
            pin=args.chart,
            namespace=ns,
            cluster=args.cluster,
            computed=computed,
            depends_on=[identity, controller_policy, node_access, *node_policies],
        )
        k8s_child = pulumi.ResourceOptions(
            parent=self, provider=args.cluster.k8s_provider, depends_on=[self.release]
        )
        node_class = k8s.apiextensions.CustomResource(
            f"{name}-node-class",
            api_version="karpenter.k8s.aws/v1",
            kind="EC2NodeClass",
            metadata={"name": NODE_CLASS},
            spec=pulumi.Output.all(
                node_role.name, args.private_subnet_ids, args.node_security_group_id
            ).apply(
                lambda v: node_class_spec(
                    role=str(v[0]),
                    subnet_ids=list(v[1]),
                    security_group_id=str(v[2]),
                    disk_size_gib=args.disk_size_gib,
                )
            ),
            opts=k8s_child,
        )
        self.node_pool = k8s.apiextensions.CustomResource(
            f"{name}-node-pool",
            api_version="karpenter.sh/v1",
            kind="NodePool",
            metadata={"name": NODE_POOL},
            spec=node_pool_spec(args),
            opts=pulumi.ResourceOptions.merge(k8s_child, pulumi.ResourceOptions(depends_on=[node_class])),
        )
        self.node_role_arn = node_role.arn
        self.register_outputs({"release": self.release.name, "nodeRoleArn": self.node_role_arn})


def node_class_spec(
    *, role: str, subnet_ids: Sequence[str], security_group_id: str, disk_size_gib: int
) -> dict[str, Any]:
    """The EC2NodeClass: AL2023, the cluster's private subnets and node security group, IMDSv2 only."""
    return {
        "role": role,
        "amiSelectorTerms": [{"alias": "al2023@latest"}],
        # By id, not by discovery tag: nothing has to be tagged on prod's existing subnets.
        "subnetSelectorTerms": [{"id": subnet} for subnet in subnet_ids],
        "securityGroupSelectorTerms": [{"id": security_group_id}],
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "ebs": {
                    "volumeSize": f"{disk_size_gib}Gi",
                    "volumeType": "gp3",
                    "encrypted": True,
                    "deleteOnTermination": True,
                },
            }
        ],
    }


def node_pool_spec(args: KarpenterArgs) -> dict[str, Any]:
    """The NodePool: which instances, which capacity, how far, how consolidated."""
    return {
        "template": {
            "metadata": {"labels": {"campus/capacity": "karpenter"}},
            "spec": {
                "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": NODE_CLASS},
                "requirements": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": list(args.architectures)},
                    {
                        "key": "karpenter.sh/capacity-type",
                        "operator": "In",
                        "values": list(args.capacity_types),
                    },
                    {
                        "key": "karpenter.k8s.aws/instance-family",
                        "operator": "In",
                        "values": list(args.instance_families),
                    },
                    # Below medium, the DaemonSets (CNI, kube-proxy, agents) eat most of a node.
                    {
                        "key": "karpenter.k8s.aws/instance-size",
                        "operator": "In",
                        "values": ["medium", "large"],
                    },
                ],
                "expireAfter": args.expire_after,
            },
        },
        "limits": {"cpu": str(args.max_cpu)},
        "disruption": {
            "consolidationPolicy": "WhenEmptyOrUnderutilized",
            "consolidateAfter": args.consolidate_after,
        },
    }


def _queue_policy(queue_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EventBridgeDelivers",
                    "Effect": "Allow",
                    "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:*",
                    "Resource": queue_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )


def controller_policy_document(
    *, cluster: str, queue_arn: str, node_role_arn: str, region: str, account_id: str, partition: str
) -> str:
    """Karpenter's controller policy, scoped to this cluster's tagged resources (its reference policy)."""
    ec2 = f"arn:{partition}:ec2:{region}"
    owned = {
        f"aws:RequestTag/kubernetes.io/cluster/{cluster}": "owned",
        "aws:RequestTag/topology.kubernetes.io/region": region,
    }
    tagged = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster}": "owned"}
    # What launching a node creates: the same resources may be created and tagged at creation.
    launched = [
        f"{ec2}:*:{kind}/*"
        for kind in (
            "fleet",
            "instance",
            "volume",
            "network-interface",
            "launch-template",
            "spot-instances-request",
        )
    ]
    profiles = f"arn:{partition}:iam::{account_id}:instance-profile/*"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowScopedEC2InstanceAccessActions",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": [
                f"{ec2}::image/*",
                f"{ec2}::snapshot/*",
                f"{ec2}:*:security-group/*",
                f"{ec2}:*:subnet/*",
                f"{ec2}:*:capacity-reservation/*",
            ],
        },
        {
            "Sid": "AllowScopedEC2LaunchTemplateAccessActions",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": f"{ec2}:*:launch-template/*",
            "Condition": {
                "StringEquals": tagged,
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedEC2InstanceActionsWithTags",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            "Resource": launched,
            "Condition": {
                "StringEquals": owned,
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedResourceCreationTagging",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": launched,
            "Condition": {
                "StringEquals": {
                    **owned,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowScopedResourceTagging",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": f"{ec2}:*:instance/*",
            "Condition": {
                "StringEquals": tagged,
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster},
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
                },
            },
        },
        {
            "Sid": "AllowScopedDeletion",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Resource": [f"{ec2}:*:instance/*", f"{ec2}:*:launch-template/*"],
            "Condition": {
                "StringEquals": tagged,
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "AllowRegionalReadActions",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
        },
        {
            "Sid": "AllowSSMReadActions",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*",
        },
        {
            "Sid": "AllowPricingReadActions",
            "Effect": "Allow",
            "Action": "pricing:GetProducts",
            "Resource": "*",
        },
        {
            "Sid": "AllowInterruptionQueueActions",
            "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            "Resource": queue_arn,
        },
        {
            "Sid": "AllowPassingInstanceRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": node_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com"]}},
        },
        {
            "Sid": "AllowScopedInstanceProfileCreationActions",
            "Effect": "Allow",
            "Action": ["iam:CreateInstanceProfile"],
            "Resource": profiles,
            "Condition": {
                "StringEquals": owned,
                "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileTagActions",
            "Effect": "Allow",
            "Action": ["iam:TagInstanceProfile"],
            "Resource": profiles,
            "Condition": {
                "StringEquals": {**tagged, **owned},
                "StringLike": {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                },
            },
        },
        {
            "Sid": "AllowScopedInstanceProfileActions",
            "Effect": "Allow",
            "Action": [
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            "Resource": profiles,
            "Condition": {
                "StringEquals": tagged,
                "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "AllowInstanceProfileReadActions",
            "Effect": "Allow",
            "Action": "iam:GetInstanceProfile",
            "Resource": profiles,
        },
        {
            "Sid": "AllowAPIServerEndpointDiscovery",
            "Effect": "Allow",
            "Action": "eks:DescribeCluster",
            "Resource": f"arn:{partition}:eks:{region}:{account_id}:cluster/{cluster}",
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
