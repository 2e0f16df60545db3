"""The beat grid as a value: musical positions <-> exact times (stage: analyse).

A `BeatGrid` holds the time of every beat (exact `Fraction`s of a second),
the meter, and which beat is `bar 1 beat 1`. Positions are counted in beats
from that first downbeat (`bar 3 beat 2` in 4/4 is position 9). Between two
beats time runs linearly (fractional beats); before the first and after the
last beat the grid goes on at the tempo of the nearest `EDGE` beats, so a
time before the first detected beat or past the last still has a place.
Tempo may change from beat to beat.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

EDGE = 4  # beats averaged for the tempo used to extrapolate at either end


@dataclass(frozen=True)
class BeatGrid:
    beats: tuple[Fraction, ...]          # seconds, strictly increasing, at least 2
    beats_per_bar: int = 4
    beat_unit: int = 4
    first_downbeat: int = 0              # index into `beats` of bar 1 beat 1
    duration: Fraction = Fraction(0)     # seconds of audio in use
    marks: tuple[tuple[str, Fraction], ...] = field(default=())  # name, seconds

    def __post_init__(self) -> None:
        if len(self.beats) < 2:
            raise ValueError("a beat grid needs at least two beats")
        if any(b >= a for a, b in zip(self.beats[1:], self.beats)):
            raise ValueError("beats must be strictly increasing")

    # ---------------------------------------------------------------- building
    @classmethod
    def steady(cls, bpm: Fraction | int, duration: Fraction | int, beats_per_bar: int = 4,
               beat_unit: int = 4, offset: Fraction | int = 0) -> "BeatGrid":
        """A grid at one exact tempo, the first downbeat at `offset` seconds."""
        period = Fraction(60) / Fraction(bpm)
        count = int((Fraction(duration) - Fraction(offset)) / period) + 1
        beats = tuple(Fraction(offset) + i * period for i in range(max(count, 2)))
        return cls(beats, beats_per_bar, beat_unit, 0, Fraction(duration))

    @classmethod
    def from_seconds(cls, times: Sequence[float], sample_rate: int, **kwargs) -> "BeatGrid":
        """From tracked times in seconds, each placed on its audio sample exactly."""
        beats = []
        for t in times:
            exact = Fraction(round(float(t) * sample_rate), sample_rate)
            if not beats or exact > beats[-1]:
                beats.append(exact)
        return cls(tuple(beats), **kwargs)

    # ---------------------------------------------------------------- positions
    def position(self, bar: Fraction | int, beat: Fraction | int = 1) -> Fraction:
        """Beats from bar 1 beat 1 to `bar N beat M` (both counted from 1)."""
        return (Fraction(bar) - 1) * self.beats_per_bar + Fraction(beat) - 1

    def bar_beat(self, position: Fraction) -> tuple[int, Fraction]:
        """(bar, beat) of a position, both counted from 1; bars before 1 are <= 0."""
        bar, beat = divmod(Fraction(position), self.beats_per_bar)
        return int(bar) + 1, beat + 1

    # ---------------------------------------------------------------- time
    def time_at(self, position: Fraction | int) -> Fraction:
        """The exact time of a position (fractional beats interpolate linearly)."""
        index = Fraction(position) + self.first_downbeat
        whole = index.numerator // index.denominator
        last = len(self.beats) - 1
        if whole < 0:
            return self.beats[0] + index * self._period(0)
        if whole >= last:
            return self.beats[last] + (index - last) * self._period(last - 1)
        start, end = self.beats[whole], self.beats[whole + 1]
        return start + (index - whole) * (end - start)

    def position_at(self, time: Fraction) -> Fraction:
        """The position (in beats from bar 1 beat 1) at a time; the inverse of `time_at`."""
        time = Fraction(time)
        last = len(self.beats) - 1
        if time < self.beats[0]:
            index = (time - self.beats[0]) / self._period(0)
        elif time >= self.beats[last]:
            index = last + (time - self.beats[last]) / self._period(last - 1)
        else:
            whole = bisect_right(self.beats, time) - 1
            start, end = self.beats[whole], self.beats[whole + 1]
            index = whole + (time - start) / (end - start)
        return index - self.first_downbeat

    def add_beats(self, time: Fraction, beats: Fraction) -> Fraction:
        """`time + N beats`, along the grid (so tempo changes are followed)."""
        return self.time_at(self.position_at(time) + beats)

    def _period(self, index: int) -> Fraction:
        """Seconds per beat near beat `index` (the mean of up to EDGE intervals)."""
        if index <= 0:
            span = self.beats[: EDGE + 1]
        else:
            span = self.beats[-(EDGE + 1):]
        return (span[-1] - span[0]) / (len(span) - 1)

    # ---------------------------------------------------------------- views
    def nearest_beat(self, time: Fraction) -> Fraction:
        """The time of the beat nearest `time` (for `snap beat`)."""
        position = self.position_at(time)
        return self.time_at(_round_half_up(position))

    def nearest_bar(self, time: Fraction) -> Fraction:
        """The time of the downbeat nearest `time` (for `snap bar`)."""
        position = self.position_at(time) / self.beats_per_bar
        return self.time_at(_round_half_up(position) * self.beats_per_bar)

    def tempo_at(self, time: Fraction) -> Fraction:
        """Beats per minute around `time`."""
        position = self.position_at(time) + self.first_downbeat
        index = max(0, min(len(self.beats) - 2, int(position)))
        return Fraction(60) / (self.beats[index + 1] - self.beats[index])

    @property
    def downbeats(self) -> tuple[Fraction, ...]:
        start = self.first_downbeat % self.beats_per_bar
        return self.beats[start::self.beats_per_bar]

    def mark(self, name: str) -> Fraction | None:
        return dict(self.marks).get(name)


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)
