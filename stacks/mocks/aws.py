"""Computed values of AWS resources and data sources."""

import json
from collections.abc import Mapping
from typing import Any, cast

from stacks.mocks.registry import Context, call, resource, stable_hex

# Prefix of the physical id AWS gives each resource type.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
}


def arn_for(ctx: Context, type_token: str, name: str) -> str:
    """A plausible ARN for a resource of this type."""
    service = type_token.split(":")[1].split("/", maxsplit=1)[0]
    kind = type_token.rsplit(":", 1)[-1]
    kind = kind[0].lower() + kind[1:]
    if service in ("iam", "s3", "route53"):
        return f"arn:aws:{service}::{ctx.account_id if service == 'iam' else ''}:{kind}/{name}"
    return f"arn:aws:{service}:{ctx.region}:{ctx.account_id}:{kind}/{name}"


def _prefixed(type_token: str) -> Any:
    @resource(type_token)
    def compute(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        rid = f"{_ID_PREFIX[type_token]}-{stable_hex(ctx.stack, type_token, name)}"
        return rid, {"arn": arn_for(ctx, type_token, rid)}

    return compute


for _token in _ID_PREFIX:
    _prefixed(_token)


@call("aws:index/getAvailabilityZones:getAvailabilityZones")
def _zones(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    letters = "abc"
    area, direction, number = ctx.region.split("-")
    short = f"{area}{direction[0]}{number}"  # eu-west-3 -> euw3, as AWS zone ids spell it
    return {
        "id": ctx.region,
        "names": [f"{ctx.region}{x}" for x in letters],
        "zoneIds": [f"{short}-az{i + 1}" for i in range(len(letters))],
        "groupNames": [ctx.region],
        "state": "available",
    }


@call("aws:index/getCallerIdentity:getCallerIdentity")
def _caller(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": ctx.account_id,
        "accountId": ctx.account_id,
        "arn": f"arn:aws:iam::{ctx.account_id}:user/pulumi-ci",
        "userId": "AIDAEXAMPLEOFFLINEPLAN",
    }


@call("aws:index/getRegion:getRegion")
def _region(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": ctx.region,
        "name": ctx.region,
        "region": ctx.region,
        "endpoint": f"ec2.{ctx.region}.amazonaws.com",
    }


@call("aws:index/getPartition:getPartition")
def _partition(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": "aws",
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


@call("aws:iam/getPolicyDocument:getPolicyDocument")
def _policy_document(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """Render the statements as IAM JSON, so policies read as they would be applied."""
    statements: list[dict[str, Any]] = []
    for st in cast(list[dict[str, Any]], args.get("statements") or []):
        doc: dict[str, Any] = {"Effect": st.get("effect", "Allow")}
        if st.get("sid"):
            doc["Sid"] = st["sid"]
        if st.get("actions"):
            doc["Action"] = st["actions"]
        if st.get("resources"):
            doc["Resource"] = st["resources"]
        principals = cast(list[dict[str, Any]], st.get("principals") or [])
        if principals:
            doc["Principal"] = {p["type"]: p["identifiers"] for p in principals}
        conditions = cast(list[dict[str, Any]], st.get("conditions") or [])
        if conditions:
            cond: dict[str, dict[str, Any]] = {}
            for c in conditions:
                cond.setdefault(c["test"], {})[c["variable"]] = c["values"]
            doc["Condition"] = cond
        statements.append(doc)
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return {"id": stable_hex(text), "json": text, "minifiedJson": text}


@resource("aws:s3/bucket:Bucket")
def _bucket(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # A prefix gets the 26-character suffix AWS's provider appends to prefixed names.
    bucket = str(
        inputs.get("bucket")
        or f"{inputs.get('bucketPrefix') or name + '-'}{stable_hex(ctx.stack, name, length=26)}"
    )
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{ctx.region}.amazonaws.com",
        "region": ctx.region,
        "hostedZoneId": "Z3R1K369G5AVDG",
    }


@resource(
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
)
def _bucket_setting(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # Each bucket-level setting is identified by its bucket.
    return str(inputs.get("bucket") or name), {}


@resource("aws:iam/role:Role")
def _role(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    role_name = str(inputs.get("name") or f"{name}-{stable_hex(ctx.stack, name, length=7)}")
    return role_name, {
        "name": role_name,
        "arn": f"arn:aws:iam::{ctx.account_id}:role/{role_name}",
        "uniqueId": f"AROA{stable_hex(ctx.stack, name, length=17).upper()}",
    }


@resource("aws:iam/rolePolicy:RolePolicy")
def _role_policy(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    policy_name = str(inputs.get("name") or f"{name}-{stable_hex(ctx.stack, name, length=7)}")
    return f"{inputs.get('role')}:{policy_name}", {"name": policy_name}
