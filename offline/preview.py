"""The offline preview: what applying this plan over a base plan creates, updates, replaces, deletes.

The base is a plan document (`python -m stacks.plan --json`) of the same stack,
typically the base branch's. Resources are matched by URN, their inputs
compared; a changed input path is an update unless the type's entry in
`offline/replacements.yaml` says it forces a replacement. Paths the program
marks `ignore_changes` are not compared, as the engine would not.

What it cannot see: secret values (both sides show `[secret]`) and values only
the provider computes. It reads the inputs the engine would send, so a change
the provider would make on its own (drift) is not its business.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from offline.harness import PlanResult, Registered
from offline.replacements import Forcing, Knowledge, split

DOCUMENT_KEYS = ("stack", "project", "resources")
RECORD_KEYS = ("urn", "type", "name", "inputs")


class BaseError(ValueError):
    """The base document cannot be compared with this plan."""


@dataclass(frozen=True)
class BaseResource:
    """What the preview needs of a base record."""

    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    protect: bool


@dataclass(frozen=True)
class Step:
    """One resource's operation."""

    urn: str
    type: str
    name: str
    op: str
    """`create`, `update`, `replace` or `delete`."""
    paths: tuple[str, ...] = ()
    """Changed input paths (update), or the paths that force the replacement (replace)."""
    sources: tuple[str, ...] = ()
    """Where each forcing path is decided (replace)."""
    guarded: bool = False
    """A replacement or deletion of a protected or stateful resource."""


@dataclass
class Preview:
    """The whole comparison."""

    stack: str
    base: str
    """How the base was named (its file, or `nothing deployed`)."""
    steps: list[Step] = field(default_factory=list[Step])

    def of(self, op: str) -> list[Step]:
        """Steps of one operation, in plan order."""
        return [s for s in self.steps if s.op == op]

    def guarded(self, allowed: Iterable[str] = ()) -> list[Step]:
        """Protected or stateful replacements and deletions that `allowed` (URNs) does not name."""
        ok = set(allowed)
        return [s for s in self.steps if s.guarded and s.urn not in ok]

    def document(self) -> dict[str, Any]:
        """The `--diff-json` document."""
        return {
            "stack": self.stack,
            "creates": [s.urn for s in self.of("create")],
            "updates": [{"urn": s.urn, "paths": list(s.paths)} for s in self.of("update")],
            "replaces": [{"urn": s.urn, "paths": list(s.paths)} for s in self.of("replace")],
            "deletes": [s.urn for s in self.of("delete")],
        }

    def summary_line(self) -> str:
        """`N to create, N to update, N to replace, N to delete`."""
        counts = [len(self.of(op)) for op in ("create", "update", "replace", "delete")]
        return "{} to create, {} to update, {} to replace, {} to delete".format(*counts)


def load_base(path: Path, stack: str) -> list[BaseResource]:
    """The base plan document's resources.

    :raises BaseError: unreadable, not a plan document, or of another stack; the one message says which.
    """
    try:
        raw: Any = json.loads(path.read_text())
    except OSError as exc:
        raise BaseError(f"cannot read the base plan {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise BaseError(f"{path} is not JSON ({exc.msg}, line {exc.lineno}): not a plan document") from exc
    expected = "a plan document written by `python -m stacks.plan --json`"
    if not isinstance(raw, dict):
        raise BaseError(f"{path} is not {expected}")
    doc = cast(dict[str, Any], raw)
    missing = [k for k in DOCUMENT_KEYS if k not in doc]
    if missing or not isinstance(doc["resources"], list):
        raise BaseError(f"{path} is not {expected}: missing {', '.join(missing) or 'a resources list'}")
    if doc["stack"] != stack:
        raise BaseError(f"{path} is a plan of stack {doc['stack']!r}, not of {stack!r}: plan the same stack")
    resources: list[BaseResource] = []
    for index, item in enumerate(cast(list[Any], doc["resources"])):
        record = cast(dict[str, Any], item) if isinstance(item, dict) else {}
        absent = [k for k in RECORD_KEYS if k not in record]
        if absent or not isinstance(record.get("inputs"), dict):
            raise BaseError(
                f"{path}: resources[{index}] is not a plan record (missing {', '.join(absent) or 'inputs'})"
            )
        resources.append(
            BaseResource(
                urn=str(record["urn"]),
                type=str(record["type"]),
                name=str(record["name"]),
                inputs=cast(dict[str, Any], record["inputs"]),
                protect=bool(record.get("protect", False)),
            )
        )
    return resources


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Leaf paths whose values differ, `a.b[0].c` style; an added or removed key is a path too."""
    if isinstance(old, dict) and isinstance(new, dict):
        paths: list[str] = []
        olds, news = cast(dict[str, Any], old), cast(dict[str, Any], new)
        for key in sorted(olds.keys() | news.keys()):
            at = f"{prefix}.{key}" if prefix else key
            if key not in olds or key not in news:
                paths.append(at)
            else:
                paths.extend(changed_paths(olds[key], news[key], at))
        return paths
    if isinstance(old, list) and isinstance(new, list):
        olds_l, news_l = cast(list[Any], old), cast(list[Any], new)
        if len(olds_l) != len(news_l):
            return [prefix]
        paths = []
        for index, (o, n) in enumerate(zip(olds_l, news_l, strict=True)):
            paths.extend(changed_paths(o, n, f"{prefix}[{index}]"))
        return paths
    return [] if old == new else [prefix]


def _ignored(path: str, ignore_changes: Sequence[str]) -> bool:
    parts = split(path)
    return any(parts[: len(split(i))] == split(i) for i in ignore_changes)


def compare(result: PlanResult, base: list[BaseResource], knowledge: Knowledge, *, base_name: str) -> Preview:
    """What applying `result` over `base` does, resource by resource (creates in plan order)."""
    preview = Preview(stack=result.stack, base=base_name)
    olds = {r.urn: r for r in base}
    for resource in result.resources:
        old = olds.get(resource.urn)
        if old is None:
            preview.steps.append(_step(resource, "create"))
            continue
        if old.type != resource.type:
            # Same URN, other type cannot happen: the type is part of the URN.
            raise BaseError(f"{resource.urn}: type {old.type} in the base, {resource.type} now")
        changed = changed_paths(old.inputs, resource.inputs)
        paths = [p for p in changed if not _ignored(p, resource.ignore_changes)]
        if not paths:
            continue
        forcing = knowledge.forcing(resource.type, paths, old.inputs, resource.inputs)
        if forcing:
            preview.steps.append(_replace(resource, old, forcing, knowledge))
        else:
            preview.steps.append(_step(resource, "update", tuple(paths)))
    current = {r.urn for r in result.resources}
    for old in base:
        if old.urn not in current:
            guarded = old.protect or knowledge.stateful(old.type, old.inputs)
            preview.steps.append(Step(old.urn, old.type, old.name, "delete", guarded=guarded))
    return preview


def _step(resource: Registered, op: str, paths: tuple[str, ...] = ()) -> Step:
    return Step(resource.urn, resource.type, resource.name, op, paths)


def _replace(resource: Registered, old: BaseResource, forcing: list[Forcing], knowledge: Knowledge) -> Step:
    guarded = (
        resource.protect
        or old.protect
        or knowledge.stateful(resource.type, resource.inputs)
        or knowledge.stateful(old.type, old.inputs)
    )
    return Step(
        resource.urn,
        resource.type,
        resource.name,
        "replace",
        tuple(f.path for f in forcing),
        tuple(f.source for f in forcing),
        guarded,
    )


_SIGN = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}


def _line(step: Step) -> str:
    text = f"  {_SIGN[step.op]} {step.op:<7} {step.type} {step.name}"
    if step.op == "update":
        text += f" ({', '.join(step.paths)})"
    elif step.op == "replace":
        text += f" ({', '.join(step.paths)} forces replacement)"
    return text


def render(preview: Preview, allowed: Iterable[str] = ()) -> str:
    """Readable preview, as `pulumi preview` lists steps; guarded ones first, loudly."""
    allowed_set = set(allowed)
    lines = [f"Changes of stack '{preview.stack}' against {preview.base}:"]
    danger = [s for s in preview.steps if s.guarded]
    if danger:
        lines += ["", "!! Protected or stateful resources would be REPLACED or DELETED (data is lost):"]
        for step in danger:
            verdict = "allowed by --allow-replace" if step.urn in allowed_set else "needs --allow-replace"
            lines.append(_line(step).replace("  ", "  !! ", 1) + f"  [{verdict}]")
            lines.append(f"       {step.urn}")
            lines.extend(f"       why: {source}" for source in step.sources)
        lines.append("")
    for op in ("create", "update", "replace", "delete"):
        for step in preview.of(op):
            if not step.guarded:
                lines.append(_line(step))
    if not preview.steps:
        lines.append("  (no changes)")
    lines += ["", preview.summary_line()]
    return "\n".join(lines)
