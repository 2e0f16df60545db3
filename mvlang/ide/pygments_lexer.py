"""A Pygments lexer for .mvs scripts (`pygmentize -l mvs file.mvs`).

The keywords come from `mvlang.ide.keywords`, which reads them from the
grammar, so the lexer knows every word the parser does. Token choices:

- statement keywords (`scene`, `camera`, ...): `Keyword`; the other words of
  the language (`at`, `zoom`, `crossfade`, ...): `Keyword.Pseudo`;
- the name a `scene`, `character`, `mark`, `style` or `transition` defines:
  `Name.Function`, `Name.Class`, `Name.Label`, `Name.Variable`;
- a unit after a number (`8 bars`, `250ms`, `-6dB`, `20%`): `Keyword.Type`;
- clock times (`1:23.5`): `Literal.Date`; sizes (`1280x720`) and meters
  (`4/4`): `Number`;
- `{mia@16}` references inside strings: `String.Interpol`.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from mvlang.ide import keywords as _kw

__all__ = ["MvsLexer"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_END_WORD = r"(?![A-Za-z0-9_])"
_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_REF = r"\{" + _NAME + r"(?:@" + _NUMBER + r")?\}"


def _unit_pattern() -> str:
    parts = []
    for unit in sorted(_kw.UNITS, key=len, reverse=True):
        text = re.escape(unit)
        if unit in _kw.CASE_INSENSITIVE_UNITS:
            text = "(?i:" + text + ")"
        parts.append(text + (_END_WORD if unit[-1:].isalnum() else ""))
    return "(?:" + "|".join(parts) + ")"


def _definitions() -> list:
    """`scene NAME`, `character NAME`, ...: the keyword, then the name it defines."""
    rules = []
    for word, token, after in (
        ("scene", Name.Function, ""),
        ("character", Name.Class, ""),
        ("mark", Name.Label, ""),
        ("style", Name.Variable, r'(?=[ \t]*")'),       # style NAME "text"
        ("transition", Name.Function, r"(?=[ \t]*=)"),  # transition NAME = ...
    ):
        if word in _kw.STATEMENT_KEYWORDS:
            rules.append((
                "(" + word + r")([ \t]+)(" + _NAME + ")" + _END_WORD + after,
                bygroups(Keyword, Whitespace, token),
            ))
    return rules


class MvsLexer(RegexLexer):
    """Lexer for mvlang's .mvs music-video scripts."""

    name = "mvs"
    aliases: ClassVar[list[str]] = ["mvs"]
    filenames: ClassVar[list[str]] = ["*.mvs"]
    mimetypes: ClassVar[list[str]] = ["text/x-mvs"]
    url = "https://github.com/mvlang/mvlang"

    tokens: ClassVar[dict[str, list]] = {
        "root": [
            (r"\n", Whitespace),
            (r"[\t \f\r]+", Whitespace),
            (r"#[^\r\n]*", Comment.Single),
            (r'"""', String.Double, "long-string"),
            (r'"', String.Double, "string"),
            (r"\d+:\d\d(?::\d\d)?(?:\.\d+)?", Literal.Date),
            (r"\d+x\d+", Number),
            (r"\d+/\d+", Number),
            (r"(" + _NUMBER + r")([ \t]*)(" + _unit_pattern() + ")",
             bygroups(Number, Whitespace, Keyword.Type)),
            (r"\d*\.\d+", Number.Float),
            (r"\d+", Number.Integer),
            *_definitions(),
            (words(sorted(_kw.STATEMENT_KEYWORDS), suffix=_END_WORD), Keyword),
            (words(sorted(_kw.OTHER_KEYWORDS), suffix=_END_WORD), Keyword.Pseudo),
            (_NAME, Name),
            (r"->|[+\-=@]", Operator),
            (r"[{}();,]", Punctuation),
        ],
        "string-body": [
            (r"\\[\s\S]", String.Escape),
            (_REF, String.Interpol),
            (r"\{", String.Double),
        ],
        "string": [
            (r'"', String.Double, "#pop"),
            include("string-body"),
            (r'[^"\\{\n]+', String.Double),
            (r"\n", Text, "#pop"),  # an unclosed string ends at the line's end
        ],
        "long-string": [
            (r'"""', String.Double, "#pop"),
            include("string-body"),
            (r'[^"\\{]+', String.Double),
            (r'"', String.Double),
        ],
    }
