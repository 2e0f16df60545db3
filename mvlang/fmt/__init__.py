"""The formatter: `.mvs` text in, canonical `.mvs` text out (stage: format).

`format_text(text)` parses the text and prints the AST back in the one
canonical form, which `mvlang fmt` writes. It never raises: a file with
syntax errors gives `text=None` and the parse diagnostics. Formatting
changes no AST node (`parse(fmt(x)).module == parse(x).module`), keeps
every comment, and is idempotent.

The canonical form:

- two-space indentation, one statement per line; a block is `header {`,
  its statements one per line, then `}`. `video { fps 12; seed 3 }` is
  spread over four lines. A block with no statement and no comment is left
  out: `song "a.wav" {}` becomes `song "a.wav"`.
- statements in the order written. Where the user left one or more blank
  lines between two statements (or comments), one blank line; none after a
  `{`, before a `}`, or at the start of the file. The file ends with one
  newline and no line has trailing whitespace (outside `\"\"\"` strings).
- comments kept word for word: on their own line, at the level of what
  follows them (or before the `}` of their block); at the end of a
  statement's line, after two spaces; after a `{` on its line; after `}`.
  A comment ending a one-line block (`video { fps 12 }  # x`) follows the
  `}` once the block is spread.
- values: numbers as written (`1.0` stays `1.0`); units attached (`5s`,
  `250ms`, `12f`, `-6dB`, `20%`, `8deg`) except the musical ones (`4 beats`,
  `1 beat`, `2 bars`, `1 bar`); clocks `M:SS` or `H:MM:SS` with their
  fraction; `1280x720`; `4/4`; strings in double quotes with `\\\\`, `\\"`,
  `\\n` and `\\t` escapes, or `\"\"\"...\"\"\"` kept raw when written so; lists
  joined with `, `; one space between all other words (`bar 17 - 1 beat`,
  `+2 beats`, `camera zoom 1.0 -> 1.15 ease in_out`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mvlang.fmt.printer import print_module
from mvlang.syntax.parser import parse


@dataclass
class Formatted:
    text: str | None  # None when the input has syntax errors
    diagnostics: list = field(default_factory=list)  # the parse diagnostics
    changed: bool = False  # text != input


def format_text(text: str, name: str = "<input>") -> Formatted:
    """The canonical form of `.mvs` text; never raises."""
    parsed = parse(text, name)
    if not parsed.ok:
        return Formatted(None, parsed.diagnostics, False)
    out = print_module(parsed)
    return Formatted(out, parsed.diagnostics, out != text)


__all__ = ["Formatted", "format_text"]
