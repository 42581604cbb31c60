"""The offline plan: `python -m stacks.plan --stack NAME [--json FILE]`.

Runs the real program for a stack, with the configuration of
`Pulumi.<stack>.yaml`, under Pulumi's mock runtime: no CLI, no credentials, no
network. Prints what would be registered; every secret shows as `[secret]`.
Then judges the plan by the policy pack, served by the real analyzer as the
engine runs it (`offline/policies.py`); with `--cost`, prints the monthly
estimate (`cost/`) beside the budget policy's verdict.
With `--against BASE.json` (or `--first-deploy`), previews what applying it
does: creates, updates, replaces and deletes (`offline/preview.py`) and how
long it takes (`offline/eta.py`).
Exit codes: 0 planned, 2 invalid configuration (or cost inputs, or a base plan
that cannot be compared), 3 a mandatory policy violated (the budget included),
4 a protected or stateful resource would be replaced or deleted and
`--allow-replace` does not name it.
"""

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel

from config import ConfigError, load_stack_config
from config.cost_settings import load_cost_settings
from config.stackfile import read_stack_file
from cost.estimate import CostError, estimate
from offline.cost import cost_report, items_from_plan
from offline.eta import estimate as estimate_eta
from offline.harness import ROOT, PlanResult, run_program
from offline.mocks import PlanMocks
from offline.plancache import cached, plan_key
from offline.policies import check_plan, report_text
from offline.preview import BaseError, Preview, compare, load_base, render
from offline.replacements import knowledge
from offline.report import plan_document, summary
from policy.budget import NAME as BUDGET

_HOST_PLANS: dict[tuple[Path, str, str], dict[str, Any]] = {}
"""Outputs of host stacks already planned, by (root, stack, stack file text): a tenant's tests plan often."""


def host_outputs(stack: str, reference: str, root: Path = ROOT) -> dict[str, Any]:
    """The outputs a `StackReference` to `reference` reads, from that stack's own offline plan.

    :raises ConfigError: when the referenced stack has no stack file under `root`
        or its configuration is invalid.
    """
    host = reference.rsplit("/", 1)[-1]
    path = root / f"Pulumi.{host}.yaml"
    if not path.is_file():
        raise ConfigError(
            stack, [f"cloud:host.stackReference: {reference}: no stack file {path.name} to plan it from"]
        )
    key = (root.resolve(), host, path.read_text())
    if key not in _HOST_PLANS:
        _HOST_PLANS[key] = plan_stack(host, root=root).outputs
    return _HOST_PLANS[key]


def plan_config(
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Sequence[str],
    program: Callable[[], None] | None = None,
    preview: bool = False,
    root: Path = ROOT,
    shareable: bool = False,
) -> PlanResult:
    """Plan a stack from a flat configuration (as the engine would pass it).

    `preview` plans it as a first `pulumi preview` sees it: nothing exists yet,
    ids and computed outputs are unknown.

    The configuration is validated first, so an invalid one raises
    `ConfigError` before the mock runtime starts and nothing is registered.
    `shareable` says the configuration names no file outside the repository (a
    committed stack file with a committed overlay): its plan may be stored and
    shared like a committed stack file's (offline/plancache.py).
    A tenant's host is planned first, from its stack file under `root`, so
    the tenant's `StackReference` reads what the host's plan exports.
    """
    cfg = load_stack_config(project=project, stack=stack, raw=config, secret_keys=secret_keys)
    region = cfg.cloud.region if cfg.cloud is not None else "eu-west-3"
    references: dict[str, Mapping[str, Any]] = {}
    if cfg.cloud is not None and cfg.cloud.host is not None:
        # The engine reads the host's state, which exists before any preview of the tenant.
        ref = cfg.cloud.host.stack_reference
        references[ref] = host_outputs(stack, ref, root)

    def make() -> PlanResult:
        mocks = PlanMocks(stack=stack, region=region, preview=preview, references=references)
        return run_program(
            project=project,
            stack=stack,
            config=config,
            secret_keys=list(secret_keys),
            mocks=mocks,
            program=program,
            preview=preview,
        )

    if program is not None or not (shareable or _committed(project, stack, config, secret_keys)):
        # A test's own program, or a configuration that may name files outside the
        # repository (a roster in a temporary folder): the key could not see them.
        return make()
    key = plan_key(
        project=project,
        stack=stack,
        config=config,
        secret_keys=secret_keys,
        preview=preview,
        references=references,
    )
    return cached(key, make)


def _committed(project: str, stack: str, config: Mapping[str, str], secret_keys: Sequence[str]) -> bool:
    """Whether this is exactly the repository's own stack file for `stack`: then every file it
    names is in the repository, under the plan store's key (offline/plancache.py)."""
    try:
        committed = read_stack_file(ROOT, stack)
    except ConfigError:
        return False
    return (
        committed.project == project
        and dict(committed.config) == dict(config)
        and sorted(committed.secret_keys) == sorted(secret_keys)
    )


def plan_stack(stack: str, root: Path = ROOT, *, preview: bool = False) -> PlanResult:
    """Plan a stack from its committed stack file (as a first preview sees it, with `preview`)."""
    stack_file = read_stack_file(root, stack)
    return plan_config(
        project=stack_file.project,
        stack=stack,
        config=stack_file.config,
        secret_keys=stack_file.secret_keys,
        preview=preview,
        root=root,
    )


def account_others(stack: str, root: Path = ROOT) -> dict[str, float]:
    """Fresh monthly estimates (USD) of the other stacks under `root` that share `stack`'s AWS account.

    Every stack file counts, a personal `dev-*` stack present in the working copy included.
    """
    own = load_cost_settings(stack, root=root).cost.account
    if own is None:
        return {}
    found: dict[str, float] = {}
    for path in sorted(root.glob("Pulumi.*.yaml")):
        other = path.name[len("Pulumi.") : -len(".yaml")]
        if other == stack:
            continue
        settings = load_cost_settings(other, root=root)
        if settings.cost.account is None or settings.cost.account.id != own.id:
            continue
        items = items_from_plan(plan_stack(other, root=root))
        found[other] = estimate(items, settings.prices, settings.usage).total_usd
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m stacks.plan", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--stack", required=True, help="stack name, e.g. staging or prod")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the plan document to FILE")
    parser.add_argument("--cost", action="store_true", help="print the cost estimate, check the budget")
    parser.add_argument("--cost-json", type=Path, metavar="FILE", help="write the cost estimate rows to FILE")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository whose stack files to read (default: this one)"
    )
    parser.add_argument(
        "--first-preview",
        action="store_true",
        help="plan as a first `pulumi preview` of a new stack sees it (ids, computed outputs unknown)",
    )
    base = parser.add_mutually_exclusive_group()
    base.add_argument(
        "--against", type=Path, metavar="BASE.json", help="preview the changes from this plan (its --json)"
    )
    base.add_argument("--first-deploy", action="store_true", help="preview the changes from an empty stack")
    parser.add_argument("--diff-json", type=Path, metavar="FILE", help="write the preview's changes to FILE")
    parser.add_argument(
        "--allow-replace",
        action="append",
        default=[],
        metavar="URN",
        help="accept replacing or deleting this protected or stateful resource (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.diff_json is not None and args.against is None and not args.first_deploy:
        print("error: --diff-json needs --against BASE.json or --first-deploy", file=sys.stderr)
        return 2
    for target in (args.json, args.cost_json, args.diff_json):
        if target is not None and not target.resolve().parent.is_dir():
            print(f"error: cannot write {target}: no such directory {target.parent}", file=sys.stderr)
            return 2
    try:
        result = plan_stack(args.stack, root=args.root, preview=args.first_preview)
        preview = _preview(result, args.against, args.first_deploy)
    except (ConfigError, BaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    stood_in = read_stack_file(args.root, args.stack).stood_in
    if stood_in:
        # Said on every plan, so nobody mistakes a stack without secrets for a deployable one.
        print(
            f"\nSecrets not set in Pulumi.{args.stack}.yaml yet (planned with stand-ins; "
            f"`make stack-init STACK={args.stack}` sets them): {', '.join(stood_in)}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(plan_document(result), indent=2, sort_keys=False) + "\n")
        print(f"\nPlan document written to {args.json}")
    # With --cost the budget's verdict is printed by the cost report, beside the estimate.
    with_cost = args.cost or args.cost_json is not None
    violations = [v for v in check_plan(result, root=args.root) if not (with_cost and v.policy == BUDGET)]
    print("\n" + report_text(violations))
    code = 3 if any(v.level == EnforcementLevel.MANDATORY for v in violations) else 0
    if with_cost:
        try:
            # The account's other stacks, planned now: the check judges the code as it is.
            others = account_others(args.stack, root=args.root)
        except (ConfigError, CostError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        code = max(code, cost_report(result, root=args.root, json_file=args.cost_json, others=others))
    if preview is not None:
        code = max(code, _report_preview(preview, result, args.allow_replace, args.diff_json))
    return code


def _preview(result: PlanResult, against: Path | None, first_deploy: bool) -> Preview | None:
    if against is None and not first_deploy:
        return None
    base = load_base(against, result.stack) if against is not None else []
    return compare(result, base, knowledge(), base_name=str(against) if against else "an empty stack")


def _report_preview(preview: Preview, result: PlanResult, allowed: list[str], diff_json: Path | None) -> int:
    """Print the preview and its ETA, write `--diff-json`; 4 when a guarded step is not allowed."""
    print("\n" + render(preview, allowed))
    print(estimate_eta(preview, result).line())
    if diff_json is not None:
        diff_json.write_text(json.dumps(preview.document(), indent=2) + "\n")
        print(f"\nChanges written to {diff_json}")
    refused = preview.guarded(allowed)
    if refused:
        print(
            f"\nerror: {len(refused)} protected or stateful resource(s) would be replaced or deleted; "
            "back up first (docs/operations.md), then name each with --allow-replace URN",
            file=sys.stderr,
        )
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
