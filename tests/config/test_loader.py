"""Every class of bad configuration stops with one clear message, before any resource."""

import json
from typing import Any

import pulumi
import pytest

from config import ConfigError, load_stack_config
from config.stack import StackConfig
from tests.conftest import stack_file, with_changes


def load(stack: str = "prod", set_: dict[str, Any] | None = None, unset: tuple[str, ...] = ()) -> StackConfig:
    base = stack_file(stack)
    return load_stack_config(
        project=base.project,
        stack=stack,
        raw=with_changes(base, set_, unset),
        secret_keys=base.secret_keys,
    )


def problems(**kwargs: Any) -> str:
    with pytest.raises(ConfigError) as info:
        load(**kwargs)
    return str(info.value)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_committed_stacks_load(stack: str) -> None:
    cfg = load(stack)
    assert cfg.stack == stack
    assert cfg.lab is not None and cfg.cloud is not None


def test_prod_and_staging_differ_where_they_should() -> None:
    prod, staging = load("prod"), load("staging")
    assert prod.is_prod and not staging.is_prod
    assert prod.cloud is not None and staging.cloud is not None
    assert prod.cloud.network is not None and prod.cloud.network.zones == 3
    assert (prod.cloud.network.nat_gateways, prod.cloud.network.nat_type) == ("single", "instance")
    # Staging runs on prod's cluster: it names its host and owns no network.
    assert staging.cloud.network is None and staging.cloud.host is not None
    assert staging.cloud.host.stack == "prod" and prod.cloud.tenants["staging"].namespaces == ["staging"]


def test_missing_key_names_stack_and_key() -> None:
    msg = problems(unset=("cloud:network",))
    assert "stack 'prod'" in msg
    assert "missing network: a stack without cloud:host owns its VPC and cluster" in msg


def test_a_tenant_owns_no_network_or_cluster() -> None:
    msg = problems(stack="staging", set_={"cloud:network": {"cidr": "10.30.0.0/16"}})
    assert "cloud:host makes this stack a tenant of organization/campus/prod" in msg
    assert "expected no network of its own" in msg


def test_a_tenant_namespace_belongs_to_one_tenant() -> None:
    tenant = {
        "deployerArn": "arn:aws:iam::123456789012:role/x",
        "namespaces": ["staging"],
        "domain": "x.campus.reverse9.xyz",
    }
    msg = problems(set_={"cloud:tenants": {"staging": tenant, "other": tenant}})
    assert "namespace 'staging' belongs to tenants staging and other" in msg


def test_wrong_type() -> None:
    msg = problems(set_={"cloud:network": {"cidr": "10.30.0.0/16", "zones": "three"}})
    assert "cloud:network.zones: expected a valid integer" in msg
    assert "'three'" in msg


def test_malformed_cidr() -> None:
    msg = problems(set_={"cloud:network": {"cidr": "10.30.0.300/16"}})
    assert "cloud:network.cidr" in msg
    assert "IPv4 network" in msg


def test_overlapping_subnets() -> None:
    msg = problems(
        set_={
            "cloud:network": {
                "cidr": "10.30.0.0/16",
                "zones": 2,
                "publicSubnetCidrs": ["10.30.0.0/20", "10.30.16.0/20"],
                "privateSubnetCidrs": ["10.30.8.0/21", "10.30.64.0/20"],
            }
        }
    )
    assert "cloud:network: subnets 10.30.0.0/20 and 10.30.8.0/21 overlap" in msg


def test_subnet_outside_vpc() -> None:
    msg = problems(
        set_={
            "cloud:network": {
                "cidr": "10.30.0.0/16",
                "zones": 2,
                "publicSubnetCidrs": ["10.31.0.0/20", "10.31.16.0/20"],
            }
        }
    )
    assert "outside the VPC" in msg


def test_one_zone_is_refused_because_eks_needs_two() -> None:
    msg = problems(set_={"cloud:network": {"cidr": "10.30.0.0/16", "zones": 1}})
    assert "cloud:network.zones: expected at least 2 zones, got 1" in msg


def test_vpc_too_small_for_zones() -> None:
    msg = problems(set_={"cloud:network": {"cidr": "10.30.0.0/22", "zones": 3, "subnetPrefix": 24}})
    assert "3 zones need 3" in msg


def test_computed_subnets_do_not_move_when_a_zone_is_added() -> None:
    two = load(set_={"cloud:network": {"cidr": "10.30.0.0/16", "zones": 2}})
    three = load(set_={"cloud:network": {"cidr": "10.30.0.0/16", "zones": 3}})
    assert two.cloud is not None and three.cloud is not None and three.cloud.network is not None
    for kind in ("public_subnets", "private_subnets"):
        before = [s.cidr for s in getattr(two.cloud.network, kind)()]
        after = [s.cidr for s in getattr(three.cloud.network, kind)()]
        assert after[:2] == before
    assert [str(s.cidr) for s in three.cloud.network.private_subnets()] == [
        "10.30.128.0/20",
        "10.30.144.0/20",
        "10.30.160.0/20",
    ]


def test_vmid_range_too_small() -> None:
    msg = problems(set_={"lab:vmidRange": {"start": 60000, "end": 59999}})
    assert "lab:vmidRange: range too small" in msg


def test_vmid_below_proxmox_minimum() -> None:
    msg = problems(set_={"lab:vmidRange": {"start": 50, "end": 500}})
    assert "lab:vmidRange.start: expected" in msg
    assert "100" in msg


def test_duplicate_names() -> None:
    proxmox = {
        "endpoint": "https://pve.example.org:8006/",
        "ssh": {"nodes": [{"name": "pve", "address": "10.0.0.1"}, {"name": "pve", "address": "10.0.0.2"}]},
    }
    msg = problems(set_={"lab:proxmox": proxmox})
    assert "duplicate node name 'pve'" in msg


def test_unknown_key_top_level_and_nested() -> None:
    msg = problems(set_={"cloud:regoin": "eu-west-1", "cloud:network": {"cidr": "10.30.0.0/16", "zonez": 2}})
    assert "cloud:regoin: unknown key" in msg
    assert "cloud:network.zonez: unknown key" in msg


def test_every_problem_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load(set_={"cloud:regoin": "x", "lab:vmidRange": {"start": 5, "end": 6}})
    assert len(info.value.problems) >= 3


def test_plaintext_secret_is_refused() -> None:
    base = stack_file("staging")
    with pytest.raises(ConfigError) as info:
        load_stack_config(
            project=base.project,
            stack="staging",
            raw=base.config,
            secret_keys=[k for k in base.secret_keys if k != "lab:proxmoxPassword"],
        )
    assert "lab:proxmoxPassword: is stored in plaintext" in str(info.value)


def test_exactly_one_proxmox_credential() -> None:
    msg = problems(set_={"lab:proxmoxApiToken": "root@pam!ci=uuid"})
    assert "exactly one of lab:proxmoxPassword and lab:proxmoxApiToken" in msg


def test_disabled_part_is_not_built_but_still_checked() -> None:
    # The platform runs on the cloud part: disabling the cloud disables it too.
    cfg = load(set_={"cloud:enabled": "false", "platform:enabled": "false"})
    assert cfg.cloud is None
    msg = problems(set_={"cloud:enabled": "false", "platform:enabled": "false", "cloud:netwrk": {}})
    assert "cloud:netwrk: unknown key" in msg


def test_part_absent_entirely() -> None:
    base = stack_file("staging")
    raw = {k: v for k, v in base.config.items() if not k.startswith("lab:")}
    cfg = load_stack_config(
        project="campus",
        stack="staging",
        raw=raw,
        secret_keys=[k for k in base.secret_keys if not k.startswith("lab:")],
    )
    assert cfg.lab is None and cfg.cloud is not None


def test_error_is_a_pulumi_run_error() -> None:
    """RunError makes a real `pulumi up` print the message alone, without a traceback."""
    assert issubclass(ConfigError, pulumi.RunError)


def test_unknown_namespace_is_refused_but_provider_namespaces_are_left_alone() -> None:
    msg = problems(set_={"clod:enabled": "true", "campus:foo": "bar"})
    assert "clod:enabled: unknown key; this program reads lab:, cloud:, platform:, cost:" in msg
    assert "campus:foo: unknown key" in msg
    cfg = load(set_={"aws:profile": "ops", "pulumi:tags": '{"team": "platform"}'})
    assert cfg.cloud is not None


def test_a_rule_over_several_keys_is_reported_under_its_namespace() -> None:
    msg = problems(set_={"lab:proxmoxApiToken": "root@pam!ci=uuid"})
    assert "  - lab: set exactly one of lab:proxmoxPassword and lab:proxmoxApiToken" in msg


def _with_token(set_: dict[str, Any] | None = None, unset: tuple[str, ...] = ()) -> StackConfig:
    """staging with an API token instead of root@pam's password (a secret, as it must be)."""
    base = stack_file("staging")
    raw = with_changes(
        base, {"lab:proxmoxApiToken": "root@pam!ci=uuid", **(set_ or {})}, ("lab:proxmoxPassword", *unset)
    )
    secrets = [k for k in base.secret_keys if k != "lab:proxmoxPassword"] + ["lab:proxmoxApiToken"]
    return load_stack_config(project=base.project, stack="staging", raw=raw, secret_keys=secrets)


def test_an_api_token_is_refused_for_a_fleet_naming_the_key_and_why() -> None:
    with pytest.raises(ConfigError) as info:
        _with_token(unset=("lab:gns3",))
    msg = str(info.value)
    assert "lab:proxmoxApiToken is set, but lab:roster (student containers" in msg
    assert "never treats an API token as root@pam" in msg


def test_an_api_token_is_refused_for_a_template_import() -> None:
    with pytest.raises(ConfigError) as info:
        _with_token(unset=("lab:roster", "lab:fleet"))
    assert "lab:proxmoxApiToken is set, but lab:gns3.template.build" in str(info.value)


def test_an_api_token_is_accepted_when_nothing_needs_root() -> None:
    cfg = _with_token(unset=("lab:roster", "lab:fleet", "lab:gns3"))
    assert cfg.lab is not None and cfg.lab.node_features() == []


def test_a_user_other_than_root_at_pam_is_refused_for_a_fleet() -> None:
    proxmox = dict(json.loads(stack_file("staging").config["lab:proxmox"]), username="pulumi@pve")
    msg = problems(set_={"lab:proxmox": proxmox})
    assert "lab:proxmox.username is 'pulumi@pve', but lab:roster" in msg
