"""The student hook script, rendered and run against a temporary tree with a fake `pct`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.proxmox.hook_script import HookSettings, file_name, render

SHELLCHECK = Path(sys.executable).parent / "shellcheck"

FAKE_PCT = """#!/usr/bin/env bash
# Records every call; `exec <id> -- test -e <marker>` answers from a file in the tree.
printf '%s\\n' "$*" >> "$TREE/pct.log"
if [[ "$3 $4 $5" == "-- test -e" ]]; then
    [[ -e "$TREE/ct/$2/first-boot.done" ]]
    exit
fi
if [[ "$3 $4" == "-- touch" ]]; then
    mkdir -p "$TREE/ct/$2" && touch "$TREE/ct/$2/first-boot.done"
fi
if [[ "$4" == realm && "$5" == join* ]]; then
    cat > "$TREE/join-stdin"
fi
"""

CONF = """arch: amd64
cores: 4
hostname: vm-jdupont
memory: 12288
mp0: /mnt/nfs/home/jdupont,mp=/home/jdupont
net0: name=eth0,bridge=vibr285,hwaddr=BC:24:11:B3:C1:3D,ip=dhcp,type=veth
"""


def _tree(tmp_path: Path, conf: str = CONF) -> tuple[Path, dict[str, str]]:
    (tmp_path / "etc/pve/lxc").mkdir(parents=True)
    (tmp_path / "etc/pve/lxc/50003.conf").write_text(conf)
    pct = tmp_path / "bin/pct"
    pct.parent.mkdir()
    pct.write_text(FAKE_PCT)
    pct.chmod(0o755)
    (tmp_path / "join.password").write_text("not-a-real-password\n")
    env = {
        **os.environ,
        "TREE": str(tmp_path),
        "PVE_LXC_DIR": str(tmp_path / "etc/pve/lxc"),
        "PCT": str(pct),
        "LOG_DIR": str(tmp_path / "log"),
        "HOOK_FOREGROUND": "1",
    }
    return tmp_path, env


def _run(
    tmp_path: Path, env: dict[str, str], settings: HookSettings, *args: str
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / file_name(render(settings))
    script.write_text(render(settings))
    return subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True, check=False)


def _calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "pct.log"
    return log.read_text().splitlines() if log.exists() else []


def test_first_start_customises_the_container_for_its_owner(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    settings = HookSettings(
        packages=("vim",), realm="ad.campus.lan", join_password_file=str(tree / "join.password")
    )
    done = _run(tree, env, settings, "50003", "post-start")
    assert done.returncode == 0, done.stderr
    calls = _calls(tree)
    assert calls[0] == "exec 50003 -- test -e /var/lib/campus/first-boot.done"
    assert any(c.endswith("apt-get -q -y -o Dpkg::Options::=--force-confold update") for c in calls)
    assert any(c.endswith("install isc-dhcp-client vim") for c in calls)
    assert "exec 50003 -- realm join --user=pve-join ad.campus.lan" in calls
    assert (tree / "join-stdin").read_text() == "not-a-real-password\n"
    assert calls.index("exec 50003 -- realm deny --all") < calls.index("exec 50003 -- realm permit jdupont")
    assert "exec 50003 -- dhclient -4 -i -D LL eth0" in calls
    assert calls[-1] == "exec 50003 -- touch /var/lib/campus/first-boot.done"


def test_later_starts_do_nothing(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path)
    assert _run(tree, env, HookSettings(), "50003", "post-start").returncode == 0
    first = len(_calls(tree))
    assert _run(tree, env, HookSettings(), "50003", "post-start").returncode == 0
    assert _calls(tree)[first:] == ["exec 50003 -- test -e /var/lib/campus/first-boot.done"]


def test_static_address_and_no_realm_skip_dhcp_and_join(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path, CONF.replace("ip=dhcp", "ip=10.28.5.40/24,gw=10.28.5.1"))
    assert _run(tree, env, HookSettings(), "50003", "post-start").returncode == 0
    calls = _calls(tree)
    assert not [c for c in calls if "realm" in c or "dhclient" in c]
    assert calls[-1].endswith("touch /var/lib/campus/first-boot.done")


def test_a_container_without_a_home_mount_fails_clearly(tmp_path: Path) -> None:
    tree, env = _tree(tmp_path, CONF.replace("mp0: /mnt/nfs/home/jdupont,mp=/home/jdupont\n", ""))
    done = _run(tree, env, HookSettings(), "50003", "post-start")
    assert done.returncode == 1
    assert "has no home bind mount (mp0)" in done.stderr


@pytest.mark.parametrize("args", [(), ("abc", "post-start"), ("50003", "reboot")])
def test_bad_arguments_are_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    tree, env = _tree(tmp_path)
    done = _run(tree, env, HookSettings(), *args)
    assert done.returncode == 2
    assert "usage:" in done.stderr
    assert _calls(tree) == []


def test_rendered_script_passes_shellcheck(tmp_path: Path) -> None:
    script = tmp_path / "hook.sh"
    script.write_text(render(HookSettings(packages=("a b", "c'd"), realm="ad.campus.lan")))
    done = subprocess.run([str(SHELLCHECK), str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    assert "PACKAGES=(isc-dhcp-client 'a b' 'c'\"'\"'d')" in script.read_text()


def test_the_snippet_name_follows_the_content() -> None:
    assert file_name(render(HookSettings())) == file_name(render(HookSettings()))
    assert file_name(render(HookSettings())) != file_name(render(HookSettings(packages=("vim",))))
