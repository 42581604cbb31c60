"""What a stack is made of: the lab part, the cloud part, and their exports.

`stacks.compose.build_stack` is the whole stack. This package imports nothing
itself, so `python -m stacks.access` or `stacks.plan` do not load every provider
SDK (pulumi_datadog alone takes seconds) before they need one.
"""
