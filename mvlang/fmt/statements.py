"""Canonical text of one statement (stage: format).

Takes an AST statement and gives its line: the whole statement for a simple
one (`fps 24`, `sfx "rain" at +1 beat`), or the header before `{` for a
block (`scene intro at bar 1 length 4 bars`). `children` says which
statements have a block and what is in it; the layout of blocks, comments
and blank lines is `printer.py`'s.
"""

from __future__ import annotations

from mvlang.fmt import values as V
from mvlang.syntax import ast as A


def children(stmt) -> tuple | None:
    """The statements inside a block statement's braces; None for the others."""
    return stmt.items if isinstance(stmt, A.BLOCK_STATEMENTS) else None


def line(stmt) -> str:
    """The statement's text, without its block."""
    return _PRINTERS[type(stmt)](stmt)


def _setting(s: A.Setting) -> str:
    return f"{s.key} {V.value(s.value)}"


def _settings(options) -> str:
    return "".join(" " + _setting(o) for o in options)


def _scene(s: A.Scene) -> str:
    text = f"scene {s.name.name}"
    if s.at is not None:
        text += " at " + V.time(s.at)
    if s.length is not None:
        text += " length " + V.duration(s.length)
    if s.until is not None:
        text += " until " + V.time(s.until)
    return text


def _cast(c: A.Cast) -> str:
    members = [m.name.name + ("" if m.age is None else " age " + V.quantity(m.age))
               for m in c.members]
    return "cast " + ", ".join(members)


def _footage(f: A.Footage) -> str:
    text = "footage " + V.string(f.path)
    if f.start is not None:
        text += " from " + V.time(f.start)
    if f.end is not None:
        text += " to " + V.time(f.end)
    return text


def _camera(c: A.Camera) -> str:
    parts = ["camera", c.move]
    if c.direction is not None:
        parts.append(c.direction)
    parts.append(" -> ".join(V.quantity(q) for q in c.values))
    if c.ease is not None:
        parts += ["ease", c.ease]
    return " ".join(parts)


def _react(r: A.React) -> str:
    text = f"react {r.param} {V.quantity(r.amount)} to {r.signal}"
    return text if r.smooth is None else text + " smooth " + V.duration(r.smooth)


def _effect(e: A.Effect) -> str:
    if e.amount is not None:
        return f"effect {e.kind} {V.quantity(e.amount)}"
    return f"effect {e.kind}" + _settings(e.options)


def _sfx(s: A.Sfx) -> str:
    what = "auto" if s.prompt is None else V.string(s.prompt)
    return "sfx " + what + _settings(s.options)


_PRINTERS = {
    A.Version: lambda s: "mvs " + V.quantity(s.number),
    A.Import: lambda s: "import " + V.string(s.path),
    A.Video: lambda s: "video",
    A.Song: lambda s: "song " + V.string(s.path),
    A.Music: lambda s: "music " + V.string(s.prompt),
    A.Character: lambda s: f"character {s.name.name} {V.string(s.description)}",
    A.Defaults: lambda s: "defaults",
    A.Scene: _scene,
    A.StyleDef: lambda s: f"style {s.name.name} {V.string(s.text)}",
    A.Negative: lambda s: "negative " + V.string(s.text),
    A.Transition: lambda s: "-> " + V.trans_spec(s.spec),
    A.TransitionDef: lambda s: f"transition {s.name.name} = {V.trans_spec(s.spec)}",
    A.Sfx: _sfx,
    A.Setting: _setting,
    A.Mark: lambda s: f"mark {s.name.name} at {V.time(s.at)}",
    A.Age: lambda s: f"age {V.quantity(s.age)} {V.string(s.text)}",
    A.StyleUse: lambda s: "style " + ", ".join(n.name for n in s.names),
    A.Cast: _cast,
    A.Footage: _footage,
    A.Camera: _camera,
    A.React: _react,
    A.Effect: _effect,
}
