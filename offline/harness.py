"""Run the real program under Pulumi's mock runtime and record what it registers.

Used by the offline plan and by the tests: both see exactly what a real
`pulumi up` would send to the engine (type, name, parent, inputs, explicit
dependencies, protect), without the CLI, credentials or network.
"""

import asyncio
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await  # pyright: ignore[reportPrivateUsage]

from config.paths import ROOT

SECRET = "[secret]"
"""How every secret value is rendered, in records, JSON and printed text."""
UNKNOWN = "[unknown]"
"""How a value not known before the update (a first preview) is rendered."""


@dataclass
class Registered:
    """One resource as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    depends_on: list[str] = field(default_factory=list[str])
    provider: str | None = None
    id: str = ""
    """The id the mocks gave the resource (what a stack policy sees as `props["id"]`)."""
    dependencies: list[str] = field(default_factory=list[str])
    """All dependencies, implicit (through inputs) and explicit, expanded to resources."""
    ignore_changes: list[str] = field(default_factory=list[str])
    """Property paths the engine ignores in diffs (`ResourceOptions.ignore_changes`), as sent."""
    property_dependencies: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    """Per input property, the resources its value came from (as the SDK sent them)."""
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])
    """The state the mocks answered (inputs plus computed values, `id` included): what the engine
    hands a stack policy. Unknown in a first preview: `[unknown]`."""


@dataclass
class PlanResult:
    """Everything a run registered."""

    project: str
    stack: str
    resources: list[Registered]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[Registered]:
        """Resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str) -> Registered:
        """The resource of this type and logical name; fails loudly when absent."""
        found = [r for r in self.resources if r.type == type_token and r.name == name]
        if len(found) != 1:
            names = sorted(r.name for r in self.of_type(type_token))
            raise KeyError(f"{len(found)} resources {type_token} named {name!r}; have {names}")
        return found[0]

    def by_urn(self) -> dict[str, Registered]:
        """Index of resources by URN."""
        return {r.urn: r for r in self.resources}

    def children(self, parent_urn: str) -> list[Registered]:
        """Direct children of a resource."""
        return [r for r in self.resources if r.parent == parent_urn]


def render(value: Any) -> Any:  # noqa: PLR0911 (one return per kind of value)
    """Replace secrets by `[secret]`, recursively, in deserialized property values; paths for assets."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:  # pyright: ignore[reportPrivateUsage, reportUnknownMemberType]
            return SECRET
        return {str(k): render(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(value, (list, tuple)):
        return [render(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return {"archive" if isinstance(value, pulumi.Archive) else "asset": {"path": value.path}}
    if isinstance(value, pulumi.StringAsset):
        return {"asset": {"text": value.text}}
    # Deserialized unknowns are `pulumi.output.Unknown`; the mocks' own answers, the wire sentinel.
    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        return UNKNOWN
    if isinstance(value, pulumi.Resource):
        return f"[resource {type(value).__name__}]"
    return value


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping what each registration request carried."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.records: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)  # pyright: ignore[reportUnknownMemberType]
        # As MockMonitor.RegisterResource, keeping the request's options: the
        # inputs are deserialized once and shared with the mocks.
        pulumi_mocks._ensure_event_loop()  # pyright: ignore[reportPrivateUsage, reportPrivateImportUsage]
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = cast(dict[str, Any], rpc.deserialize_properties(request.object))
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = cast(tuple[str | None, dict[str, Any]], self.mocks.new_resource(args))  # pyright: ignore[reportUnknownMemberType]
        property_dependencies = {
            key: sorted(deps.urns) for key, deps in request.propertyDependencies.items() if deps.urns
        }
        obj_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        self.records.append(
            Registered(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                inputs=render(inputs),
                provider=request.provider or None,
                id=id_ or "",
                dependencies=sorted(request.dependencies),
                ignore_changes=list(request.ignoreChanges),
                property_dependencies=property_dependencies,
                outputs=render(state),
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=obj_proto)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        # A read resource (a StackReference) is recorded too: the plan shows what the stack reads.
        response = super().ReadResource(request)  # pyright: ignore[reportUnknownMemberType]
        state: Any = self.resources[response.urn].state  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        self.records.append(
            Registered(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=True,
                protect=False,
                inputs={"name": request.id},
                provider=request.provider or None,
                id=request.id,
                dependencies=sorted(request.dependencies),
                # What the engine would hold: the referenced stack's name and outputs.
                outputs=render({**cast(dict[str, Any], state or {}), "id": request.id}),
            )
        )
        return response


async def _resolve(value: Any) -> Any:  # noqa: PLR0911 (one return per kind of value)
    """Resolve an exported value, rendering secrets at any depth."""
    if isinstance(value, pulumi.Output):
        out = cast(pulumi.Output[Any], value)
        if await out.is_secret():
            return SECRET
        return await _resolve(await out.future())
    if isinstance(value, pulumi.Resource):
        return await _resolve(value.urn)
    if isinstance(value, dict):
        return {str(k): await _resolve(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    if isinstance(value, (list, tuple)):
        return [await _resolve(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if asyncio.isfuture(value) or asyncio.iscoroutine(value):
        return await _resolve(await value)
    return value


def run_program(
    *,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
    mocks: pulumi_mocks.Mocks,
    program: Callable[[], None] | None = None,
    preview: bool = False,
) -> PlanResult:
    """Run `program` (by default the real `__main__.py`) for one stack under mocks.

    With `preview`, the runtime runs as `pulumi preview` does (values the mocks leave
    unknown stay unknown, and so do the inputs computed from them).

    :raises config.ConfigError: when the configuration is invalid; nothing is registered then.
    """
    runtime_config.set_all_config(dict(config), secret_keys)
    settings.ROOT.set(None)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)

    explicit: list[tuple[pulumi.Resource, Any]] = []

    def record_depends_on(args: pulumi.ResourceTransformationArgs) -> None:
        if args.opts.depends_on:
            explicit.append((args.resource, args.opts.depends_on))

    pulumi.runtime.register_stack_transformation(record_depends_on)

    def main() -> None:
        if program is not None:
            program()
        else:
            runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    _sync_await(run_pulumi_func(main))

    outputs: dict[str, Any] = {}

    async def collect() -> None:
        by_urn = {r.urn: r for r in monitor.records}
        for resource, deps in explicit:
            urn = await resource.urn.future()
            resolved: Any = (
                await cast(pulumi.Output[Any], deps).future() if isinstance(deps, pulumi.Output) else deps
            )
            items = cast(list[Any], resolved if isinstance(resolved, list) else [resolved])
            urns = [await d.urn.future() for d in items if isinstance(d, pulumi.Resource)]
            if urn in by_urn:
                by_urn[urn].depends_on = sorted({u for u in urns if u})
        root = settings.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {}) or {}
        for key, value in exported.items():
            outputs[key] = await _resolve(value)

    _sync_await(run_pulumi_func(collect))
    return PlanResult(project=project, stack=stack, resources=list(monitor.records), outputs=outputs)
