"""The parts of a generated song, as notes (stage: backends, `preview` music).

Each writer takes the `Score` (style, meter, key, bars, the take's random
choices) and returns `Note`s: drums by groove family, a bass line, a chord
part, a melody or arpeggio on top, and the moments that make the form
audible (a crash and a sub boom on section downbeats, snare rolls, risers and
reversed cymbals into the drops). Positions are exact `Fraction`s of a beat;
the mixer turns them into samples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .compose_arrange import Bar, Meter
from .compose_styles import Style
from .compose_theory import ARPS, Key, arpeggio, motif, nearest_chord_degree, vary, voicing


@dataclass(frozen=True)
class Note:
    voice: str
    at: Fraction            # beats from the start of the song
    length: Fraction        # beats held
    pitch: int = 0
    gain: float = 1.0
    pan: float = 0.0
    bus: str = "drums"


@dataclass
class Score:
    style: Style
    meter: Meter
    key: Key
    bars: tuple[Bar, ...]
    seed: bytes
    _choices: dict = field(default_factory=dict)

    def rng(self, name: str) -> np.random.Generator:
        digest = hashlib.sha256(self.seed + name.encode()).digest()
        return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))

    def swung(self, position: Fraction) -> Fraction:
        """A position in the bar moved by the style's swing (odd sixteenths come late)."""
        step = self.meter.step
        if self.style.swing != 0.5 and position % (2 * step) == step:
            return position + (2 * Fraction(self.style.swing).limit_denominator(100) - 1) * step
        return position

    def note(self, bar: Bar, voice: str, position: Fraction, length: Fraction | None = None,
             pitch: int = 0, gain: float = 1.0, pan: float = 0.0, bus: str = "drums") -> Note:
        return Note(voice, bar.start + self.swung(position), length or self.meter.step, pitch,
                    gain, pan, bus)

    def chord_length(self, bar: Bar) -> Fraction:
        """Beats until the chord changes, from this bar's downbeat."""
        bars = 1
        while bar.index + bars < len(self.bars) and bars < self.style.chord_bars and \
                self.bars[bar.index + bars].chord == bar.chord and \
                self.bars[bar.index + bars].section == bar.section:
            bars += 1
        return Fraction(bars * self.meter.beats)

    def chord_starts(self, bar: Bar) -> bool:
        return bar.index == 0 or bar.pos == 0 or self.bars[bar.index - 1].chord != bar.chord or \
            bar.pos % self.style.chord_bars == 0

    def kicks(self) -> tuple[Fraction, ...]:
        """The take's kick positions in a bar, for grooves whose kick pattern varies."""
        if "kicks" not in self._choices:
            self._choices["kicks"] = _kick_pattern(self)
        return self._choices["kicks"]


def _kick_pattern(score: Score) -> tuple[Fraction, ...]:
    rng, m = score.rng("kicks"), score.meter
    groove, pulses = score.style.groove, m.pulses
    if groove == "breakbeat":
        base = {pulses[0]} | ({pulses[2] + m.eighth} if len(pulses) >= 4 else set())
    elif groove == "halftime":
        base = {pulses[0]}
    else:
        base = {p for i, p in enumerate(pulses) if i % 2 == 0 and p not in m.backbeats()}
    spare = [p for p in m.grid(m.step) if p not in base and p not in m.backbeats()
             and p - m.step not in m.backbeats() and p != 0]
    if groove == "backbeat":        # extra kicks lean on beat 1, so the bar's start stays clear
        spare = [p for p in spare if p < Fraction(m.beats, 2)] or spare
    extra = {"halftime": 3, "breakbeat": 1, "backbeat": 1}.get(groove, 0)
    picks = rng.choice(len(spare), size=min(extra, len(spare)), replace=False) if spare else []
    return tuple(sorted(base | {spare[i] for i in picks}))


def _plays(bar: Bar, *roles: str, intro_late: bool = False, outro_early: bool = False) -> bool:
    """Whether a layer plays in this bar: in `roles`, the second half of the intro, the
    first half of the outro."""
    return bar.role in roles or (intro_late and bar.role == "intro" and bar.second_half) or \
        (outro_early and bar.role == "outro" and not bar.second_half)


def _level(bar: Bar) -> float:
    return {"intro": 0.8, "build": 0.75 + 0.25 * bar.progress, "drop": 1.0, "break": 0.8,
            "outro": 0.85 - 0.3 * bar.progress}[bar.role]


def _gap(score: Score, bar: Bar, position: Fraction) -> bool:
    """The held breath before a drop: the last half bar of a build."""
    return bar.role == "build" and bar.last and position >= Fraction(score.meter.beats, 2)


# ------------------------------------------------------------------ drums
def _hat_gains(score: Score, rng) -> dict[Fraction, float]:
    m = score.meter
    return {p: m.accent(p) ** 2 * (0.8 + 0.2 * rng.random()) for p in m.grid(m.step)}


def four(score: Score) -> list[Note]:
    rng, m, out = score.rng("drums"), score.meter, []
    hats16 = rng.random() < 0.6
    accents = _hat_gains(score, rng)
    perc = [p for p in m.grid(m.step) if p % m.eighth and rng.random() < 0.25]
    backbeat = "snare" if score.style.name == "synthwave" else "clap"
    for bar in score.bars:
        level = _level(bar)
        for p in m.pulses:
            if bar.role != "break" and not _gap(score, bar, p):
                out.append(score.note(bar, "kick", p, gain=1.0 if p == 0 else 0.85))
        if _plays(bar, "drop", "build", intro_late=True, outro_early=True):
            out += [score.note(bar, backbeat, p, gain=0.8 * level) for p in m.backbeats()
                    if not _gap(score, bar, p)]
        open_hat = _plays(bar, "drop", "build", intro_late=True, outro_early=True)
        if open_hat:
            out += [score.note(bar, "ohat", p, gain=0.2 * level, pan=0.2) for p in m.offbeats()]
        if bar.role != "break" or bar.second_half:
            spacing = m.step if hats16 and bar.role == "drop" else m.eighth
            soft = 0.4 if bar.role == "break" else 1.0
            out += [score.note(bar, "hat", p, gain=0.4 * accents[p] * level * soft, pan=-0.25)
                    for p in m.grid(spacing) if not (open_hat and p in m.offbeats())]
        if bar.role == "drop":
            out += [score.note(bar, "rim", p, gain=0.35, pan=0.4) for p in perc]
            if bar.number >= 2:
                out += [score.note(bar, "ride", p, gain=0.3, pan=0.3) for p in m.offbeats()]
    return out


def backbeat(score: Score) -> list[Note]:
    rng, m, out = score.rng("drums"), score.meter, []
    accents = _hat_gains(score, rng)
    ghosts = [p for p in m.grid(m.step) if p % m.eighth and rng.random() < 0.18]
    rock = score.style.name == "rock"
    for bar in score.bars:
        level = _level(bar)
        fill = rock and bar.role in ("drop", "build") and (bar.pos % 8 == 7 or bar.last)
        fill_from = m.pulses[-1]
        full = bar.role != "break"
        if bar.role != "break":
            out += [score.note(bar, "kick", p, gain=1.0 if p == 0 else 0.85) for p in score.kicks()
                    if not _gap(score, bar, p)]
        if full:
            out += [score.note(bar, "snare", p, gain=0.9 * level) for p in m.backbeats()
                    if not (fill and p >= fill_from) and not _gap(score, bar, p)]
            if not rock:
                out += [score.note(bar, "snare", p, gain=0.14) for p in ghosts]
        if bar.role != "break" or bar.second_half:
            ride = rock and bar.role == "drop" and bar.number >= 2
            voice, spacing = ("ride", m.eighth) if ride else ("hat", m.eighth)
            if not rock and bar.role == "drop":
                spacing = m.step
            out += [score.note(bar, voice, p, gain=0.35 * accents[p] * level, pan=-0.2)
                    for p in m.grid(spacing) if not (fill and p >= fill_from)]
        if rock and bar.role == "drop" and bar.pos % 4 == 0 and bar.pos:
            out.append(score.note(bar, "crash", Fraction(0), gain=0.45, pan=-0.3))
        if fill:
            toms = [score.key.pitch(d, 45) for d in (7, 4, 2, 0)]
            out += [score.note(bar, "tom", fill_from + i * m.step, pitch=toms[i % 4],
                               gain=0.75, pan=0.5 - 0.3 * (i % 4))
                    for i in range(int((m.beats - fill_from) / m.step))]
    return out


def breakbeat(score: Score) -> list[Note]:
    rng, m, out = score.rng("drums"), score.meter, []
    accents = _hat_gains(score, rng)
    ghosts = [p for p in m.grid(m.step) if p % m.eighth and rng.random() < 0.2]
    for bar in score.bars:
        level = _level(bar)
        if bar.role != "break":
            out += [score.note(bar, "kick", p) for p in score.kicks() if not _gap(score, bar, p)]
        if _plays(bar, "drop", "build", intro_late=True, outro_early=True):
            out += [score.note(bar, "snare", p, gain=0.95 * level) for p in m.backbeats()
                    if not _gap(score, bar, p)]
            out += [score.note(bar, "snare", p, gain=0.12) for p in ghosts]
        if bar.role != "break" or bar.second_half:
            spacing = m.step if bar.role == "drop" else m.eighth
            out += [score.note(bar, "hat", p, gain=0.3 * accents[p] * level, pan=-0.2)
                    for p in m.grid(spacing)]
        if bar.role == "drop" and bar.number >= 2:
            out += [score.note(bar, "ride", p, gain=0.25, pan=0.3) for p in m.pulses]
    return out


def halftime(score: Score) -> list[Note]:
    rng, m, out = score.rng("drums"), score.meter, []
    pulses = m.pulses
    middle = pulses[len(pulses) // 2] if len(pulses) > 1 else Fraction(m.beats, 2)
    rates = (Fraction(2, 3), Fraction(1, 2))           # sixteenth triplets, thirty-seconds
    rolls = {i: (int(rng.integers(len(pulses))), rates[int(rng.integers(2))]) for i in range(4)}
    for bar in score.bars:
        level = _level(bar)
        if bar.role != "break":
            out += [score.note(bar, "kick", p) for p in score.kicks() if not _gap(score, bar, p)]
        if _plays(bar, "drop", "build", intro_late=True, outro_early=True):
            out.append(score.note(bar, "clap", middle, gain=0.95 * level))
        if bar.role == "break" and not bar.second_half:
            continue
        pulse, rate = rolls[bar.pos % 4]
        start = pulses[pulse]
        end = pulses[pulse + 1] if pulse + 1 < len(pulses) else Fraction(m.beats)
        roll = bar.role == "drop" and bar.pos % 2 == 1
        for p in m.grid(m.eighth):
            if not (roll and start <= p < end):
                out.append(score.note(bar, "hat", p, gain=0.32 * m.accent(p) * level, pan=-0.2))
        if roll:
            count = int((end - start) / (m.step * rate))
            out += [Note("hat", bar.start + start + i * m.step * rate, m.step, 0,
                         0.16 + 0.12 * i / max(count, 1), -0.2) for i in range(count)]
    return out


def epic(score: Score) -> list[Note]:
    rng, m, out = score.rng("drums"), score.meter, []
    extra = [p for p in m.grid(m.eighth) if p not in m.pulses and rng.random() < 0.35]
    for bar in score.bars:
        level = _level(bar)
        root = score.key.pitch(bar.chord, 45)
        if score.chord_starts(bar) or bar.role in ("drop", "build"):
            out.append(score.note(bar, "timpani", Fraction(0), pitch=root, gain=0.8 * level))
        if _plays(bar, "drop", outro_early=True) or (bar.role == "build" and bar.second_half):
            out += [score.note(bar, "taiko", p, gain=(1.0 if p == 0 else 0.8) * level)
                    for p in m.pulses if not _gap(score, bar, p)]
            if bar.role == "drop":
                out += [score.note(bar, "taiko", p, gain=0.45) for p in extra]
        elif bar.role in ("intro", "break", "outro"):
            out += [score.note(bar, "taiko", p, gain=0.5) for p in m.pulses[1:]]
    return out


def soft(score: Score) -> list[Note]:
    m, out = score.meter, []
    for bar in score.bars:
        if bar.role == "drop" or (bar.role == "build" and bar.second_half):
            out += [score.note(bar, "kick", p, gain=0.8 if p == 0 else 0.45) for p in m.pulses
                    if not _gap(score, bar, p)]
        elif bar.role != "break" or bar.second_half:   # a heartbeat: soft, on every pulse
            out += [score.note(bar, "kick", p, gain=0.75 if p == 0 else 0.45) for p in m.pulses]
    return out


GROOVES: dict[str, Callable[[Score], list[Note]]] = {
    "four": four, "backbeat": backbeat, "breakbeat": breakbeat, "halftime": halftime,
    "epic": epic, "soft": soft}


# ------------------------------------------------------------------ the form made audible
def moments(score: Score) -> list[Note]:
    m, out = score.meter, []
    gentle = score.style.groove == "soft"
    for bar in score.bars:
        if bar.pos == 0:
            gain = {"drop": 1.0, "break": 0.6, "build": 0.5, "intro": 0.5, "outro": 0.6}[bar.role]
            out.append(score.note(bar, "crash", Fraction(0), gain=gain * (0.6 if gentle else 1),
                                  pan=-0.3, bus="fx"))
            if bar.role in ("drop", "break") or (bar.role == "intro" and not gentle):
                out.append(score.note(bar, "boom", Fraction(0), gain=gain, bus="fx"))
        if bar.role == "build" and bar.pos == 0:
            length = Fraction(bar.length * m.beats)
            out.append(Note("riser", bar.start, length, 0, 0.8, 0.0, "fx"))
            out += _roll(score, bar, length)
        if bar.role == "build" and bar.last:
            out.append(Note("revcrash", bar.start, Fraction(m.beats), 0, 0.7, 0.3, "fx"))
    if score.style.dust:
        total = Fraction(len(score.bars) * m.beats)
        out.append(Note("crackle", Fraction(0), total, 0, score.style.dust, 0.0, "fx"))
    return out


def _roll(score: Score, first: Bar, length: Fraction) -> list[Note]:
    """A snare roll over a build: pulses, then eighths, then sixteenths, getting louder."""
    if score.style.groove == "soft":
        return []
    m, out, at = score.meter, [], Fraction(0)
    voice = "timpani" if score.style.groove == "epic" else "roll"
    pitch = score.key.pitch(0, 45)
    while at < length - Fraction(m.beats, 2):
        progress = float(at / length)
        spacing = m.pulse_length if progress < 0.5 else (m.eighth if progress < 0.75 else m.step)
        out.append(Note(voice, first.start + at, m.step, pitch, 0.25 + 0.6 * progress, 0.1, "fx"))
        at += spacing
    return out


# ------------------------------------------------------------------ bass
def _root(score: Score, bar: Bar, centre: int = 38) -> int:
    return score.key.pitch(bar.chord, centre)


def bass(score: Score) -> list[Note]:
    kind, m, out = score.style.bass, score.meter, []
    rng = score.rng("bass")
    octave_jumps = rng.random() < 0.5
    pickup = rng.random() < 0.5
    steps = (0, 0, 0, 7, 4, 2, 1, 3, 5, -1, -2)       # scale degrees above the chord root
    riff = [int(rng.choice(steps)) for _ in range(int(m.beats / m.step))]
    accents = [rng.random() < 0.3 for _ in riff]
    bounce = ((0, 12), (0, 0, 12, 0), (0, 0, 0, 12))[int(rng.integers(3))]
    for bar in score.bars:
        level = _level(bar)
        root = _root(score, bar)
        playing = _plays(bar, "drop", "build", intro_late=True, outro_early=True)
        if kind == "drone" or (kind in ("ostinato", "reese") and not playing):
            if score.chord_starts(bar) and (playing or kind in ("drone", "ostinato")):
                voice = "low" if kind == "ostinato" else "bass"
                out.append(score.note(bar, voice, Fraction(0), score.chord_length(bar), root,
                                      0.8 * level, bus="bass"))
            continue
        if not playing:
            if bar.role == "break" and kind in ("eighths", "walk", "octaves"):
                out.append(score.note(bar, "bass", Fraction(0), Fraction(m.beats) - m.step, root,
                                      0.5, bus="bass"))
            continue
        if kind == "offbeat":
            for i, p in enumerate(m.offbeats()):
                up = 12 if octave_jumps and i % 2 else 0
                out.append(score.note(bar, "bass", p, m.eighth * Fraction(9, 10), root + up,
                                      0.9 * level, bus="bass"))
                if pickup and i == len(m.pulses) - 1:
                    out.append(score.note(bar, "bass", p + m.step, m.step, root + 12, 0.5,
                                          bus="bass"))
        elif kind == "rolling":
            for i, p in enumerate(m.grid(m.step)):
                if p in m.pulses:
                    continue
                degree = bar.chord + riff[i]
                voice = "bass_hi" if accents[i] else "bass"
                out.append(score.note(bar, voice, p, m.step * Fraction(3, 4),
                                      score.key.pitch(degree, 38), 0.8 * level, bus="bass"))
        elif kind == "octaves":
            for i, p in enumerate(m.grid(m.eighth)):
                out.append(score.note(bar, "bass", p, m.eighth * Fraction(4, 5),
                                      root + bounce[i % len(bounce)],
                                      0.85 * level, bus="bass"))
        elif kind == "eighths":
            grid = m.grid(m.eighth)
            for i, p in enumerate(grid):
                pitch = root
                if pickup and i == len(grid) - 1 and bar.next_chord != bar.chord:
                    pitch = score.key.pitch(bar.next_chord - 1, 38)
                out.append(score.note(bar, "bass", p, m.eighth * Fraction(9, 10), pitch,
                                      (0.7 + 0.3 * m.accent(p)) * level, bus="bass"))
        elif kind == "reese":
            hits = [Fraction(0)]
            if len(m.pulses) >= 4 and pickup:
                hits.append(m.pulses[2] + m.eighth)
            for j, p in enumerate(hits):
                end = hits[j + 1] if j + 1 < len(hits) else Fraction(m.beats)
                out.append(score.note(bar, "bass", p, end - p, score.key.pitch(bar.chord, 31),
                                      0.9 * level, bus="bass"))
        elif kind == "808":
            kicks = [k for k in score.kicks() if not _gap(score, bar, k)]
            for j, p in enumerate(kicks):
                end = kicks[j + 1] if j + 1 < len(kicks) else Fraction(m.beats)
                out.append(score.note(bar, "bass", p, min(end - p, Fraction(2)),
                                      score.key.pitch(bar.chord, 33), 0.95 * level, bus="bass"))
        elif kind == "walk":
            pulses = m.pulses
            steps = [(pulses[0], 0)] + [(p, (4, 2, 7)[i % 3]) for i, p in enumerate(pulses[1:])]
            for j, (p, degree) in enumerate(steps):
                end = steps[j + 1][0] if j + 1 < len(steps) else Fraction(m.beats)
                pitch = score.key.pitch(bar.chord + degree, 36)
                out.append(score.note(bar, "bass", p, (end - p) * Fraction(4, 5), pitch,
                                      (0.95 if p == 0 else 0.75) * level, bus="bass"))
            if bar.next_chord != bar.chord:
                out.append(score.note(bar, "bass", Fraction(m.beats) - m.eighth, m.eighth,
                                      score.key.pitch(bar.next_chord + 1, 36), 0.5, bus="bass"))
        elif kind == "ostinato":
            for i, p in enumerate(m.grid(m.eighth)):
                if _gap(score, bar, p):
                    continue
                pitch = root + (12 if octave_jumps and i % 4 == 2 else 0)
                out.append(score.note(bar, "bass", p, m.eighth, pitch,
                                      (1.0 if p in m.pulses else 0.55) * level, bus="bass"))
    return out


# ------------------------------------------------------------------ chords
def chords(score: Score) -> list[Note]:
    kind, m, out = score.style.chords, score.meter, []
    rng = score.rng("chords")
    size = 4 if score.style.sevenths else 3
    centre = {"power": 40, "dub": 55, "keys": 60, "piano": 60}.get(kind, 62)
    rhythm = _stab_rhythm(rng, m)
    anticipate = rng.random() < 0.5
    previous = None
    for bar in score.bars:
        level = _level(bar)
        notes = voicing(score.key, bar.chord, size, centre, previous)
        previous = notes
        sustained = kind in ("pad", "strings", "choir") or bar.role == "break" or \
            (kind in ("keys", "piano") and bar.role in ("intro", "outro"))
        if kind == "power":
            out += _power(score, bar, level)
            continue
        if sustained:
            if score.chord_starts(bar) and (bar.role != "intro" or kind in ("pad", "strings",
                                                                             "choir", "keys")
                                            or bar.second_half):
                voice = "pad" if bar.role == "break" and kind not in ("pad", "strings", "choir") \
                    else "chord"
                gain = (0.3 if voice == "pad" else 0.6) * level
                out += [score.note(bar, voice, Fraction(0), score.chord_length(bar), n, gain,
                                   _spread(i, len(notes)), "chords") for i, n in enumerate(notes)]
            continue
        if not _plays(bar, "drop", "build", intro_late=True, outro_early=True):
            continue
        if kind == "stabs":
            for p in rhythm:
                out += [score.note(bar, "chord", p, m.step * 2, n, 0.4 * level,
                                   _spread(i, len(notes)), "chords") for i, n in enumerate(notes)]
        elif kind == "dub":
            for k, p in enumerate(m.grid(3 * m.step)):
                out += [score.note(bar, "chord", p, m.step, n, 0.5 * level * 0.8 ** (k % 4),
                                   _spread(i, len(notes)), "chords") for i, n in enumerate(notes)]
        elif kind in ("keys", "piano"):
            hits = [Fraction(0)] + ([m.pulses[-1] + m.eighth] if anticipate else [m.pulses[-1]])
            if kind == "piano":
                hits = [Fraction(0)] + [p for p in m.offbeats()[1::2]]
            for j, p in enumerate(hits):
                end = hits[j + 1] if j + 1 < len(hits) else Fraction(m.beats)
                out += [score.note(bar, "chord", p, end - p, n, (0.5 if p == 0 else 0.4) * level,
                                   _spread(i, len(notes)), "chords") for i, n in enumerate(notes)]
    return out


def _stab_rhythm(rng: np.random.Generator, m: Meter) -> list[Fraction]:
    """Where the take's chord stabs fall: mostly off the beat, at least two to a bar."""
    offbeats = set(m.offbeats())
    candidates = [p for p in m.grid(m.step) if p not in m.pulses]
    if len(candidates) < 2:
        return candidates or [Fraction(0)]
    while True:
        hits = [p for p in candidates if rng.random() < (0.55 if p in offbeats else 0.2)]
        if len(hits) >= 2:
            return hits


def _power(score: Score, bar: Bar, level: float) -> list[Note]:
    m = score.meter
    root = score.key.pitch(bar.chord, 42)
    if bar.role == "drop":
        return [score.note(bar, "chord", p, m.eighth * Fraction(9, 10), root,
                           (0.55 + 0.45 * m.accent(p)) * level, 0.0, "chords")
                for p in m.grid(m.eighth)]
    if bar.role == "build" or (bar.role == "intro" and bar.second_half):
        return [score.note(bar, "chord_mute", p, m.eighth / 2, root, 0.8 * level, 0.0, "chords")
                for p in m.grid(m.eighth) if not _gap(score, bar, p)]
    if bar.role == "outro" and not bar.second_half:
        return [score.note(bar, "chord", Fraction(0), Fraction(m.beats), root, 0.7, 0.0, "chords")]
    if bar.role == "break" and score.chord_starts(bar):
        notes = voicing(score.key, bar.chord, 3, 60)
        return [score.note(bar, "pad", Fraction(0), score.chord_length(bar), n, 0.45,
                           _spread(i, 3), "chords") for i, n in enumerate(notes)]
    return []


def _spread(i: int, count: int) -> float:
    return 0.0 if count < 2 else -0.35 + 0.7 * i / (count - 1)


# ------------------------------------------------------------------ melody and arpeggios
def top(score: Score) -> list[Note]:
    kind, m, out = score.style.top, score.meter, []
    rng = score.rng("top")
    fine = m.step if kind in ("pluck", "guitar") else m.eighth
    if kind in ("brass", "glass"):     # long notes; for glass, on the pulse only
        fine = m.pulse_length / 2 if m.pulse_length > 1 else Fraction(1)
    phrase = motif(rng, m.beats, fine, set(m.pulses), bars=2,
                   density={"brass": 0.5, "flute": 0.4, "bell": 0.35, "glass": 0.3}.get(kind, 0.45))
    answer = vary(rng, phrase)
    shape = ARPS[int(rng.integers(len(ARPS)))]
    arp_rate = m.step if rng.random() < 0.6 else m.eighth
    centre = {"guitar": 64, "brass": 57, "bell": 72, "glass": 74, "flute": 72}.get(kind, 69)
    for bar in score.bars:
        level = _level(bar)
        if kind in ("arp", "glass") or (kind == "brass" and bar.role in ("drop", "build")):
            rate = {"arp": arp_rate, "glass": m.pulse_length}.get(kind, m.eighth)
            out += _arp(score, bar, shape, rate, level, kind)
        if not _sings(kind, bar):
            continue
        if kind == "arp" and score.style.name == "techno":
            continue
        half = answer if bar.pos // 2 % 2 else phrase
        offset = Fraction((bar.pos % 2) * m.beats)
        for note in half:
            if offset <= note.at < offset + m.beats:
                degree = note.degree
                if note.strong:
                    degree = nearest_chord_degree(degree, bar.chord)
                pitch = score.key.pitch(degree, centre)
                gain = 0.55 * level * (0.75 if bar.role == "break" else 1.0)
                out.append(score.note(bar, "lead", note.at - offset, note.length, pitch, gain, 0.1,
                                      "top"))
                if bar.role == "drop" and bar.number >= 2 and kind in ("pluck", "lead", "arp"):
                    out.append(score.note(bar, "lead", note.at - offset, note.length, pitch + 12,
                                          gain * 0.4, -0.3, "top"))
    return out


def _sings(kind: str, bar: Bar) -> bool:
    """Where the melody plays: the drops (from the second for some), and the breaks."""
    if bar.role == "break":
        return kind not in ("arp",)
    if bar.role == "drop":
        return kind in ("flute", "bell", "brass", "pluck", "glass") or bar.number >= 2
    return False


def _arp(score: Score, bar: Bar, shape: str, rate: Fraction, level: float, kind: str) -> list[Note]:
    m = score.meter
    if kind == "arp" and not _plays(bar, "drop", "break", intro_late=True) and \
            not (bar.role == "build" and bar.second_half):
        return []
    notes = voicing(score.key, bar.chord, 3, 67 if kind == "brass" else 72)
    grid = m.grid(rate)
    voice = "ostinato" if kind == "brass" else ("lead2" if kind == "arp" else "lead")
    gain = {"glass": 0.4, "brass": 0.5}.get(kind, 0.35) * level
    if kind == "glass" and bar.role in ("intro", "outro", "break"):
        gain *= 0.8
    pitches = arpeggio(notes, shape, len(grid))
    accent = (lambda p: 1.0 if p in m.pulses else 0.5) if kind in ("glass", "brass") else \
        (lambda p: 0.7 + 0.3 * m.accent(p))
    return [score.note(bar, voice, p, rate, pitch, gain * accent(p),
                       0.3 if i % 2 else -0.3, "top")
            for i, (p, pitch) in enumerate(zip(grid, pitches)) if not _gap(score, bar, p)]


def write(score: Score) -> list[Note]:
    """Every note of the song: drums, moments, bass, chords and the top line."""
    return (GROOVES[score.style.groove](score) + moments(score) + bass(score) + chords(score)
            + top(score))
