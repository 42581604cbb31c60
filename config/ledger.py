"""The committed stacks' monthly estimates (`config/cost-ledger.yaml`), for the account's budget check.

The budget policy runs inside `pulumi preview` for one stack and cannot plan
the others; the account's total adds this stack's live estimate to the other
stacks' estimates recorded here. `make cost` rewrites the file from fresh
offline plans, and a test fails when it disagrees with them, so it cannot
drift from the code.
"""

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from config.base import Model
from config.errors import ConfigError

LEDGER = Path(__file__).resolve().parent / "cost-ledger.yaml"
"""Where the ledger lives."""


class LedgerEntry(Model):
    """One committed stack's estimate."""

    account: str = Field(pattern=r"^\d{12}$", description="AWS account the stack deploys to.")
    total_usd: float = Field(ge=0, description="Monthly estimate, in USD.")


class Ledger(Model):
    """Every committed stack's estimate, by stack."""

    stacks: dict[str, LedgerEntry] = Field(default_factory=dict[str, LedgerEntry])

    def others(self, stack: str, account: str) -> dict[str, float]:
        """The estimates of the other stacks of `account`, by stack."""
        return {
            name: entry.total_usd
            for name, entry in sorted(self.stacks.items())
            if name != stack and entry.account == account
        }


def load_ledger(stack: str, path: Path = LEDGER) -> Ledger:
    """Read the ledger; a missing file is an empty ledger.

    :raises ConfigError: naming the file and what is wrong.
    """
    if not path.is_file():
        return Ledger()
    label = f"config/{path.name}"
    try:
        doc: Any = yaml.safe_load(path.read_text()) or {}
        return Ledger.model_validate(doc)
    except yaml.YAMLError as exc:
        raise ConfigError(stack, [f"{label}: not valid YAML ({exc})"]) from None
    except ValidationError as exc:
        problems = [f"{label}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(stack, problems) from None


def render_ledger(entries: dict[str, LedgerEntry]) -> str:
    """The file's text."""
    head = (
        "# Monthly cost estimate of each committed stack, in USD, for the account budget check\n"
        "# (policy/budget.py). Generated: `make cost` (python -m offline.cost_summary --write-ledger).\n"
        "# tests/cost/test_account.py fails when it disagrees with the offline plans.\n"
    )
    body = {
        "stacks": {
            name: {"account": e.account, "totalUsd": round(e.total_usd, 2)}
            for name, e in sorted(entries.items())
        }
    }
    return head + yaml.safe_dump(body, sort_keys=False)
