"""Where data files referenced by the configuration live."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""Repository root: relative data paths in stack files are read from here."""


def resolve(path: str) -> Path:
    """A data path from a stack file: relative to the repository root, or absolute."""
    given = Path(path)
    return given if given.is_absolute() else ROOT / given


def shown(path: Path) -> str:
    """How error messages name a data file: relative to the repository when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
