"""Read the running program's configuration from the Pulumi runtime."""

from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from config.loader import load_stack_config
from config.stack import StackConfig


def load_current_stack() -> StackConfig:
    """Load and validate the configuration of the stack this program runs for.

    The engine hands the whole configuration to the language host, which stores
    it in the runtime (and, for older hosts, in PULUMI_CONFIG); `pulumi.Config`
    offers no way to list keys, which the unknown-key check needs.
    """
    raw: dict[str, Any] = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    secret_keys = [k for k in raw if runtime_config.is_config_secret(k)]
    secret_keys += runtime_config.get_config_secret_keys_env()
    return load_stack_config(
        project=pulumi.get_project(),
        stack=pulumi.get_stack(),
        raw=raw,
        secret_keys=secret_keys,
    )
