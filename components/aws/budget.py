"""`Budget`: an AWS Budgets cost budget for one stack, with e-mail alerts."""

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class BudgetArgs:
    """Inputs of `Budget`."""

    stack: str
    """Stack whose costs the budget tracks, through its `stack` cost allocation tag. Required."""
    limit_usd: float
    """Monthly limit in USD (AWS Budgets' unit), e.g. 54.35. Required, > 0."""
    alert_emails: Sequence[str]
    """Addresses that receive the notifications. Required, at least one."""
    provider: aws.Provider
    """Explicit AWS provider. Budgets is a global service; any region works. Required."""
    thresholds: Sequence[float] = field(default=(80.0, 100.0))
    """Percentages of the limit that notify, each for actual and for forecast spend. Default 80 and 100."""
    tag_key: str = "stack"
    """Cost allocation tag that tells this stack's costs apart (the provider tags every resource with it)."""
    account: bool = False
    """Watch the whole account (every stack, and whatever else runs in it) instead of one stack's tag."""
    notifications: Sequence[tuple[float, str]] = ()
    """(percentage, ACTUAL or FORECASTED) pairs; when given, they replace `thresholds`."""
    alert_topic_arns: Sequence[pulumi.Input[str]] = ()
    """SNS topics that also receive every notification (Slack through AWS Chatbot). Default ()."""


class Budget(pulumi.ComponentResource):
    """A monthly cost budget that e-mails when actual or forecast spend crosses each threshold.

    The cost filter only matches once the `stack` tag is activated as a cost
    allocation tag in the Billing console (a one-time, account-wide step).
    """

    budget_name: pulumi.Output[str]
    """Name of the budget in AWS Budgets."""

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:aws:Budget", name, None, opts)
        if args.limit_usd <= 0:
            raise ValueError(f"Budget {name}: limit_usd must be positive, got {args.limit_usd}")
        if not args.alert_emails:
            raise ValueError(f"Budget {name}: alert_emails needs at least one address")
        notifications: list[aws.budgets.BudgetNotificationArgsDict] = [
            {
                "comparison_operator": "GREATER_THAN",
                "threshold": threshold,
                "threshold_type": "PERCENTAGE",
                "notification_type": kind,
                "subscriber_email_addresses": list(args.alert_emails),
            }
            for threshold, kind in (
                args.notifications or [(t, k) for t in args.thresholds for k in ("ACTUAL", "FORECASTED")]
            )
        ]
        if args.alert_topic_arns:
            for notification in notifications:
                notification["subscriber_sns_topic_arns"] = list(args.alert_topic_arns)
        budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{args.stack}-account-monthly-cost" if args.account else f"{args.stack}-monthly-cost",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.limit_usd:.2f}",
            limit_unit="USD",
            # The account's budget sees the whole bill (shared cluster, data
            # transfer, anything untagged); a stack's budget its own tag only.
            cost_filters=None
            if args.account
            else [{"name": "TagKeyValue", "values": [f"user:{args.tag_key}${args.stack}"]}],
            notifications=notifications,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
        )
        self.budget_name = budget.name
        self.register_outputs({"budget_name": self.budget_name})
