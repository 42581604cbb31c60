"""No plaintext secret in a command string or in Helm values.

Heuristics, because the engine hands policies secrets as plaintext: command
strings must not carry credentials at all (they end up in process listings
and shell history on the target; pass them through `environment` or `stdin`),
Helm values must reference Kubernetes Secrets instead of inlining credentials,
and no value a policy is told is secret (`knownSecretValues`, which the
offline plan sets to its placeholder for `secure:` keys) may appear unmarked.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policy.common import SECRET, UNKNOWN, UndecidedError, known_secret_values, plain, strings_in

COMMANDS = ("command:remote:Command", "command:local:Command")
HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
_COMMAND_FIELDS = ("create", "update", "delete")

_CONFIG = PolicyConfigSchema(
    properties={"knownSecretValues": {"type": "array", "items": {"type": "string"}, "default": []}}
)

# Credentials written into a command line; a `$VAR` or `$(...)` value is a reference, not a secret.
_COMMAND_PATTERNS = (
    (
        "a credential flag",
        re.compile(r"(?i)--?(?:password|passwd|pass|token|secret|api-?key|private-?key)[= ]+(?![\"']?\$)\S+"),
    ),
    (
        "a credential variable",
        re.compile(r"\b[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY)[A-Z0-9_]*=(?![\"']?\$)[^\s;&|]+"),
    ),
    ("sshpass -p", re.compile(r"\bsshpass\s+-p\s*(?![\"']?\$)\S+")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an Authorization header", re.compile(r"(?i)authorization:\s*(?:bearer|basic)\s+(?![\"']?\$)[^\s\"']+")),
    ("credentials in a URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?![\"']?\$)[^@\s/]+@")),
)


def _known(value: str, known: list[str]) -> bool:
    return any(k in value for k in known)


def _commands(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in COMMANDS:
        return
    props = cast(dict[str, Any], plain(args.props))
    known = known_secret_values(args.get_config())
    unknown: list[str] = []
    for field in _COMMAND_FIELDS:
        text = props.get(field)
        if text == UNKNOWN:
            unknown.append(field)
            continue
        if not isinstance(text, str):
            continue
        if text == SECRET:
            report_violation(
                f"command '{args.name}' {field}: a secret was interpolated into the command string; "
                "pass it through `environment` or `stdin`",
                args.urn,
            )
            continue
        if _known(text, known):
            report_violation(
                f"command '{args.name}' {field}: contains a secret configuration value", args.urn
            )
        for label, pattern in _COMMAND_PATTERNS:
            if pattern.search(text):
                report_violation(
                    f"command '{args.name}' {field}: contains {label}; "
                    "pass credentials through `environment` or `stdin`",
                    args.urn,
                )
    for path, value in strings_in(props.get("environment"), "environment"):
        if _known(value, known):
            report_violation(
                f"command '{args.name}' {path}: a secret configuration value is not marked secret", args.urn
            )
    if unknown:
        raise UndecidedError(f"command '{args.name}': {', '.join(unknown)} known only at the update")


_SECRET_WORDS = re.compile(
    r"password|passwd|secret|token|apikey|privatekey|accesskey|credential|clientsecret"
)
# Keys that name where a secret lives instead of holding it.
_REFERENCE = re.compile(r"existingsecret|secretname$|secretref$|keyref$|name$|ref$|file$|path$|key$|^create")
_SECRET_VALUE_KEYS = re.compile(r"(?:apikey|privatekey|accesskey|secretkey|secretaccesskey)$")


def secret_like_key(key: str) -> bool:
    """Whether a Helm value key names a credential (not a reference to one)."""
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    if not _SECRET_WORDS.search(norm):
        return False
    if _SECRET_VALUE_KEYS.search(norm) and "existingsecret" not in norm:
        return True
    return not _REFERENCE.search(norm)


def _secret_values(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in cast(Mapping[str, Any], value).items():
            child = f"{path}.{key}"
            literal = isinstance(item, str) and item not in ("", UNKNOWN) and not item.startswith("$")
            if literal and secret_like_key(str(key)):
                yield child
            else:
                yield from _secret_values(item, child)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for i, item in enumerate(cast(Sequence[Any], value)):
            yield from _secret_values(item, f"{path}[{i}]")


def _helm_values(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in HELM:
        return
    values = plain(args.props).get("values")
    for path in _secret_values(values, "values"):
        report_violation(
            f"release '{args.name}' {path}: a credential inlined in Helm values; "
            "reference a Kubernetes Secret (existingSecret, secretKeyRef) instead",
            args.urn,
        )
    known = known_secret_values(args.get_config())
    for path, value in strings_in(values, "values"):
        if _known(value, known):
            report_violation(f"release '{args.name}' {path}: contains a secret configuration value", args.urn)


no_secrets_in_commands = ResourceValidationPolicy(
    name="no-secrets-in-command-strings",
    description="Command strings carry no credentials; secrets go through environment or stdin.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=_CONFIG,
    validate=_commands,
)

no_secrets_in_helm_values = ResourceValidationPolicy(
    name="no-plaintext-secrets-in-helm-values",
    description="Helm values reference Kubernetes Secrets instead of inlining credentials.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=_CONFIG,
    validate=_helm_values,
)
