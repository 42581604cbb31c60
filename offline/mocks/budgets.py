"""Computed values of AWS Budgets resources (a global service: no region in the ARN)."""

from collections.abc import Mapping
from typing import Any

from offline.mocks.registry import Context, resource


@resource("aws:budgets/budget:Budget")
def _budget(ctx: Context, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's id is "<account id>:<budget name>".
    budget_name = str(inputs.get("name") or name)
    return f"{ctx.account_id}:{budget_name}", {
        "accountId": ctx.account_id,
        "arn": f"arn:aws:budgets::{ctx.account_id}:budget/{budget_name}",
    }
