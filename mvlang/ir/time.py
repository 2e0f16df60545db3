"""Symbolic times of the checked IR, and what can be compared without audio.

Stage: check. A `Point` is a base (`bar 17 beat 3`, `1:23.5`, a mark,
`start`, `end`, or a scene's start for `+2 beats`) with signed offsets. All
amounts are exact `Fraction`s. The timeline stage resolves points against
the beat grid; here `Frame` places a point on one axis when that is possible
without the audio: beats (musical) or seconds (clock), and both when the
tempo is known exactly (generated music with a `bpm`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Union

SECOND_UNITS = {"s": 1, "ms": Fraction(1, 1000)}
MUSICAL_UNITS = ("beat", "bar")


@dataclass(frozen=True)
class Duration:
    """`amount` of `unit`: "s" (seconds), "f" (frames), "beat" or "bar"."""

    amount: Fraction
    unit: str

    def __neg__(self) -> "Duration":
        return Duration(-self.amount, self.unit)

    def __str__(self) -> str:
        amount = _num(self.amount)
        if self.unit in MUSICAL_UNITS:
            return f"{amount} {self.unit}{'' if self.amount == 1 else 's'}"
        return f"{amount}{self.unit}"


@dataclass(frozen=True)
class Clock:
    seconds: Fraction

    def __str__(self) -> str:
        return clock_text(self.seconds)


@dataclass(frozen=True)
class BarBeat:
    bar: Fraction
    beat: Fraction = Fraction(1)

    def __str__(self) -> str:
        return f"bar {_num(self.bar)}" + (f" beat {_num(self.beat)}" if self.beat != 1 else "")


@dataclass(frozen=True)
class BeatNumber:
    beat: Fraction

    def __str__(self) -> str:
        return f"beat {_num(self.beat)}"


@dataclass(frozen=True)
class MarkPoint:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Named:
    """`start`, `end`, or `scene` (the start of the scene a `+DUR` is in)."""

    which: str

    def __str__(self) -> str:
        return "+" if self.which == "scene" else self.which


Base = Union[Clock, BarBeat, BeatNumber, MarkPoint, Named]


@dataclass(frozen=True)
class Point:
    base: Base
    offsets: tuple[Duration, ...] = ()

    def __str__(self) -> str:
        text = str(self.base)
        for offset in self.offsets:
            sign = "-" if offset.amount < 0 else "+"
            if text == "+":
                text = f"{sign}{_magnitude(offset)}"
            else:
                text += f" {sign} {_magnitude(offset)}"
        return text


def _magnitude(duration: Duration) -> Duration:
    return Duration(duration.amount if duration.amount >= 0 else -duration.amount, duration.unit)


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return format(float(value), "g")


def clock_text(seconds: Fraction) -> str:
    """0:32.41 style, to the hundredth."""
    sign = "-" if seconds < 0 else ""
    seconds = -seconds if seconds < 0 else seconds
    minutes, rest = divmod(float(seconds), 60)
    text = f"{int(minutes)}:{rest:05.2f}"
    return sign + (text[:-3] if text.endswith(".00") else text)


# ------------------------------------------------------------------ comparing

@dataclass(frozen=True)
class Frame:
    """What is known of the time axis before any audio is analysed."""

    beats_per_bar: int
    fps: Fraction
    seconds_per_beat: Fraction | None = None  # known for generated music with a bpm
    end_seconds: Fraction | None = None       # known for generated music with a length


@dataclass(frozen=True)
class Position:
    """A point placed on one axis: ("beats", b) from bar 1 beat 1, or ("s", t)."""

    axis: str
    value: Fraction


def place(point: Point, frame: Frame, marks: Callable[[str], Position | None],
          scene_start: Position | None = None) -> Position | None:
    """Where `point` falls, on one axis, or None when only the audio can tell."""
    base = _place_base(point.base, frame, marks, scene_start)
    for offset in point.offsets:
        if base is None:
            return None
        base = add(base, offset, frame)
    return base


def _place_base(base: Base, frame: Frame, marks, scene_start) -> Position | None:
    if isinstance(base, Clock):
        return Position("s", base.seconds)
    if isinstance(base, BarBeat):
        return Position("beats", (base.bar - 1) * frame.beats_per_bar + base.beat - 1)
    if isinstance(base, BeatNumber):
        return Position("beats", base.beat - 1)
    if isinstance(base, MarkPoint):
        return marks(base.name)
    if base.which == "start":
        return Position("s", Fraction(0))
    if base.which == "end":
        return Position("s", frame.end_seconds) if frame.end_seconds is not None else None
    return scene_start


def add(position: Position, duration: Duration, frame: Frame) -> Position | None:
    """`position + duration`, or None when the two axes cannot be joined here."""
    if duration.unit in MUSICAL_UNITS:
        beats = duration.amount * (frame.beats_per_bar if duration.unit == "bar" else 1)
        if position.axis == "beats":
            return Position("beats", position.value + beats)
        if frame.seconds_per_beat is None:
            return None
        return Position("s", position.value + beats * frame.seconds_per_beat)
    seconds = duration.amount / frame.fps if duration.unit == "f" else duration.amount
    if position.axis == "s":
        return Position("s", position.value + seconds)
    if frame.seconds_per_beat is None:
        return None
    return Position("s", position.value * frame.seconds_per_beat + seconds)


def compare(a: Position, b: Position, frame: Frame) -> int | None:
    """-1, 0 or 1, or None when the two cannot be compared without the audio."""
    if a.axis != b.axis:
        if frame.seconds_per_beat is None:
            return None
        a, b = to_seconds(a, frame), to_seconds(b, frame)
    return (a.value > b.value) - (a.value < b.value)


def to_seconds(position: Position, frame: Frame) -> Position:
    if position.axis == "s" or frame.seconds_per_beat is None:
        return position
    return Position("s", position.value * frame.seconds_per_beat)


def describe(position: Position, frame: Frame) -> str:
    """How a placed position reads to a musician: `bar 5 beat 3` or `0:12.50`."""
    if position.axis == "s":
        return clock_text(position.value)
    bar, beat = divmod(position.value, frame.beats_per_bar)
    return str(BarBeat(bar + 1, beat + 1))
