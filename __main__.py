"""Pulumi entry point: validate this stack's configuration, then build the stack."""

from config import load_current_stack
from stacks.compose import build_stack

build_stack(load_current_stack())
