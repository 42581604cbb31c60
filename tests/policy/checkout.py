"""A throwaway checkout of the policy pack, to serve it with other stack files."""

import shutil
from pathlib import Path

from offline.analyzer import PACK_FOLDERS
from tests.conftest import ROOT


def pack_checkout(target: Path, budgets: dict[str, float] | None = None) -> Path:
    """`target` with the pack, the packages it imports and the committed stack files, each
    stack's `cost:monthlyBudget` replaced by `budgets[stack]`."""
    for package in PACK_FOLDERS:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    for stack_file in ROOT.glob("Pulumi*.yaml"):
        text = stack_file.read_text()
        stack = stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
        if budgets and stack in budgets:
            if "\n  cost:monthlyBudget:" not in text:
                # A stack counted only against the account's cap gets a budget of its own here.
                text = text.replace(
                    "\n  cost:alertEmails:", "\n  cost:monthlyBudget: 0\n  cost:alertEmails:", 1
                )
            lines = [
                f"  cost:monthlyBudget: {budgets[stack]:g}"
                if line.startswith("  cost:monthlyBudget:")
                else line
                for line in text.splitlines()
            ]
            assert lines != text.splitlines(), f"{stack_file.name} sets no cost:monthlyBudget"
            text = "\n".join(lines) + "\n"
        (target / stack_file.name).write_text(text)
    return target
