"""The account's budget: every stack of one AWS account together against `cost:account.monthlyBudget`.

One hard cap for the account (150 EUR for staging and prod), not one budget
per stack: the check adds this stack's estimate to the estimates of the
account's other stacks (the ledger's, or fresh ones offline) and, over the
cap, names the largest items of this stack and prices its cheaper options.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from config.cost import CostConfig
from config.cost_settings import CostSettings
from config.ledger import load_ledger
from cost.budget import Option, cheaper_options, check_budget
from cost.estimate import Estimate, estimate
from cost.model import Item


@dataclass(frozen=True)
class AccountVerdict:
    """All the stacks of one account against its cap."""

    account: str
    """AWS account id."""
    stack: str
    """The stack being judged (its estimate is live, the others recorded)."""
    cap_usd: float
    """The account's monthly cap, in USD."""
    totals: Mapping[str, float]
    """Monthly estimate of each stack of the account, in USD, this one included."""
    cost: CostConfig
    """Currency and exchange rate of the message."""
    largest: list[tuple[str, str, float]] = field(default_factory=list[tuple[str, str, float]])
    """This stack's most expensive resources (computed only when over)."""
    options: list[Option] = field(default_factory=list[Option])
    """This stack's cheaper variants, largest saving first (computed only when over)."""

    @property
    def total_usd(self) -> float:
        """The account's monthly estimate."""
        return sum(self.totals.values())

    @property
    def over(self) -> bool:
        """True when the account's estimate exceeds its cap."""
        return self.total_usd > self.cap_usd + 0.005

    def money(self, usd: float) -> str:
        """An amount in the configured currency (and in USD when that differs)."""
        shown = f"{self.cost.from_usd(usd):,.2f} {self.cost.currency}"
        return shown if self.cost.currency == "USD" else f"{shown} ({usd:,.2f} USD)"

    def message(self) -> str:
        """The account's total, each stack's share, and over the cap what to do about it."""
        shares = ", ".join(
            f"{name}{' (this stack)' if name == self.stack else ''} {self.money(usd)}"
            for name, usd in sorted(self.totals.items(), key=lambda kv: -kv[1])
        )
        head = (
            f"account {self.account}: the monthly estimate of its stacks, {self.money(self.total_usd)} "
            f"({shares}), {'exceeds' if self.over else 'is within'} the account's cap of "
            f"{self.money(self.cap_usd)}"
        )
        if not self.over:
            return head
        lines = [f"{head} by {self.money(self.total_usd - self.cap_usd)}.", f"Largest items of {self.stack}:"]
        lines += [f"  - {name} ({type_}): {self.money(usd)}/month" for name, type_, usd in self.largest]
        if self.options:
            lines.append("Cheapest fixes, largest saving first:")
            lines += [f"  - {o.description}: saves {self.money(o.saving_usd)}/month" for o in self.options]
        else:
            lines.append(f"No cheaper variant of {self.stack}'s resources was found; revert the change.")
        return "\n".join(lines)


def check_account(
    items: list[Item], settings: CostSettings, others: Mapping[str, float], base: Estimate | None = None
) -> AccountVerdict | None:
    """This stack plus `others` against the account's cap; None when the stack names no account.

    :param others: the monthly USD estimate of every other stack of the same account.
    """
    account = settings.cost.account
    cap = settings.cost.account_budget_usd
    if account is None or cap is None:
        return None
    current = base or estimate(items, settings.prices, settings.usage)
    totals = {**dict(others), settings.stack: current.total_usd}
    verdict = AccountVerdict(
        account=account.id, stack=settings.stack, cap_usd=cap, totals=totals, cost=settings.cost
    )
    if not verdict.over:
        return verdict
    return AccountVerdict(
        account=account.id,
        stack=settings.stack,
        cap_usd=cap,
        totals=totals,
        cost=settings.cost,
        largest=current.by_resource()[:3],
        options=cheaper_options(items, settings, current),
    )


OthersFor = Callable[[CostSettings], Mapping[str, float]]
"""A stack's settings -> the estimates (USD) of the other stacks of its account, by stack."""


def ledger_others(settings: CostSettings) -> dict[str, float]:
    """The other stacks of the account, as `config/cost-ledger.yaml` records them."""
    account = settings.cost.account
    if account is None:
        return {}
    return load_ledger(settings.stack).others(settings.stack, account.id)


def budget_violations(
    items: list[Item], settings: CostSettings, others_for: OthersFor = ledger_others
) -> list[str]:
    """Every budget the stack breaks: its own `cost:monthlyBudget`, and its account's cap.

    What the `monthly-budget` policy reports, one message per broken budget.

    :raises ConfigError: when the prices, usage or ledger cannot be read.
    :raises CostError: when the resources cannot be priced as declared.
    """
    current = estimate(items, settings.prices, settings.usage)
    messages: list[str] = []
    verdict = check_budget(items, settings, current)
    if verdict.over:
        messages.append(verdict.message())
    if settings.cost.account is not None:
        account = check_account(items, settings, others_for(settings), current)
        if account is not None and account.over:
            messages.append(account.message())
    return messages
