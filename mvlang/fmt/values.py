"""Canonical spelling of values (stage: format).

Takes AST value nodes (numbers, quantities, clocks, strings, times,
transition specs) and gives the text `mvlang fmt` writes for them. Each
spelling reads back to an equal node: numbers print exactly as the
`Decimal` holds them, units in one spelling, strings re-escaped.
"""

from __future__ import annotations

from decimal import Decimal

from mvlang.syntax import ast as A

# Musical units are words, written after a space; the others attach.
SPACED_UNITS = {"beat": ("beat", "beats"), "bar": ("bar", "bars")}
SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


def number(value: Decimal) -> str:
    """`1.0` stays `1.0`; never an exponent (`1E-7` would not read back)."""
    return format(value, "f")


def quantity(q: A.Quantity) -> str:
    text = number(q.value)
    if q.unit is None:
        return text
    if q.unit in SPACED_UNITS:
        one, many = SPACED_UNITS[q.unit]
        return f"{text} {one if q.value == 1 else many}"
    return text + q.unit


def clock(c: A.Clock) -> str:
    """`M:SS` or `H:MM:SS`, with the fraction of a second as written."""
    whole, _, fraction = number(c.seconds).partition(".")
    minutes, seconds = divmod(int(whole), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"{text}.{fraction}" if fraction else text


def duration(d: A.Duration) -> str:
    return clock(d) if isinstance(d, A.Clock) else quantity(d)


def string(s: A.Str) -> str:
    if s.long:
        return long_string(s.value)
    return '"' + "".join(SHORT_ESCAPES.get(ch, ch) for ch in s.value) + '"'


def long_string(value: str) -> str:
    """`\"\"\"...\"\"\"` with the value raw; a quote that would end the string early
    (any `\"` followed by two more, the closing ones included) is escaped."""
    pieces, following = [], '"""'
    for ch in reversed(value):
        if ch == "\\":
            piece = "\\\\"
        elif ch == '"' and following.startswith('""'):
            piece = '\\"'
        else:
            piece = ch
        pieces.append(piece)
        following = (piece + following)[:2]
    return '"""' + "".join(reversed(pieces)) + '"""'


def time_atom(atom) -> str:
    if isinstance(atom, A.BarTime):
        text = f"bar {number(atom.bar)}"
        return text if atom.beat is None else f"{text} beat {number(atom.beat)}"
    if isinstance(atom, A.BeatTime):
        return f"beat {number(atom.beat)}"
    if isinstance(atom, A.MarkRef):
        return atom.name
    if isinstance(atom, A.Anchor):
        return atom.which
    return duration(atom)


def time(t) -> str:
    """A `Time` (`bar 17 - 1 beat`) or a `RelTime` (`+2 beats`)."""
    if isinstance(t, A.RelTime):
        return "+" + duration(t.duration)
    parts = [time_atom(t.base)]
    parts += [("+ " if o.sign > 0 else "- ") + duration(o.duration) for o in t.offsets]
    return " ".join(parts)


def trans_spec(spec: A.TransSpec) -> str:
    if spec.kind == "preset":
        text = spec.preset.name
    else:
        text = " ".join(part for part in (spec.kind, spec.arg) if part)
    if spec.depth is not None:
        text += " depth " + quantity(spec.depth)
    if spec.over is not None:
        text += " over " + duration(spec.over)
    return text


def value(v) -> str:
    """Any value a `Setting` holds."""
    if isinstance(v, A.Str):
        return string(v)
    if isinstance(v, A.Quantity):
        return quantity(v)
    if isinstance(v, A.Clock):
        return clock(v)
    if isinstance(v, A.Size):
        return f"{v.width}x{v.height}"
    if isinstance(v, A.Meter):
        return f"{v.beats}/{v.unit}"
    if isinstance(v, A.Word):
        return v.word
    if isinstance(v, A.Ident):
        return v.name
    if isinstance(v, A.TransSpec):
        return trans_spec(v)
    return time(v)
