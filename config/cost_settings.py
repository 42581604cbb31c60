"""Everything besides the resources that an estimate of one stack needs, read from its stack file.

The cost estimator (`cost/`) and the budget policy (`policy/budget.py`) are
handed these settings; reading them (the stack file's `cost:` keys and
region, the region's prices, the stack's usage file) is `config/`'s job.
"""

from dataclasses import dataclass
from pathlib import Path

from config.cost import CostConfig
from config.loader import load_stack_config
from config.paths import ROOT
from config.pricing import PRICES_DIR, PriceTable, load_price_table
from config.stackfile import read_stack_file
from config.usage import USAGE_DIR, Usage, load_usage

DEFAULT_REGION = "eu-west-3"


@dataclass(frozen=True)
class CostSettings:
    """Prices, usage, currency and budget of one stack."""

    stack: str
    """Stack name."""
    prices: PriceTable
    """Unit prices of the stack's region."""
    usage: Usage
    """The stack's usage assumptions."""
    cost: CostConfig
    """Currency, exchange rate, budget (defaults: USD, no budget)."""


def load_cost_settings(
    stack: str,
    *,
    root: Path = ROOT,
    prices_dir: Path = PRICES_DIR,
    usage_dir: Path = USAGE_DIR,
) -> CostSettings:
    """The settings of a committed stack: its `cost:` keys, its region's prices, its usage file.

    :raises config.ConfigError: when any of them is invalid.
    """
    stack_file = read_stack_file(root, stack)
    cfg = load_stack_config(
        project=stack_file.project, stack=stack, raw=stack_file.config, secret_keys=stack_file.secret_keys
    )
    region = cfg.cloud.region if cfg.cloud is not None else DEFAULT_REGION
    return CostSettings(
        stack=stack,
        prices=load_price_table(region, stack=stack, prices_dir=prices_dir),
        usage=load_usage(stack, usage_dir=usage_dir),
        cost=cfg.cost or CostConfig(),
    )
