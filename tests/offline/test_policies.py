"""The policy step of the offline plan: the real analyzer, the marshalling, the report and exit code."""

import json
import re
import sys
from pathlib import Path

import pulumi
import pulumi_proxmoxve as proxmoxve
import pytest
from google.protobuf import json_format
from pulumi_policy import EnforcementLevel

import offline.plan
from offline.analyzer import analyze_request, analyze_stack_request, records_from_document
from offline.harness import SECRET, UNKNOWN, PlanResult
from offline.plan import plan_config, plan_stack
from offline.policies import check, check_plan
from offline.report import plan_document
from policy.policies import POLICIES
from tests.conftest import ROOT, stack_file
from tests.policy.records import record

SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": SECRET}
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_policy_names_are_unique_and_valid_for_a_pack() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names)) >= 10
    assert all(re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", n) for n in names)
    assert all(
        p.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY) for p in POLICIES
    )


def test_no_module_of_the_pack_shadows_the_standard_library() -> None:
    # The CLI runs the pack with policy/ first on sys.path: a policy/secrets.py would be `import secrets`.
    modules = {p.stem for p in (ROOT / "policy").glob("*.py")}
    assert not modules & set(sys.stdlib_module_names)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_committed_stacks_pass_every_policy_in_both_modes(stack: str) -> None:
    assert check_plan(plan_stack(stack)) == []
    preview = check_plan(plan_stack(stack, preview=True))
    # A first preview may only say what the update alone can decide, as advisories.
    assert all(v.level == EnforcementLevel.ADVISORY and "during preview" in v.message for v in preview)


def test_requests_carry_what_the_engine_marshals() -> None:
    subnet = record(
        "aws:ec2/subnet:Subnet", "a", {"mapPublicIpOnLaunch": False}, id_="subnet-1", protect=True
    )
    group = record(
        "aws:eks/nodeGroup:NodeGroup",
        "g",
        {"subnetIds": [UNKNOWN], "labels": {"token": SECRET}, "__defaults": []},
        dependencies=[subnet],
    )
    group.property_dependencies = {"subnetIds": [subnet.urn]}
    group.parent = "urn:pulumi:prod::campus::campus:aws:EksCluster::c"
    request = analyze_request(group, {})
    assert json_format.MessageToDict(request.properties) == {
        "subnetIds": [UNKNOWN_SENTINEL],
        "labels": {"token": SECRET_SIG},
    }
    assert request.options.parent == group.parent and not request.options.protect
    stack = {r.urn: r for r in analyze_stack_request([subnet, group]).resources}
    assert json_format.MessageToDict(stack[subnet.urn].properties) == {
        "mapPublicIpOnLaunch": False,
        "id": "subnet-1",
    }
    assert stack[subnet.urn].options.protect
    assert list(stack[group.urn].dependencies) == [subnet.urn]
    assert list(stack[group.urn].propertyDependencies["subnetIds"].urns) == [subnet.urn]
    assert stack[group.urn].parent == group.parent and stack[group.urn].options.parent == ""


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_plan_document_replays_to_the_same_diagnostics(stack: str, tmp_path: Path) -> None:
    result = plan_stack(stack)
    document = json.loads(json.dumps(plan_document(result)))
    replayed = records_from_document(document)
    assert [r.urn for r in replayed] == [r.urn for r in result.resources]
    assert check(replayed, stack=stack) == check_plan(result)
    # A replay of a violating plan finds the same violations.
    bad = plan_config(
        project="campus",
        stack="prod",
        config=stack_file("prod").config,
        secret_keys=stack_file("prod").secret_keys,
        program=privileged_container_program,
    )
    found = check_plan(bad)
    assert found and check(records_from_document(json.loads(json.dumps(plan_document(bad))))) == found


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

    def planned(stack: str, root: object = None, *, preview: bool = False) -> PlanResult:
        return plan_config(
            project=base.project,
            stack="prod",
            config=base.config,
            secret_keys=base.secret_keys,
            program=privileged_container_program,
            preview=preview,
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


def test_cli_first_preview_reports_only_advisories(capsys: pytest.CaptureFixture[str]) -> None:
    assert offline.plan.main(["--stack", "prod", "--first-preview"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Policies: [1-9]\d* violations, 0 mandatory", out)
    assert "[advisory] no-secrets-in-command-strings: can't run policy" in out
    assert "known only at the update" in out
