"""`cost:*` keys: display currency, monthly budget and who hears about the bill."""

import datetime
import re
from typing import Self

from pydantic import Field, field_validator, model_validator

from config.base import Model

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


class AccountBudget(Model):
    """`cost:account`: the budget of the AWS account, shared by every stack deployed in it."""

    id: str = Field(
        pattern=r"^\d{12}$",
        description="The AWS account id; every stack naming it counts against its budget.",
    )
    monthly_budget: float = Field(
        gt=0,
        description=(
            "Monthly cap of the whole account, in `currency` (150 EUR for the committed stacks): the "
            "budget policy fails when the estimates of every stack of the account add up to more."
        ),
    )
    owner: bool = Field(
        default=False,
        description=(
            "This stack declares the account's AWS Budgets budget (alerts at 50/80/100 % of actual "
            "and 100 % of forecast spend). Exactly one committed stack of the account owns it."
        ),
    )


class SlackTarget(Model):
    """`cost:slack`: the Slack channel AWS Chatbot posts budget alerts to."""

    workspace_id: str = Field(
        pattern=r"^T[A-Z0-9]{6,}$",
        description=(
            "Id of the Slack workspace authorised once in the AWS Chatbot console, e.g. `T07EA123LEP`."
        ),
    )
    channel_id: str = Field(
        pattern=r"^[CG][A-Z0-9]{6,}$",
        description=(
            "Id of the channel (Slack: channel details, bottom of About), e.g. `C07EZ1ABC23` for #alertes."
        ),
    )


class CostConfig(Model):
    """Everything under the `cost:` namespace."""

    currency: str = "USD"
    """ISO 4217 code the estimate and the budget are shown in, e.g. `EUR`."""
    exchange_rate: float = Field(default=1.0, gt=0)
    """Units of `currency` one USD buys, e.g. 0.92 for EUR; AWS prices are in USD."""
    exchange_rate_date: datetime.date | None = Field(
        default=None,
        description="Day `exchangeRate` was read (required when `currency` is not USD): rates move.",
    )
    exchange_rate_source: str | None = Field(
        default=None, description="Where `exchangeRate` was read, e.g. the ECB's reference rates."
    )
    account: AccountBudget | None = Field(
        default=None, description="The AWS account's shared budget, which this stack counts against."
    )
    monthly_budget: float | None = Field(default=None, gt=0)
    """Monthly budget of the stack, in `currency`; None means no budget check and no AWS budget."""
    alert_emails: list[str] = Field(default_factory=list[str])
    """Addresses AWS Budgets e-mails at 80 % and 100 % of the budget (actual and forecast)."""
    slack: SlackTarget | None = Field(
        default=None,
        description=(
            "Also post the budget's alerts to this Slack channel (SNS topic + AWS Chatbot); "
            "None keeps e-mail only."
        ),
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if re.fullmatch(r"[A-Z]{3}", value) is None:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code such as EUR or USD")
        return value

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for address in value:
            if _EMAIL.match(address) is None:
                raise ValueError(f"{address!r} is not an e-mail address such as ops@example.org")
        if len(set(value)) != len(value):
            raise ValueError("an address is listed twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.currency == "USD" and self.exchange_rate != 1.0:
            raise ValueError(f"currency USD needs exchangeRate 1, got {self.exchange_rate}")
        if self.currency != "USD" and self.exchange_rate_date is None:
            raise ValueError(
                f"currency {self.currency} needs exchangeRateDate: the day exchangeRate "
                f"({self.exchange_rate}) was read"
            )
        if self.account is not None and self.account.owner and not self.alert_emails:
            raise ValueError("account.owner declares the account's budget; expected alertEmails to notify")
        if self.monthly_budget is not None and not self.alert_emails:
            raise ValueError(
                "monthlyBudget is set but alertEmails is empty; list at least one address "
                "for the budget's notifications"
            )
        return self

    def from_usd(self, usd: float) -> float:
        """An amount in USD, converted to `currency`."""
        return usd * self.exchange_rate

    def to_usd(self, amount: float) -> float:
        """An amount in `currency`, converted to USD."""
        return amount / self.exchange_rate

    @property
    def account_budget_usd(self) -> float | None:
        """The account's cap in USD, or None without `account`."""
        return None if self.account is None else self.to_usd(self.account.monthly_budget)

    @property
    def monthly_budget_usd(self) -> float | None:
        """The budget in USD (AWS Budgets and the policy compare in USD)."""
        return None if self.monthly_budget is None else self.to_usd(self.monthly_budget)
