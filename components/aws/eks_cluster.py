"""`EksCluster`: the EKS control plane, its access, add-ons, node group and default StorageClass."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.kubeconfig import kubeconfig
from components.aws.policies import account_of, assume_role_policy, kms_key_policy

KUBERNETES_VERSION = "1.35"
"""The one place the cluster's Kubernetes minor version is pinned (EKS standard support until March 2027).

Add-on versions follow it: each add-on gets EKS's default build for this version.
"""

CONTROL_PLANE_LOGS = ("api", "audit", "authenticator")
"""Control-plane log types sent to CloudWatch Logs."""

ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
"""EKS access policy given to every administrator and to the CI identity."""

EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
"""Service account of the EBS CSI controller, bound to its IAM role by Pod Identity."""


@dataclass(frozen=True)
class EksClusterArgs:
    """Inputs of `EksCluster`."""

    cluster_name: str
    """Physical name of the cluster (also names its log group and kubeconfig context). Required."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets for the control-plane interfaces and the nodes. Required."""
    region: str
    """Region of the provider; the kubeconfig's token command and key policy name it. Required."""
    provider: aws.Provider
    """Explicit AWS provider every AWS child uses. Required."""
    admins: Mapping[str, str]
    """Cluster admins: stable key (principal name) to IAM role or user ARN, the CI identity included."""
    public_access_cidrs: Sequence[str] = ()
    """CIDRs allowed to reach the public API endpoint; empty turns it off (private endpoint only)."""
    log_retention_days: int = 90
    """Retention of the control-plane log group, in days."""
    instance_types: Sequence[str] = ("t3.large",)
    """Node instance types (x86_64: the node group runs the AL2023 x86_64 AMI)."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """Node capacity: `ON_DEMAND` or `SPOT`."""
    min_size: int = 2
    """Fewest nodes."""
    desired_size: int = 2
    """Nodes at creation; then left to the autoscaler (changes are ignored)."""
    max_size: int = 4
    """Most nodes."""
    disk_size_gib: int = 50
    """Encrypted gp3 root volume per node, in GiB."""
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    """CPU architecture of the node group's AL2023 AMI (`arm64` for Graviton types)."""
    support_type: Literal["STANDARD", "EXTENDED"] = "STANDARD"
    """EKS upgrade policy: STANDARD never bills extended support (0.60 USD/h instead of 0.10)."""
    storage_class_name: str = "gp3-encrypted"
    """Name of the default StorageClass (encrypted gp3 through the EBS CSI driver)."""
    protect: bool = False
    """Protect the stateful children (cluster, KMS key, log group) and the identities
    (access entries and their policy associations, the IAM OIDC provider), EKS
    deletion protection: prod."""


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster with secure defaults, a managed node group and a Kubernetes provider."""

    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    endpoint: pulumi.Output[str]
    """HTTPS endpoint of the API server."""
    certificate_authority: pulumi.Output[str]
    """Base64 CA bundle of the API server."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig (JSON) with an `aws eks get-token` exec user; secret."""
    cluster_security_group_id: pulumi.Output[str]
    """Security group EKS creates for the control plane and attaches to the managed nodes."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster (`https://oidc.eks...`), for IRSA trust policies."""
    oidc_provider_arn: pulumi.Output[str]
    """ARN of the IAM OIDC provider of the cluster, for IRSA trust policies."""
    node_group_name: pulumi.Output[str]
    """Name of the managed node group."""
    node_group: aws.eks.NodeGroup
    """The managed node group (the system nodes Karpenter itself runs on)."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """The private subnets of the cluster (Karpenter launches its nodes there)."""
    autoscaling_group_name: pulumi.Output[str]
    """Autoscaling group behind the node group (load balancer targets attach to it)."""
    kms_key_arn: pulumi.Output[str]
    """KMS key encrypting Kubernetes secrets and the control-plane logs."""
    k8s_provider: k8s.Provider
    """Kubernetes provider for this cluster; usable once the CI identity's access entry exists."""
    storage_class_name: str
    """Name of the default, encrypted gp3 StorageClass."""
    storage_ready: pulumi.Resource
    """The gp3 StorageClass, itself created after the EBS CSI driver add-on: anything with a
    PersistentVolumeClaim depends on it, so its volumes can bind from the first attempt."""
    workloads_ready: Sequence[pulumi.Resource]
    """The node group and the CoreDNS add-on: a Helm release that waits for its
    pods needs somewhere to schedule them and a resolver for their lookups."""

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:aws:EksCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        kept = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=args.protect))
        account_id, partition = account_of(args.provider)
        managed = f"arn:{partition}:iam::aws:policy"

        log_group_name = f"/aws/eks/{args.cluster_name}/cluster"
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the Kubernetes secrets and control-plane logs of {args.cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=kms_key_policy(
                account_id=account_id, region=args.region, partition=partition, log_groups=[log_group_name]
            ),
            opts=kept,
        )
        # Created before the cluster, so EKS writes into a group with our
        # retention and key instead of creating one that never expires.
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=key.arn,
            opts=kept,
        )

        cluster_role, cluster_policies = self._role(
            name,
            "cluster",
            "eks.amazonaws.com",
            [f"{managed}/AmazonEKSClusterPolicy"],
            child,
            tag_session=True,
        )
        # EKS encrypts secrets with the cluster role's rights on the key.
        key_use = aws.iam.RolePolicy(
            f"{name}-cluster-encryption",
            role=cluster_role.id,
            policy=key.arn.apply(_key_user),
            opts=child,
        )
        public = list(args.public_access_cidrs)
        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=KUBERNETES_VERSION,
            role_arn=cluster_role.arn,
            vpc_config={
                "subnet_ids": args.private_subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": bool(public),
                "public_access_cidrs": public or None,
            },
            access_config={
                "authentication_mode": "API",
                "bootstrap_cluster_creator_admin_permissions": False,
            },
            encryption_config={"provider": {"key_arn": key.arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            # Explicit: this flag can only be set at creation, and the default
            # (true) installs unmanaged copies of the add-ons managed below.
            bootstrap_self_managed_addons=False,
            # Explicit: without it a version leaving standard support moves to
            # extended support, billed 0.60 USD an hour instead of 0.10.
            # Updated in place (UpdateClusterConfig), never a replacement.
            upgrade_policy={"support_type": args.support_type},
            deletion_protection=args.protect,
            opts=pulumi.ResourceOptions.merge(
                kept, pulumi.ResourceOptions(depends_on=[logs, key_use, *cluster_policies])
            ),
        )

        # Kept in prod: losing the CI identity's entry locks CI out of the
        # cluster it would need to recreate it from.
        access = self._access(name, args, cluster, partition, kept)

        oidc_issuer = cluster.identities.apply(_issuer)
        # Kept in prod: every IRSA role trusts this provider's ARN.
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=oidc_issuer,
            client_id_lists=["sts.amazonaws.com"],
            opts=kept,
        )

        # Before the nodes: without the CNI a node never turns Ready, the CNI
        # reaches the API server through kube-proxy's service rules, and pods
        # started before the Pod Identity agent get no credentials.
        early = [
            self._addon(name, cluster, addon, child)
            for addon in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
        ]
        node_group = self._node_group(name, args, cluster, managed, child, early_addons=early)
        # After the nodes: these run Deployments that need somewhere to schedule.
        coredns = self._addon(name, cluster, "coredns", child, depends_on=[node_group])
        # Resource metrics for the HorizontalPodAutoscalers and `kubectl top`.
        self._addon(name, cluster, "metrics-server", child, depends_on=[node_group])
        ebs_role, ebs_policies = self._role(
            name,
            "ebs-csi",
            "pods.eks.amazonaws.com",
            [f"{managed}/service-role/AmazonEBSCSIDriverPolicy"],
            child,
            tag_session=True,
        )
        ebs = self._addon(
            name,
            cluster,
            "aws-ebs-csi-driver",
            child,
            depends_on=[node_group, early[-1], *ebs_policies],
            pod_identity=[{"role_arn": ebs_role.arn, "service_account": EBS_CSI_SERVICE_ACCOUNT}],
        )

        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data or "")
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.endpoint, self.certificate_authority, cluster.name).apply(
                lambda v: kubeconfig(
                    endpoint=v[0], certificate_authority=v[1], cluster_name=v[2], region=args.region
                )
            )
        )
        self.k8s_provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            # A fixed identifier: a new endpoint or token command then updates
            # the provider instead of replacing every Kubernetes resource.
            cluster_identifier=args.cluster_name,
            # The provider's first call must come after the CI identity can log in.
            opts=pulumi.ResourceOptions(parent=self, depends_on=access),
        )
        storage_class = k8s.storage.v1.StorageClass(
            f"{name}-{args.storage_class_name}",
            metadata={
                "name": args.storage_class_name,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"},
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy="Retain" if args.protect else "Delete",
            opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider, depends_on=[ebs]),
        )

        self.cluster_security_group_id = cluster.vpc_config.apply(lambda v: v.cluster_security_group_id or "")
        self.oidc_issuer_url = oidc_issuer
        self.oidc_provider_arn = oidc.arn
        self.node_group_name = node_group.node_group_name
        self.node_group = node_group
        self.private_subnet_ids = args.private_subnet_ids
        self.autoscaling_group_name = node_group.resources.apply(_autoscaling_group)
        self.kms_key_arn = key.arn
        self.storage_class_name = args.storage_class_name
        self.storage_ready = storage_class
        self.workloads_ready = (node_group, coredns)
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "endpoint": self.endpoint,
                "kubeconfig": self.kubeconfig,
                "oidcProviderArn": self.oidc_provider_arn,
                "autoscalingGroupName": self.autoscaling_group_name,
                "storageClass": storage_class.metadata.apply(lambda m: m.name or ""),
            }
        )

    def _role(
        self,
        name: str,
        role: str,
        service: str,
        policies: Sequence[str],
        child: pulumi.ResourceOptions,
        *,
        tag_session: bool = False,
    ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        """A role one service assumes, with AWS-managed policies attached; returns both."""
        created = aws.iam.Role(
            f"{name}-{role}",
            assume_role_policy=assume_role_policy(service, tag_session=tag_session),
            opts=child,
        )
        attachments: list[aws.iam.RolePolicyAttachment] = []
        for arn in policies:
            short = arn.rsplit("/", 1)[-1]
            attachments.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-{role}-{short}", role=created.name, policy_arn=arn, opts=child
                )
            )
        return created, attachments

    def _access(
        self,
        name: str,
        args: EksClusterArgs,
        cluster: aws.eks.Cluster,
        partition: str,
        opts: pulumi.ResourceOptions,
    ) -> list[pulumi.Resource]:
        done: list[pulumi.Resource] = []
        for key, arn in sorted(args.admins.items()):
            entry = aws.eks.AccessEntry(
                f"{name}-access-{key}",
                cluster_name=cluster.name,
                principal_arn=arn,
                type="STANDARD",
                opts=opts,
            )
            done.append(
                aws.eks.AccessPolicyAssociation(
                    f"{name}-admin-{key}",
                    cluster_name=cluster.name,
                    principal_arn=arn,
                    policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/{ADMIN_POLICY}",
                    access_scope={"type": "cluster"},
                    opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[entry])),
                )
            )
        return done

    def _addon(
        self,
        name: str,
        cluster: aws.eks.Cluster,
        addon: str,
        child: pulumi.ResourceOptions,
        *,
        depends_on: Sequence[pulumi.Resource] = (),
        pod_identity: Sequence[aws.eks.AddonPodIdentityAssociationArgsDict] = (),
    ) -> aws.eks.Addon:
        version = aws.eks.get_addon_version_output(
            addon_name=addon,
            kubernetes_version=KUBERNETES_VERSION,
            most_recent=False,
            opts=pulumi.InvokeOutputOptions(provider=child.provider),
        )
        return aws.eks.Addon(
            f"{name}-{addon}",
            cluster_name=cluster.name,
            addon_name=addon,
            addon_version=version.version,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            pod_identity_associations=list(pod_identity) or None,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(depends_on))),
        )

    def _node_group(
        self,
        name: str,
        args: EksClusterArgs,
        cluster: aws.eks.Cluster,
        managed: str,
        child: pulumi.ResourceOptions,
        *,
        early_addons: Sequence[pulumi.Resource],
    ) -> aws.eks.NodeGroup:
        node_role, node_policies = self._role(
            name,
            "node",
            "ec2.amazonaws.com",
            [
                f"{managed}/AmazonEKSWorkerNodePolicy",
                f"{managed}/AmazonEC2ContainerRegistryPullOnly",
                f"{managed}/AmazonEKS_CNI_Policy",
            ],
            child,
        )
        template = aws.ec2.LaunchTemplate(
            f"{name}-nodes",
            description=f"Nodes of {args.cluster_name}: IMDSv2 only, encrypted gp3 root volume",
            # IMDSv2 only, and a hop limit of 1 so pods cannot reach the node's
            # role through the metadata service (they use Pod Identity or IRSA).
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_size": args.disk_size_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            tag_specifications=[
                {"resource_type": "instance", "tags": {"Name": f"{args.cluster_name}-node"}},
                {"resource_type": "volume", "tags": {"Name": f"{args.cluster_name}-node"}},
            ],
            update_default_version=True,
            opts=child,
        )
        return aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=args.private_subnet_ids,
            ami_type="AL2023_ARM_64_STANDARD" if args.architecture == "arm64" else "AL2023_x86_64_STANDARD",
            capacity_type=args.capacity_type,
            instance_types=list(args.instance_types),
            scaling_config={
                "min_size": args.min_size,
                "desired_size": args.desired_size,
                "max_size": args.max_size,
            },
            update_config={"max_unavailable": 1},
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            labels={"campus/capacity": args.capacity_type.lower()},
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    depends_on=[*early_addons, *node_policies],
                    # The autoscaler owns the node count after creation. The
                    # path is the engine's camelCase one: `scaling_config`
                    # would silently match nothing.
                    ignore_changes=["scalingConfig.desiredSize"],
                ),
            ),
        )


def _key_user(key_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                    "Resource": key_arn,
                }
            ],
        }
    )


def _issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    for identity in identities:
        for oidc in identity.oidcs or []:
            if oidc.issuer:
                return oidc.issuer
    raise ValueError("the EKS cluster reported no OIDC issuer")


def _autoscaling_group(resources: Sequence[aws.eks.outputs.NodeGroupResource]) -> str:
    for resource in resources:
        for group in resource.autoscaling_groups or []:
            if group.name:
                return group.name
    raise ValueError("the EKS node group reported no autoscaling group")
