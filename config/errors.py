"""The one error type bad input produces."""

import pulumi


class ConfigError(pulumi.RunError):
    """Invalid stack configuration, roster or project file.

    A subclass of `pulumi.RunError`, so a real `pulumi up` prints the message
    alone, without a Python traceback, and registers nothing else.
    """

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration for stack '{stack}':\n{lines}")
