"""Every registered resource type is classified, and the table says what the program does."""

from pathlib import Path
from typing import Any

import pytest

from offline.harness import PlanResult
from offline.plan import plan_stack
from offline.replacements import TABLE, Knowledge, knowledge, split

STACKS = ("staging", "prod")


@pytest.fixture(scope="module")
def plans() -> list[PlanResult]:
    return [plan_stack(stack) for stack in STACKS]


def unclassified(plans: list[PlanResult], table: Knowledge) -> list[str]:
    """Custom resource types the plans register that the table has no entry for."""
    registered = {r.type for p in plans for r in p.resources if r.custom}
    return sorted(t for t in registered if table.entry(t) is None)


def test_every_registered_type_is_classified(plans: list[PlanResult]) -> None:
    assert unclassified(plans, knowledge()) == []


def test_an_unclassified_type_is_found(plans: list[PlanResult], tmp_path: Path) -> None:
    # The same table without the container entry: the check names the type.
    text = TABLE.read_text()
    start = text.index("  proxmoxve:index/containerLegacy:ContainerLegacy:")
    end = text.index("  proxmoxve:index/vmLegacy:VmLegacy:")
    trimmed = tmp_path / "replacements.yaml"
    trimmed.write_text(text[:start] + text[end:])
    assert unclassified(plans, knowledge(trimmed)) == ["proxmoxve:index/containerLegacy:ContainerLegacy"]


def test_every_entry_cites_its_source() -> None:
    for type_token, entry in knowledge().table.types.items():
        assert entry.replace or entry.source, f"{type_token}: no forcing path and no source saying so"
        for forcing in entry.replace:
            # A repository, then a file in it.
            repo, where = forcing.source.split()[:2]
            assert "terraform-provider" in repo or "pulumi-" in repo or "kubernetes" in repo, forcing.source
            assert "/" in where or where.endswith(".go"), forcing.source


def test_the_proxmox_citations_name_the_pinned_version() -> None:
    for type_token, entry in knowledge().table.types.items():
        if type_token.startswith("proxmoxve:"):
            for forcing in entry.replace:
                assert forcing.source.startswith("bpg/terraform-provider-proxmox@v0.110.0 "), type_token
                assert ":" in forcing.source.split()[1], f"{type_token} {forcing.path}: no line"


def test_what_the_program_ignores_is_listed_as_creation_only(plans: list[PlanResult]) -> None:
    # The table and the program agree: every ignore_changes path the program sends is explained.
    missing: set[str] = set()
    for plan in plans:
        for r in plan.resources:
            entry = knowledge().entry(r.type)
            listed: set[tuple[str, ...]] = {split(c.path) for c in entry.creation_only} if entry else set()
            missing |= {f"{r.type} {p}" for p in r.ignore_changes if split(p) not in listed}
    assert missing == set()


def test_protected_machines_are_stateful() -> None:
    k = knowledge()
    for type_token in (
        "proxmoxve:index/containerLegacy:ContainerLegacy",
        "proxmoxve:index/vmLegacy:VmLegacy",
    ):
        assert k.stateful(type_token, {})
    assert k.stateful(
        "kubernetes:helm.sh/v3:Release", {"chart": "oci://registry-1.docker.io/bitnamicharts/postgresql-ha"}
    )
    assert not k.stateful("kubernetes:helm.sh/v3:Release", {"chart": "traefik"})


@pytest.mark.parametrize(
    ("changed", "old", "new", "replaces"),
    [
        ("disk.size", {"disk": {"size": 50}}, {"disk": {"size": 60}}, False),
        ("disk.size", {"disk": {"size": 50}}, {"disk": {"size": 40}}, True),
        ("disk.datastoreId", {"disk": {"datastoreId": "a"}}, {"disk": {"datastoreId": "b"}}, True),
        ("cpu.cores", {"cpu": {"cores": 2}}, {"cpu": {"cores": 4}}, False),
        ("mountPoints[0].volume", {}, {}, True),
    ],
)
def test_what_replaces_a_container(
    changed: str, old: dict[str, Any], new: dict[str, Any], replaces: bool
) -> None:
    hits = knowledge().forcing("proxmoxve:index/containerLegacy:ContainerLegacy", [changed], old, new)
    assert bool(hits) is replaces


def test_removing_an_nlb_subnet_replaces_it_adding_one_does_not() -> None:
    lb = "aws:lb/loadBalancer:LoadBalancer"
    two, three = {"subnets": ["a", "b"]}, {"subnets": ["a", "b", "c"]}
    assert knowledge().forcing(lb, ["subnets"], two, three) == []
    assert [f.path for f in knowledge().forcing(lb, ["subnets"], three, two)] == ["subnets"]
