"""`make test`'s runner (scripts/checks.py), driven with a stand-in `make` that prints and sleeps."""

import re
import stat
from pathlib import Path

import pytest

from scripts.checks import main

FAKE_MAKE = """#!/bin/sh
# The last argument is the target; "slow-*" sleeps 1 s, "boot-*" 3 s, "bad-*" fails; each prints two lines.
target="$(eval echo \\${$#})"
echo "$target" >> "$(dirname "$0")/calls"
echo "$target: first line"
case "$target" in slow-*) sleep 1;; boot-*) sleep 3;; esac
echo "$target: second line"
case "$target" in bad-*) exit 3;; esac
exit 0
"""


@pytest.fixture
def make(tmp_path: Path) -> Path:
    exe = tmp_path / "make"
    exe.write_text(FAKE_MAKE)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def test_every_check_runs_its_output_stays_whole_and_the_table_keeps_the_bootstrap_apart(
    make: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--make", str(make), "--setup", "install", "--bootstrap", "boot-rootfs",
         "--checks", "slow-unit", "lint", "types", "--jobs", "2"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    calls = (make.parent / "calls").read_text().split()
    # Setup, then bootstrap, one after the other; the checks then start two at a time.
    assert calls[:2] == ["install", "boot-rootfs"]
    assert sorted(calls[2:]) == ["lint", "slow-unit", "types"]
    # Two lines of a check always stand together, under its header, though slow-unit ran beside lint.
    for target in ("slow-unit", "lint", "types"):
        assert re.search(
            rf"==> make {target}: ok in \d+ s\n{target}: first line\n{target}: second line\n", out
        )
    assert out.index("==> make lint") < out.index("==> make slow-unit")  # printed as they end
    table = out[out.index("make test: seconds per target") :]
    assert "bootstrap (once per machine, reported apart):\n    boot-rootfs" in table
    assert re.search(r"bootstrap: 3 s\n", table)
    # The headline leaves the bootstrap's 3 s out: side by side, the checks took about one second.
    headline = re.search(r"make test without the bootstrap: (\d+) s", table)
    assert headline is not None and int(headline.group(1)) < 3


def test_a_failed_check_fails_the_run_without_stopping_the_others(
    make: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--make", str(make), "--checks", "bad-unit", "lint", "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "==> make bad-unit: FAILED (exit 3)" in out and "==> make lint: ok" in out
    assert out.rstrip().endswith("make test: FAILED: bad-unit")


def test_a_failed_bootstrap_runs_no_check(make: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--make", str(make), "--bootstrap", "bad-boot", "--checks", "lint"])
    assert code == 1
    assert (make.parent / "calls").read_text().split() == ["bad-boot"]
    assert "FAILED (exit 3)" in capsys.readouterr().out
