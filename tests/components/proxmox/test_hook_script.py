"""The host hook, rendered and run against a temporary tree with fake `pct` and `pvesm`.

What the in-container first boot does is proven by `make converge` (tests/converge), against a
real Samba AD domain; here: what the hook on the node passes to it, and how it retries.
"""

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.proxmox.hook_script import (
    FIRSTBOOT,
    HookSettings,
    file_name,
    firstboot_script,
    firstboot_volume,
    render,
)

SHELLCHECK = Path(sys.executable).parent / "shellcheck"

FAKE_PCT = """#!/usr/bin/env bash
# Records every call; `exec` records its stdin and fails while $TREE/fail-execs counts down.
printf '%s\\n' "$*" >> "$TREE/pct.log"
case "$1" in
    status) cat "$TREE/status" ;;
    push) cp "$3" "$TREE/pushed" ;;
    exec)
        cat > "$TREE/exec-stdin"
        left="$(cat "$TREE/fail-execs" 2>/dev/null || echo 0)"
        if (( left > 0 )); then echo $((left - 1)) > "$TREE/fail-execs"; exit 1; fi
        ;;
esac
"""

FAKE_PVESM = """#!/usr/bin/env bash
[[ "$1" == path ]] && echo "$TREE/snippets/${2#*:snippets/}"
"""

CONF = """arch: amd64
cores: 4
hostname: vm-jdupont
memory: 12288
mp0: /mnt/nfs/home/jdupont,mp=/home/jdupont
net0: name=eth0,bridge=vibr285,hwaddr=BC:24:11:B3:C1:3D,ip=dhcp,type=veth
"""

VOLUME = firstboot_volume("local", firstboot_script())


def _tree(tmp_path: Path, conf: str = CONF) -> tuple[Path, dict[str, str]]:
    (tmp_path / "etc/pve/lxc").mkdir(parents=True)
    (tmp_path / "etc/pve/lxc/50003.conf").write_text(conf)
    (tmp_path / "bin").mkdir()
    for tool, text in (("pct", FAKE_PCT), ("pvesm", FAKE_PVESM)):
        (tmp_path / "bin" / tool).write_text(text)
        (tmp_path / "bin" / tool).chmod(0o755)
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / VOLUME.split("snippets/")[1]).write_text(firstboot_script())
    (tmp_path / "status").write_text("status: running\n")
    (tmp_path / "join.password").write_text("not-a-real-password\n")
    env = {
        **os.environ,
        "TREE": str(tmp_path),
        "PVE_LXC_DIR": str(tmp_path / "etc/pve/lxc"),
        "PCT": str(tmp_path / "bin/pct"),
        "PVESM": str(tmp_path / "bin/pvesm"),
        "LOG_DIR": str(tmp_path / "log"),
        "LOCK_DIR": str(tmp_path / "lock"),
        "RETRY_SECONDS": "0",
        "ATTEMPTS": "3",
        "HOOK_FOREGROUND": "1",
    }
    return tmp_path, env


def _settings(tree: Path, **changes: object) -> HookSettings:
    base = {
        "firstboot_volume": VOLUME,
        "packages": ("vim",),
        "realm": "ad.campus.lan",
        "join_password_file": str(tree / "join.password"),
    }
    return HookSettings(**{**base, **changes})  # type: ignore[arg-type]


def _run(
    tree: Path, env: dict[str, str], settings: HookSettings, *args: str
) -> subprocess.CompletedProcess[str]:
    script = tree / file_name(render(settings))
    script.write_text(render(settings))
    return subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, check=False)


def _calls(tree: Path) -> list[str]:
    log = tree / "pct.log"
    return log.read_text().splitlines() if log.exists() else []


def test_each_start_pushes_the_committed_script_and_runs_it_for_the_owner(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    done = _run(tree, env, _settings(tree), "50003", "post-start")
    assert done.returncode == 0, done.stderr
    assert (tree / "pushed").read_bytes() == FIRSTBOOT.read_bytes()
    assert _calls(tree) == [
        "status 50003",
        f"push 50003 {tree}/snippets/{VOLUME.split('snippets/')[1]} "
        "/usr/local/sbin/campus-firstboot --perms 0700",
        "exec 50003 -- /usr/local/sbin/campus-firstboot --login jdupont --dhcp-interface eth0 "
        "--mac BC:24:11:B3:C1:3D --package vim --realm ad.campus.lan --join-user pve-join",
    ]
    # The password travels on stdin, never on a command line.
    assert (tree / "exec-stdin").read_text() == "not-a-real-password\n"
    # Every start runs it again: the script itself decides that there is nothing to do.
    assert _run(tree, env, _settings(tree), "50003", "post-start").returncode == 0
    assert len(_calls(tree)) == 6


def test_a_run_cut_short_by_the_providers_reboot_is_retried(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    (tree / "fail-execs").write_text("2\n")
    done = _run(tree, env, _settings(tree), "50003", "post-start")
    assert done.returncode == 0, done.stderr
    assert [c.split()[0] for c in _calls(tree)].count("exec") == 3
    assert "attempt 2/3 failed" in done.stderr


def test_a_container_that_never_comes_back_fails_after_the_attempts(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    (tree / "status").write_text("status: stopped\n")
    done = _run(tree, env, _settings(tree), "50003", "post-start")
    assert done.returncode == 1
    assert "failed 3 times" in done.stderr
    assert _calls(tree) == ["status 50003"] * 3


def test_a_second_hook_while_one_runs_leaves_the_work_to_it(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    (tree / "lock").mkdir()
    with (tree / "lock/campus-firstboot-50003.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = _run(tree, env, _settings(tree), "50003", "post-start")
    assert done.returncode == 0
    assert "already running" in done.stdout
    assert _calls(tree) == []


def test_static_address_and_no_realm_pass_neither_dhcp_nor_join(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path, CONF.replace("ip=dhcp", "ip=10.28.5.40/24,gw=10.28.5.1"))
    done = _run(tree, env, _settings(tree, realm=None, packages=()), "50003", "post-start")
    assert done.returncode == 0, done.stderr
    assert _calls(tree)[-1] == "exec 50003 -- /usr/local/sbin/campus-firstboot --login jdupont"
    assert (tree / "exec-stdin").read_text() == ""


def test_an_unreadable_password_file_stops_before_the_container(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    done = _run(tree, env, _settings(tree, join_password_file=str(tree / "missing")), "50003", "post-start")
    assert done.returncode == 1
    assert "cannot read" in done.stderr
    assert _calls(tree) == []


def test_a_container_without_a_home_mount_fails_clearly(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path, CONF.replace("mp0: /mnt/nfs/home/jdupont,mp=/home/jdupont\n", ""))
    done = _run(tree, env, _settings(tree), "50003", "post-start")
    assert done.returncode == 1
    assert "has no home bind mount (mp0)" in done.stderr


@pytest.mark.parametrize("args", [(), ("abc", "post-start"), ("50003", "reboot")])
def test_bad_arguments_are_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    tree, env = _tree(tmp_path)
    done = _run(tree, env, _settings(tree), *args)
    assert done.returncode == 2
    assert "usage:" in done.stderr
    assert _calls(tree) == []


@pytest.mark.parametrize("script", ["hook", "firstboot"])
def test_both_scripts_pass_shellcheck(tmp_path: Path, script: str) -> None:
    path = tmp_path / f"{script}.sh"
    text = render(HookSettings(packages=("a b", "c'd"), realm="ad.campus.lan"))
    path.write_text(text if script == "hook" else firstboot_script())
    done = subprocess.run([str(SHELLCHECK), str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    if script == "hook":
        assert "PACKAGES=('a b' 'c'\"'\"'d')" in text


def test_the_snippet_names_follow_the_content() -> None:
    assert file_name(render(HookSettings())) == file_name(render(HookSettings()))
    assert file_name(render(HookSettings())) != file_name(render(HookSettings(packages=("vim",))))
    assert VOLUME.startswith("local:snippets/campus-student-firstboot-")
    assert firstboot_volume("local", firstboot_script() + "\n") != VOLUME
