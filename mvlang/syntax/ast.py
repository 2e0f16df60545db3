"""The abstract syntax tree of a `.mvs` file: frozen dataclasses.

Stage: parse (text -> AST). Every node carries a `span` that is kept out of
equality, so a comment or blank line added to a script changes no node and
no task key. Numbers are `Decimal`s, kept exact as written; units are stored
in one canonical spelling (`beat`, `bar`, `s`, `ms`, `f`, `dB`, `%`, `deg`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from mvlang.source import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


# ------------------------------------------------------------------ values

@dataclass(frozen=True)
class Str:
    value: str
    long: bool = field(default=False, compare=False)  # written as """..."""
    span: Span = _span()


@dataclass(frozen=True)
class Quantity:
    """A number with an optional unit: `24`, `5s`, `-6dB`, `4 beats`."""

    value: Decimal
    unit: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Clock:
    """A clock reading `1:23.5` (seconds), used as a time or a duration."""

    seconds: Decimal
    span: Span = _span()


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    span: Span = _span()


@dataclass(frozen=True)
class Meter:
    beats: int
    unit: int
    span: Span = _span()


@dataclass(frozen=True)
class Ident:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Word:
    """A keyword used as a value: `auto`, `song`, `beat`, `in_out` ..."""

    word: str
    span: Span = _span()


Duration = Union[Quantity, Clock]


# ------------------------------------------------------------------ time

@dataclass(frozen=True)
class BarTime:
    """`bar 17` or `bar 17 beat 3`."""

    bar: Decimal
    beat: Decimal | None = None
    span: Span = _span()


@dataclass(frozen=True)
class BeatTime:
    """`beat 64`: the 64th beat of the song."""

    beat: Decimal
    span: Span = _span()


@dataclass(frozen=True)
class MarkRef:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Anchor:
    """`start` or `end` of the audio in use."""

    which: str
    span: Span = _span()


TimeAtom = Union[Clock, Quantity, BarTime, BeatTime, MarkRef, Anchor]


@dataclass(frozen=True)
class Offset:
    sign: int  # +1 or -1
    duration: Duration
    span: Span = _span()


@dataclass(frozen=True)
class Time:
    """A point in time: an atom and offsets (`bar 17 - 1 beat`)."""

    base: TimeAtom
    offsets: tuple[Offset, ...] = ()
    span: Span = _span()


@dataclass(frozen=True)
class RelTime:
    """`+2 beats`: inside a scene, counted from the scene's start."""

    duration: Duration
    span: Span = _span()


# ------------------------------------------------------------------ statements

@dataclass(frozen=True)
class Setting:
    """A one-value option: `fps 24`, `prompt "..."`, `bpm auto`, `from 0:10`."""

    key: str
    value: object
    span: Span = _span()


@dataclass(frozen=True)
class Version:
    number: Quantity
    span: Span = _span()


@dataclass(frozen=True)
class Import:
    path: Str
    span: Span = _span()


@dataclass(frozen=True)
class Video:
    items: tuple = ()
    span: Span = _span()


@dataclass(frozen=True)
class Song:
    path: Str
    items: tuple = ()
    span: Span = _span()


@dataclass(frozen=True)
class Music:
    prompt: Str
    items: tuple = ()
    span: Span = _span()


@dataclass(frozen=True)
class Mark:
    name: Ident
    at: Time
    span: Span = _span()


@dataclass(frozen=True)
class StyleDef:
    name: Ident
    text: Str
    span: Span = _span()


@dataclass(frozen=True)
class Negative:
    text: Str
    span: Span = _span()


@dataclass(frozen=True)
class Age:
    age: Quantity
    text: Str
    span: Span = _span()


@dataclass(frozen=True)
class Character:
    name: Ident
    description: Str
    items: tuple = ()
    span: Span = _span()


@dataclass(frozen=True)
class Defaults:
    items: tuple = ()
    span: Span = _span()


@dataclass(frozen=True)
class StyleUse:
    names: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True)
class CastMember:
    name: Ident
    age: Quantity | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Cast:
    members: tuple[CastMember, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Footage:
    path: Str
    start: Time | None = None
    end: Time | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Camera:
    """`camera zoom 1 -> 1.2`, `camera pan left 10%`, `camera rotate 0deg -> 8deg`,
    `camera shake 0.2`, each with an optional `ease`."""

    move: str
    values: tuple[Quantity, ...]
    direction: str | None = None
    ease: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class React:
    param: str
    amount: Quantity
    signal: str
    smooth: Duration | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Effect:
    """`effect grain 0.3` (amount) or `effect dream strength 0.5 ...` (options)."""

    kind: str
    amount: Quantity | None = None
    options: tuple[Setting, ...] = ()
    span: Span = _span()


@dataclass(frozen=True)
class Sfx:
    """`sfx "prompt" at T length D gain G`; `prompt` is None for `sfx auto`."""

    prompt: Str | None
    options: tuple[Setting, ...] = ()
    span: Span = _span()


@dataclass(frozen=True)
class TransSpec:
    """`crossfade over 1 beat`, `zoom out depth 4`, `dip black`, or a preset name."""

    kind: str
    arg: str | None = None
    depth: Quantity | None = None
    preset: Ident | None = None
    over: Duration | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Transition:
    """`-> KIND ...` between two scenes."""

    spec: TransSpec
    span: Span = _span()


@dataclass(frozen=True)
class TransitionDef:
    """`transition NAME = KIND ...`: a named preset."""

    name: Ident
    spec: TransSpec
    span: Span = _span()


@dataclass(frozen=True)
class Scene:
    name: Ident
    at: Time | None = None
    length: Duration | None = None
    until: Time | None = None
    items: tuple = ()
    span: Span = _span()


@dataclass(frozen=True)
class Module:
    items: tuple = ()
    span: Span = _span()


Statement = Union[Version, Import, Video, Song, Music, StyleDef, Negative, Character,
                  Defaults, Scene, Transition, TransitionDef, Sfx]

BLOCK_STATEMENTS = (Video, Song, Music, Character, Defaults, Scene)
