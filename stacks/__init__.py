"""What a stack is made of: the lab part, the cloud part, and their exports."""

from stacks.compose import build_stack

__all__ = ["build_stack"]
