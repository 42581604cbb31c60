"""Velero: cluster backups to a dedicated S3 bucket, volume snapshots on EBS, a daily schedule."""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from components.kubernetes.release import helm_release, namespace
from components.kubernetes.workload_role import role_annotation, workload_role
from config.charts import VELERO_AWS_PLUGIN_FOR, ChartPin, ImagePin, minor

SERVICE_ACCOUNT = "velero-server"
DUMP_PREFIX = "pg-dumps"
"""Key prefix of the logical PostgreSQL dumps in the backup bucket (one folder per stack below it)."""
LOCATION = "default"
"""Name of the backup storage location and of the volume snapshot location."""


def check_plugin(server: ImagePin, plugin: ImagePin) -> None:
    """Refuse an AWS plugin built for another Velero: the plugin API breaks between minors."""
    wanted = VELERO_AWS_PLUGIN_FOR.get(minor(server.tag))
    if wanted is None:
        raise ValueError(
            f"no known velero-plugin-for-aws for Velero {server.tag}; extend VELERO_AWS_PLUGIN_FOR"
        )
    if minor(plugin.tag) != wanted:
        raise ValueError(
            f"velero-plugin-for-aws {plugin.tag} does not match Velero {server.tag}; expected {wanted}.x"
        )


def tenant_schedule_name(tenant: str) -> str:
    """Name of a tenant's Schedule on its host: its backups' `velero.io/schedule-name` label, and the
    `schedule` label of Velero's backup metrics (what the tenant's monitors select)."""
    return f"tenant-{tenant}"


@dataclass(frozen=True)
class TenantSchedule:
    """A tenant's own backup: its namespaces, on its own schedule, with its own TTL."""

    namespaces: Sequence[str]
    schedule: str
    retention_days: int


def schedule_spec(
    *, cron: str, retention_days: int, namespaces: Sequence[str] = ("*",), excluded: Sequence[str] = ()
) -> dict[str, Any]:
    """A Schedule backing up `namespaces` (all by default) and snapshotting their volumes."""
    template: dict[str, Any] = {"includedNamespaces": list(namespaces)}
    if excluded:
        template["excludedNamespaces"] = list(excluded)
    return {
        "schedule": cron,
        "useOwnerReferencesInBackup": False,
        "template": {
            **template,
            "snapshotVolumes": True,
            "storageLocation": LOCATION,
            "volumeSnapshotLocations": [LOCATION],
            "ttl": f"{retention_days * 24}h0m0s",
        },
    }


@dataclass(frozen=True)
class VeleroArgs:
    """Inputs of `Velero`."""

    cluster: ClusterAccess
    """The cluster it is installed on (providers, IRSA trust, readiness, the release's values)."""
    chart: ChartPin
    """Pinned chart (config/charts.py)."""
    image: ImagePin
    """Pinned Velero server image."""
    aws_plugin_image: ImagePin
    """Pinned velero-plugin-for-aws image, compatible with `image`."""
    region: str
    """Region of the bucket and of the EBS snapshots."""
    bucket_prefix: str
    """Prefix of the bucket's generated name, e.g. `campus-prod-velero-`."""
    schedule: str
    """Cron expression of the daily backup."""
    retention_days: int
    """TTL of each scheduled backup, in days."""
    noncurrent_version_days: int
    """Days S3 keeps an overwritten or deleted object version."""
    namespace: str = "velero"
    """Namespace the program creates for the release. Default `velero`."""
    protect: bool = False
    """Protect the bucket and its key (prod). Default False."""
    tenants: Mapping[str, TenantSchedule] = field(default_factory=dict[str, TenantSchedule])
    """Tenants' own schedules, by tenant stack; the host's schedule leaves their namespaces out."""
    dump_retention_days: int = 30
    """Days the logical PostgreSQL dumps stay in the bucket."""


class Velero(pulumi.ComponentResource):
    """The backup bucket, Velero's least-privilege role, the release and its Schedule."""

    bucket: aws.s3.Bucket
    """The backup bucket."""
    release: k8s.helm.v3.Release
    """The Helm release (installs Velero's CRDs)."""
    schedule: k8s.apiextensions.CustomResource
    """The daily backup Schedule."""
    role_arn: pulumi.Output[str]
    """ARN of the role Velero's server assumes."""
    key: aws.kms.Key
    """The KMS key encrypting the bucket (backups hold the cluster's Secrets)."""

    def __init__(self, name: str, args: VeleroArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_plugin(args.image, args.aws_plugin_image)
        super().__init__("campus:kubernetes:Velero", name, None, opts)
        aws_provider = args.cluster.aws_provider
        k8s_provider = args.cluster.k8s_provider
        aws_child = pulumi.ResourceOptions(parent=self, provider=aws_provider)
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket_prefix=args.bucket_prefix,
            force_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, provider=aws_provider, protect=args.protect),
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=aws_child,
        )
        # Backups hold every Kubernetes Secret of the cluster: a customer managed
        # key, so reading them takes a KMS grant as well as S3 access, and
        # CloudTrail logs each use. Switching the default encryption updates the
        # configuration in place; objects written before keep SSE-S3.
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts the backups in {args.bucket_prefix}*",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=pulumi.ResourceOptions(parent=self, provider=aws_provider, protect=args.protect),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": self.key.arn,
                    },
                    # One data key per bucket instead of a KMS call per object.
                    "bucket_key_enabled": True,
                }
            ],
            opts=aws_child,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(tls_only_policy),
            opts=aws_child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=aws_child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                {
                    # Velero deletes expired backups itself; versioning keeps what it
                    # (or anyone) deleted for a while, then this rule reclaims it.
                    "id": "expire-old-versions",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "noncurrent_version_expiration": {"noncurrent_days": args.noncurrent_version_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                },
                {
                    "id": "expire-database-dumps",
                    "status": "Enabled",
                    "filter": {"prefix": f"{DUMP_PREFIX}/"},
                    "expiration": {"days": args.dump_retention_days},
                },
            ],
            opts=aws_child,
        )
        ec2_volumes = f"arn:aws:ec2:{args.region}:*:volume/*"
        ec2_snapshots = f"arn:aws:ec2:{args.region}::snapshot/*"
        role, role_policy = workload_role(
            self,
            name,
            cluster=args.cluster,
            namespace=args.namespace,
            service_account=SERVICE_ACCOUNT,
            statements=[
                # Describe calls cannot be scoped to resources.
                {
                    "Sid": "DescribeVolumes",
                    "Effect": "Allow",
                    "Action": ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"],
                    "Resource": "*",
                },
                {
                    "Sid": "SnapshotAndRestoreVolumes",
                    "Effect": "Allow",
                    "Action": [
                        "ec2:CreateTags",
                        "ec2:CreateVolume",
                        "ec2:CreateSnapshot",
                        "ec2:DeleteSnapshot",
                    ],
                    "Resource": [ec2_volumes, ec2_snapshots],
                },
                {
                    "Sid": "BackupObjects",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObject",
                        "s3:DeleteObject",
                        "s3:PutObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    "Resource": pulumi.Output.concat(self.bucket.arn, "/*"),
                },
                {
                    "Sid": "ListBucket",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": self.bucket.arn,
                },
                {
                    "Sid": "UseBackupKey",
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    "Resource": self.key.arn,
                },
            ],
        )
        ns = namespace(self, name, namespace=args.namespace, cluster=args.cluster)
        plugin = args.aws_plugin_image
        computed: dict[str, Any] = {
            "image": {"repository": args.image.repository, "tag": args.image.tag},
            "initContainers": [
                {
                    "name": "velero-plugin-for-aws",
                    "image": f"{plugin.repository}:{plugin.tag}",
                    "imagePullPolicy": "IfNotPresent",
                    "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
                }
            ],
            "configuration": {
                "backupStorageLocation": [
                    {
                        "name": LOCATION,
                        "provider": "aws",
                        "bucket": self.bucket.bucket,
                        "default": True,
                        "config": {"region": args.region},
                    }
                ],
                "volumeSnapshotLocation": [
                    {"name": LOCATION, "provider": "aws", "config": {"region": args.region}}
                ],
            },
            # IRSA instead of a static key in a Secret.
            "credentials": {"useSecret": False},
            "serviceAccount": {
                "server": {"create": True, "name": SERVICE_ACCOUNT, "annotations": role_annotation(role)}
            },
            "snapshotsEnabled": True,
            "upgradeCRDs": True,
        }
        self.release = helm_release(
            self,
            name,
            release="velero",
            pin=args.chart,
            namespace=ns,
            cluster=args.cluster,
            computed=computed,
            depends_on=[role, role_policy],
        )
        self.schedule = k8s.apiextensions.CustomResource(
            f"{name}-daily-schedule",
            api_version="velero.io/v1",
            kind="Schedule",
            metadata={"name": "daily", "namespace": ns.metadata.name},
            spec=schedule_spec(
                cron=args.schedule,
                retention_days=args.retention_days,
                excluded=[ns for t in args.tenants.values() for ns in t.namespaces],
            ),
            # The release installs the Schedule CRD.
            opts=pulumi.ResourceOptions(parent=self, provider=k8s_provider, depends_on=[self.release]),
        )
        for tenant, spec in sorted(args.tenants.items()):
            k8s.apiextensions.CustomResource(
                f"{name}-{tenant}-schedule",
                api_version="velero.io/v1",
                kind="Schedule",
                metadata={"name": tenant_schedule_name(tenant), "namespace": ns.metadata.name},
                spec=schedule_spec(
                    cron=spec.schedule, retention_days=spec.retention_days, namespaces=spec.namespaces
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=k8s_provider, depends_on=[self.release]),
            )
        self.role_arn = role.arn
        self.register_outputs(
            {"bucket": self.bucket.bucket, "release": self.release.name, "roleArn": self.role_arn}
        )


def tls_only_policy(bucket_arn: str) -> str:
    """Bucket policy refusing every request not made over TLS."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def dump_statements(bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str], stack: str) -> list[Any]:
    """What a stack's dump job may do: write its own folder of dumps (and read it back to restore)."""
    return [
        {
            "Sid": "WriteDumps",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
            "Resource": pulumi.Output.concat(bucket_arn, f"/{DUMP_PREFIX}/{stack}/*"),
        },
        {
            "Sid": "ListDumps",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{DUMP_PREFIX}/{stack}/*"]}},
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
        },
    ]
