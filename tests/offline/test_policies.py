"""The policy step of the offline plan: adapter, report and exit code."""

import re

import pulumi
import pulumi_proxmoxve as proxmoxve
import pytest
from pulumi_policy import EnforcementLevel

import offline.plan
from offline.harness import PlanResult
from offline.plan import plan_config
from offline.policies import check_plan, resource_args, stack_args
from policy.policies import POLICIES
from tests.conftest import Planner, stack_file
from tests.policy.records import record


def test_policy_names_are_unique_and_valid_for_a_pack() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names)) >= 10
    assert all(re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", n) for n in names)
    assert all(
        p.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY) for p in POLICIES
    )


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_committed_stacks_pass_every_policy(plan: Planner, stack: str) -> None:
    result = plan(stack)
    assert result.resources
    assert check_plan(result) == []


def test_adapter_hands_policies_what_the_engine_would() -> None:
    subnet = record(
        "aws:ec2/subnet:Subnet", "a", {"mapPublicIpOnLaunch": False}, id_="subnet-1", protect=True
    )
    group = record("aws:eks/nodeGroup:NodeGroup", "g", {"subnetIds": ["subnet-1"]}, dependencies=[subnet])
    args = resource_args(subnet, {"k": 1})
    assert (
        args.props == {"mapPublicIpOnLaunch": False} and args.opts.protect and args.get_config() == {"k": 1}
    )
    stack = stack_args([subnet, group])
    by_name = {r.name: r for r in stack.resources}
    assert by_name["a"].props["id"] == "subnet-1"
    assert by_name["g"].dependencies == [by_name["a"]]


def privileged_container_program() -> None:
    provider = proxmoxve.Provider("pve", endpoint="https://pve.example.org:8006/")
    proxmoxve.ContainerLegacy(
        "ct-test",
        node_name="pve",
        unprivileged=False,
        opts=pulumi.ResourceOptions(provider=provider),
    )


def test_plan_of_a_violating_program_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = stack_file("prod")

    def planned(stack: str, root: object = None) -> PlanResult:
        return plan_config(
            project=base.project,
            stack="prod",
            config=base.config,
            secret_keys=base.secret_keys,
            program=privileged_container_program,
        )

    monkeypatch.setattr(offline.plan, "plan_stack", planned)
    assert offline.plan.main(["--stack", "prod"]) == 3
    out = capsys.readouterr().out
    assert "Policies: 2 violations, 2 mandatory" in out
    assert "[mandatory] proxmox-container-unprivileged: container 'ct-test' is privileged" in out
    assert "[mandatory] prod-stateful-resources-protected" in out


def test_plan_of_the_committed_stack_reports_no_violation(capsys: pytest.CaptureFixture[str]) -> None:
    assert offline.plan.main(["--stack", "staging"]) == 0
    assert "Policies: 0 violations, 0 mandatory" in capsys.readouterr().out
