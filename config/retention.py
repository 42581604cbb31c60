"""CloudWatch Logs retention: the API accepts only a fixed set of day counts."""

from typing import Annotated

from pydantic import AfterValidator

ALLOWED_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922)
"""Values `logs:PutRetentionPolicy` accepts (up to 8 years); anything else fails at apply time."""


def _allowed(days: int) -> int:
    if days not in ALLOWED_DAYS:
        raise ValueError(f"{days} is not a CloudWatch Logs retention; expected one of {list(ALLOWED_DAYS)}")
    return days


RetentionDays = Annotated[int, AfterValidator(_allowed)]
"""A retention in days that CloudWatch Logs accepts."""
