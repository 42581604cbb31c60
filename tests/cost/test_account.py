"""The account's cap: staging and prod together within 150 EUR, and one more node in prod is refused."""

import json
from pathlib import Path
from typing import Any

import pytest

from config.cost_settings import load_cost_settings
from config.ledger import Ledger, LedgerEntry, load_ledger, render_ledger
from cost.account import budget_violations, check_account, ledger_others
from cost.estimate import estimate
from offline.cost import items_from_plan, run_offline
from offline.cost_summary import committed_stacks, ledger_entries
from tests.conftest import ROOT, Planner, stack_file
from tests.cost.fakes import items, node_group, registered, settings
from tests.offline.test_plan import run_cli

# Prod's system node group, as committed: one t4g.small node.
SYSTEM_GROUP = "      minSize: 1\n      desiredSize: 1\n      maxSize: 2\n"
ONE_MORE = "      minSize: 2\n      desiredSize: 2\n      maxSize: 3\n"


def test_committed_stacks_fit_the_account_cap(plan: Planner) -> None:
    totals: dict[str, float] = {}
    for stack in ("staging", "prod"):
        s = load_cost_settings(stack)
        assert s.cost.account is not None and s.cost.account.monthly_budget == 150
        totals[stack] = estimate(items_from_plan(plan(stack)), s.prices, s.usage).total_usd
    eur = load_cost_settings("prod").cost.from_usd(sum(totals.values()))
    assert eur <= 150, f"staging + prod = {eur:.2f} EUR a month, over the 150 EUR cap"


def test_the_ledger_agrees_with_the_offline_plans() -> None:
    # The policy reads the other stacks from the ledger under the engine: it
    # must say what the code says (`make cost` rewrites it).
    recorded = load_ledger("test")
    fresh = ledger_entries(committed_stacks())
    assert set(recorded.stacks) == set(fresh)
    for stack, entry in fresh.items():
        assert recorded.stacks[stack].account == entry.account
        assert recorded.stacks[stack].total_usd == pytest.approx(entry.total_usd, abs=0.01), stack


def test_one_more_on_demand_node_in_prod_exits_3(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.staging.yaml").write_text((ROOT / "Pulumi.staging.yaml").read_text())
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    assert text.count(SYSTEM_GROUP) == 1
    (tmp_path / "Pulumi.prod.yaml").write_text(text.replace(SYSTEM_GROUP, ONE_MORE))
    proc = run_cli("--stack", "prod", "--cost", "--root", str(tmp_path))
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr
    assert "account 123456789012: the monthly estimate of its stacks" in proc.stderr
    assert "exceeds the account's cap of 150.00 EUR" in proc.stderr
    assert "prod (this stack)" in proc.stderr and "staging" in proc.stderr
    assert "Largest items of prod:" in proc.stderr and "prod-eks-cluster" in proc.stderr
    assert "Cheapest fixes, largest saving first:" in proc.stderr
    assert "smaller nodes (t4g.micro instead of t4g.small)" in proc.stderr


def test_the_committed_prod_passes_the_account_check() -> None:
    proc = run_cli("--stack", "prod", "--cost")
    assert proc.returncode == 0, proc.stderr
    assert "is within the account's cap of 150.00 EUR" in proc.stdout
    assert "policy monthly-budget: passed (150 EUR account cap)" in proc.stdout


def test_under_the_engine_the_policy_reads_the_other_stacks_from_the_ledger(plan: Planner) -> None:
    bigger = plan("prod", set_={"cloud:cluster": {**_prod_cluster(), "nodeGroup": _bigger_group()}})
    messages = run_offline(bigger)
    assert len(messages) == 1 and "exceeds the account's cap of 150.00 EUR" in messages[0]
    recorded = load_ledger("prod").stacks["staging"].total_usd
    assert f"staging {load_cost_settings('prod').cost.from_usd(recorded):,.2f} EUR" in messages[0]
    assert run_offline(plan("prod")) == []


def _prod_cluster() -> dict[str, Any]:
    cluster: dict[str, Any] = json.loads(stack_file("prod").config["cloud:cluster"])
    return cluster


def _bigger_group() -> dict[str, Any]:
    group: dict[str, Any] = dict(_prod_cluster()["nodeGroup"])
    group.update({"minSize": 2, "desiredSize": 2, "maxSize": 3})
    return group


def test_account_check_adds_the_other_stacks_and_prices_fixes() -> None:
    s = settings(account_cap=100)
    stack = items(registered("aws:kms/key:Key", "key"), node_group(types=("t3.large",), sizes=(1, 1, 2)))
    own = estimate(stack, s.prices, s.usage).total_usd  # 1 + 730 x 0.10 + 50 GB x 0.08
    within = check_account(stack, s, {"prod": 100 - own - 1})
    assert within is not None and not within.over
    over = check_account(stack, s, {"prod": 100 - own + 1})
    assert over is not None and over.over and over.total_usd == pytest.approx(101)
    text = over.message()
    assert "exceeds the account's cap of 100.00 USD by 1.00 USD" in text
    assert "staging (this stack)" in text and "prod " in text
    assert "spot nodes instead of on-demand" in text
    assert check_account(stack, settings(), {"prod": 500}) is None  # no account named


def test_violations_report_the_stack_budget_and_the_account_cap_separately() -> None:
    s = settings(budget=10, account_cap=50)
    stack = items(node_group(types=("t3.large",), sizes=(1, 1, 2)))
    messages = budget_violations(stack, s, lambda _: {"prod": 40})
    assert len(messages) == 2
    assert "exceeds the budget of 10.00 USD" in messages[0]
    assert "exceeds the account's cap of 50.00 USD" in messages[1]


def test_ledger_others_filters_by_account_and_leaves_the_stack_out(tmp_path: Path) -> None:
    path = tmp_path / "cost-ledger.yaml"
    path.write_text(
        render_ledger(
            {
                "prod": LedgerEntry(account="123456789012", total_usd=160),
                "staging": LedgerEntry(account="123456789012", total_usd=1),
                "elsewhere": LedgerEntry(account="999999999999", total_usd=500),
            }
        )
    )
    ledger = load_ledger("staging", path)
    assert isinstance(ledger, Ledger)
    assert ledger.others("staging", "123456789012") == {"prod": 160}
    assert ledger_others(settings()) == {}  # a stack without an account has no others
