"""Where the grammar and the standard library live.

In a wheel they are packaged under `mvlang/_data/`; in a source checkout
(an editable install, or tests run from the repository) they are the
top-level `grammar/` and `stdlib/` folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The folder `name` (`grammar` or `stdlib`), packaged or in the checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mvlang's {name}/ folder is missing from the installation")


def grammar_path() -> Path:
    return data_dir("grammar") / "mvs.lark"


def stdlib_path(module: str) -> Path:
    """`std/looks` -> the file of that standard-library module."""
    return data_dir("stdlib") / f"{module}.mvs"


def stdlib_modules() -> list[str]:
    return sorted(p.stem for p in data_dir("stdlib").glob("*.mvs"))
