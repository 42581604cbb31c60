"""A stack's secrets: which ones its schema requires, and whether its stack file's ciphertexts fit.

Two questions every tool around a real stack asks:

- *Which secrets does this stack need?* Derived from the schema, not from a list:
  the secret keys are the `SecretStr` fields of the namespace models, and which of
  them a stack needs is what makes its configuration validate (the validators say
  "exactly one of proxmoxPassword and proxmoxApiToken", "ansiblePrivateKey when
  ansible is set", ...). `make stack-init` asks for exactly these; the offline plan
  stands in for the ones not set yet.
- *Can this stack's provider decrypt what the stack file holds?* Checked from the
  structure Pulumi writes (no key is needed): a cloud KMS provider
  (`secretsprovider: awskms://...`) stores its data key in `encryptedkey` and each
  value as `v1:<nonce>:<ciphertext>` (pulumi sdk/go/common/resource/config/crypt.go,
  `symmetricCrypter.EncryptValue`; pkg/secrets/cloud/manager.go); the passphrase
  provider keeps `encryptionsalt: v1:<salt>:v1:<nonce>:<ciphertext>`
  (pkg/secrets/passphrase/manager.go); Pulumi Cloud's `service` provider stores the
  service's ciphertext in base64 (pkg/secrets/service/manager.go). A value that
  decodes to readable text is a placeholder, never ciphertext.

`python -m config.stacksecrets` runs the second check over the committed stacks
(part of `make validate`); it exits 2 with one line per problem, naming stack and key.
"""

import base64
import binascii
import itertools
import json
import re
import types
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Union, cast, get_args, get_origin

import yaml
from pydantic import BaseModel, SecretStr, ValidationError

from config.loader import NAMESPACES

SECRET_STAND_IN = "offline-plan-secret-placeholder"
"""What the offline plan hands the program for a secret it cannot decrypt or that is not set yet."""

CLOUD_SCHEMES = ("awskms", "gcpkms", "azurekeyvault", "hashivault")
"""Secrets providers that wrap a per-stack data key with a key management service."""

_V1 = re.compile(r"^v1:([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$")
_SALT = re.compile(r"^v1:([A-Za-z0-9+/]+={0,2}):(v1:.+)$")
_AES_GCM_NONCE = 12
_AES_GCM_TAG = 16


def _is_secret_annotation(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return any(_is_secret_annotation(arg) for arg in get_args(annotation))
    return False


def secret_fields(model: type[BaseModel]) -> list[str]:
    """The top-level keys of a namespace model that hold a secret, in declaration order."""
    return [
        field.alias or name
        for name, field in model.model_fields.items()
        if _is_secret_annotation(field.annotation)
    ]


def _decode(value: str) -> Any:
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _enabled(model: type[BaseModel], values: Mapping[str, Any]) -> bool:
    if not values:
        return False
    if "enabled" not in model.model_fields:
        return True
    return str(values.get("enabled", "false")).lower() in ("true", "1")


def _error_count(model: type[BaseModel], values: Mapping[str, Any], stack: str) -> int:
    try:
        model.model_validate(dict(values), context={"stack": stack})
    except ValidationError as exc:
        return len(exc.errors())
    return 0


def required_secrets(stack: str, raw: Mapping[str, str], chosen: Iterable[str] = ()) -> list[str]:
    """The secret keys (`namespace:key`) this stack's configuration needs.

    Keys already set in `raw` (or named in `chosen`) are kept; of the rest, the
    smallest set that lets each namespace validate is added, ties going to the key
    declared first (so `proxmoxPassword` before `proxmoxApiToken`: set the token
    first to choose it instead).
    """
    # The search validates each namespace once per combination of its secrets:
    # answered once per distinct configuration (a stack file is read many times a run).
    return list(_required_secrets(stack, tuple(sorted(raw.items())), tuple(sorted(set(chosen)))))


@cache
def _required_secrets(
    stack: str, raw_items: tuple[tuple[str, str], ...], chosen: tuple[str, ...]
) -> tuple[str, ...]:
    raw = dict(raw_items)
    wanted = set(chosen)
    needed: list[str] = []
    for namespace, model in NAMESPACES.items():
        prefix = f"{namespace}:"
        values = {k[len(prefix) :]: _decode(v) for k, v in raw.items() if k.startswith(prefix)}
        if not _enabled(model, values):
            continue
        candidates = secret_fields(model)
        fixed = [c for c in candidates if c in values or f"{prefix}{c}" in wanted]
        free = [c for c in candidates if c not in fixed]
        best: tuple[int, tuple[str, ...]] | None = None
        for size in range(len(free) + 1):
            for extra in itertools.combinations(free, size):
                trial = {**values, **dict.fromkeys((*fixed, *extra), SECRET_STAND_IN)}
                count = _error_count(model, trial, stack)
                if best is None or count < best[0]:
                    best = (count, extra)
            if best is not None and best[0] == 0:
                break
        chosen_extra = best[1] if best is not None else ()
        needed += [f"{prefix}{c}" for c in candidates if c in fixed or c in chosen_extra]
    return tuple(needed)


# --- the stack file's ciphertexts ---------------------------------------------------------


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _readable(data: bytes) -> bool:
    """Text a person wrote, not ciphertext: random bytes are almost never all printable."""
    stripped = data.strip(b"\x00\x01")
    return len(stripped) >= 8 and all(32 <= b < 127 for b in stripped)


def _v1_problem(value: str) -> str | None:
    match = _V1.match(value)
    if match is None:
        return "expected `v1:<nonce>:<ciphertext>` as `pulumi config set --secret` writes"
    nonce, ciphertext = _b64(match.group(1)), _b64(match.group(2))
    if nonce is None or len(nonce) != _AES_GCM_NONCE:
        return f"its nonce is not {_AES_GCM_NONCE} bytes of base64"
    if ciphertext is None or len(ciphertext) < _AES_GCM_TAG:
        return "its ciphertext is shorter than an AES-GCM tag"
    if _readable(ciphertext):
        return "its 'ciphertext' is readable text: a placeholder"
    return None


def provider_kind(provider: str | None, salt: str | None) -> str:
    """`cloud`, `passphrase`, `service` or `unknown`, from the stack file's declaration."""
    if provider is None or provider == "":
        return "passphrase" if salt else "service"
    if provider == "passphrase":
        return "passphrase"
    if provider in ("service", "default"):
        return "service"
    if provider.split("://", 1)[0] in CLOUD_SCHEMES and "://" in provider:
        return "cloud"
    return "unknown"


def secure_values(value: Any, path: str) -> Iterable[tuple[str, Any]]:
    """Every `secure:` value under a stack file's config value, with its key path."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:  # pyright: ignore[reportUnknownArgumentType]
            yield path, value["secure"]
            return
        for k, v in value.items():  # pyright: ignore[reportUnknownVariableType]
            yield from secure_values(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            yield from secure_values(v, f"{path}[{i}]")


def ciphertext_problems(
    file_name: str,
    provider: str | None,
    encrypted_key: str | None,
    salt: str | None,
    secured: Sequence[tuple[str, Any]],
) -> list[str]:
    """Whether each `secure:` value fits the stack's secrets provider (structure only)."""
    kind = provider_kind(provider, salt)
    problems: list[str] = []
    if kind == "unknown":
        return [
            f"{file_name} secretsprovider: {provider!r} is not a secrets provider; expected "
            "awskms://alias/<name>?region=<region> (or gcpkms://, azurekeyvault://, hashivault://, "
            "passphrase, service)"
        ]
    if kind == "cloud" and salt:
        problems.append(
            f"{file_name} encryptionsalt: a {provider} stack has no passphrase salt; remove it "
            "(Pulumi drops it when it switches to a cloud provider)"
        )
    if kind == "cloud" and secured:
        key = _b64(encrypted_key or "")
        # Vault's transit engine returns its ciphertext as text (`vault:v1:<base64>`).
        vault = key is not None and key.startswith(b"vault:v")
        if not encrypted_key or key is None or len(key) < 32 or (_readable(key) and not vault):
            problems.append(
                f"{file_name} encryptedkey: {provider} encrypts every value with a data key that "
                "`pulumi stack init --secrets-provider` wraps with KMS and stores here; it is "
                f"{'missing' if not encrypted_key else 'not a KMS ciphertext'}, so no `secure:` "
                "value can be decrypted (run make stack-init)"
            )
    if kind == "passphrase" and secured:
        match = _SALT.match(salt or "")
        salt_bytes = _b64(match.group(1)) if match else None
        if match is None or salt_bytes is None or len(salt_bytes) != 8 or _v1_problem(match.group(2)):
            problems.append(
                f"{file_name} encryptionsalt: the passphrase provider needs "
                "`v1:<8-byte salt>:v1:<nonce>:<ciphertext>` as `pulumi stack init` writes"
            )
    for key, value in secured:
        if not isinstance(value, str) or not value:
            problems.append(f"{file_name} {key}: `secure:` holds no ciphertext")
            continue
        if kind in ("cloud", "passphrase"):
            problem = _v1_problem(value)
        else:
            data = _b64(value)
            problem = (
                "expected the base64 ciphertext Pulumi Cloud returns"
                if data is None or len(data) < _AES_GCM_TAG
                else ("it decodes to readable text: a placeholder" if _readable(data) else None)
            )
        if problem is not None:
            problems.append(
                f"{file_name} {key}: `secure:` value is not ciphertext of {provider or kind} ({problem}); "
                f"set it with `make stack-init` or `pulumi config set --secret {key}`"
            )
    return problems


def own_provider_problems(root: Path, stack: str, file_name: str, provider: str | None) -> list[str]:
    """Prod decrypts with a key of its own: declared, not a passphrase, shared with no other stack."""
    if stack != "prod":
        return []
    kind = provider_kind(provider, None)
    if provider is None or kind == "service":
        return [
            f"{file_name} secretsprovider: prod declares no secrets provider of its own; expected "
            "awskms://alias/<prod key>?region=<region>, a key only prod's deploy and drift roles may "
            "use (make stack-init STACK=prod SECRETS_PROVIDER=...)"
        ]
    if kind == "passphrase":
        return [
            f"{file_name} secretsprovider: prod uses a passphrase, which any job holding it can use; "
            "expected awskms://alias/<prod key>?region=<region>, decryptable only by prod's roles"
        ]
    for other in sorted(root.glob("Pulumi.*.yaml")):
        if other.name == file_name:
            continue
        try:
            doc: Any = yaml.safe_load(other.read_text())
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(doc, dict) and cast(dict[str, Any], doc).get("secretsprovider") == provider:
            return [
                f"{file_name} secretsprovider: {provider} is also {other.name}'s provider; prod "
                "needs its own key, so that no other stack's jobs can decrypt prod's secrets"
            ]
    return []
