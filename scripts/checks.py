"""`make test`: every check CI runs, timed, with the one-time bootstrap reported apart.

    python -m scripts.checks --setup S [S ...] --bootstrap B [B ...] --checks C [C ...] [--jobs N]

Runs `make S` for each setup target in order (the virtualenv: counted), then
`make B` for each bootstrap target (what a fresh machine installs once: Debian
packages, the converge root file system, the npm tools: timed, reported apart),
then the checks, `--jobs` at a time, longest first as listed. A check's output
is held and printed whole when it ends, under one header line, so parallel
checks never interleave. The last lines are a table of each target's seconds,
the bootstrap's total and the time of `make test` without it: the figure README
quotes. Exit status: 0 when every target passed, else 1, naming the ones that
failed (every check still runs, so one failure does not hide another).

Why parallel: `make converge` mostly waits (Samba provisioning, systemd booting)
and pytest already uses both cores, so running them side by side costs the
converge's wait, not its length.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO


@dataclass
class Run:
    """One `make TARGET` and how it went."""

    target: str
    started: float = 0.0
    seconds: float = 0.0
    code: int | None = None
    process: subprocess.Popen[bytes] | None = None
    output: IO[bytes] | None = field(default=None, repr=False)


def start(run: Run, make: Sequence[str]) -> None:
    """Start `make TARGET`, its output (stdout and stderr together) held in a temporary file."""
    run.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish())
    run.started = time.monotonic()
    run.process = subprocess.Popen([*make, run.target], stdout=run.output, stderr=subprocess.STDOUT)


def finish(run: Run, code: int) -> None:
    """Record the end of a run and print its output under one header line."""
    run.seconds = time.monotonic() - run.started
    run.code = code
    verdict = "ok" if code == 0 else f"FAILED (exit {code})"
    sys.stdout.write(f"\n==> make {run.target}: {verdict} in {run.seconds:.0f} s\n")
    sys.stdout.flush()
    assert run.output is not None
    run.output.seek(0)
    sys.stdout.buffer.write(run.output.read())
    sys.stdout.flush()
    run.output.close()


def run_all(targets: Sequence[str], make: Sequence[str], jobs: int) -> list[Run]:
    """Run the targets, `jobs` at a time, in the order given; every one runs, failed or not."""
    waiting = [Run(t) for t in targets]
    done: list[Run] = []
    running: list[Run] = []
    while waiting or running:
        while waiting and len(running) < jobs:
            run = waiting.pop(0)
            start(run, make)
            running.append(run)
        time.sleep(0.2)
        for run in list(running):
            assert run.process is not None
            code = run.process.poll()
            if code is not None:
                running.remove(run)
                finish(run, code)
                done.append(run)
    return sorted(done, key=lambda r: targets.index(r.target))


def table(setup: Sequence[Run], bootstrap: Sequence[Run], checks: Sequence[Run], checks_wall: float) -> str:
    """The summary: each target's seconds, the bootstrap's total, the time without it."""
    width = max(len(r.target) for r in [*setup, *bootstrap, *checks])
    lines = ["", "make test: seconds per target"]
    for label, runs in (
        ("setup", setup),
        ("bootstrap (once per machine, reported apart)", bootstrap),
        (f"checks (in parallel, {checks_wall:.0f} s wall)", checks),
    ):
        if not runs:
            continue
        lines.append(f"  {label}:")
        lines += [
            f"    {r.target:<{width}}  {r.seconds:6.0f}" + ("" if r.code == 0 else "  FAILED") for r in runs
        ]
    counted = sum(r.seconds for r in setup) + checks_wall
    lines.append(f"  bootstrap: {sum(r.seconds for r in bootstrap):.0f} s")
    lines.append(f"  make test without the bootstrap: {counted:.0f} s ({counted / 60:.1f} min)")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the setup and the bootstrap, then the checks; print the table."""
    parser = argparse.ArgumentParser(prog="python -m scripts.checks", description=__doc__)
    parser.add_argument("--setup", nargs="*", default=[], metavar="TARGET")
    parser.add_argument("--bootstrap", nargs="*", default=[], metavar="TARGET")
    parser.add_argument("--checks", nargs="+", required=True, metavar="TARGET")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--make", default=os.environ.get("MAKE", "make"), help="the make to call")
    args = parser.parse_args(argv)
    make = [args.make, "--no-print-directory"]
    setup = run_all(args.setup, make, jobs=1)
    bootstrap = run_all(args.bootstrap, make, jobs=1) if all(r.code == 0 for r in setup) else []
    if any(r.code != 0 for r in [*setup, *bootstrap]):
        sys.stdout.write(table(setup, bootstrap, [], 0.0))
        return 1
    started = time.monotonic()
    checks = run_all(args.checks, make, jobs=max(1, args.jobs))
    sys.stdout.write(table(setup, bootstrap, checks, time.monotonic() - started))
    failed = [r.target for r in checks if r.code != 0]
    if failed:
        sys.stdout.write(f"make test: FAILED: {' '.join(failed)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
