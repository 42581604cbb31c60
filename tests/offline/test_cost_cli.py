"""`python -m stacks.plan --cost`: the table, the JSON rows, the budget policy's exit code."""

import json
import re
import shutil
from pathlib import Path

import pytest

from config.cost_settings import load_cost_settings
from cost.account import check_account
from cost.estimate import estimate
from offline.cost import OVER_BUDGET, cost_report, items_from_plan
from tests.conftest import ROOT, Planner
from tests.cost.fakes import network, node_group, plan_of, registered
from tests.offline.test_plan import run_cli


def test_cli_prints_the_estimate_and_writes_the_rows(plan: Planner, tmp_path: Path) -> None:
    out = tmp_path / "cost.json"
    proc = run_cli("--stack", "staging", "--cost", "--cost-json", str(out))
    assert "Monthly cost estimate of stack 'staging' in eu-west-3" in proc.stdout
    assert re.search(r"resource +component +quantity +unit price \(USD\) +monthly \(USD\)", proc.stdout)
    # Whether the account fits its cap depends on what the branch declares;
    # the exit code and the message must follow the account check either way.
    s = load_cost_settings("staging")
    items = items_from_plan(plan("staging"))
    p = load_cost_settings("prod")
    prod_usd = estimate(items_from_plan(plan("prod")), p.prices, p.usage).total_usd
    account = check_account(items, s, {"prod": prod_usd})
    assert account is not None
    if account.over:
        assert proc.returncode == OVER_BUDGET and "exceeds the account's cap of 150.00 EUR" in proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert "policy monthly-budget: passed (150 EUR account cap)" in proc.stdout
    doc = json.loads(out.read_text())
    keys = "stack region currency exchangeRate monthlyBudget totalUsd total rows uncovered account outsideAws"
    assert set(doc) == set(keys.split())
    assert (doc["stack"], doc["currency"], doc["monthlyBudget"]) == ("staging", "EUR", None)
    assert doc["account"]["id"] == "123456789012" and doc["account"]["monthlyBudget"] == 150
    assert set(doc["account"]["stacksUsd"]) == {"staging", "prod"}
    # Staging's Datadog fee is listed outside the AWS total.
    assert isinstance(doc["outsideAws"], list)
    assert doc["total"] == pytest.approx(doc["totalUsd"] * doc["exchangeRate"])
    assert doc["totalUsd"] == pytest.approx(sum(r["monthlyUsd"] for r in doc["rows"]))
    assert doc["uncovered"] == []


def test_over_the_cap_exits_3_naming_items_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    # The committed staging settings (the account's 150 EUR) against a stack that costs more.
    subnets = network(["eu-west-3a", "eu-west-3b"], nat_per_zone=True)
    result = plan_of(*subnets, registered("aws:eks/cluster:Cluster", "eks"), node_group(types=("t3.xlarge",)))
    assert cost_report(result, others={"prod": 100.0}) == OVER_BUDGET
    captured = capsys.readouterr()
    assert "eks-nodes" in captured.out and "NAT gateway hours" in captured.out
    assert "policy monthly-budget: account 123456789012: the monthly estimate of its stacks" in captured.err
    assert "exceeds the account's cap of 150.00 EUR" in captured.err
    assert "Largest items of staging:" in captured.err and "one NAT gateway instead of 2" in captured.err
    assert "smaller nodes (t3.large instead of t3.xlarge)" in captured.err


def test_invalid_cost_configuration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (
        (ROOT / "Pulumi.staging.yaml").read_text().replace("cost:exchangeRate: 0.87", "cost:exchangeRate: 0")
    )
    (tmp_path / "Pulumi.staging.yaml").write_text(text)
    assert cost_report(plan_of(registered("aws:kms/key:Key", "key")), root=tmp_path) == 2
    assert "cost:exchangeRate: expected greater than 0" in capsys.readouterr().err
