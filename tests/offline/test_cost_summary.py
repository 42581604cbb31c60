"""docs/cost.md's table: the fresh output of `python -m offline.cost_summary`, and sound on its own.

The expectation is never rebuilt with the estimator it checks: the docs table
is compared with a fresh run of the command, and that output is checked
against the stack files and the price table, read here as plain YAML, and
against its own arithmetic.
"""

import re
import subprocess
import sys
from functools import cache
from typing import Any

import pytest
import yaml

from offline.cost_summary import committed_stacks
from tests.conftest import ROOT

START = "| stack | priced resources |"
END = "\n\n**How to read it.**"


@cache
def fresh() -> str:
    """What `make cost` prints now."""
    run = subprocess.run(
        [sys.executable, "-m", "offline.cost_summary"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return run.stdout.rstrip("\n")


def _number(text: str) -> float:
    return float(text.replace(",", "").split()[0])


def _stack_config(stack: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def _rows(stack: str) -> list[list[str]]:
    section = fresh().split(f"`{stack}` (", 1)[1].split("\n\n`", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _totals(stack: str) -> list[str]:
    line = next(line for line in fresh().splitlines() if line.startswith(f"| `{stack}` |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_every_committed_stack_is_summarised() -> None:
    assert committed_stacks() == ["prod", "staging"]


def test_the_docs_table_is_what_the_command_prints_now() -> None:
    text = (ROOT / "docs/cost.md").read_text()
    documented = text[text.index(START) : text.index(END)]
    assert documented == fresh(), "docs/cost.md is stale: run `make cost` and paste its output there"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_each_row_and_total_adds_up(stack: str) -> None:
    rows = _rows(stack)
    assert rows
    for resource, _, quantity, unit_price, monthly in rows:
        q, u, m = _number(quantity), float(unit_price), _number(monthly)
        # The unit price is printed with 4 decimals: allow that rounding over the quantity.
        assert abs(q * u - m) <= q * 0.00005 + 0.005, resource
    _, resources, usd, currency, budget, status = _totals(stack)
    assert int(resources) == len({r[0] for r in rows})
    assert abs(sum(_number(r[4]) for r in rows) - _number(usd)) <= 0.005 * len(rows)
    config = _stack_config(stack)
    assert currency.endswith(f" {config['cost:currency']}") and budget.endswith(f" {config['cost:currency']}")
    assert abs(_number(usd) * float(config["cost:exchangeRate"]) - _number(currency)) <= 0.01
    assert _number(budget) == float(config["cost:monthlyBudget"])
    assert status == ("within" if _number(currency) <= _number(budget) else "**over**")


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_control_plane_row_uses_the_recorded_price(stack: str) -> None:
    region = _stack_config(stack)["cloud:region"]
    prices = yaml.safe_load((ROOT / f"config/prices/{region}.yaml").read_text())
    [row] = [r for r in _rows(stack) if r[1] == "EKS control plane"]
    assert row[0] == f"`{stack}-eks-cluster`"
    assert _number(row[2]) == prices["hoursPerMonth"]
    assert float(row[3]) == prices["eks"]["clusterHour"]["usd"]
    assert re.fullmatch(r"\d+\.\d\d", row[4])
