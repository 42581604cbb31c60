"""Typed stack configuration: the only code that reads Pulumi configuration."""

from config.errors import ConfigError
from config.loader import load_stack_config
from config.runtime import load_current_stack
from config.stack import StackConfig

__all__ = ["ConfigError", "StackConfig", "load_current_stack", "load_stack_config"]
