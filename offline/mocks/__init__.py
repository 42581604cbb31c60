"""Mocks that give the offline plan and the tests realistic provider values.

A resource's outputs are its inputs plus what the provider would compute (ids,
ARNs, endpoints), so values derived from them render as they would for real.
Each provider family adds its own computed values in a module of this package,
registered by type token.
"""

from collections.abc import Mapping
from typing import Any, cast

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

from offline.mocks import aws, budgets, datadog, kubernetes, proxmox
from offline.mocks.registry import CALLS, RESOURCES, Context, stable_hex

__all__ = ["STACK_REFERENCE", "PlanMocks", "stable_hex"]

STACK_REFERENCE = "pulumi:pulumi:StackReference"
"""Type token of `pulumi.StackReference` (read, not created, by the engine)."""

_MODULES = (aws, budgets, datadog, kubernetes, proxmox)  # imported for their registrations


class PlanMocks(Mocks):
    """Provider-computed values for one stack's region and account.

    With `preview`, the answers of a first `pulumi preview` (nothing exists yet):
    a custom resource's id and every value the provider computes are unknown,
    only its own inputs come back. `references` are the outputs a
    `pulumi.StackReference` reads, by the referenced stack's full name.
    """

    def __init__(
        self,
        *,
        stack: str,
        region: str = "eu-west-3",
        account_id: str = "123456789012",
        preview: bool = False,
        references: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.context = Context(stack=stack, region=region, account_id=account_id)
        self.preview = preview
        self.references = dict(references or {})
        """Outputs of the stacks a `pulumi.StackReference` may read, by fully qualified name."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        inputs = cast(dict[str, Any], args.inputs)  # pyright: ignore[reportUnknownMemberType]
        if args.typ == STACK_REFERENCE:
            return self._reference(str(args.resource_id or inputs.get("name") or args.name))
        state: dict[str, Any] = dict(inputs)
        if not args.custom:
            return f"{args.name}", state
        compute = RESOURCES.get(args.typ)
        resource_id = f"{args.name}-{stable_hex(args.typ, args.name, length=8)}"
        if compute is not None:
            resource_id, extra = compute(self.context, args.name, inputs)
            state.update(extra)
        elif args.typ.startswith("aws:"):
            state.setdefault("arn", aws.arn_for(self.context, args.typ, args.name))
        state.setdefault("id", resource_id)
        if self.preview:
            # The SDK reads an empty id during a preview as unknown; so is everything computed.
            return "", {k: inputs.get(k, rpc.UNKNOWN) for k in state}
        return resource_id, state

    def _reference(self, name: str) -> tuple[str, dict[str, Any]]:
        # The engine reads a referenced stack's outputs from its state; offline,
        # they are the outputs of that stack's own offline plan.
        if name not in self.references:
            raise KeyError(
                f"offline plan: stack {self.context.stack} references {name}, and no offline plan of "
                f"it was given (known: {', '.join(sorted(self.references)) or 'none'})"
            )
        return name, {"name": name, "outputs": dict(self.references[name]), "secretOutputNames": []}

    def call(self, args: MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        # An empty failure list, never None: the SDK's mock monitor iterates it.
        handler = CALLS.get(args.token)
        if handler is None:
            return {}, []
        arguments = cast(dict[str, Any], args.args)  # pyright: ignore[reportUnknownMemberType]
        return handler(self.context, arguments), []
