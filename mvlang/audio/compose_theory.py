"""Keys, scales, chords and melodies for the procedural composer (stage: backends).

Pitches are MIDI numbers; chords are built by stacking thirds of the key's own
scale, so every chord, bass note and melody stays inside the requested key. A
melody is a short motif (rhythm and contour drawn from the take's generator)
whose notes on strong beats are pulled to the tones of the chord under them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

LETTERS = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_MODES = {"": "major", "maj": "major", "major": "major", "min": "minor", "minor": "minor",
          "m": "minor"}

# Chord roots as 0-based scale degrees, four chords to a cycle.
PROGRESSIONS = {
    "minor": ((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6), (0, 5, 3, 4), (0, 3, 6, 2), (0, 2, 5, 6)),
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (3, 0, 4, 5), (0, 3, 4, 3), (0, 2, 3, 4), (0, 3, 5, 4)),
    "static": ((0, 0, 0, 0), (0, 0, 5, 5), (0, 0, 3, 3), (0, 6, 0, 6)),
    "slow": ((0, 3, 5, 4), (0, 5, 3, 4), (0, 4, 5, 3), (5, 3, 0, 4)),
}


@dataclass(frozen=True)
class Key:
    tonic: int          # pitch class, C = 0
    mode: str           # "major" or "minor"
    name: str           # canonical: "A minor", "F# major", "Bb minor"

    @property
    def scale(self) -> tuple[int, ...]:
        return SCALES[self.mode]

    def with_mode(self, mode: str) -> Key:
        return Key(self.tonic, mode, f"{self.name.split()[0]} {mode}")

    def pitch(self, degree: int, near: int) -> int:
        """MIDI pitch of a scale degree (0 = tonic; may be negative or past 6), the
        tonic placed in the octave nearest `near`."""
        octave, step = divmod(degree, 7)
        return self.root_near(near) + 12 * octave + self.scale[step]

    def root_near(self, near: int) -> int:
        return near + ((self.tonic - near + 6) % 12) - 6

    def pitch_classes(self) -> set[int]:
        return {(self.tonic + s) % 12 for s in self.scale}


def parse_key(text: str) -> Key:
    """`"A minor"`, `"F# major"`, `"Bb"`, `"C#m"`, `"a min"` -> a `Key`; ValueError if not one."""
    words = text.strip().replace("♯", "#").replace("♭", "b").split()
    if words:
        root, mode = words[0], " ".join(words[1:]).lower()
        if len(root) >= 2 and root[-1] == "m" and not mode:
            root, mode = root[:-1], "minor"
        mode = _MODES.get(mode)
        if mode and root and root[0].lower() in LETTERS and root[1:] in ("", "#", "b"):
            shift = {"": 0, "#": 1, "b": -1}[root[1:]]
            return Key((LETTERS[root[0].lower()] + shift) % 12, mode,
                       f"{root[0].upper()}{root[1:]} {mode}")
    raise ValueError(f"{text!r} is not a key (write a note and a mode: \"A minor\", \"F# major\")")


# ------------------------------------------------------------------ chords
def chord_degrees(root: int, size: int = 3) -> tuple[int, ...]:
    return tuple(root + 2 * i for i in range(size))


def voicing(key: Key, root: int, size: int, centre: int,
            previous: tuple[int, ...] | None = None) -> tuple[int, ...]:
    """Chord tones near `centre`, in the inversion that moves least from `previous`."""
    close = sorted(key.pitch(d, centre - 5) for d in chord_degrees(root, size))
    candidates = []
    notes = list(close)
    for _ in range(size):
        candidates.append(tuple(notes))
        candidates.append(tuple(n - 12 for n in notes))
        notes = sorted(notes[1:] + [notes[0] + 12])
    target = previous if previous is not None and len(previous) == size else None

    def cost(notes: tuple[int, ...]) -> float:
        spread = abs(sum(notes) / size - centre)
        if target is None:
            return spread
        return sum(abs(a - b) for a, b in zip(notes, target)) + 0.3 * spread
    return min(candidates, key=cost)


def nearest_chord_degree(degree: int, root: int) -> int:
    """The chord tone (root, third or fifth of `root`) nearest a scale degree."""
    tones = [root + 2 * i + 7 * o for o in (-2, -1, 0, 1, 2) for i in range(3)]
    return min(tones, key=lambda t: (abs(t - degree), t))


# ------------------------------------------------------------------ melodies
@dataclass(frozen=True)
class MotifNote:
    at: Fraction        # beats from the phrase start
    length: Fraction    # beats
    degree: int         # scale degree relative to the tonic (before chord snapping)
    strong: bool        # on a pulse: snapped to the chord


def motif(rng: np.random.Generator, bar_beats: int, step: Fraction, strong: set[Fraction],
          bars: int = 2, density: float = 0.5, legato: float = 0.9,
          low: int = -2, high: int = 9) -> tuple[MotifNote, ...]:
    """A phrase of `bars` bars: onsets on a grid of `step` beats (denser on strong
    positions), a contour that mostly steps through the scale."""
    steps_per_bar = int(bar_beats / step)
    onsets = []
    for bar in range(bars):
        for i in range(steps_per_bar):
            position = i * step
            weight = 1.6 if position in strong else (1.0 if (position / step) % 2 == 0 else 0.45)
            last_of_phrase = bar == bars - 1 and i > steps_per_bar // 2
            if rng.random() < density * weight * (0.5 if last_of_phrase else 1.0) or \
                    (bar == 0 and i == 0):
                onsets.append(bar * bar_beats + position)
    degree = int(rng.integers(0, 5))
    notes = []
    for j, at in enumerate(onsets):
        end = onsets[j + 1] if j + 1 < len(onsets) else Fraction(bars * bar_beats)
        length = max(step, (end - at) * Fraction(legato).limit_denominator(8))
        move = int(rng.choice((-2, -1, -1, 0, 1, 1, 2, 3, -3)))
        degree = int(np.clip(degree + move, low, high))
        notes.append(MotifNote(at, length, degree, (at % bar_beats) in strong))
    return tuple(notes)


def vary(rng: np.random.Generator, phrase: tuple[MotifNote, ...], amount: float = 0.3,
         low: int = -2, high: int = 9) -> tuple[MotifNote, ...]:
    """The same rhythm with some notes moved: an answer to the phrase."""
    out = []
    for note in phrase:
        if rng.random() < amount:
            degree = int(np.clip(note.degree + int(rng.choice((-2, -1, 1, 2))), low, high))
            note = MotifNote(note.at, note.length, degree, note.strong)
        out.append(note)
    return tuple(out)


ARPS = ("up", "down", "updown", "skip", "pedal")


def arpeggio(notes: tuple[int, ...], shape: str, count: int) -> list[int]:
    """`count` pitches walking through a chord's notes in one of `ARPS`."""
    up = (sorted(notes) + [min(notes) + 12, min(notes) + 24])[:4]
    # every shape is 4 or 8 steps long, so it repeats on the beat, not across it
    order = {"up": up[:4], "down": up[::-1][:4], "updown": (up + up[::-1])[:8],
             "skip": [up[i] for i in (0, 2, 1, 3)],
             "pedal": [up[0], up[1], up[0], up[2], up[0], up[3], up[0], up[2]]}[shape]
    return [order[i % len(order)] for i in range(count)]
