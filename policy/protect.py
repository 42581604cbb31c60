"""Prod's stateful resources carry `protect`, so no update or destroy deletes them by accident."""

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policy.common import stack_of

PROD_STACKS = ("prod",)

STATEFUL_TYPES = frozenset(
    {
        "aws:ec2/vpc:Vpc",
        "aws:eks/cluster:Cluster",
        "aws:kms/key:Key",
        "aws:eks/accessEntry:AccessEntry",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:route53/record:Record",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:ebs/volume:Volume",
        "aws:efs/fileSystem:FileSystem",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:dynamodb/table:Table",
        "aws:ecr/repository:Repository",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:secretsmanager/secret:Secret",
        "aws:backup/vault:Vault",
        "kubernetes:core/v1:PersistentVolume",
        "kubernetes:core/v1:PersistentVolumeClaim",
        "proxmoxve:index/containerLegacy:ContainerLegacy",
        "proxmoxve:index/vmLegacy:VmLegacy",
    }
)
"""Types whose deletion loses data someone cares about (student containers, the GNS3 VM, state),
or access that cannot be restored from the program alone (the CI identity's access entry, the OIDC
provider every IRSA role trusts) or the platform's public names (Route53 records)."""


def _protected(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in STATEFUL_TYPES or stack_of(args.urn) not in PROD_STACKS:
        return
    if not args.opts.protect:
        report_violation(
            f"{args.resource_type} '{args.name}' is stateful and not protected in prod; pass protect=True",
            args.urn,
        )


prod_stateful_protected = ResourceValidationPolicy(
    name="prod-stateful-resources-protected",
    description="Stateful resources of prod carry protect=True.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_protected,
)
