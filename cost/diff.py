"""Compare two `--cost-json` files: `python -m cost.diff BASE REQUEST` (or `--account DIR`).

Prints a Markdown table for the pull-request comment: the monthly total of the
base branch, of the request, and the difference, in USD and in the stack's
currency, then the resources whose cost changed. A BASE file that does not
exist counts as nothing (a stack or an estimate the base branch lacks).
`python -m cost.diff --account DIR` adds up, per AWS account, the stacks of
DIR's `base-<stack>.json` and `request-<stack>.json` against the account's cap.
"""

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast


def _read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    return cast(dict[str, Any], json.loads(path.read_text()))


def _by_resource(doc: Mapping[str, Any] | None) -> dict[str, float]:
    totals: dict[str, float] = {}
    for row in cast(list[dict[str, Any]], (doc or {}).get("rows", [])):
        totals[row["resource"]] = totals.get(row["resource"], 0.0) + float(row["monthlyUsd"])
    return totals


def _signed(value: float) -> str:
    return "0.00" if abs(value) < 0.005 else f"{value:+,.2f}"


def markdown(base: Mapping[str, Any] | None, request: Mapping[str, Any]) -> str:
    """The comment section of one stack."""
    currency = str(request.get("currency", "USD"))
    rate = float(request.get("exchangeRate", 1.0))
    base_usd = float((base or {}).get("totalUsd", 0.0))
    request_usd = float(request["totalUsd"])
    lines = [
        f"#### Monthly cost estimate of stack `{request['stack']}` ({request['region']})",
        "",
        "| | base | request | difference |",
        "| --- | ---: | ---: | ---: |",
        f"| total (USD) | {base_usd:,.2f} | {request_usd:,.2f} | {_signed(request_usd - base_usd)} |",
    ]
    if currency != "USD":
        lines.append(
            f"| total ({currency}) | {base_usd * rate:,.2f} | {request_usd * rate:,.2f} "
            f"| {_signed((request_usd - base_usd) * rate)} |"
        )
    budget = request.get("monthlyBudget")
    if budget is not None:
        state = "over budget" if request_usd * rate > float(budget) + 0.005 else "within budget"
        lines.append(f"| budget ({currency}) | | {float(budget):,.2f} | {state} |")
    if base is None:
        lines += ["", "_The base branch has no estimate for this stack._"]
    before, after = _by_resource(base), _by_resource(request)
    changed = sorted(
        (name for name in {*before, *after} if abs(after.get(name, 0.0) - before.get(name, 0.0)) >= 0.005),
        key=lambda n: -abs(after.get(n, 0.0) - before.get(n, 0.0)),
    )
    if changed:
        lines += [
            "",
            f"| resource | base ({currency}) | request ({currency}) | difference ({currency}) |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name in changed:
            old, new = before.get(name, 0.0) * rate, after.get(name, 0.0) * rate
            lines.append(f"| `{name}` | {old:,.2f} | {new:,.2f} | {_signed(new - old)} |")
    uncovered = cast(list[str], request.get("uncovered", []))
    if uncovered:
        lines += ["", "Not priced:", *(f"- {u}" for u in uncovered)]
    return "\n".join(lines)


def account_markdown(bases: Sequence[Mapping[str, Any] | None], requests: Sequence[Mapping[str, Any]]) -> str:
    """The account section: every stack of each account, base and request, the total against the cap."""
    lines: list[str] = []
    accounts = sorted({str(r["account"]["id"]) for r in requests if r.get("account")})
    for account in accounts:
        members = [r for r in requests if r.get("account") and str(r["account"]["id"]) == account]
        first = members[0]
        currency, rate = str(first.get("currency", "USD")), float(first.get("exchangeRate", 1.0))
        cap = float(first["account"]["monthlyBudget"])
        by_stack = {str(b["stack"]): float(b["totalUsd"]) for b in bases if b is not None}
        lines += [
            f"#### AWS account `{account}`: every stack against the cap of {cap:,.2f} {currency}",
            "",
            f"| stack | base ({currency}) | request ({currency}) | difference ({currency}) |",
            "| --- | ---: | ---: | ---: |",
        ]
        base_total = request_total = 0.0
        for r in sorted(members, key=lambda d: str(d["stack"])):
            old, new = by_stack.get(str(r["stack"]), 0.0) * rate, float(r["totalUsd"]) * rate
            base_total, request_total = base_total + old, request_total + new
            lines.append(f"| `{r['stack']}` | {old:,.2f} | {new:,.2f} | {_signed(new - old)} |")
        state = (
            "**over the cap**"
            if request_total > cap + 0.005
            else f"within the cap, {cap - request_total:,.2f} left"
        )
        lines += [
            f"| **account total** | **{base_total:,.2f}** | **{request_total:,.2f}** "
            f"| {_signed(request_total - base_total)} |",
            f"| cap | | {cap:,.2f} | {state} |",
            "",
        ]
    return "\n".join(lines).rstrip()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m cost.diff", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("base", type=Path, help="--cost-json of the base branch (may be missing)")
    parser.add_argument("request", type=Path, help="--cost-json of the pull request")
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--account":
        folder = Path(argv[1]) if len(argv) > 1 else Path()
        requests = [d for p in sorted(folder.glob("request-*.json")) if (d := _read(p)) is not None]
        bases = [
            _read(folder / p.name.replace("request-", "base-", 1))
            for p in sorted(folder.glob("request-*.json"))
        ]
        print(account_markdown(bases, requests))
        return 0
    args = parser.parse_args(argv)
    request = _read(args.request)
    if request is None:
        print(f"error: {args.request}: no such file", file=sys.stderr)
        return 2
    print(markdown(_read(args.base), request))
    return 0


if __name__ == "__main__":
    sys.exit(main())
