"""Registries of computed values, keyed by resource type or function token."""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Context:
    """What realistic values depend on."""

    stack: str
    region: str
    account_id: str


ResourceCompute = Callable[[Context, str, Mapping[str, Any]], tuple[str, dict[str, Any]]]
"""(context, logical name, inputs) -> (id, computed outputs)."""
CallHandler = Callable[[Context, Mapping[str, Any]], dict[str, Any]]
"""(context, arguments) -> result."""

RESOURCES: dict[str, ResourceCompute] = {}
CALLS: dict[str, CallHandler] = {}


def resource(*type_tokens: str) -> Callable[[ResourceCompute], ResourceCompute]:
    """Register the computed outputs of one or more resource types."""

    def register(fn: ResourceCompute) -> ResourceCompute:
        for token in type_tokens:
            RESOURCES[token] = fn
        return fn

    return register


def call(*tokens: str) -> Callable[[CallHandler], CallHandler]:
    """Register the result of one or more function (data source) tokens."""

    def register(fn: CallHandler) -> CallHandler:
        for token in tokens:
            CALLS[token] = fn
        return fn

    return register


def stable_hex(*parts: str, length: int = 17) -> str:
    """A deterministic hex string, so repeated plans render identical ids."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]
