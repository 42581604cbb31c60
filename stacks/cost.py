"""The cost part of a stack: AWS budgets that watch the real bill."""

from components.aws.budget import Budget, BudgetArgs
from config import StackConfig
from stacks.monitoring import budget_slack_alerts
from stacks.providers import aws_provider

ACCOUNT_ALERTS = ((50.0, "ACTUAL"), (80.0, "ACTUAL"), (100.0, "ACTUAL"), (100.0, "FORECASTED"))
"""The account budget e-mails at 50, 80 and 100 % of actual spend, and when the forecast passes 100 %."""


def build_cost(cfg: StackConfig) -> list[Budget]:
    """The account's budget (in the stack that owns it) and the stack's own (`cost:monthlyBudget`).

    Each has its own provider instance (same region and tags as the cloud's), so
    it stays independent of how the cloud part wires its own.
    """
    if cfg.cloud is None or cfg.cost is None:
        return []
    cost = cfg.cost
    owner = cost.account is not None and cost.account.owner
    if not owner and cost.monthly_budget_usd is None:
        return []
    provider = aws_provider(f"{cfg.stack}-aws-budgets", cfg.cloud, project=cfg.project, stack=cfg.stack)
    slack = budget_slack_alerts(cfg, provider)
    topics = [slack.topic_arn] if slack is not None else []
    made: list[Budget] = []
    if owner:
        limit = cost.account_budget_usd
        assert limit is not None
        made.append(
            Budget(
                "account-budget",
                BudgetArgs(
                    stack=cfg.project,
                    limit_usd=round(limit, 2),
                    alert_emails=cost.alert_emails,
                    alert_topic_arns=topics,
                    provider=provider,
                    account=True,
                    notifications=ACCOUNT_ALERTS,
                ),
            )
        )
    if cost.monthly_budget_usd is not None:
        made.append(
            Budget(
                f"{cfg.stack}-budget",
                BudgetArgs(
                    stack=cfg.stack,
                    limit_usd=round(cost.monthly_budget_usd, 2),
                    alert_emails=cost.alert_emails,
                    alert_topic_arns=topics,
                    provider=provider,
                ),
            )
        )
    return made
