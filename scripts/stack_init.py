"""Create a shared stack in its backend with its own secrets provider, and set its secrets.

`make stack-init STACK=prod SECRETS_PROVIDER=awskms://alias/campus-prod-secrets?region=eu-west-3`
(or `python -m scripts.stack_init prod --secrets-provider ...`):

1. validates the stack file first (a configuration that cannot plan gets no secrets);
2. `pulumi login BACKEND`: the team's self-managed S3 bucket by default
   (`s3://campus-pulumi-state?region=eu-west-3`), any `file://` directory, or
   Pulumi Cloud (`https://api.pulumi.com`, with PULUMI_ACCESS_TOKEN);
3. `pulumi stack init STACK --secrets-provider URL`, or, when the stack exists,
   selects it (and `pulumi stack change-secrets-provider URL` when the stack file
   names another provider);
4. for each secret the stack's schema requires (`config.secrets.required_secrets`,
   never a hand-kept list) that the stack file does not hold yet, reads the value
   from CAMPUS_SECRET_<KEY> (e.g. CAMPUS_SECRET_LAB_PROXMOX_PASSWORD), from the
   file named by CAMPUS_SECRET_<KEY>_FILE, or asks for it (input hidden; `@path`
   reads a file), and sets it with `pulumi config set --secret --raw`, the value on
   standard input so that it never appears in a process list or shell history;
5. checks that what Pulumi wrote fits the provider (`python -m config.stacksecrets`).

Every value is collected before the first `pulumi` call, so a missing one stops the
script before anything is created. Exit codes: 0 done, 2 refused (bad input), 1 a
`pulumi` command failed.
"""

import argparse
import getpass
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlparse

from config.errors import ConfigError
from config.loader import NAMESPACES, load_stack_config
from config.secrets import (
    SECRET_STAND_IN,
    own_provider_problems,
    provider_kind,
    required_secrets,
    secret_fields,
)
from config.stackfile import read_stack_file

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BACKEND = "s3://campus-pulumi-state?region=eu-west-3"
"""The team's state bucket (docs/delivery.md, "Working with real stacks", step 2)."""
ENV_PREFIX = "CAMPUS_SECRET_"


class RefusedError(Exception):
    """Input the script will not act on; the message names stack and key."""


def env_name(key: str) -> str:
    """`lab:proxmoxPassword` -> `CAMPUS_SECRET_LAB_PROXMOX_PASSWORD`."""
    namespace, _, name = key.partition(":")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return f"{ENV_PREFIX}{namespace}_{snake}".upper()


def _check_backend(backend: str) -> str:
    scheme = urlparse(backend).scheme
    if scheme not in ("s3", "file", "https", "gs", "azblob", "postgres"):
        raise RefusedError(
            f"backend {backend!r}: expected s3://<bucket>?region=<region> (self-managed, the default), "
            "file://<directory>, or https://api.pulumi.com (Pulumi Cloud)"
        )
    return backend


def _read_value(stack: str, key: str, env: Mapping[str, str], interactive: bool) -> str | None:
    name = env_name(key)
    if env.get(name):
        return env[name]
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).expanduser().read_text()
        except OSError as exc:
            raise RefusedError(
                f"stack {stack!r}, {key}: cannot read {name}_FILE={path} ({exc.strerror})"
            ) from None
    if not interactive:
        return None
    answer = getpass.getpass(f"{stack} {key} (input hidden; @path reads a file): ")
    if answer.startswith("@"):
        try:
            return Path(answer[1:]).expanduser().read_text()
        except OSError as exc:
            raise RefusedError(f"stack {stack!r}, {key}: cannot read {answer[1:]} ({exc.strerror})") from None
    return answer or None


class Pulumi:
    """Runs the CLI in the repository, echoing each command (never a secret value)."""

    def __init__(self, executable: str, root: Path) -> None:
        self.executable = executable
        self.root = root

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> int:
        print("+ pulumi " + " ".join(shlex.quote(a) for a in args), flush=True)
        # No value to pass: stdin closed, so a command that would prompt fails instead of waiting.
        proc = subprocess.run(
            [self.executable, *args, "--non-interactive"],
            cwd=self.root,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, ["pulumi", *args])
        return proc.returncode


def init_stack(
    stack: str,
    *,
    root: Path,
    backend: str,
    secrets_provider: str | None,
    env: Mapping[str, str],
    interactive: bool,
    pulumi: str = "pulumi",
) -> list[str]:
    """Create or select the stack, set its missing secrets; the keys set, in order.

    :raises RefusedError, ConfigError: before any `pulumi` call, on bad input.
    """
    stack_file = read_stack_file(root, stack, stand_in_secrets=False)
    file_name = f"Pulumi.{stack}.yaml"
    provider = secrets_provider or stack_file.secrets_provider
    if not provider:
        raise RefusedError(
            f"stack {stack!r}: {file_name} declares no secretsprovider and SECRETS_PROVIDER is not set; "
            f"expected e.g. awskms://alias/campus-{stack}-secrets?region=eu-west-3"
        )
    kind = provider_kind(provider, None)
    if kind == "unknown":
        raise RefusedError(f"stack {stack!r}: SECRETS_PROVIDER {provider!r} is not a secrets provider URL")
    problems = own_provider_problems(root, stack, file_name, provider)
    if problems:
        raise ConfigError(stack, problems)
    if kind == "passphrase" and not (
        env.get("PULUMI_CONFIG_PASSPHRASE") or env.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    ):
        raise RefusedError(
            f"stack {stack!r}: the passphrase provider needs PULUMI_CONFIG_PASSPHRASE (or _FILE) set"
        )
    chosen = [*stack_file.secret_keys]
    for key in _all_secret_keys():
        if key not in chosen and (env.get(env_name(key)) or env.get(f"{env_name(key)}_FILE")):
            chosen.append(key)
    needed = required_secrets(stack, stack_file.config, chosen)
    # The whole configuration must be valid with its secrets in place, or the stack gets none.
    trial = {**stack_file.config, **dict.fromkeys(needed, SECRET_STAND_IN)}
    load_stack_config(
        project=stack_file.project, stack=stack, raw=trial, secret_keys=[*stack_file.secret_keys, *needed]
    )
    to_set = [k for k in needed if k not in stack_file.secret_keys]
    values: dict[str, str] = {}
    missing: list[str] = []
    for key in to_set:
        value = _read_value(stack, key, env, interactive)
        if value is None:
            missing.append(key)
        else:
            values[key] = value
    if missing:
        raise RefusedError(
            f"stack {stack!r}: no value for "
            + ", ".join(f"{k} (set {env_name(k)} or {env_name(k)}_FILE)" for k in missing)
        )

    cli = Pulumi(pulumi, root)
    parsed = urlparse(backend)
    if parsed.scheme == "file":
        Path(parsed.path).expanduser().mkdir(parents=True, exist_ok=True)
    cli.run("login", backend)
    if cli.run("stack", "select", stack, check=False) != 0:
        cli.run("stack", "init", stack, "--secrets-provider", provider)
    elif provider != stack_file.secrets_provider:
        cli.run("stack", "change-secrets-provider", provider, "--stack", stack)
    for key in to_set:
        cli.run("config", "set", "--secret", "--raw", "--stack", stack, key, stdin=values[key])
    # What the CLI wrote must now fit the provider (a placeholder or a foreign key would not).
    read_stack_file(root, stack, stand_in_secrets=False)
    return to_set


def _all_secret_keys() -> list[str]:
    return [f"{ns}:{name}" for ns, model in NAMESPACES.items() for name in secret_fields(model)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.stack_init", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("stack", help="stack name, e.g. staging or prod")
    parser.add_argument("--secrets-provider", default=os.environ.get("SECRETS_PROVIDER") or None)
    parser.add_argument(
        "--backend",
        default=os.environ.get("PULUMI_BACKEND_URL") or DEFAULT_BACKEND,
        help=f"state backend URL (default: PULUMI_BACKEND_URL, else {DEFAULT_BACKEND})",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="repository holding the stack files")
    parser.add_argument("--pulumi", default="pulumi", help="the Pulumi CLI to run (default: from PATH)")
    args = parser.parse_args(argv)
    try:
        done = init_stack(
            args.stack,
            root=args.root,
            backend=_check_backend(args.backend),
            secrets_provider=args.secrets_provider,
            env=os.environ,
            interactive=sys.stdin.isatty(),
            pulumi=args.pulumi,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RefusedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"error: `{' '.join(exc.cmd)}` exited {exc.returncode}", file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(
            f"error: the Pulumi CLI ({args.pulumi}) is not installed; see scripts/ci/install-pulumi.sh",
            file=sys.stderr,
        )
        return 2
    print(
        f"Stack {args.stack}: {len(done)} secret(s) set"
        + (f" ({', '.join(done)})" if done else "")
        + f". Commit Pulumi.{args.stack}.yaml, then `pulumi preview --stack {args.stack} --diff`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
