"""The resolved timeline: every shot, transition and sound at exact times and frames.

Stage: resolve. Times are exact `Fraction`s of a second from the start of the
audio in use. Frame `n` shows the instant n/fps; a span [start, end) covers
frames `frame_of(start)` to `frame_of(end) - 1`, so consecutive shots share
no frame and leave none out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from mvlang.audio.grid import BeatGrid
from mvlang.ir import model as M
from mvlang.source import NO_SPAN, Span


def frame_of(time: Fraction, fps: Fraction) -> int:
    """The number of the frame nearest `time` (a half rounds up)."""
    return int((Fraction(time) * fps + Fraction(1, 2)) // 1)


@dataclass(frozen=True)
class Shot:
    scene: M.Scene
    start: Fraction
    end: Fraction
    first_frame: int
    last_frame: int                 # inclusive

    @property
    def name(self) -> str:
        return self.scene.name

    @property
    def frames(self) -> int:
        return self.last_frame - self.first_frame + 1


@dataclass(frozen=True)
class Cut:
    """A transition between shots `before` and `before + 1`, centred on `boundary`."""

    transition: M.Transition
    before: int
    boundary: Fraction
    start: Fraction
    end: Fraction
    first_frame: int
    last_frame: int                 # inclusive; last < first for a `cut`


@dataclass(frozen=True)
class SoundCue:
    cue: M.Cue
    start: Fraction
    end: Fraction | None            # None: as long as the sound is
    first_frame: int


@dataclass(frozen=True)
class Timeline:
    fps: Fraction
    duration: Fraction              # of the video
    frame_count: int
    shots: tuple[Shot, ...]
    cuts: tuple[Cut, ...]
    cues: tuple[SoundCue, ...]
    marks: tuple[tuple[str, Fraction], ...] = ()
    grid: BeatGrid | None = field(default=None, compare=False, repr=False)
    span: Span = field(default=NO_SPAN, compare=False, repr=False)
