"""S3 buckets: encrypted, versioned, public access blocked.

In pulumi-aws 7 these settings are separate resources that name their bucket
(`bucket` input), so these are stack policies: every `aws:s3/bucket:Bucket`
must have its companions with the right settings.
"""

from collections.abc import Callable, Mapping
from typing import Any, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.common import as_list, of_type, prop

BUCKET = "aws:s3/bucket:Bucket"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def _names(bucket: PolicyResource) -> set[str]:
    # The companion's `bucket` input is the bucket's id, which is its name.
    return {v for v in (bucket.props.get("id"), bucket.props.get("bucket")) if isinstance(v, str)}


def companions(args: StackValidationArgs, bucket: PolicyResource, type_token: str) -> list[PolicyResource]:
    """The resources of `type_token` that configure this bucket."""
    names = _names(bucket)
    found: list[PolicyResource] = []
    for candidate in of_type(args.resources, type_token):
        target = candidate.props.get("bucket")
        # Unknown until the bucket exists: then the dependency on it says which bucket.
        if (
            target in names
            if isinstance(target, str)
            else any(d.urn == bucket.urn for d in candidate.dependencies)
        ):
            found.append(candidate)
    return found


def _bucket_rule(
    type_token: str, good: Callable[[Mapping[str, Any]], bool], missing: str, wrong: str
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for bucket in of_type(args.resources, BUCKET):
            found = companions(args, bucket, type_token)
            if not found:
                report_violation(f"bucket '{bucket.name}' {missing}", bucket.urn)
            elif not any(good(c.props) for c in found):
                report_violation(f"bucket '{bucket.name}' {wrong}", bucket.urn)

    return validate


def _encrypted(props: Mapping[str, Any]) -> bool:
    return any(
        prop(cast(Mapping[str, Any], rule), "applyServerSideEncryptionByDefault.sseAlgorithm")
        in ("AES256", "aws:kms", "aws:kms:dsse")
        for rule in as_list(props.get("rules"))
        if isinstance(rule, Mapping)
    )


def _versioned(props: Mapping[str, Any]) -> bool:
    return prop(props, "versioningConfiguration.status") == "Enabled"


_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _blocked(props: Mapping[str, Any]) -> bool:
    return all(props.get(flag) is True for flag in _BLOCK_FLAGS)


s3_encryption = StackValidationPolicy(
    name="aws-s3-bucket-enable-server-side-encryption",
    description="S3 buckets have default server-side encryption (Checkov CKV_AWS_19).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV_AWS_19"],
    validate=_bucket_rule(
        ENCRYPTION,
        _encrypted,
        "has no BucketServerSideEncryptionConfiguration",
        "has a BucketServerSideEncryptionConfiguration without an sseAlgorithm",
    ),
)

s3_versioning = StackValidationPolicy(
    name="aws-s3-bucket-enable-versioning",
    description="S3 buckets keep object versions (Checkov CKV_AWS_21).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV_AWS_21"],
    validate=_bucket_rule(
        VERSIONING,
        _versioned,
        "has no BucketVersioning",
        "has a BucketVersioning whose versioningConfiguration.status is not Enabled",
    ),
)

s3_public_access_block = StackValidationPolicy(
    name="aws-s3-bucket-block-public-access",
    description="S3 buckets block every kind of public access (Checkov CKV2_AWS_6).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV2_AWS_6"],
    validate=_bucket_rule(
        PUBLIC_ACCESS_BLOCK,
        _blocked,
        "has no BucketPublicAccessBlock",
        f"has a BucketPublicAccessBlock without all of {', '.join(_BLOCK_FLAGS)} set to true",
    ),
)
