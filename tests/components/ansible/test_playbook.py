"""AnsiblePlaybook under mocks, plus its generated artifacts through the real tools."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pulumi
import pytest
import yaml

from components.ansible.playbook import (
    AnsiblePlaybook,
    AnsiblePlaybookArgs,
    InventoryHost,
    SshEndpoint,
    run_script,
    validate_args,
)
from offline.harness import SECRET, PlanResult
from offline.plan import plan_config
from tests.conftest import stack_file

BIN = Path(sys.executable).parent
COMMAND = "command:remote:Command"
LOCAL = "command:local:Command"
COPY = "command:remote:CopyToRemote"
TARGET_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nTARGET-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----"
PROVISIONER_KEY = "PROVISIONER-KEY-MATERIAL"
SECRET_VAR = "s3cr3t-extra-var-value"

PLAYBOOK = """\
- name: Prove the run
  hosts: lab
  gather_facts: false
  connection: local
  tasks:
    - name: Write what the run received
      ansible.builtin.copy:
        content: "{{ greeting }} {{ password }} {{ inventory_hostname }} {{ ansible_host }}"
        dest: "{{ out }}"
        mode: "0600"
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "site.yml").write_text(PLAYBOOK)
    (root / "roles").mkdir()
    return root


def args(tree: Path, **changes: Any) -> AnsiblePlaybookArgs:
    base: dict[str, Any] = {
        "playbook": "site.yml",
        "groups": {
            "lab": [
                InventoryHost("gns3vm", "10.10.10.249", {"gns3_port": 3080}),
                InventoryHost("alice", pulumi.Output.from_input("10.10.20.11")),
            ]
        },
        "target_user": "admin",
        "target_private_key": pulumi.Output.secret(TARGET_KEY),
        "provisioner": SshEndpoint("10.10.10.5", "ops", pulumi.Output.secret(PROVISIONER_KEY)),
        "extra_vars": {"greeting": "hello", "password": pulumi.Output.secret(SECRET_VAR)},
        "source_dir": str(tree),
    }
    base.update(changes)
    return AnsiblePlaybookArgs(**base)


def run(build: Callable[[], AnsiblePlaybook]) -> PlanResult:
    def program() -> None:
        playbook = build()
        pulumi.export("hash", playbook.content_hash)
        pulumi.export("inventory", pulumi.Output.unsecret(playbook.inventory))

    base = stack_file("staging")
    return plan_config(
        project=base.project,
        stack="staging",
        config=base.config,
        secret_keys=base.secret_keys,
        program=program,
    )


def plan_of(a: AnsiblePlaybookArgs) -> PlanResult:
    return run(lambda: AnsiblePlaybook("lab", a))


def trigger(result: PlanResult) -> str:
    return result.one(COMMAND, "lab-run").inputs["triggers"][0]


def test_remote_mode_waits_copies_then_runs(tree: Path) -> None:
    result = plan_of(args(tree))
    component = result.one("campus:ansible:Playbook", "lab")
    waits = [result.one(COMMAND, f"lab-wait-{h}") for h in ("gns3vm", "alice")]
    workdir = result.one(COMMAND, "lab-workdir")
    copy = result.one(COPY, "lab-copy")
    run_ = result.one(COMMAND, "lab-run")
    for res in (*waits, workdir, copy, run_):
        assert res.parent == component.urn
    assert {w.urn for w in waits} <= set(run_.depends_on)
    assert copy.urn in run_.depends_on and workdir.urn in copy.depends_on
    run_dir = f".campus-ansible/lab-{result.outputs['hash'][:16]}"
    assert workdir.inputs["delete"] == f"rm -rf {run_dir}"
    assert copy.inputs["remotePath"] == f"{run_dir}/ansible"
    assert copy.inputs["source"] == {"archive": {"path": str(tree)}}
    assert run_.inputs["logging"] == "none" and run_.inputs["stdin"] == SECRET
    assert waits[0].inputs["create"].startswith("cloud-init status --wait")
    assert all(r.inputs["triggers"][0] == result.outputs["hash"] for r in (workdir, copy, run_))


def test_waits_reach_targets_through_the_provisioner(tree: Path) -> None:
    result = plan_of(args(tree))
    assert result.one(COMMAND, "lab-wait-alice").inputs["connection"] == SECRET  # carries the key
    local = plan_of(args(tree, mode="local", provisioner=None))
    assert not local.of_type(COPY) and [r.name for r in local.of_type(LOCAL)] == ["lab-run"]
    assert local.one(LOCAL, "lab-run").inputs["interpreter"] == ["/bin/sh", "-c"]


def test_inventory_renders_groups_hosts_and_user(tree: Path) -> None:
    inventory = yaml.safe_load(plan_of(args(tree)).outputs["inventory"])
    assert inventory["all"]["vars"] == {"ansible_user": "admin"}
    hosts = inventory["all"]["children"]["lab"]["hosts"]
    assert hosts == {
        "gns3vm": {"ansible_host": "10.10.10.249", "gns3_port": 3080},
        "alice": {"ansible_host": "10.10.20.11"},
    }


def test_trigger_is_stable_for_equal_inputs(tree: Path) -> None:
    assert trigger(plan_of(args(tree))) == trigger(plan_of(args(tree)))


def test_trigger_changes_with_playbook_inventory_and_extra_vars(tree: Path) -> None:
    first = trigger(plan_of(args(tree)))
    moved = args(tree, groups={"lab": [InventoryHost("gns3vm", "10.10.10.250")]})
    assert trigger(plan_of(moved)) != first
    assert trigger(plan_of(args(tree, extra_vars={"greeting": "bye"}))) != first
    (tree / "site.yml").write_text(PLAYBOOK.replace("Prove the run", "Prove the run again"))
    assert trigger(plan_of(args(tree))) != first


def test_caches_next_to_the_playbooks_do_not_rerun(tree: Path) -> None:
    first = trigger(plan_of(args(tree)))
    (tree / ".ansible").mkdir()
    (tree / ".ansible" / "lint-cache").write_text("noise")
    assert trigger(plan_of(args(tree))) == first


def test_no_secret_on_a_command_line(tree: Path) -> None:
    result = plan_of(args(tree, tags=("docker",)))
    text = json.dumps([r.inputs for r in result.resources]) + json.dumps(result.outputs)
    for secret in (TARGET_KEY, "TARGET-KEY-MATERIAL", PROVISIONER_KEY, SECRET_VAR):
        assert secret not in text
    create = result.one(COMMAND, "lab-run").inputs["create"]
    assert create != SECRET and "ansible-playbook" in create and "--tags docker" in create


def test_rerun_when_replaces_waits_and_run(tree: Path) -> None:
    result = plan_of(args(tree, rerun_when=["mac-1"]))
    assert result.one(COMMAND, "lab-wait-gns3vm").inputs["triggers"] == ["mac-1"]
    assert result.one(COMMAND, "lab-run").inputs["triggers"][1] == "mac-1"


def test_a_rerun_gets_its_own_run_directory(tree: Path) -> None:
    def paths(rerun_when: list[str]) -> tuple[str, str, str]:
        result = plan_of(args(tree, rerun_when=rerun_when))
        workdir = result.one(COMMAND, "lab-workdir").inputs["delete"].removeprefix("rm -rf ")
        return workdir, result.one(COPY, "lab-copy").inputs["remotePath"], result.outputs["hash"]

    first, second = paths(["mac-1"]), paths(["mac-2"])
    # Same content, a new machine: the replacement's copy must not land in the directory the old
    # workdir's delete removes.
    assert first[2] == second[2]
    assert first[0] != second[0] and first[1] == f"{first[0]}/ansible" and second[1] == f"{second[0]}/ansible"
    assert first[0].startswith(f".campus-ansible/lab-{first[2][:16]}-") and "mac-1" not in first[0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"provisioner": None}, "needs a provisioner"),
        ({"playbook": "../x.yml"}, "expected a .yml path"),
        ({"playbook": "missing.yml"}, "no such file"),
        ({"groups": {"bad-name": []}}, "group 'bad-name'"),
        ({"groups": {"lab": [InventoryHost("a", "1"), InventoryHost("a", "2")]}}, "each host name once"),
    ],
)
def test_bad_arguments_are_refused(tree: Path, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_args(args(tree, **changes), tree)


def _tool_env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "ANSIBLE_LOCAL_TEMP": "/tmp"}


def test_generated_inventory_passes_ansible(tree: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(plan_of(args(tree)).outputs["inventory"])
    listed = subprocess.run(
        [BIN / "ansible-inventory", "-i", inventory, "--list"],
        check=True,
        capture_output=True,
        text=True,
        env=_tool_env(),
    )
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    assert hostvars["alice"] == {"ansible_host": "10.10.20.11", "ansible_user": "admin"}
    subprocess.run(
        [BIN / "ansible-playbook", "--syntax-check", "-i", inventory, tree / "site.yml"],
        check=True,
        capture_output=True,
        text=True,
        env=_tool_env(),
    )


def test_each_host_waits_as_its_own_user_with_its_own_cloud_init_setting(tree: Path, tmp_path: Path) -> None:
    hosts = [
        InventoryHost("zabbix", "10.29.1.10", user="debian", wait_for_cloud_init=True),
        InventoryHost("grafana", "10.29.1.11", user="root", wait_for_cloud_init=False),
        InventoryHost("gns3vm", "10.10.10.249"),
    ]
    users: dict[str, str] = {}

    def capture(a: pulumi.ResourceTransformationArgs) -> None:
        if "-wait-" in a.name:
            name = a.name
            pulumi.Output.from_input(a.props["connection"]).apply(
                lambda c: users.__setitem__(name, str(cast(dict[str, Any], c)["user"]))
            )

    playbook = args(tree, groups={"lab": hosts}, wait_for_cloud_init=False)
    result = run(lambda: AnsiblePlaybook("lab", playbook, pulumi.ResourceOptions(transformations=[capture])))
    # The plan shows `connection` as [secret] (it carries the key): users come from the transformation.
    assert users == {"lab-wait-zabbix": "debian", "lab-wait-grafana": "root", "lab-wait-gns3vm": "admin"}
    creates = {
        h: result.one(COMMAND, f"lab-wait-{h}").inputs["create"] for h in ("zabbix", "grafana", "gns3vm")
    }
    assert creates["zabbix"].startswith("cloud-init status --wait")
    # Unset per host: the run's cloud-init setting (off here).
    assert creates["grafana"] == creates["gns3vm"] == "true"
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(result.outputs["inventory"])
    listed = subprocess.run(
        [BIN / "ansible-inventory", "-i", inventory, "--list"],
        check=True,
        capture_output=True,
        text=True,
        env=_tool_env(),
    )
    hostvars = json.loads(listed.stdout)["_meta"]["hostvars"]
    assert {h: v["ansible_user"] for h, v in hostvars.items()} == {
        "zabbix": "debian",
        "grafana": "root",
        "gns3vm": "admin",
    }
    subprocess.run(
        [BIN / "ansible-playbook", "--syntax-check", "-i", inventory, tree / "site.yml"],
        check=True,
        capture_output=True,
        text=True,
        env=_tool_env(),
    )


def test_a_host_user_is_set_with_user_not_a_variable(tree: Path) -> None:
    host = InventoryHost("zabbix", "10.29.1.10", {"ansible_user": "debian"})
    with pytest.raises(ValueError, match="host 'zabbix' in group 'lab': set `user`, not the ansible_user"):
        validate_args(args(tree, groups={"lab": [host]}), tree)


@pytest.mark.parametrize("remote", [True, False])
def test_run_script_passes_shellcheck(remote: bool) -> None:
    script = run_script(
        run_dir=".campus-ansible/lab-0123" if remote else None, playbook="site.yml", tags=("a",), source="x"
    )
    subprocess.run([BIN / "shellcheck", "-s", "sh", "-"], input=script, check=True, text=True)


@pytest.mark.parametrize("remote", [True, False])
def test_run_script_runs_ansible_for_real(tree: Path, tmp_path: Path, remote: bool) -> None:
    """Both scripts, executed with the stdin the component builds, against a local-connection play."""
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out.txt"
    run_dir = ".campus-ansible/lab-0123"
    if remote:
        (home / run_dir).mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-r", tree, home / run_dir / "ansible"], check=True)
    script = run_script(
        run_dir=run_dir if remote else None,
        playbook="site.yml",
        tags=(),
        source=f"{run_dir}/ansible" if remote else str(tree),
    )
    stdin = json.dumps(
        {
            "inventory.yml": yaml.safe_dump(
                {
                    "all": {
                        "children": {
                            "lab": {
                                "hosts": {
                                    "gns3vm": {
                                        "ansible_host": "127.0.0.1",
                                        "ansible_python_interpreter": sys.executable,
                                    }
                                }
                            }
                        }
                    }
                }
            ),
            "extra_vars.json": json.dumps({"greeting": "hi", "password": SECRET_VAR, "out": str(out)}),
            "target_key": TARGET_KEY + "\n",
        }
    )
    env = {**_tool_env(), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        ["/bin/sh", "-c", script], check=False, input=stdin, cwd=home, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert out.read_text() == f"hi {SECRET_VAR} gns3vm 127.0.0.1"
    if remote:
        left = sorted(p.name for p in (home / run_dir).iterdir())
        assert left == ["ansible", "inventory.yml"]  # secrets removed, inventory kept for debugging
    else:
        assert not [p for p in tmp_path.iterdir() if p.name.startswith("tmp")]  # temporary run dir removed


@pytest.mark.parametrize("mode", ["remote", "local"])
def test_run_output_is_stored_as_secret(tree: Path, mode: str) -> None:
    seen: dict[str, list[str]] = {}

    def record(a: pulumi.ResourceTransformationArgs) -> None:
        seen[a.name] = list(a.opts.additional_secret_outputs or [])

    def build() -> AnsiblePlaybook:
        pulumi.runtime.register_stack_transformation(record)
        return AnsiblePlaybook("lab", args(tree, mode=mode))

    run(build)
    assert {"stdout", "stderr"} <= set(seen["lab-run"])


def test_waits_are_bounded_by_a_create_timeout(tree: Path) -> None:
    seen: dict[str, pulumi.ResourceTransformationArgs] = {}

    def record(a: pulumi.ResourceTransformationArgs) -> None:
        seen[a.name] = a

    def build() -> AnsiblePlaybook:
        pulumi.runtime.register_stack_transformation(record)
        return AnsiblePlaybook("lab", args(tree))

    run(build)
    wait = seen["lab-wait-alice"]
    timeouts = wait.opts.custom_timeouts
    assert timeouts is not None and timeouts.create == "20m"
