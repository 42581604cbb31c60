"""The offline plan: document shape, secrets, dependencies, CLI behaviour."""

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

import offline.plan
from config.stackfile import SECRET_PLACEHOLDER
from offline.harness import SECRET, UNKNOWN
from offline.plan import plan_config, plan_stack
from offline.report import plan_document, summary
from tests.conftest import ROOT, Planner, stack_file


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_document_has_exactly_the_documented_keys(plan: Planner, stack: str) -> None:
    doc = plan_document(plan(stack))
    assert set(doc) == {"stack", "project", "resources", "outputs"}
    assert doc["stack"] == stack and doc["project"] == "campus"
    assert doc["resources"], "the plan registered nothing"
    for res in doc["resources"]:
        assert set(res) == {
            "urn", "type", "name", "parent", "custom", "inputs", "depends_on", "protect",
            # What the engine sends the analyzer besides: a replay needs them (offline.analyzer).
            "id", "outputs", "dependencies", "property_dependencies", "provider", "ignore_changes",
        }  # fmt: skip
        assert res["urn"].startswith(f"urn:pulumi:{stack}::campus::")
        assert isinstance(res["depends_on"], list)
        assert set(res["depends_on"]) <= set(res["dependencies"])
        if res["custom"]:
            # The mocks' state: the inputs, plus the id and what the provider computes.
            assert res["id"] and res["outputs"]["id"] == res["id"]
            assert set(res["inputs"]) <= set(res["outputs"])


def test_outputs_render_secrets_and_a_first_preview_leaves_ids_unknown(plan: Planner) -> None:
    provider = plan("staging").one("pulumi:providers:proxmoxve", "staging-proxmox")
    assert provider.outputs["password"] == SECRET
    preview = plan_stack("prod", preview=True)
    bucket = preview.one("aws:s3/bucket:Bucket", "velero-bucket")
    assert bucket.id == "" and bucket.outputs["id"] == UNKNOWN and "arn" in bucket.outputs
    assert (
        bucket.outputs["arn"] == UNKNOWN and bucket.outputs["bucketPrefix"] == bucket.inputs["bucketPrefix"]
    )
    versioning = preview.one("aws:s3/bucketVersioning:BucketVersioning", "velero-versioning")
    assert versioning.inputs["bucket"] == UNKNOWN
    assert versioning.property_dependencies["bucket"] == [bucket.urn]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_secrets_only_ever_render_as_secret(plan: Planner, stack: str) -> None:
    result = plan(stack)
    text = json.dumps(plan_document(result)) + summary(result)
    assert SECRET_PLACEHOLDER not in text
    provider = result.one("pulumi:providers:proxmoxve", f"{stack}-proxmox")
    assert provider.inputs["password"] == SECRET
    assert provider.inputs["ssh"] == SECRET  # carries the private key


def test_aws_provider_uses_the_configured_region(plan: Planner) -> None:
    result = plan("staging", set_={"cloud:region": "eu-west-1"})
    provider = result.one("pulumi:providers:aws", "staging-aws")
    assert provider.inputs["region"] == "eu-west-1"
    assert json.loads(provider.inputs["defaultTags"])["tags"]["stack"] == "staging"


def test_disabled_part_registers_nothing(plan: Planner) -> None:
    result = plan("staging", set_={"lab:enabled": "false"})
    assert not [r for r in result.resources if r.type.startswith("pulumi:providers:proxmoxve")]
    assert result.outputs["parts"] == {"lab": False, "cloud": True, "platform": True}


def test_explicit_dependencies_parents_and_protect_are_recorded() -> None:
    """A program of our own, so the recorder is checked against known answers."""

    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Box", "box")
        first = pulumi.CustomResource(
            "test:index:Thing", "first", {"size": 1}, opts=pulumi.ResourceOptions(parent=parent)
        )
        pulumi.CustomResource(
            "test:index:Thing",
            "second",
            {"size": pulumi.Output.secret(2), "after": first.id},
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[first], protect=True),
        )
        pulumi.export("hidden", pulumi.Output.secret("x"))
        pulumi.export("nested", {"plain": 1, "hidden": pulumi.Output.secret("y")})

    base = stack_file("staging")
    result = plan_config(
        project="campus", stack="staging", config=base.config, secret_keys=base.secret_keys, program=program
    )
    box = result.one("test:index:Box", "box")
    first = result.one("test:index:Thing", "first")
    second = result.one("test:index:Thing", "second")
    assert not box.custom and first.custom
    assert first.parent == box.urn and second.parent == box.urn
    assert second.depends_on == [first.urn]
    assert first.depends_on == []
    assert second.protect and not first.protect
    assert second.inputs["size"] == SECRET
    assert result.outputs == {"hidden": SECRET, "nested": {"plain": 1, "hidden": SECRET}}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m stacks.plan ARGS`, run in this process: its exit code and what it printed.

    In-process, the run shares this worker's imports, analyzer and plans; the one
    test below that starts the real command proves the entry module does the same.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = offline.plan.main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return subprocess.CompletedProcess(["stacks.plan", *args], code, out.getvalue(), err.getvalue())


def test_cli_writes_the_json_document(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    # The real command, as CI and users run it: the entry module, its exit code, its output.
    proc = subprocess.run(
        [sys.executable, "-m", "stacks.plan", "--stack", "prod", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Resources by type:" in proc.stdout
    doc = json.loads(out.read_text())
    assert doc["stack"] == "prod"
    assert SECRET_PLACEHOLDER not in out.read_text() + proc.stdout


def test_cli_unknown_stack_is_a_clear_error() -> None:
    proc = run_cli("--stack", "nope")
    assert proc.returncode == 2
    assert "Pulumi.nope.yaml: no such stack file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_invalid_configuration_is_one_clear_message(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    text = (ROOT / "Pulumi.prod.yaml").read_text().replace("cidr: 10.20.0.0/16", "cidr: 10.20.0.0/33")
    (tmp_path / "Pulumi.broken.yaml").write_text(text)
    proc = run_cli("--stack", "broken", "--root", str(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "invalid configuration for stack 'broken'" in proc.stderr
    assert "cloud:network.cidr" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_top_level_resources_have_a_null_parent_and_every_parent_is_in_the_document(plan: Planner) -> None:
    doc = plan_document(plan("staging"))
    urns = {r["urn"] for r in doc["resources"]}
    assert [r for r in doc["resources"] if r["parent"] is None]
    assert all(r["parent"] is None or r["parent"] in urns for r in doc["resources"])


def test_cli_unwritable_json_is_a_clear_error() -> None:
    proc = run_cli("--stack", "staging", "--json", "/nonexistent-dir/plan.json")
    assert proc.returncode == 2
    assert "cannot write /nonexistent-dir/plan.json" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_budget_policy_reads_the_stack_files_under_root(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.prod.yaml").write_text((ROOT / "Pulumi.prod.yaml").read_text())
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    assert "  cost:account:\n" in text
    # Same stack name, so its roster, lock file and usage file are the committed ones.
    tight = text.replace("  cost:account:\n", "  cost:monthlyBudget: 0.5\n  cost:account:\n")
    (tmp_path / "Pulumi.staging.yaml").write_text(tight)
    proc = run_cli("--stack", "staging", "--root", str(tmp_path))
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr
    assert "monthly-budget" in proc.stdout and "exceeds the budget of 0.50 EUR" in proc.stdout


def test_a_tenant_plans_from_its_hosts_offline_plan(plan: Planner) -> None:
    staging, prod = plan("staging"), plan("prod")
    (reference,) = staging.of_type("pulumi:pulumi:StackReference")
    assert reference.inputs == {"name": "organization/campus/prod"}
    provider = staging.one("pulumi:providers:kubernetes", "staging-k8s")
    # The kubeconfig is a secret; the provider's identity names the host's cluster.
    assert provider.inputs["clusterIdentifier"] == "campus-prod"
    assert provider.inputs["namespace"] == "staging"
    records = staging.of_type("aws:route53/record:Record")
    assert {r.inputs["aliases"][0]["name"] for r in records} == {prod.outputs["cluster"]["nlbDnsName"]}


def test_a_tenant_without_a_host_stack_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.staging.yaml").write_text((ROOT / "Pulumi.staging.yaml").read_text())
    proc = run_cli("--stack", "staging", "--root", str(tmp_path))
    assert proc.returncode == 2
    assert "organization/campus/prod: no stack file Pulumi.prod.yaml to plan it from" in proc.stderr
