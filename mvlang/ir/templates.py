"""Prompt templates: `{mia}`, `{mia@16}`, `{film}`; `{{` and `}}` are braces.

Stage: check. `placeholders` finds the references in a prompt with their
place in the source (escapes in the string accounted for); `describe_at`
gives a character's text at an age, from the nearest described age.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from mvlang.ir.model import Character

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:@([0-9]+(?:\.[0-9]+)?))?\}|\{")


@dataclass(frozen=True)
class Placeholder:
    name: str | None        # None: a malformed `{`
    age: Fraction | None
    start: int              # index in the string's value
    end: int


@dataclass(frozen=True)
class Piece:
    """Literal text, or a placeholder to fill."""

    text: str = ""
    ref: Placeholder | None = None


def split(value: str) -> list[Piece]:
    pieces, last = [], 0
    for match in _PLACEHOLDER.finditer(value):
        if match.start() > last:
            pieces.append(Piece(value[last:match.start()]))
        token = match.group()
        if token in ("{{", "}}"):
            pieces.append(Piece(token[0]))
        elif match.group(1) is None:
            end = value.find("}", match.start())
            end = match.start() + 1 if end == -1 else end + 1
            pieces.append(Piece(ref=Placeholder(None, None, match.start(), end)))
        else:
            age = Fraction(match.group(2)) if match.group(2) else None
            pieces.append(Piece(ref=Placeholder(match.group(1), age, match.start(), match.end())))
        last = match.end()
    if last < len(value):
        pieces.append(Piece(value[last:]))
    return pieces


def value_offsets(raw: str) -> list[int]:
    """For each character of a string token's value, its offset in the token.

    The list has one more entry, the offset just past the value."""
    long = raw.startswith('"""') and len(raw) >= 6
    start, end = (3, len(raw) - 3) if long else (1, max(1, len(raw) - 1))
    offsets, i = [], start
    while i < end:
        offsets.append(i)
        i += 2 if raw[i] == "\\" and i + 1 < end else 1
    offsets.append(end)
    return offsets


def age_text(age: Fraction) -> str:
    return str(age.numerator) if age.denominator == 1 else format(float(age), "g")


def describe_at(character: Character, age: Fraction | None) -> str:
    """`{mia@30}`: "DESCRIPTION (30 years old, NEAREST DESCRIBED LOOK)".

    The nearest described age wins; on a tie, the younger one."""
    if age is None:
        return character.description
    details = [f"{age_text(age)} years old"]
    if character.ages:
        nearest = min(character.ages, key=lambda entry: (abs(entry[0] - age), entry[0]))
        details.append(nearest[1])
    return f"{character.description} ({', '.join(d for d in details if d)})"
