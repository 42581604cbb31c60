"""IAM and KMS policy documents shared by the AWS components, as JSON text."""

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


def assume_role_policy(service: str, *, tag_session: bool = False) -> str:
    """Trust policy letting one AWS service principal assume a role.

    EKS Pod Identity (`pods.eks.amazonaws.com`) also needs `sts:TagSession`.
    """
    actions = ["sts:AssumeRole", "sts:TagSession"] if tag_session else ["sts:AssumeRole"]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
        }
    )


def kms_key_policy(*, account_id: str, region: str, partition: str, log_groups: Sequence[str]) -> str:
    """Key policy: the account administers the key; CloudWatch Logs may use it for these log groups only.

    Without the account statement nobody could ever change the key again;
    without the logs statement a log group refuses the key.
    """
    arns = [f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}" for name in log_groups]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogsEncrypts",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": arns}},
                },
            ],
        }
    )


def account_of(provider: aws.Provider) -> tuple[str, str]:
    """(account id, partition) of the credentials behind a provider, for ARNs in policies."""
    invoke = pulumi.InvokeOptions(provider=provider)
    return aws.get_caller_identity(opts=invoke).account_id, aws.get_partition(opts=invoke).partition
