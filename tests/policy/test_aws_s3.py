"""S3 buckets need their encryption, versioning and public access block companions."""

from typing import Any

import pytest
from pulumi_policy import Policy

from offline.harness import UNKNOWN, Registered
from policy.aws_s3 import (
    BUCKET,
    ENCRYPTION,
    PUBLIC_ACCESS_BLOCK,
    VERSIONING,
    s3_encryption,
    s3_public_access_block,
    s3_versioning,
)
from tests.policy.records import fired, record

GOOD: dict[str, dict[str, Any]] = {
    ENCRYPTION: {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
    VERSIONING: {"versioningConfiguration": {"status": "Enabled"}},
    PUBLIC_ACCESS_BLOCK: {
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    },
}
BAD: dict[str, dict[str, Any]] = {
    ENCRYPTION: {"rules": [{"bucketKeyEnabled": True}]},
    VERSIONING: {"versioningConfiguration": {"status": "Suspended"}},
    PUBLIC_ACCESS_BLOCK: {**GOOD[PUBLIC_ACCESS_BLOCK], "restrictPublicBuckets": False},
}
CASES = [
    (s3_encryption, ENCRYPTION),
    (s3_versioning, VERSIONING),
    (s3_public_access_block, PUBLIC_ACCESS_BLOCK),
]


def bucket_with(companions: dict[str, dict[str, Any]]) -> list[Registered]:
    bucket = record(BUCKET, "backups", {"bucketPrefix": "backups-"}, id_="backups-1a2b3c")
    return [bucket] + [
        record(token, f"backups-{token.rsplit(':', 1)[-1]}", {"bucket": "backups-1a2b3c", **inputs})
        for token, inputs in companions.items()
    ]


@pytest.mark.parametrize(("policy", "token"), CASES)
def test_silent_on_a_fully_configured_bucket(policy: Policy, token: str) -> None:
    assert fired(policy, *bucket_with(GOOD)) == []


@pytest.mark.parametrize(("policy", "token"), CASES)
def test_fires_when_the_companion_is_missing(policy: Policy, token: str) -> None:
    others = {t: v for t, v in GOOD.items() if t != token}
    found = fired(policy, *bucket_with(others))
    assert [v.urn for v in found] == ["urn:pulumi:prod::campus::aws:s3/bucket:Bucket::backups"]
    assert "has no" in found[0].message


@pytest.mark.parametrize(("policy", "token"), CASES)
def test_fires_when_the_companion_is_misconfigured(policy: Policy, token: str) -> None:
    found = fired(policy, *bucket_with({**GOOD, token: BAD[token]}))
    assert len(found) == 1 and found[0].policy == policy.name


def test_companion_of_another_bucket_does_not_count() -> None:
    records = bucket_with(GOOD)
    other = record(BUCKET, "logs", id_="logs-9z")
    found = fired(s3_versioning, *records, other)
    assert [v.urn for v in found] == [other.urn]


def test_companion_matched_by_dependency_when_the_bucket_name_is_unknown() -> None:
    bucket = record(BUCKET, "state")
    versioning = record(
        VERSIONING, "state-versioning", {"bucket": UNKNOWN, **GOOD[VERSIONING]}, dependencies=[bucket]
    )
    assert fired(s3_versioning, bucket, versioning) == []
    assert len(fired(s3_versioning, bucket, record(VERSIONING, "other", GOOD[VERSIONING]))) == 1
