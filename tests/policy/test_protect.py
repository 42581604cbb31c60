"""Prod's stateful resources are protected."""

from pathlib import Path

import pulumi_aws
import pulumi_kubernetes
import pulumi_proxmoxve
import pytest

from policy.protect import STATEFUL_TYPES, prod_stateful_protected
from tests.policy.records import fired, record


@pytest.mark.parametrize("token", ["aws:ec2/vpc:Vpc", "proxmoxve:index/containerLegacy:ContainerLegacy"])
def test_unprotected_stateful_resource_in_prod_fires(token: str) -> None:
    found = fired(prod_stateful_protected, record(token, "thing", protect=False))
    assert len(found) == 1 and "not protected in prod" in found[0].message


def test_protected_or_non_prod_or_stateless_is_silent() -> None:
    assert fired(prod_stateful_protected, record("aws:ec2/vpc:Vpc", "vpc", protect=True)) == []
    assert fired(prod_stateful_protected, record("aws:ec2/vpc:Vpc", "vpc", stack="staging")) == []
    assert fired(prod_stateful_protected, record("aws:ec2/route:Route", "route")) == []


def test_stateful_types_exist_in_the_pinned_sdks() -> None:
    sources = {
        "aws": pulumi_aws.__file__,
        "kubernetes": pulumi_kubernetes.__file__,
        "proxmoxve": pulumi_proxmoxve.__file__,
    }
    texts = {k: Path(v).read_text() for k, v in sources.items()}
    missing = [t for t in STATEFUL_TYPES if f'"{t}"' not in texts[t.split(":")[0]]]
    assert missing == []
