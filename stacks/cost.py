"""The cost part of a stack: an AWS budget that watches the real bill."""

from components.aws.budget import Budget, BudgetArgs
from config import StackConfig
from stacks.monitoring import budget_slack_alerts
from stacks.providers import aws_provider


def build_cost(cfg: StackConfig) -> Budget | None:
    """An AWS Budgets budget when the cloud part and `cost:monthlyBudget` are both set.

    It has its own provider instance (same region and tags as the cloud's), so
    it stays independent of how the cloud part wires its own.
    """
    if cfg.cloud is None or cfg.cost is None or cfg.cost.monthly_budget_usd is None:
        return None
    provider = aws_provider(f"{cfg.stack}-aws-budgets", cfg.cloud, project=cfg.project, stack=cfg.stack)
    slack = budget_slack_alerts(cfg, provider)
    return Budget(
        f"{cfg.stack}-budget",
        BudgetArgs(
            stack=cfg.stack,
            limit_usd=round(cfg.cost.monthly_budget_usd, 2),
            alert_emails=cfg.cost.alert_emails,
            alert_topic_arns=[slack.topic_arn] if slack is not None else [],
            provider=provider,
        ),
    )
