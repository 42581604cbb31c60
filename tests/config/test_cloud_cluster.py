"""cloud:cluster, cloud:ingress, cloud:dns and the network's flow-log retention: each mistake, one message."""

import json
from typing import Any

import pytest

from config import ConfigError, load_stack_config
from config.cluster import principal_key
from tests.conftest import dedicated_staging_changes, stack_file, with_changes


def problems(stack: str, changes: dict[str, Any]) -> str:
    base = stack_file(stack)
    with pytest.raises(ConfigError) as err:
        load_stack_config(
            project="campus", stack=stack, raw=with_changes(base, changes), secret_keys=base.secret_keys
        )
    return str(err.value)


def cluster_with(stack: str, **changes: Any) -> dict[str, Any]:
    cluster = json.loads(stack_file(stack).config["cloud:cluster"])
    for key, value in changes.items():
        if key in ("minSize", "desiredSize", "maxSize", "instanceTypes"):
            cluster["nodeGroup"][key] = value
        else:
            cluster[key] = value
    return {"cloud:cluster": cluster}


def test_committed_stacks_load() -> None:
    base = stack_file("prod")
    cfg = load_stack_config(project="campus", stack="prod", raw=base.config, secret_keys=base.secret_keys)
    assert cfg.cloud is not None and cfg.cloud.cluster is not None
    assert cfg.cloud.cluster.ci_principal_arn.endswith("campus-ci-deployer")
    assert cfg.cloud.cluster.support_type == "STANDARD"
    base = stack_file("staging")
    cfg = load_stack_config(project="campus", stack="staging", raw=base.config, secret_keys=base.secret_keys)
    # Staging is a tenant: no cluster of its own.
    assert cfg.cloud is not None and cfg.cloud.cluster is None and cfg.cloud.is_tenant


def test_node_sizes_must_be_ordered() -> None:
    text = problems("prod", cluster_with("prod", minSize=3, desiredSize=2, maxSize=4))
    assert "cloud:cluster.nodeGroup" in text and "minSize <= desiredSize <= maxSize" in text


def test_instance_types_must_match_the_architecture() -> None:
    cluster = json.loads(stack_file("prod").config["cloud:cluster"])
    cluster["nodeGroup"] = {**cluster["nodeGroup"], "instanceTypes": ["t3.medium"]}
    text = problems("prod", {"cloud:cluster": cluster})
    assert "cloud:cluster.nodeGroup" in text and "'t3.medium' is an x86_64 type" in text
    cluster["nodeGroup"] = {**cluster["nodeGroup"], "instanceTypes": ["m7g.large"], "architecture": "x86_64"}
    text = problems("prod", {"cloud:cluster": cluster})
    assert "Graviton" in text and "expected architecture arm64" in text


def test_session_arns_cannot_be_administrators() -> None:
    session = "arn:aws:sts::123456789012:assumed-role/admin/alice"
    text = problems("prod", cluster_with("prod", adminArns=[session]))
    assert "cloud:cluster.adminArns" in text and "assumed-role session ARN" in text


def test_two_principals_with_one_name_are_refused() -> None:
    twin = "arn:aws:iam::999999999999:role/campus-ci-deployer"
    text = problems("prod", cluster_with("prod", adminArns=[twin]))
    assert "share the name 'campus-ci-deployer'" in text


def test_ci_identity_is_required() -> None:
    cluster = json.loads(stack_file("prod").config["cloud:cluster"])
    del cluster["ciPrincipalArn"]
    assert "cloud:cluster.ciPrincipalArn: missing" in problems("prod", {"cloud:cluster": cluster})


def test_open_endpoint_is_refused_in_prod_only() -> None:
    assert "cloud:cluster.publicAccessCidrs" in problems(
        "prod", cluster_with("prod", publicAccessCidrs=["0.0.0.0/0"])
    )
    base = stack_file("staging")
    changes = {**dedicated_staging_changes(), **cluster_with("prod", publicAccessCidrs=["0.0.0.0/0"])}
    cfg = load_stack_config(
        project="campus",
        stack="staging",
        raw=with_changes(base, changes, ("cloud:host",)),
        secret_keys=base.secret_keys,
    )
    assert cfg.cloud is not None and cfg.cloud.cluster is not None
    assert [str(c) for c in cfg.cloud.cluster.public_access_cidrs] == ["0.0.0.0/0"]


def test_retention_must_be_a_cloudwatch_value() -> None:
    text = problems("prod", cluster_with("prod", logRetentionDays=100))
    assert "cloud:cluster.logRetentionDays" in text and "not a CloudWatch Logs retention" in text


def test_node_ports_must_be_distinct_and_in_range() -> None:
    assert "cloud:ingress.httpNodePort" in problems("staging", {"cloud:ingress": {"httpNodePort": 8080}})
    same = problems("staging", {"cloud:ingress": {"httpNodePort": 30080, "httpsNodePort": 30080}})
    assert "cloud:ingress" in same and "both 30080" in same


@pytest.mark.parametrize(
    ("dns", "key", "fragment"),
    [
        ({"domain": "not a domain", "hostedZoneId": "Z123"}, "cloud:dns.domain", "not a DNS domain"),
        (
            {"domain": "example.org", "hostedZoneId": "zone-1"},
            "cloud:dns.hostedZoneId",
            "not a Route53 hosted zone id",
        ),
        ({"domain": "example.org", "hostedZoneId": "Z123", "records": ["a b"]}, "cloud:dns.records", "'a b'"),
        (
            {"domain": "example.org", "hostedZoneId": "Z123", "records": ["@", "@"]},
            "cloud:dns.records",
            "twice",
        ),
    ],
)
def test_dns_mistakes_name_their_key(dns: dict[str, Any], key: str, fragment: str) -> None:
    text = problems("staging", {"cloud:dns": dns})
    assert key in text and fragment in text


def test_principal_key_is_the_role_name() -> None:
    assert principal_key("arn:aws:iam::123456789012:role/team/Platform.Admin") == "platform-admin"
