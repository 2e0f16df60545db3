"""The checked IR: what a script means, with times still symbolic.

Stage: check (AST -> IR). Names are resolved, templates expanded, values in
range and in their units, transitions placed between scenes. Spans and file
names ride along for later diagnostics but stay out of equality, so the
planner can hash these objects' content without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from mvlang.ir.time import Duration, Point
from mvlang.source import NO_SPAN, Span


def _where() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class Video:
    title: str = ""
    width: int = 1280
    height: int = 720
    fps: Fraction = Fraction(24)
    seed: int = 0
    length: Duration | None = None  # None: as long as the audio (`length song`)


@dataclass(frozen=True)
class Mark:
    name: str
    at: Point
    span: Span = _where()


@dataclass(frozen=True)
class Song:
    path: str                      # as written, relative to the script's folder
    bpm: Fraction | None = None    # a hint for the tracker; None is `bpm auto`
    meter: tuple[int, int] = (4, 4)
    downbeat: Point | None = None  # None is `downbeat auto`
    start: Point | None = None     # `from`
    end: Point | None = None       # `to`
    span: Span = _where()


@dataclass(frozen=True)
class Music:
    prompt: str
    bpm: Fraction | None = None
    key: str | None = None
    length: Duration | None = None
    takes: int = 1
    pick: int = 1
    meter: tuple[int, int] = (4, 4)
    seed: int | None = None
    span: Span = _where()


@dataclass(frozen=True)
class Character:
    name: str
    description: str
    ages: tuple[tuple[Fraction, str], ...] = ()
    seed: int | None = None
    ref: str | None = None
    file: str = field(default="", compare=False)
    span: Span = _where()


@dataclass(frozen=True)
class Style:
    name: str
    text: str
    file: str = field(default="", compare=False)
    span: Span = _where()


@dataclass(frozen=True)
class Transition:
    """`kind` is cut, crossfade, dip, whip, flash, morph or zoom; `arg` its word."""

    kind: str = "cut"
    arg: str | None = None
    depth: int | None = None
    over: Duration | None = None
    preset: str | None = None
    span: Span = _where()


@dataclass(frozen=True)
class CameraMove:
    move: str                      # zoom, pan, rotate, shake
    start: Fraction                # zoom factor, pan fraction, degrees, shake amount
    end: Fraction
    direction: str | None = None
    ease: str = "linear"


@dataclass(frozen=True)
class Reaction:
    param: str
    amount: Fraction
    signal: str
    smooth: Duration | None = None


@dataclass(frozen=True)
class Effect:
    kind: str                      # grain, vignette, blur, glow, dream
    amount: Fraction = Fraction(1)
    octaves: int | None = None     # dream only
    layer: str | None = None       # dream only


@dataclass(frozen=True)
class Cue:
    """A sound: `prompt` is None for `sfx auto`; `at` may be relative to `scene`."""

    prompt: str | None
    at: Point
    length: Duration | None = None
    gain_db: Fraction = Fraction(0)
    scene: str | None = None
    span: Span = _where()


@dataclass(frozen=True)
class Footage:
    path: str
    start: Point | None = None
    end: Point | None = None


@dataclass(frozen=True)
class Scene:
    name: str
    index: int
    prompt: str                    # the final prompt: templates expanded, styles appended
    template: str = ""             # the prompt as written
    negative: str = ""
    styles: tuple[str, ...] = ()
    cast: tuple[tuple[str, Fraction | None], ...] = ()
    at: Point | None = None
    length: Duration | None = None
    until: Point | None = None
    length_from: str = "default"   # "scene", "defaults" or "default" (4 bars)
    seed: int | None = None        # None: derived from video.seed and the name
    takes: int = 1
    pick: int = 1
    image: str | None = None
    footage: Footage | None = None
    motion: str | None = None
    camera: tuple[CameraMove, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    effects: tuple[Effect, ...] = ()
    sounds: tuple[Cue, ...] = ()
    span: Span = _where()
    at_span: Span = _where()       # the `at` time, else the name
    length_span: Span = _where()   # the written `length` or `until`, else the name


@dataclass(frozen=True)
class Program:
    """A checked script: everything the resolver and the planner need."""

    video: Video
    audio: Song | Music
    scenes: tuple[Scene, ...]
    transitions: tuple[Transition, ...]       # transitions[i] is between scenes i and i+1
    cues: tuple[Cue, ...] = ()                # top-level `sfx`
    marks: tuple[Mark, ...] = ()
    characters: tuple[Character, ...] = ()
    styles: tuple[Style, ...] = ()
    presets: tuple[tuple[str, Transition], ...] = ()
    negative: str = ""
    snap: str = "off"
    file: str = field(default="", compare=False)
