"""Every policy's violating and compliant example, planned as a program and judged by the real analyzer,
once as an update sees it (ids and outputs known) and once as a first preview does (unknown).

The examples are small Pulumi programs run under the plan's mocks, so the
records carry what the SDK really sends (dependencies, property dependencies,
secrets, unknowns); the budget policy's examples are the committed stacks
(`test_budget.py`, both modes).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_command as command
import pulumi_kubernetes as kubernetes
import pulumi_proxmoxve as proxmoxve
import pytest
from pulumi_policy import EnforcementLevel

from offline.harness import run_program
from offline.mocks import PlanMocks
from offline.policies import check_plan
from policy.policies import POLICIES

MODES = {"update": False, "first-preview": True}


@dataclass(frozen=True)
class Example:
    policy: str
    program: Callable[[], None]
    violates: bool
    stack: str = "prod"
    update_only: bool = False
    """Only the update can decide: a first preview must say so (advisory), never pass it silently."""


def _bucket(
    name: str = "backups",
    *,
    encryption: str | None = "AES256",
    versioning: str = "Enabled",
    restrict: bool = True,
    v2: bool = False,
    protect: bool = False,
) -> None:
    opts = pulumi.ResourceOptions(protect=protect)
    bucket: aws.s3.Bucket | aws.s3.BucketV2 = (
        aws.s3.BucketV2(name, bucket_prefix=f"{name}-", opts=opts)
        if v2
        else aws.s3.Bucket(name, bucket_prefix=f"{name}-", opts=opts)
    )
    if v2:
        aws.s3.BucketServerSideEncryptionConfigurationV2(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationV2RuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm=encryption
                    )
                    if encryption
                    else None,
                    bucket_key_enabled=True,
                )
            ],
        )
        aws.s3.BucketVersioningV2(
            f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": versioning}
        )
    else:
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm=encryption
                    )
                    if encryption
                    else None,
                    bucket_key_enabled=True,
                )
            ],
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": versioning}
        )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=restrict,
    )


def _bare_bucket_v2() -> None:
    aws.s3.BucketV2("bare")


def _cluster(cidrs: list[str]) -> None:
    aws.eks.Cluster(
        "eks",
        role_arn="arn:aws:iam::123456789012:role/eks",
        vpc_config={
            "subnet_ids": ["subnet-1", "subnet-2"],
            "endpoint_public_access": True,
            "endpoint_private_access": True,
            "public_access_cidrs": cidrs,
        },
    )


def _node_group(*, public: bool) -> None:
    vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
    igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
    nat = aws.ec2.NatGateway("nat", subnet_id="subnet-elsewhere", connectivity_type="private")
    table = aws.ec2.RouteTable(
        "table",
        vpc_id=vpc.id,
        routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}] if public else [],
    )
    if not public:
        aws.ec2.Route(
            "default", route_table_id=table.id, destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id
        )
    # Tagged as an internal subnet either way: only the route decides.
    subnet = aws.ec2.Subnet(
        "nodes-a",
        vpc_id=vpc.id,
        cidr_block="10.0.1.0/24",
        tags={"kubernetes.io/role/internal-elb": "1"},
    )
    aws.ec2.RouteTableAssociation("nodes-a", subnet_id=subnet.id, route_table_id=table.id)
    aws.eks.NodeGroup(
        "nodes",
        cluster_name="eks",
        node_role_arn="arn:aws:iam::123456789012:role/nodes",
        subnet_ids=[subnet.id],
        scaling_config={"min_size": 1, "desired_size": 1, "max_size": 2},
    )


def _launch_template(tokens: str) -> None:
    aws.ec2.LaunchTemplate("nodes", metadata_options={"http_endpoint": "enabled", "http_tokens": tokens})


def _container(unprivileged: bool) -> None:
    proxmoxve.ContainerLegacy("ct", node_name="pve", unprivileged=unprivileged)


def _command(create: str | pulumi.Output[str]) -> None:
    command.remote.Command("cmd", connection={"host": "pve.example.org"}, create=create)


def _command_from_an_output() -> None:
    # The host is only known once the bucket exists: the whole command string is unknown in a preview.
    bucket = aws.s3.Bucket("drop", bucket_prefix="drop-")
    _command(pulumi.Output.concat("sshpass -p hunter2 scp report root@", bucket.id, ":/tmp/"))


def _release(values: dict[str, object]) -> None:
    kubernetes.helm.v3.Release("db", chart="postgresql-ha", values=values)


EXAMPLES = [
    Example("aws-s3-bucket-enable-server-side-encryption", lambda: _bucket(encryption=None), True),
    Example("aws-s3-bucket-enable-server-side-encryption", lambda: _bucket(encryption=None, v2=True), True),
    Example("aws-s3-bucket-enable-server-side-encryption", _bucket, False),
    Example("aws-s3-bucket-enable-server-side-encryption", lambda: _bucket(v2=True), False),
    Example("aws-s3-bucket-enable-versioning", lambda: _bucket(versioning="Suspended"), True),
    Example("aws-s3-bucket-enable-versioning", lambda: _bucket(versioning="Suspended", v2=True), True),
    Example("aws-s3-bucket-enable-versioning", _bucket, False),
    Example("aws-s3-bucket-enable-versioning", _bare_bucket_v2, True),
    Example("aws-s3-bucket-block-public-access", lambda: _bucket(restrict=False), True),
    Example("aws-s3-bucket-block-public-access", lambda: _bucket(v2=True), False),
    Example("aws-eks-cluster-disallow-api-endpoint-public-access", lambda: _cluster(["0.0.0.0/0"]), True),
    Example("aws-eks-cluster-disallow-api-endpoint-public-access", lambda: _cluster([]), True),
    Example(
        "aws-eks-cluster-disallow-api-endpoint-public-access", lambda: _cluster(["203.0.113.0/24"]), False
    ),
    Example(
        "aws-eks-cluster-disallow-api-endpoint-public-access",
        lambda: _cluster(["0.0.0.0/0"]),
        False,
        "staging",
    ),
    Example("aws-eks-nodegroup-private-subnets-only", lambda: _node_group(public=True), True),
    Example("aws-eks-nodegroup-private-subnets-only", lambda: _node_group(public=False), False),
    Example("aws-ec2-launchtemplate-enforce-imdsv2", lambda: _launch_template("optional"), True),
    Example("aws-ec2-launchtemplate-enforce-imdsv2", lambda: _launch_template("required"), False),
    Example("proxmox-container-unprivileged", lambda: _container(False), True),
    Example("proxmox-container-unprivileged", lambda: _container(True), False),
    Example("no-secrets-in-command-strings", lambda: _command("sshpass -p hunter2 ssh root@pve"), True),
    Example("no-secrets-in-command-strings", lambda: _command("chpasswd < /dev/stdin"), False),
    Example("no-secrets-in-command-strings", _command_from_an_output, True, update_only=True),
    Example(
        "no-plaintext-secrets-in-helm-values", lambda: _release({"auth": {"postgresPassword": "x1"}}), True
    ),
    # A credential inside a list is still found.
    Example(
        "no-plaintext-secrets-in-helm-values", lambda: _release({"users": [{"password": "hunter2"}]}), True
    ),
    Example(
        "no-plaintext-secrets-in-helm-values",
        lambda: _release({"auth": {"existingSecret": "pg-auth"}}),
        False,
    ),
    Example("prod-stateful-resources-protected", _bucket, True),
    Example("prod-stateful-resources-protected", lambda: _bucket(v2=True), True),
    Example("prod-stateful-resources-protected", lambda: _bucket(protect=True), False),
]


def _id(example: Example) -> str:
    verdict = "violating" if example.violates else "compliant"
    return f"{example.policy}-{verdict}-{EXAMPLES.index(example)}"


def test_every_policy_has_a_violating_and_a_compliant_example() -> None:
    covered = {(e.policy, e.violates) for e in EXAMPLES}
    # The budget's are the committed stacks, over and within a budget (test_budget.py).
    names = {p.name for p in POLICIES} - {"monthly-budget"}
    assert covered == {(n, v) for n in names for v in (True, False)}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_example_through_the_analyzer(example: Example, mode: str) -> None:
    preview = MODES[mode]
    result = run_program(
        project="campus",
        stack=example.stack,
        config={},
        secret_keys=[],
        mocks=PlanMocks(stack=example.stack, preview=preview),
        program=example.program,
        preview=preview,
    )
    found = check_plan(result, only=[example.policy])
    mandatory = [v for v in found if v.level == EnforcementLevel.MANDATORY]
    if not example.violates:
        assert found == []
    elif preview and example.update_only:
        assert mandatory == [] and found
        assert all("during preview" in v.message and "known only at the update" in v.message for v in found)
    else:
        assert mandatory, found
        assert all(v.urn for v in mandatory)
