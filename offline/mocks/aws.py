"""Computed values of AWS resources and data sources."""

import json
import uuid
from collections.abc import Mapping
from typing import Any, cast

from offline.mocks.registry import Context, call, resource, stable_hex

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


# Canonical hosted zone of network load balancers, per region (for alias records).
_NLB_ZONE = {
    "eu-west-1": "Z2IF1NMI8LW4U5",
    "eu-west-2": "ZD4D7Y8KGAS4G",
    "eu-west-3": "Z1CMS0P5QUZ6D5",
    "eu-central-1": "Z3F0SRJ5LGBH90",
    "us-east-1": "Z26RNL4JYFTOTI",
    "us-west-2": "Z18D5FSROUN65G",
}


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(stable_hex(*parts, length=32)))


def _physical_name(name: str, inputs: Mapping[str, Any], ctx: Context, type_token: str) -> str:
    """The name AWS would know a resource by: the given one, or the autoname (logical name + suffix)."""
    given = inputs.get("name")
    if isinstance(given, str) and given:
        return given
    return f"{name}-{stable_hex(ctx.stack, type_token, name, length=7)}"


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
    role = _physical_name(name, inputs, ctx, "aws:iam/role:Role")
    return role, {
        "name": role,
        "arn": f"arn:aws:iam::{ctx.account_id}:role/{role}",
        "uniqueId": f"AROA{stable_hex(ctx.stack, role, length=17).upper()}",
    }


@resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def _role_policy_attachment(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"{inputs.get('role')}-{stable_hex(ctx.stack, name, length=8)}", {}


@resource("aws:kms/key:Key")
def _kms_key(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    key_id = _uuid(ctx.stack, "kms", name)
    return key_id, {"keyId": key_id, "arn": f"arn:aws:kms:{ctx.region}:{ctx.account_id}:key/{key_id}"}


@resource("aws:cloudwatch/logGroup:LogGroup")
def _log_group(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    group = _physical_name(name, inputs, ctx, "aws:cloudwatch/logGroup:LogGroup")
    return group, {"name": group, "arn": f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{group}"}


@resource("aws:ec2/eip:Eip")
def _eip(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    allocation = f"eipalloc-{stable_hex(ctx.stack, 'eip', name)}"
    octets = bytes.fromhex(stable_hex(ctx.stack, "eip-ip", name, length=8))
    return allocation, {
        "allocationId": allocation,
        "publicIp": f"15.{octets[1] % 224 + 16}.{octets[2]}.{octets[3]}",
        "arn": f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:elastic-ip/{allocation}",
    }


@resource("aws:ec2/launchTemplate:LaunchTemplate")
def _launch_template(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    lt = f"lt-{stable_hex(ctx.stack, 'lt', name)}"
    return lt, {
        "latestVersion": 1,
        "defaultVersion": 1,
        "name": _physical_name(name, inputs, ctx, "aws:ec2/launchTemplate:LaunchTemplate"),
        "arn": f"arn:aws:ec2:{ctx.region}:{ctx.account_id}:launch-template/{lt}",
    }


@resource("aws:eks/cluster:Cluster")
def _eks_cluster(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    cluster = _physical_name(name, inputs, ctx, "aws:eks/cluster:Cluster")
    oidc_id = stable_hex(ctx.stack, "oidc", cluster, length=32).upper()
    vpc_config = dict(cast(Mapping[str, Any], inputs.get("vpcConfig") or {}))
    vpc_config.setdefault("clusterSecurityGroupId", f"sg-{stable_hex(ctx.stack, 'eks-cluster-sg', cluster)}")
    vpc_config.setdefault("vpcId", f"vpc-{stable_hex(ctx.stack, 'eks-vpc', cluster)}")
    # A PEM certificate's base64 always starts with LS0tLS1CRUdJTi (-----BEGIN).
    ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJ" + stable_hex(cluster, length=24)
    return cluster, {
        "name": cluster,
        "arn": f"arn:aws:eks:{ctx.region}:{ctx.account_id}:cluster/{cluster}",
        "endpoint": f"https://{oidc_id}.gr7.{ctx.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": ca},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{oidc_id}"}]}],
        "vpcConfig": vpc_config,
        "platformVersion": "eks.5",
        "status": "ACTIVE",
    }


@resource("aws:eks/nodeGroup:NodeGroup")
def _node_group(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    group = inputs.get("nodeGroupName") or f"{name}-{stable_hex(ctx.stack, 'ng', name, length=7)}"
    cluster = inputs.get("clusterName", "cluster")
    suffix = _uuid(ctx.stack, "ng", str(group))
    return f"{cluster}:{group}", {
        "nodeGroupName": group,
        "arn": f"arn:aws:eks:{ctx.region}:{ctx.account_id}:nodegroup/{cluster}/{group}/{suffix}",
        "resources": [
            {"autoscalingGroups": [{"name": f"eks-{group}-{suffix}"}], "remoteAccessSecurityGroupId": ""}
        ],
        "status": "ACTIVE",
    }


@resource("aws:eks/addon:Addon")
def _addon(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    cluster = inputs.get("clusterName", "cluster")
    addon = inputs.get("addonName", name)
    return f"{cluster}:{addon}", {
        "arn": f"arn:aws:eks:{ctx.region}:{ctx.account_id}:addon/{cluster}/{addon}/{_uuid(ctx.stack, name)}"
    }


@resource("aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
def _access(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    cluster = inputs.get("clusterName", "cluster")
    principal = inputs.get("principalArn", "")
    policy = inputs.get("policyArn")
    rid = f"{cluster}#{principal}" + (f"#{policy}" if policy else "")
    entry = f"arn:aws:eks:{ctx.region}:{ctx.account_id}:access-entry/{cluster}/{_uuid(ctx.stack, name)}"
    return rid, {"accessEntryArn": entry}


@resource("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
def _oidc_provider(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    url = str(inputs.get("url", "")).removeprefix("https://")
    arn = f"arn:aws:iam::{ctx.account_id}:oidc-provider/{url}"
    return arn, {"arn": arn}


@resource("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    lb = _physical_name(name, inputs, ctx, "aws:lb/loadBalancer:LoadBalancer")
    kind = "net" if inputs.get("loadBalancerType") == "network" else "app"
    elb = f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account_id}"
    arn = f"{elb}:loadbalancer/{kind}/{lb}/{stable_hex(lb, length=16)}"
    return arn, {
        "arn": arn,
        "arnSuffix": arn.split(":loadbalancer/", 1)[1],
        "name": lb,
        "dnsName": f"{lb}-{stable_hex(ctx.stack, lb, length=16)}.elb.{ctx.region}.amazonaws.com",
        "zoneId": _NLB_ZONE.get(ctx.region, "Z1CMS0P5QUZ6D5"),
    }


@resource("aws:lb/targetGroup:TargetGroup")
def _target_group(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    group = _physical_name(name, inputs, ctx, "aws:lb/targetGroup:TargetGroup")
    elb = f"arn:aws:elasticloadbalancing:{ctx.region}:{ctx.account_id}"
    arn = f"{elb}:targetgroup/{group}/{stable_hex(group, length=16)}"
    return arn, {"arn": arn, "arnSuffix": arn.split(":", 5)[5], "name": group}


@resource("aws:lb/listener:Listener")
def _listener(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    lb_arn = str(inputs.get("loadBalancerArn", ""))
    arn = lb_arn.replace(":loadbalancer/", ":listener/") + f"/{stable_hex(ctx.stack, name, length=16)}"
    return arn, {"arn": arn}


@resource("aws:autoscaling/attachment:Attachment")
def _asg_attachment(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"{inputs.get('autoscalingGroupName')}-{stable_hex(ctx.stack, name, length=20)}", {}


@resource("aws:route53/record:Record")
def _record(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    fqdn = str(inputs.get("name", name))
    return f"{inputs.get('zoneId')}_{fqdn}_{inputs.get('type')}", {"fqdn": fqdn}


@call("aws:eks/getAddonVersion:getAddonVersion")
def _addon_version(ctx: Context, args: Mapping[str, Any]) -> dict[str, Any]:
    """A plausible default build of an add-on for a Kubernetes minor version."""
    addon = str(args.get("addonName"))
    minor = str(args.get("kubernetesVersion", "1.35")).split(".")[-1]
    base = {
        "vpc-cni": "v1.20.4",
        "coredns": "v1.12.4",
        "kube-proxy": f"v1.{minor}.0",
        "eks-pod-identity-agent": "v1.3.10",
        "aws-ebs-csi-driver": "v1.53.0",
    }.get(addon, "v1.0.0")
    return {
        "id": addon,
        "addonName": addon,
        "kubernetesVersion": args.get("kubernetesVersion"),
        "mostRecent": bool(args.get("mostRecent", False)),
        "version": f"{base}-eksbuild.1",
    }


@resource("aws:iam/rolePolicy:RolePolicy")
def _role_policy(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    policy_name = str(inputs.get("name") or f"{name}-{stable_hex(ctx.stack, name, length=7)}")
    return f"{inputs.get('role')}:{policy_name}", {"name": policy_name}
