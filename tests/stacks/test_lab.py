"""The lab part of each stack: exports, the Ansible run and its inventory, secrets."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest

from config import load_stack_config
from offline.harness import PlanResult
from offline.plan import plan_config
from offline.report import plan_document, summary
from stacks.lab import build_lab
from tests.config.test_gns3_config import gns3, network
from tests.conftest import ROOT, Planner, stack_file, with_changes

BIN = Path(sys.executable).parent
RUN = "command:remote:Command"

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----"
SECRETS = {
    "lab:proxmoxPassword": "pve-password-Xk29",
    "lab:proxmoxSshPrivateKey": KEY.format("node-key-Qz81"),
    "lab:ansiblePrivateKey": KEY.format("target-key-Jm47"),
    "lab:ansibleProvisionerPrivateKey": "provisioner-key-Vb63",
}


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        (
            "prod",
            {
                "vmId": 50249,
                "ipAddress": "10.10.10.249",
                "sshCommand": "ssh admin@10.10.10.249",
                "url": "http://gns3.reverse9.xyz:3080",
                "reverseProxyUrl": "https://webui.gns3.reverse9.xyz",
            },
        ),
        (
            "staging",
            {
                "vmId": 60248,
                "ipAddress": "10.10.10.248",
                "sshCommand": "ssh admin@10.10.10.248",
                "url": "http://gns3-staging.reverse9.xyz:3080",
                "reverseProxyUrl": None,
            },
        ),
    ],
)
def test_stack_outputs(plan: Planner, stack: str, expected: dict[str, object]) -> None:
    assert plan(stack).outputs["gns3"] == expected


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_no_secret_anywhere_in_the_plan(plan: Planner, stack: str) -> None:
    result = plan(stack, set_=SECRETS)
    text = json.dumps(plan_document(result)) + summary(result)
    for value in SECRETS.values():
        for line in value.splitlines():
            assert line.startswith("-----") or line not in text
    run = result.one(RUN, f"{stack}-gns3-configure-run")
    assert run.inputs["stdin"] == "[secret]" and run.inputs["connection"] == "[secret]"


def trigger(result: PlanResult) -> str:
    return result.one(RUN, f"{result.stack}-gns3-configure-run").inputs["triggers"][0]


def test_trigger_is_stable_between_two_plans(plan: Planner) -> None:
    assert trigger(plan("prod")) == trigger(plan("prod"))


def test_trigger_follows_the_extra_vars_and_the_inventory(plan: Planner) -> None:
    first = trigger(plan("staging"))
    assert trigger(plan("staging", set_={"lab:gns3": gns3(port=3081)})) != first
    moved = gns3(network=network(address="10.10.10.247/24"))
    assert trigger(plan("staging", set_={"lab:gns3": moved})) != first


def test_playbook_runs_after_the_vm(plan: Planner) -> None:
    result = plan("prod")
    vm = result.one("proxmoxve:index/vmLegacy:VmLegacy", "prod-gns3-vm")
    wait = result.one(RUN, "prod-gns3-configure-wait-gns3vm")
    assert vm.urn in wait.dependencies
    assert wait.urn in result.one(RUN, "prod-gns3-configure-run").depends_on
    command_provider = result.one("pulumi:providers:command", "prod-command")
    assert wait.provider is not None and wait.provider.startswith(command_provider.urn + "::")


def _inventory(stack: str) -> str:
    base = stack_file(stack)
    raw = with_changes(base)

    def program() -> None:
        cfg = load_stack_config(project=base.project, stack=stack, raw=raw, secret_keys=base.secret_keys)
        assert cfg.lab is not None
        lab = build_lab(cfg, cfg.lab)
        assert lab.gns3 is not None and lab.gns3.playbook is not None
        pulumi.export("inventory", lab.gns3.playbook.inventory)

    result = plan_config(
        project=base.project, stack=stack, config=raw, secret_keys=base.secret_keys, program=program
    )
    return result.outputs["inventory"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_generated_inventory_passes_ansible_syntax_check(stack: str, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(_inventory(stack))
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path), "ANSIBLE_LOCAL_TEMP": str(tmp_path)}
    listed = subprocess.run(
        [BIN / "ansible-inventory", "-i", inventory, "--list"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    data = json.loads(listed.stdout)
    host = "gns3vm" if stack == "prod" else "gns3vm-staging"
    assert data["gns3"]["hosts"] == [host]
    address = "10.10.10.249" if stack == "prod" else "10.10.10.248"
    assert data["_meta"]["hostvars"][host] == {"ansible_host": address, "ansible_user": "admin"}
    done = subprocess.run(
        [BIN / "ansible-playbook", "--syntax-check", "-i", inventory, "gns3.yml"],
        cwd=ROOT / "ansible",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_replaced_vm_is_configured_again(plan: Planner) -> None:
    """The run's second trigger is the VM's configured MAC: new whenever Proxmox recreates the VM."""
    result = plan("prod")
    run = result.one(RUN, "prod-gns3-configure-run")
    macs = run.inputs["triggers"][1]
    assert len(macs) == 1 and re.fullmatch(r"BC:24:11(:[0-9A-F]{2}){3}", macs[0])
    assert result.one(RUN, "prod-gns3-configure-wait-gns3vm").inputs["triggers"] == [macs]
