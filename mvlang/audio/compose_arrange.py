"""The form of a generated song: meter, sections and the chord under every bar (stage: backends).

`arrange(n)` lays out `n` bars as intro, build, drop, break, build2, drop2, ...,
outro, in multiples of four bars where the length allows; `bars(...)` gives one
`Bar` per bar with its section, its place in it and its chord, which is all the
part writers (`compose_parts.py`) need to know where they are.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from .compose_theory import PROGRESSIONS


@dataclass(frozen=True)
class Meter:
    beats: int          # beats to the bar
    unit: int           # the note value of a beat

    @property
    def step(self) -> Fraction:
        """A sixteenth note, in beats."""
        return Fraction(self.unit, 16)

    @property
    def eighth(self) -> Fraction:
        return Fraction(self.unit, 8)

    @property
    def pulses(self) -> tuple[Fraction, ...]:
        """Where the felt beats of a bar start: every beat in x/4; in x/8 the beats
        gather in threes (6/8: 1 and 4) or in twos with a three at the end (7/8)."""
        if self.unit < 8 or self.beats < 3:
            return tuple(Fraction(i) for i in range(self.beats))
        if self.beats % 3 == 0:
            return tuple(Fraction(i) for i in range(0, self.beats, 3))
        return tuple(Fraction(i) for i in range(0, self.beats - 3, 2)) + (Fraction(self.beats - 3),)

    @property
    def pulse_length(self) -> Fraction:
        return Fraction(self.beats) / len(self.pulses) if self.beats % len(self.pulses) == 0 \
            else Fraction(2)

    def offbeats(self) -> tuple[Fraction, ...]:
        """Half way through each pulse (the "and"); in threes, the last eighth."""
        bounds = self.pulses + (Fraction(self.beats),)
        return tuple(a + (b - a) / 2 if (b - a) / self.eighth % 2 == 0 else b - self.eighth
                     for a, b in itertools.pairwise(bounds))

    def backbeats(self) -> tuple[Fraction, ...]:
        """Where a snare answers the kick: the 2nd and 4th pulse; in three, the 2nd."""
        pulses = self.pulses
        if len(pulses) == 1:
            return (pulses[0] + Fraction(self.beats) / 2,)
        return tuple(p for i, p in enumerate(pulses) if i % 2 == 1)

    def grid(self, spacing: Fraction) -> tuple[Fraction, ...]:
        count = int(Fraction(self.beats) / spacing)
        return tuple(i * spacing for i in range(count))

    def accent(self, position: Fraction) -> float:
        """How strong a position in the bar is: the downbeat, the pulses, the eighths."""
        if position == 0:
            return 1.0
        if position in self.pulses:
            return 0.8
        if position % self.eighth == 0:
            return 0.6
        return 0.45


@dataclass(frozen=True)
class Bar:
    index: int          # from 0
    start: Fraction     # beats from the start of the song
    section: str        # "intro", "drop2", ...
    role: str           # the section without its number: intro, build, drop, break, outro
    number: int         # which drop (or build, break) this is, from 1
    pos: int            # bar within the section, from 0
    length: int         # bars in the section
    chord: int          # root of the chord, a scale degree
    next_chord: int     # root of the next bar's chord

    @property
    def progress(self) -> float:
        """0 at the section's first bar, approaching 1 at its last."""
        return self.pos / self.length

    @property
    def last(self) -> bool:
        return self.pos == self.length - 1

    @property
    def second_half(self) -> bool:
        return self.pos >= self.length / 2


def role_of(section: str) -> tuple[str, int]:
    match = re.fullmatch(r"([a-z]+?)(\d*)", section)
    return match.group(1), int(match.group(2) or 1)


def _template(drops: int) -> list[tuple[str, int]]:
    plan = [("intro", 8), ("build", 4), ("drop", 16)]
    for i in range(2, drops + 1):
        plan += [("break" if i == 2 else f"break{i - 1}", 8), (f"build{i}", 4), (f"drop{i}", 16)]
    return plan + [("outro", 8)]


_DROP_ORDER = ("build", "break", "outro", "intro")   # sections given up first when short


def arrange(n: int) -> tuple[tuple[str, int, int], ...]:
    """(name, first bar, last bar) for `n` bars, counted from 1, with no gap."""
    if n <= 4:
        return (("drop", 1, n),)
    drops = max(1, round((n - 36) / 28) + 1)
    plan = _template(drops)
    total = sum(length for _, length in plan)
    plan = [[name, max(4, 4 * round(length * n / total / 4))] for name, length in plan]
    while sum(length for _, length in plan) > n:
        longest = max(plan, key=lambda s: s[1])
        if longest[1] > 8:
            longest[1] -= 4
            continue
        removable = [s for s in plan if role_of(s[0])[0] in _DROP_ORDER and s[0] != "drop"]
        if removable:
            plan.remove(min(removable, key=lambda s: (_DROP_ORDER.index(role_of(s[0])[0]),
                                                      -plan.index(s))))
        else:
            max(plan, key=lambda s: s[1])[1] -= 4
    drops_ = [s for s in plan if role_of(s[0])[0] == "drop"]
    while sum(length for _, length in plan) + 4 <= n:
        min(drops_, key=lambda s: s[1])[1] += 4
    plan[-1][1] += n - sum(length for _, length in plan)
    sections, first = [], 1
    for name, length in plan:
        sections.append((name, first, first + length - 1))
        first += length
    return tuple(sections)


def progressions(rng: np.random.Generator, family: str, mode: str) -> tuple[tuple[int, ...], ...]:
    """(main, other): the cycle the song is built on and the one its breaks wander to."""
    table = PROGRESSIONS[mode if family == "key" else family]
    main = int(rng.integers(len(table)))
    other = (main + 1 + int(rng.integers(len(table) - 1))) % len(table)
    return table[main], table[other]


def bars(sections, meter: Meter, main: tuple[int, ...], other: tuple[int, ...],
         chord_bars: int, tension: int) -> tuple[Bar, ...]:
    """One `Bar` per bar; a build ends on `tension` (the V, or the VII in minor)."""
    out = []
    for name, first, last in sections:
        role, number = role_of(name)
        cycle = other if role == "break" else main
        length = last - first + 1
        for pos in range(length):
            chord = cycle[(pos // chord_bars) % len(cycle)]
            if role == "build" and pos == length - 1 and length > 1:
                chord = tension
            index = first - 1 + pos
            out.append(Bar(index, Fraction(index * meter.beats), name, role, number, pos,
                           length, chord, chord))
    for i in range(len(out) - 1):
        out[i] = replace(out[i], next_chord=out[i + 1].chord)
    return tuple(out)
