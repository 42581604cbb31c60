"""The converge driver's checks fail when they should, without root or a domain.

`make converge` runs them against a real container and domain controller; here each one is shown
a wrong answer, so a check that passes on anything cannot hide behind a green run.
"""

import re
import subprocess

import pytest

from tests.converge.converge import (
    FIRSTBOOT,
    ConvergeError,
    cache_key,
    changed_count,
    check_client_id,
    check_home,
    check_realmd_conf,
    check_uid,
    diff_snapshots,
    first_boot_packages,
)

REALM = "campus.test"


def script_realmd_conf(realm: str = REALM) -> str:
    """The realmd.conf the first-boot script writes, read from the script's own heredoc."""
    text = FIRSTBOOT.read_text(encoding="utf-8")
    match = re.search(r"^realmd_conf\(\) \{.*?cat <<EOF\n(.*?)^EOF$", text, re.DOTALL | re.MULTILINE)
    assert match is not None, "realmd_conf() heredoc not found in the first-boot script"
    return match.group(1).replace("${REALM,,}", realm.lower())


def test_the_scripts_realmd_conf_passes() -> None:
    check_realmd_conf(script_realmd_conf(), REALM)


@pytest.mark.parametrize("setting", ["default-home", "fully-qualified-names", "automatic-id-mapping"])
def test_realmd_conf_without_one_setting_fails(setting: str) -> None:
    text = "\n".join(line for line in script_realmd_conf().splitlines() if not line.startswith(setting))
    with pytest.raises(ConvergeError, match=setting):
        check_realmd_conf(text, REALM)


def test_realmd_conf_with_a_setting_in_the_wrong_section_fails() -> None:
    # realmd reads fully-qualified-names per realm: under [users] it does nothing.
    text = (
        script_realmd_conf()
        .replace("[campus.test]\n", "")
        .replace("[users]\n", "[users]\nfully-qualified-names = no\n")
    )
    with pytest.raises(ConvergeError, match="fully-qualified-names"):
        check_realmd_conf(text, REALM)


def test_realmd_conf_with_the_default_value_fails() -> None:
    with pytest.raises(ConvergeError, match="automatic-id-mapping"):
        check_realmd_conf(
            script_realmd_conf().replace("automatic-id-mapping = no", "automatic-id-mapping = yes"), REALM
        )


def test_uid_and_home_checks() -> None:
    check_uid("uid=600000123(jdupont) gid=600000100(domain users)", 600_000_123)
    with pytest.raises(ConvergeError, match="uid=600000123"):
        check_uid("uid=1318400123(jdupont) gid=1318400513(domain users)", 600_000_123)
    check_home("jdupont:*:600000123:600000100:jdupont:/home/jdupont:/bin/bash", "jdupont")
    with pytest.raises(ConvergeError, match="/home/jdupont"):
        check_home("jdupont:*:600000123:600000100:jdupont:/home/jdupont@campus.test:/bin/bash", "jdupont")


def test_changed_count_reads_the_last_summary() -> None:
    assert changed_count("campus-firstboot: installing x\ncampus-firstboot: 5 changed (a b)\n") == 5
    assert changed_count("campus-firstboot: 0 changed\n") == 0
    with pytest.raises(ConvergeError):
        changed_count("campus-firstboot: error: no join password\n")


def test_client_id_check_takes_the_newest_lease_of_the_mac() -> None:
    mac = "bc:24:11:b3:c1:3d"
    wanted = f"01:{mac}"
    llt = "ff:11:b3:c1:3d:00:01:00:01:32:a1:73:fa:bc:24:11:b3:c1:3d"  # what ifupdown's dhclient -i sends
    leases = f"200 {mac} 10.0.0.12 ct {wanted}\n100 {mac} 10.0.0.11 * {llt}\n"
    assert check_client_id(leases, mac) == "10.0.0.12"
    with pytest.raises(ConvergeError, match="client id"):
        check_client_id(f"100 {mac} 10.0.0.12 ct {wanted}\n200 {mac} 10.0.0.11 * {llt}\n", mac)
    with pytest.raises(ConvergeError, match="no DHCP lease"):
        check_client_id("", mac)


def test_snapshot_diff_sees_changed_added_and_removed_files() -> None:
    before = {"etc/a": "1", "etc/b": "2"}
    assert diff_snapshots(before, dict(before)) == []
    assert diff_snapshots(before, {"etc/a": "1", "etc/b": "3", "etc/c": "4"}) == ["etc/b", "etc/c"]
    assert diff_snapshots(before, {"etc/a": "1"}) == ["etc/b"]


def test_the_cache_follows_the_first_boot_packages() -> None:
    packages = first_boot_packages()
    assert {"realmd", "sssd", "sssd-ad", "adcli", "packagekit", "isc-dhcp-client"} <= set(packages)
    assert cache_key(packages) != cache_key([*packages, "vim"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--login", "Jean Dupont"], "is not a login name"),
        (["--login", "jdupont", "--dhcp-interface", "eth0"], "needs --mac"),
        (["--login", "jdupont", "--bogus", "x"], "usage:"),
    ],
)
def test_the_first_boot_refuses_bad_arguments_before_touching_anything(args: list[str], message: str) -> None:
    done = subprocess.run(["bash", str(FIRSTBOOT), *args], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert message in done.stderr
