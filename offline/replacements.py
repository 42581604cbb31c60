"""What forces a resource to be replaced, per type: `offline/replacements.yaml`.

The table is data, each entry citing the provider source that decides it, so a
reviewer can check it against the pinned provider and a new type cannot slip in
unclassified (`tests/offline/test_replacements.py` plans the committed stacks
and fails on a registered type without an entry).

Paths are the engine's: the camelCase input names the plan records, `.` between
object keys; list positions are not written (`mountPoints.volume` covers
`mountPoints[0].volume`).
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

TABLE = Path(__file__).resolve().parent / "replacements.yaml"

Path_ = tuple[str, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ForcingPath(_Strict):
    """An input path whose change replaces the resource."""

    path: str = Field(min_length=1)
    source: str = Field(min_length=1)
    """Where the provider decides it: repository, version, file and line."""
    when: Literal["changed", "decreased", "removed"] = "changed"
    """`decreased`: only a smaller number replaces (a disk cannot shrink), a larger one updates;
    `removed`: only dropping a value (or a list item) replaces, adding one updates."""


class CreationOnly(_Strict):
    """An input path the program marks `ignore_changes`: read at creation, never diffed after."""

    path: str = Field(min_length=1)
    why: str = Field(min_length=1)


class StatefulWhen(_Strict):
    """Stateful only when an input matches, e.g. the Helm release of the database chart."""

    input: str
    pattern: str


class TypeEntry(_Strict):
    """What a resource type's replacement means."""

    replace: list[ForcingPath] = Field(default_factory=list[ForcingPath])
    creation_only: list[CreationOnly] = Field(default_factory=list[CreationOnly])
    stateful: bool | StatefulWhen = False
    """Its replacement or deletion loses data or a machine (guarded by the preview)."""
    note: str = ""
    source: str = ""
    """For a type with no forcing path: where that is read."""


class Table(_Strict):
    """The whole file."""

    providers: dict[str, str]
    """Provider to the pinned version the citations refer to."""
    types: dict[str, TypeEntry]


@dataclass(frozen=True)
class Forcing:
    """Why one changed path replaces a resource."""

    path: str
    source: str


def split(path: str) -> Path_:
    """`a.b[0].c` or `a.b[*].c` -> ("a", "b", "c"): list positions do not matter here."""
    return tuple(p for p in re.sub(r"\[[^\]]*\]", "", path).split(".") if p)


def _at(value: Any, path: Path_) -> list[Any]:
    """Every value under `path`, through lists."""
    found = [value]
    for key in path:
        nxt: list[Any] = []
        for item in found:
            items: list[Any] = list(item) if isinstance(item, list) else [item]  # pyright: ignore[reportUnknownArgumentType]
            for element in items:
                if isinstance(element, dict) and key in element:
                    nxt.append(element[key])
        found = nxt
    return found


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        out.extend(cast(list[Any], value) if isinstance(value, list) else [value])
    return out


def _removed(old: Any, new: Any, path: Path_) -> bool:
    news = _flat(_at(new, path))
    return any(v not in news for v in _flat(_at(old, path)))


def _decreased(old: Any, new: Any, path: Path_) -> bool:
    olds = [v for v in _at(old, path) if isinstance(v, int | float)]
    news = [v for v in _at(new, path) if isinstance(v, int | float)]
    return any(n < o for o, n in zip(olds, news, strict=False))


class Knowledge:
    """The loaded table, answering per resource."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def entry(self, type_token: str) -> TypeEntry | None:
        """The type's entry; None when unclassified."""
        return self.table.types.get(type_token)

    def forcing(
        self, type_token: str, changed: list[str], old: dict[str, Any], new: dict[str, Any]
    ) -> list[Forcing]:
        """The forcing entries that the changed paths hit (old and new inputs decide `decreased`)."""
        entry = self.entry(type_token)
        if entry is None:
            return []
        hits: list[Forcing] = []
        for forcing in entry.replace:
            target = split(forcing.path)
            for path in changed:
                parts = split(path)
                # A change at or under the path, or of a whole object that holds it.
                if parts[: len(target)] != target and target[: len(parts)] != parts:
                    continue
                if forcing.when == "decreased" and not _decreased(old, new, target):
                    continue
                if forcing.when == "removed" and not _removed(old, new, target):
                    continue
                hits.append(Forcing(path=forcing.path, source=forcing.source))
                break
        return hits

    def stateful(self, type_token: str, inputs: dict[str, Any]) -> bool:
        """Whether replacing or deleting this resource loses data or a machine."""
        entry = self.entry(type_token)
        if entry is None:
            return False
        if isinstance(entry.stateful, bool):
            return entry.stateful
        values = _at(inputs, split(entry.stateful.input))
        return any(isinstance(v, str) and re.search(entry.stateful.pattern, v) for v in values)


@cache
def knowledge(path: Path = TABLE) -> Knowledge:
    """The table, loaded and checked once.

    :raises ValueError: when the file does not match the table's shape.
    """
    try:
        table = Table.model_validate(yaml.safe_load(path.read_text()))
    except ValidationError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return Knowledge(table)
