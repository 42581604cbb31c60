"""S3 buckets: encrypted, versioned, public access blocked.

In pulumi-aws 7 these settings are separate resources that name their bucket
(`bucket` input), so these are stack policies: every bucket must have its
companions with the right settings. The deprecated `BucketV2` family (bucket
and `...V2` companions) is judged the same way. A companion names its bucket
by id, unknown in a first preview: then its dependency on the bucket says
which one, so the rules decide in both modes.
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

from policy.common import UNKNOWN, UndecidedError, as_list, of_type, prop, props_of, references

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKETS = (BUCKET, BUCKET_V2)
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ENCRYPTION_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"

Judge = Callable[[Mapping[str, Any]], bool | None]
"""A companion's properties -> compliant, not compliant, or None when only the update can tell."""


def companions(
    args: StackValidationArgs, bucket: PolicyResource, type_tokens: tuple[str, ...]
) -> tuple[list[PolicyResource], bool]:
    """The resources of `type_tokens` that configure this bucket, and whether any is undecided."""
    buckets = of_type(args.resources, *BUCKETS)
    # The companion's `bucket` input is the bucket's id, which is its name.
    ids = {
        b.urn: {v for v in (props_of(b).get("id"), props_of(b).get("bucket")) if isinstance(v, str)}
        for b in buckets
    }
    found: list[PolicyResource] = []
    undecided = False
    for candidate in of_type(args.resources, *type_tokens):
        named, unsure = references(candidate, props_of(candidate), "bucket", buckets, ids)
        undecided |= unsure
        if bucket.urn in named:
            found.append(candidate)
    return found, undecided


def _bucket_rule(
    type_tokens: tuple[str, ...], judge: Judge, missing: str, wrong: str
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        undecided: list[str] = []
        for bucket in of_type(args.resources, *BUCKETS):
            found, unsure = companions(args, bucket, type_tokens)
            verdicts = [judge(props_of(c)) for c in found]
            if any(verdicts):
                continue
            if None in verdicts or unsure:
                undecided.append(bucket.name)
            elif not found:
                report_violation(f"bucket '{bucket.name}' {missing}", bucket.urn)
            else:
                report_violation(f"bucket '{bucket.name}' {wrong}", bucket.urn)
        if undecided:
            raise UndecidedError(f"known only at the update for bucket(s) {', '.join(sorted(undecided))}")

    return validate


def _tri(values: list[Any], good: Callable[[Any], bool]) -> bool | None:
    if any(v != UNKNOWN and good(v) for v in values):
        return True
    return None if UNKNOWN in values else False


def _encrypted(props: Mapping[str, Any]) -> bool | None:
    rules = props.get("rules")
    if rules == UNKNOWN:
        return None
    algorithms = [
        prop(cast(Mapping[str, Any], rule), "applyServerSideEncryptionByDefault.sseAlgorithm")
        for rule in as_list(rules)
        if isinstance(rule, Mapping)
    ]
    return _tri(algorithms, lambda a: a in ("AES256", "aws:kms", "aws:kms:dsse"))


def _versioned(props: Mapping[str, Any]) -> bool | None:
    return _tri([prop(props, "versioningConfiguration.status")], lambda s: s == "Enabled")


_BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _blocked(props: Mapping[str, Any]) -> bool | None:
    flags = [props.get(flag) for flag in _BLOCK_FLAGS]
    if any(f is not True and f != UNKNOWN for f in flags):
        return False
    return None if UNKNOWN in flags else True


s3_encryption = StackValidationPolicy(
    name="aws-s3-bucket-enable-server-side-encryption",
    description="S3 buckets have default server-side encryption (Checkov CKV_AWS_19).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV_AWS_19"],
    validate=_bucket_rule(
        (ENCRYPTION, ENCRYPTION_V2),
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
        (VERSIONING, VERSIONING_V2),
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
        (PUBLIC_ACCESS_BLOCK,),
        _blocked,
        "has no BucketPublicAccessBlock",
        f"has a BucketPublicAccessBlock without all of {', '.join(_BLOCK_FLAGS)} set to true",
    ),
)
