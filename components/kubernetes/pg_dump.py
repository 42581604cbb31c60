"""`PostgresDump`: a nightly logical dump (`pg_dumpall`) of a postgresql-ha release into the backup bucket.

Velero's volume snapshots are crash-consistent copies of the disks; a logical
dump restores into any PostgreSQL of the same major version, a fresh release
included, and can be read by a person. The dump runs in the database's own
image (its `pg_dumpall` matches the server), the upload in the AWS CLI's,
with an IRSA role that may write one folder of the bucket and nothing else.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.access import ClusterAccess
from config.charts import ImagePin

SERVICE_ACCOUNT = "pg-dump"


@dataclass(frozen=True)
class PostgresDumpArgs:
    """Inputs of `PostgresDump`."""

    cluster: ClusterAccess
    """The cluster the database runs on (its provider)."""
    namespace: pulumi.Input[str]
    """Namespace of the database release (the job reads its credentials Secret there)."""
    host: str
    """pgpool's Service, e.g. `postgresql-ha-pgpool`."""
    credentials_secret: pulumi.Input[str]
    """Secret holding the `postgres` user's password under `password`."""
    bucket: pulumi.Input[str]
    """The backup bucket."""
    prefix: str
    """Folder of this stack's dumps, e.g. `pg-dumps/prod`."""
    role_arn: pulumi.Input[str]
    """IRSA role allowed to write that folder."""
    region: str
    """Region of the bucket."""
    schedule: str
    """Cron expression (UTC)."""
    postgresql_image: ImagePin
    """Image with the server's `pg_dumpall`."""
    aws_cli_image: ImagePin
    """Image with the AWS CLI."""
    image_registry: str = "docker.io"
    """Registry of both images."""
    depends_on: Sequence[pulumi.Resource] = ()
    """The database release."""


class PostgresDump(pulumi.ComponentResource):
    """A service account with the dump role and the CronJob that dumps and uploads."""

    cron_job: k8s.batch.v1.CronJob
    """The CronJob."""

    def __init__(self, name: str, args: PostgresDumpArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:kubernetes:PostgresDump", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.cluster.k8s_provider)
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata={
                "name": SERVICE_ACCOUNT,
                "namespace": args.namespace,
                "annotations": {"eks.amazonaws.com/role-arn": args.role_arn},
            },
            opts=child,
        )
        pg = args.postgresql_image
        cli = args.aws_cli_image
        dump = (
            'set -eu; pg_dumpall --clean --if-exists -h "$PGHOST" -U postgres | gzip -9 > /dump/all.sql.gz; '
            "test -s /dump/all.sql.gz"
        )
        upload = (
            'aws s3 cp /dump/all.sql.gz "s3://$BUCKET/$PREFIX/$(date -u +%Y-%m-%dT%H%M%SZ).sql.gz" '
            "--only-show-errors"
        )
        restricted: k8s.core.v1.SecurityContextArgsDict = {
            "allow_privilege_escalation": False,
            "run_as_non_root": True,
            "capabilities": {"drop": ["ALL"]},
            "seccomp_profile": {"type": "RuntimeDefault"},
        }
        self.cron_job = k8s.batch.v1.CronJob(
            f"{name}-cron-job",
            metadata={"name": "pg-dump", "namespace": args.namespace},
            spec={
                "schedule": args.schedule,
                "concurrency_policy": "Forbid",
                "successful_jobs_history_limit": 3,
                "failed_jobs_history_limit": 3,
                "job_template": {
                    "spec": {
                        "backoff_limit": 2,
                        "active_deadline_seconds": 3600,
                        "template": {
                            "spec": {
                                "service_account_name": account.metadata.name,
                                "restart_policy": "Never",
                                # The bitnamilegacy images are published for amd64 only (docs/platform.md).
                                "node_selector": {"kubernetes.io/arch": "amd64"},
                                "security_context": {
                                    "run_as_user": 1001,
                                    "run_as_group": 1001,
                                    "fs_group": 1001,
                                },
                                "volumes": [{"name": "dump", "empty_dir": {"size_limit": "5Gi"}}],
                                "init_containers": [
                                    {
                                        "name": "pg-dumpall",
                                        "image": f"{args.image_registry}/{pg.repository}:{pg.tag}",
                                        "command": ["/bin/sh", "-c", dump],
                                        "env": [
                                            {"name": "PGHOST", "value": args.host},
                                            {
                                                "name": "PGPASSWORD",
                                                "value_from": {
                                                    "secret_key_ref": {
                                                        "name": args.credentials_secret,
                                                        "key": "password",
                                                    }
                                                },
                                            },
                                        ],
                                        "volume_mounts": [{"name": "dump", "mount_path": "/dump"}],
                                        "security_context": restricted,
                                        "resources": {
                                            "requests": {"cpu": "50m", "memory": "128Mi"},
                                            "limits": {"memory": "512Mi"},
                                        },
                                    }
                                ],
                                "containers": [
                                    {
                                        "name": "upload",
                                        "image": f"{args.image_registry}/{cli.repository}:{cli.tag}",
                                        "command": ["/bin/sh", "-c", upload],
                                        "env": [
                                            {"name": "BUCKET", "value": args.bucket},
                                            {"name": "PREFIX", "value": args.prefix},
                                            {"name": "AWS_REGION", "value": args.region},
                                            {"name": "HOME", "value": "/dump"},
                                        ],
                                        "volume_mounts": [{"name": "dump", "mount_path": "/dump"}],
                                        "security_context": restricted,
                                        "resources": {
                                            "requests": {"cpu": "50m", "memory": "128Mi"},
                                            "limits": {"memory": "256Mi"},
                                        },
                                    }
                                ],
                            }
                        },
                    }
                },
            },
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=list(args.depends_on))
            ),
        )
        self.register_outputs({"cronJob": self.cron_job.metadata.apply(lambda m: m.name or "")})
