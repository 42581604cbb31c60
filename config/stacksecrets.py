"""Check the committed stack files' secrets: `python -m config.stacksecrets --check`.

Every committed stack declares its secrets provider, every `secure:` value has the
structure that provider writes (no placeholder), and prod has a key of its own
(`config.secrets` says how each is judged). Exit 2 with one line per problem,
naming the stack file and the key; part of `make validate`.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from config.errors import ConfigError
from config.paths import ROOT
from config.secrets import required_secrets
from config.stackfile import read_stack_file


def check_committed(root: Path, stacks: Sequence[str]) -> list[ConfigError]:
    """Every listed stack: a declared provider, ciphertexts that fit it, prod's own key."""
    errors: list[ConfigError] = []
    for stack in stacks:
        try:
            stack_file = read_stack_file(root, stack)
        except ConfigError as exc:
            errors.append(exc)
            continue
        if stack_file.secrets_provider is None:
            errors.append(
                ConfigError(
                    stack,
                    [
                        f"Pulumi.{stack}.yaml secretsprovider: a committed stack declares its secrets "
                        f"provider; expected awskms://alias/campus-{stack}-secrets?region=<region> "
                        f"(make stack-init STACK={stack} SECRETS_PROVIDER=...)"
                    ],
                )
            )
    return errors


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: `python -m config.stacksecrets --check [--stack NAME ...]`."""
    parser = argparse.ArgumentParser(
        prog="python -m config.stacksecrets", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="check the committed stack files' secrets")
    parser.add_argument("--stack", action="append", help="stack to check (default: staging and prod)")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository to read (default: this one)")
    parser.add_argument("--required", metavar="STACK", help="print the secret keys STACK's schema requires")
    args = parser.parse_args(argv)
    if args.required:
        try:
            stack_file = read_stack_file(args.root, args.required, stand_in_secrets=False)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print("\n".join(required_secrets(args.required, stack_file.config, stack_file.secret_keys)))
        return 0
    if not args.check:
        parser.error("nothing to do: pass --check or --required STACK")
    stacks: list[str] = args.stack or ["staging", "prod"]
    errors = check_committed(args.root, stacks)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 2
    print(f"secrets: {', '.join(stacks)}: providers declared, every secure value fits its provider")
    return 0


if __name__ == "__main__":
    sys.exit(main())
