"""`make dev-stack`: a personal stack from the template, valid once its secret is set."""

import base64
import json
import os
import shutil
from pathlib import Path

import pytest

from config import load_stack_config
from config.stackfile import read_stack_file
from offline.harness import PlanResult
from offline.plan import plan_config
from offline.policies import check_plan
from scripts.dev_stack import TEMPLATE, main, tenant_entry
from tests.conftest import ROOT

FAKE_SECRET = f"  lab:proxmoxPassword:\n    secure: {base64.b64encode(os.urandom(48)).decode()}\n"
"""What `pulumi config set --secret lab:proxmoxPassword` appends under Pulumi Cloud's default
provider (base64 ciphertext; readable text would be refused as a placeholder)."""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", TEMPLATE):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def plan_dev(repo: Path, stack: str) -> PlanResult:
    path = repo / f"Pulumi.{stack}.yaml"
    path.write_text(path.read_text() + FAKE_SECRET)
    stack_file = read_stack_file(repo, stack)
    return plan_config(
        project=stack_file.project,
        stack=stack,
        config=stack_file.config,
        secret_keys=stack_file.secret_keys,
        root=repo,
    )


def test_writes_a_lab_only_stack_that_plans(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alice", "--root", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "pulumi stack init dev-alice" in out
    assert "pulumi config set --secret --stack dev-alice lab:proxmoxPassword" in out
    result = plan_dev(repo, "dev-alice")
    types = {r.type for r in result.resources}
    assert "pulumi:providers:proxmoxve" in types
    assert not any(t.startswith("aws:") or t == "pulumi:providers:aws" for t in types)
    assert result.outputs["parts"] == {"lab": True, "cloud": False, "platform": False}
    assert check_plan(result) == []


def test_cloud_flag_makes_a_tenant_of_prod_once_prod_hosts_it(repo: Path) -> None:
    assert main(["bob", "--cloud", "--root", str(repo)]) == 0
    with pytest.raises(Exception, match="hosts no tenant 'dev-bob'"):
        plan_dev(repo, "dev-bob")
    prod = repo / "Pulumi.prod.yaml"
    prod.write_text(
        prod.read_text().replace("  cloud:tenants:\n", "  cloud:tenants:\n" + tenant_entry("dev-bob"))
    )
    stack_file = read_stack_file(repo, "dev-bob")  # its secret was added by the first attempt
    result = plan_config(
        project=stack_file.project,
        stack="dev-bob",
        config=stack_file.config,
        secret_keys=stack_file.secret_keys,
        root=repo,
    )
    assert result.outputs["parts"] == {"lab": True, "cloud": True, "platform": False}
    types = {r.type for r in result.resources}
    # No VPC, cluster, NAT or load balancer of its own: DNS records to prod's NLB, and its budget.
    assert "aws:ec2/vpc:Vpc" not in types and "aws:eks/cluster:Cluster" not in types
    assert {r.type for r in result.resources if r.type.startswith("aws:")} == {
        "aws:route53/record:Record",
        "aws:budgets/budget:Budget",
    }


def test_stacks_never_share_vmids_or_namespaces(repo: Path) -> None:
    names = ["alice", "bob", "carol", "dave"]
    for name in names:
        assert main([name, "--root", str(repo), "--cloud"]) == 0
    configs = [read_stack_file(repo, f"dev-{n}").config for n in names]
    configs += [read_stack_file(repo, s).config for s in ("staging", "prod")]
    starts = [c["lab:vmidRange"] for c in configs]
    assert len(set(starts)) == len(starts)
    hosts = [json.loads(c["cloud:host"]) for c in configs if "cloud:host" in c]
    assert len({h["namespace"] for h in hosts}) == len(hosts) == len(names) + 1


def test_a_personal_cloud_stack_is_a_tenant_with_its_own_budget_in_the_account(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["alice", "--root", str(repo), "--cloud"]) == 0
    out = capsys.readouterr().out
    assert "Add under cloud:tenants in Pulumi.prod.yaml" in out and "namespaces: [dev-alice]" in out
    path = repo / "Pulumi.dev-alice.yaml"
    path.write_text(path.read_text() + FAKE_SECRET)
    stack = read_stack_file(repo, "dev-alice")
    cfg = load_stack_config(
        project=stack.project, stack="dev-alice", raw=stack.config, secret_keys=stack.secret_keys
    )
    assert cfg.cloud is not None and cfg.cloud.host is not None and cfg.cloud.network is None
    assert cfg.cost is not None and cfg.cost.monthly_budget == 10
    assert cfg.cost.account is not None and cfg.cost.account.id == "123456789012"
    assert not cfg.cost.account.owner


@pytest.mark.parametrize(
    "name", ["prod", "staging", "prod-alice", "alice-staging", "Alice", "a", "x/prod", "main"]
)
def test_refuses_names_that_could_hit_a_shared_stack(
    repo: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([name, "--root", str(repo)]) == 2
    assert "error: name" in capsys.readouterr().err
    assert sorted(p.name for p in repo.glob("Pulumi.dev-*.yaml")) == []


def test_refuses_to_overwrite_without_force(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alice", "--root", str(repo)]) == 0
    assert main(["alice", "--root", str(repo)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["alice", "--force", "--root", str(repo)]) == 0


def test_dry_run_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erin", "--dry-run", "--root", str(repo)]) == 0
    assert "lab:vmidRange:" in capsys.readouterr().out
    assert not (repo / "Pulumi.dev-erin.yaml").exists()
