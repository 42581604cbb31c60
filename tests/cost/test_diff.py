"""The pull-request comment: base, request and difference."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cost.diff import account_markdown, main, markdown
from cost.estimate import estimate
from cost.render import cost_document
from tests.conftest import ROOT
from tests.cost.fakes import items, registered, settings


def doc(*records: Any) -> dict[str, Any]:
    s = settings(budget=50, currency="EUR", rate=0.9, usage={"natGateway": {"gbPerMonth": 10}})
    return cost_document(estimate(items(*records), s.prices, s.usage), s)


NAT = registered("aws:ec2/natGateway:NatGateway", "net-nat-a")
KEY = registered("aws:kms/key:Key", "key")


def test_markdown_shows_base_request_and_difference() -> None:
    text = markdown(doc(KEY), doc(KEY, NAT))
    assert "| total (USD) | 1.00 | 34.30 | +33.30 |" in text
    assert "| total (EUR) | 0.90 | 30.87 | +29.97 |" in text
    assert "| budget (EUR) | | 50.00 | within budget |" in text
    # only resources whose cost changed are listed
    assert "| `net-nat-a` | 0.00 | 29.97 | +29.97 |" in text
    assert "`key`" not in text


def test_markdown_of_a_removal_and_of_a_missing_base() -> None:
    assert "| total (USD) | 34.30 | 1.00 | -33.30 |" in markdown(doc(KEY, NAT), doc(KEY))
    text = markdown(None, doc(KEY))
    assert "| total (USD) | 0.00 | 1.00 | +1.00 |" in text
    assert "The base branch has no estimate" in text


def test_module_reads_two_files(tmp_path: Path) -> None:
    (tmp_path / "req.json").write_text(json.dumps(doc(KEY, NAT)))
    proc = subprocess.run(
        [sys.executable, "-m", "cost.diff", str(tmp_path / "base.json"), str(tmp_path / "req.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "#### Monthly cost estimate of stack `staging` (eu-west-3)" in proc.stdout


def _doc(stack: str, usd: float) -> dict[str, object]:
    return {
        "stack": stack,
        "region": "eu-west-3",
        "currency": "EUR",
        "exchangeRate": 0.5,
        "totalUsd": usd,
        "rows": [],
        "account": {"id": "123456789012", "monthlyBudget": 150, "stacksUsd": {}},
    }


def test_account_section_adds_every_stack_against_the_cap(tmp_path: Path) -> None:
    text = account_markdown([_doc("prod", 200), None], [_doc("prod", 280), _doc("staging", 10)])
    assert "#### AWS account `123456789012`: every stack against the cap of 150.00 EUR" in text
    assert "| `prod` | 100.00 | 140.00 | +40.00 |" in text
    assert "| `staging` | 0.00 | 5.00 | +5.00 |" in text
    assert "| **account total** | **100.00** | **145.00** | +45.00 |" in text
    assert "| cap | | 150.00 | within the cap, 5.00 left |" in text
    over = account_markdown([], [_doc("prod", 302)])
    assert "**over the cap**" in over
    for stack, usd in (("prod", 280.0), ("staging", 10.0)):
        (tmp_path / f"request-{stack}.json").write_text(json.dumps(_doc(stack, usd)))
    (tmp_path / "base-prod.json").write_text(json.dumps(_doc("prod", 200)))
    assert main(["--account", str(tmp_path)]) == 0
