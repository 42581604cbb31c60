"""`cost:` keys, the price tables and the usage files: loaded, or one clear message."""

from pathlib import Path

import pytest
import yaml

from config import ConfigError
from config.cost import CostConfig
from config.pricing import PRICES_DIR, load_price_table
from config.usage import Usage, load_usage
from tests.config.test_loader import load, problems
from tests.cost.fakes import PRICES


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_committed_stacks_share_the_account_cap_in_eur(stack: str) -> None:
    cost = load(stack).cost
    assert cost is not None and cost.account is not None
    assert (cost.currency, cost.account.id, cost.account.monthly_budget) == ("EUR", "123456789012", 150)
    assert cost.exchange_rate_date is not None and cost.exchange_rate_source
    assert cost.alert_emails
    # Prod declares the account's AWS budget; staging only counts against it.
    assert cost.account.owner is (stack == "prod")
    assert cost.monthly_budget is None


def test_no_cost_key_means_no_cost_part() -> None:
    keys = (
        "cost:currency",
        "cost:exchangeRate",
        "cost:exchangeRateDate",
        "cost:exchangeRateSource",
        "cost:account",
        "cost:alertEmails",
        "cost:slack",
    )
    assert load(unset=keys).cost is None


def test_a_rate_without_its_date_is_refused() -> None:
    assert "currency EUR needs exchangeRateDate" in problems(unset=("cost:exchangeRateDate",))


def test_currency_conversion_both_ways() -> None:
    cost = CostConfig.model_validate(
        {
            "currency": "EUR",
            "exchangeRate": 0.9,
            "exchangeRateDate": "2026-11-23",
            "monthlyBudget": 45,
            "account": {"id": "123456789012", "monthlyBudget": 90},
            "alertEmails": ["a@b.org"],
        }
    )
    assert cost.from_usd(100) == pytest.approx(90)
    assert cost.to_usd(90) == pytest.approx(100)
    assert cost.monthly_budget_usd == pytest.approx(50)
    assert cost.account_budget_usd == pytest.approx(100)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"cost:currency": "euro"}, "cost:currency: 'euro' is not an ISO 4217 currency code"),
        ({"cost:currency": "USD"}, "currency USD needs exchangeRate 1, got 0.87"),
        ({"cost:exchangeRate": "-1"}, "cost:exchangeRate: expected greater than 0"),
        ({"cost:monthlyBudget": "lots"}, "cost:monthlyBudget: expected a valid number"),
        ({"cost:alertEmails": ["not-an-address"]}, "'not-an-address' is not an e-mail address"),
        ({"cost:alertEmails": []}, "account.owner declares the account's budget; expected alertEmails"),
        ({"cost:exchangeRateDate": "someday"}, "cost:exchangeRateDate: expected a valid date"),
        ({"cost:account": {"id": "42", "monthlyBudget": 150}}, "cost:account.id: String should match"),
        ({"cost:budget": "10"}, "cost:budget: unknown key"),
    ],
)
def test_bad_cost_keys_are_named(changes: dict[str, object], expected: str) -> None:
    assert expected in problems(set_=changes)


def test_committed_price_table_loads_and_dates_every_price() -> None:
    table = load_price_table("eu-west-3", stack="staging")
    assert table.region == "eu-west-3" and table.hours_per_month == 730
    for kind in ("t3.small", "t3.medium", "t3.large", "t3.xlarge", "t3a.large", "m5.large", "m6i.large"):
        assert table.instance_hour(kind) is not None, kind
    assert 0 < table.ec2.spot_factor.factor < 1


def write(tmp: Path, name: str, doc: object) -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(doc))
    return path


def test_price_table_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    doc = yaml.safe_load((PRICES_DIR / "eu-west-3.yaml").read_text())
    doc["natGateway"]["gb"]["usd"] = "cheap"
    del doc["kms"]["keyMonth"]["source"]
    write(tmp_path, "eu-west-3.yaml", doc)
    with pytest.raises(ConfigError) as info:
        load_price_table("eu-west-3", stack="staging", prices_dir=tmp_path)
    msg = str(info.value)
    assert "config/prices/eu-west-3.yaml: natGateway.gb.usd: Input should be a valid number" in msg
    assert "config/prices/eu-west-3.yaml: kms.keyMonth.source: Field required" in msg


def test_price_table_of_an_unknown_region_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, "eu-west-3.yaml", PRICES)
    with pytest.raises(ConfigError, match=r"no price table for region us-east-1; known regions: eu-west-3"):
        load_price_table("us-east-1", stack="staging", prices_dir=tmp_path)


def test_price_table_must_match_its_file_name(tmp_path: Path) -> None:
    write(tmp_path, "eu-west-1.yaml", PRICES)
    with pytest.raises(ConfigError, match=r"region: says eu-west-3; expected eu-west-1"):
        load_price_table("eu-west-1", stack="staging", prices_dir=tmp_path)


def test_usage_defaults_and_committed_files(tmp_path: Path) -> None:
    assert load_usage("nowhere", usage_dir=tmp_path) == Usage()
    staging, prod = load_usage("staging"), load_usage("prod")
    assert staging.nat_gateway.gb_per_month < prod.nat_gateway.gb_per_month


def test_usage_errors_name_the_file_and_the_key(tmp_path: Path) -> None:
    write(tmp_path, "staging.yaml", {"natGateway": {"gbPerMonth": -5}, "nodes": {"avgCount": 2}})
    with pytest.raises(ConfigError) as info:
        load_usage("staging", usage_dir=tmp_path)
    msg = str(info.value)
    assert (
        "config/usage/staging.yaml: natGateway.gbPerMonth: Input should be greater than or equal to 0" in msg
    )
    assert "config/usage/staging.yaml: nodes.avgCount: Extra inputs are not permitted" in msg
