"""The one YAML reader of every data file: stack files, rosters, project files, lock files, values.

PyYAML's safe loader keeps the last of two equal keys in a mapping without a
word: a lock file merged by git with one login twice, or a values file with
`replicas:` written twice, would be read as if nothing were wrong. This loader
refuses a repeated key, naming both lines.
"""

from functools import lru_cache
from typing import Any, cast

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

# libyaml's parser is ~10x faster on a 600-student roster; the pure-Python one is the fallback.
# Only the constructor is overridden below, and it is Python in both.
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DuplicateKeyError(ConstructorError):
    """A mapping names one key twice."""


def _key_text(node: Node) -> str:
    value = getattr(node, "value", None)
    return str(value) if isinstance(value, str) else repr(value)


class UniqueKeyLoader(_BASE):  # pyright: ignore[reportUntypedBaseClass]
    """Safe loader that refuses a key repeated within one mapping."""

    def construct_mapping(self, node: Node, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                # `<<` merge keys may legitimately repeat; their content is merged by the base class.
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                text = f"{key_node.tag}:{_key_text(key_node)}"
                line = key_node.start_mark.line + 1
                if text in seen:
                    raise DuplicateKeyError(
                        None,
                        None,
                        f"duplicate key {_key_text(key_node)!r} on line {line} "
                        f"(first on line {seen[text]}); each key may appear once",
                        key_node.start_mark,
                    )
                seen[text] = line
        parent: Any = super()
        return parent.construct_mapping(node, deep=deep)


@lru_cache(maxsize=64)
def _parse(text: str) -> Any:
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError as exc:
        return exc


def parse(text: str) -> Any:
    """YAML text to plain data; raises `yaml.YAMLError` (a `DuplicateKeyError` for a repeated key).

    Cached by content: the offline plan validates the configuration and then
    runs the program, which loads it again; each file is parsed once. Callers
    must not modify the returned data.
    """
    data = _parse(text)
    if isinstance(data, yaml.YAMLError):
        raise data
    return data


def problem(exc: yaml.YAMLError) -> str:
    """One line about a YAML error, for a message that already names the file."""
    if isinstance(exc, DuplicateKeyError):
        return str(exc.problem)
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc)
    where = f" on line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"not valid YAML: {what}{where}"


def compose(text: str) -> Node | None:
    """The node tree of a document, duplicates kept (for tools that repair what `parse` refuses)."""
    return cast(Node | None, cast(Any, yaml).compose(text, Loader=_BASE))
