"""Synthesise the beat-tracking benchmark set: audio with exact ground truth.

    python bench/beats/make_set.py [--out bench/beats/audio] [--seed 7]

Every file is a small piece of music built from numpy-synthesised drums,
bass, chords and clicks on a known beat grid, then given noise and a little
reverb. Beside each `NAME.wav` goes `NAME.json`: its group, meter, tempo and
the exact times of every beat and downbeat (at the meter's counting unit:
eighths for 6/8). The same seed gives the same files, byte for byte.

Groups: click (accented clicks), drums (4/4 kits, 60-200 bpm), 3/4 (waltz),
6/8 (two dotted-quarter pulses a bar), swing (triplet shuffle), ramp (tempo
ramps and steps), offbeat-house (kick on the beat, loud open hat and bass on
the off-beat). Real music with annotations is not made here (see README).

`synthesise(Spec, seed)` and the instruments are importable (evaluate.py
builds its 3-minute timing song with them).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, fftconvolve, sosfilt

HERE = Path(__file__).resolve().parent
CHORDS = [(0, 4, 7), (9, 0, 4), (5, 9, 0), (7, 11, 2)]   # I vi IV V in C, pitch classes


# ---------------------------------------------------------------- beat grids
def beat_times(bpm_at, duration: float, start: float = 0.0) -> np.ndarray:
    """Beat times from a tempo curve `bpm_at(t)` (beats of the counting unit)."""
    times, t = [], start
    while t < duration + 2.0:
        times.append(t)
        t += 60.0 / bpm_at(t)
    return np.asarray(times)


def steady(bpm: float):
    return lambda t: bpm


def ramp(bpm0: float, bpm1: float, span: float):
    return lambda t: bpm0 + (bpm1 - bpm0) * min(max(t / span, 0.0), 1.0)


def step(bpm0: float, bpm1: float, at: float):
    return lambda t: bpm0 if t < at else bpm1


# ---------------------------------------------------------------- instruments
def _env(n: int, sr: int, attack: float, decay: float) -> np.ndarray:
    """Attack, exponential decay, and a 10 ms fade at the end (no click where it is cut)."""
    t = np.arange(n) / sr
    rise = np.clip(t / max(attack, 1e-4), 0, 1)
    fade = np.clip((t[-1] - t) / 0.01, 0, 1)
    return rise * np.exp(-np.maximum(t - attack, 0) / decay) * fade


def _band(x: np.ndarray, sr: int, low: float | None, high: float | None) -> np.ndarray:
    if low and high:
        sos = butter(2, [low, min(high, 0.45 * sr)], "bandpass", fs=sr, output="sos")
    elif low:
        sos = butter(2, low, "highpass", fs=sr, output="sos")
    else:
        sos = butter(2, high, "lowpass", fs=sr, output="sos")
    return sosfilt(sos, x)


def kick(sr: int, rng, pitch: float = 50.0, decay: float = 0.16) -> np.ndarray:
    """A drum-machine kick: a sine swept down to `pitch` in ~15 ms, a click on top."""
    n = int(0.5 * sr)
    t = np.arange(n) / sr
    freq = pitch * (1 + 2.5 * np.exp(-t / 0.015))
    body = np.sin(2 * np.pi * np.cumsum(freq) / sr) * _env(n, sr, 0.001, decay)
    click = _band(rng.standard_normal(n), sr, 1500, 6000) * _env(n, sr, 0.0005, 0.004)
    return body + 0.3 * click


def snare(sr: int, rng, tone: float = 190.0) -> np.ndarray:
    n = int(0.3 * sr)
    t = np.arange(n) / sr
    noise = _band(rng.standard_normal(n), sr, 1200, 8000) * _env(n, sr, 0.001, 0.08)
    body = np.sin(2 * np.pi * tone * t) * _env(n, sr, 0.001, 0.05)
    return 0.7 * noise + 0.5 * body


def hat(sr: int, rng, open_: bool = False) -> np.ndarray:
    n = int((0.35 if open_ else 0.08) * sr)
    noise = _band(rng.standard_normal(n), sr, 6000, None)
    return noise * _env(n, sr, 0.0008 if not open_ else 0.003, 0.16 if open_ else 0.025)


def click(sr: int, accent: bool) -> np.ndarray:
    n = int(0.05 * sr)
    t = np.arange(n) / sr
    return np.sin(2 * np.pi * (1600 if accent else 1000) * t) * _env(n, sr, 0.0005, 0.012)


def tone(sr: int, midi: float, length: float, attack: float = 0.008, bright: float = 0.4,
         decay: float = 0.6) -> np.ndarray:
    """A plucked or held note: a few harmonics, `length` seconds with a short release."""
    n = int((length + 0.05) * sr)
    t = np.arange(n) / sr
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    wave = sum(bright ** (k - 1) * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 5)
               if k * f0 < 0.45 * sr)
    gate = np.clip((length + 0.05 - t) / 0.05, 0, 1)
    return wave * _env(n, sr, attack, decay) * gate


def chord(sr: int, which: int, length: float, octave: int = 5) -> np.ndarray:
    """The triad CHORDS[which], held for `length` seconds."""
    return sum(tone(sr, 12 * octave + p, length, attack=0.02, bright=0.3, decay=1.5)
               for p in CHORDS[which]) / 3


# ---------------------------------------------------------------- rendering
@dataclass
class Piece:
    """Events on a beat grid: (position in beats, sound). Positions interpolate `beats`."""
    beats: np.ndarray
    sr: int
    duration: float

    def __post_init__(self):
        self.out = np.zeros(int(self.duration * self.sr) + 1)

    def time(self, position: float) -> float:
        idx = np.arange(len(self.beats))
        return float(np.interp(position, idx, self.beats, left=np.nan, right=np.nan))

    def add(self, position: float, sound: np.ndarray, gain: float = 1.0, jitter: float = 0.0,
            rng=None) -> None:
        t = self.time(position)
        if not np.isfinite(t):
            return
        if jitter and rng is not None:
            t += rng.normal(0, jitter)
        start = round(t * self.sr)
        if start < 0:
            sound, start = sound[-start:], 0
        end = min(len(self.out), start + len(sound))
        if end > start:
            self.out[start:end] += gain * sound[: end - start]


def finish(piece: Piece, rng, noise_db: float, reverb: float) -> np.ndarray:
    """Reverb (exponentially decaying noise), background noise, peak-normalised to -1 dBFS."""
    x = piece.out
    sr = piece.sr
    if reverb > 0:
        n = int(0.6 * sr)
        ir = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.12 * sr))
        wet = fftconvolve(x, ir)[: len(x)]
        x = x + reverb * wet / (np.abs(wet).max() + 1e-9) * np.abs(x).max()
    x = x / (np.abs(x).max() + 1e-9)
    noise = _band(rng.standard_normal(len(x)), sr, 80, 8000)
    x = x + 10 ** (noise_db / 20) * noise / (noise.std() + 1e-9)
    return (0.89 * x / np.abs(x).max()).astype(np.float32)


# ---------------------------------------------------------------- styles
def play_clicks(p: Piece, rng, per_bar: int = 4) -> None:
    for i in range(len(p.beats)):
        accent = i % per_bar == 0
        p.add(i, click(p.sr, accent), 1.0 if accent else 0.5, 0.001, rng)


def play_rock(p: Piece, rng, fast: bool, slow: bool) -> None:
    """4/4: kick on 1 and 3 (and 3&), snare on 2 and 4, hats on eighths, bass and chords per bar."""
    k, s = kick(p.sr, rng, rng.uniform(45, 60)), snare(p.sr, rng, rng.uniform(170, 220))
    h = hat(p.sr, rng)
    for i in range(len(p.beats)):
        beat = i % 4
        if beat in (0, 2):
            p.add(i, k, 1.0, 0.002, rng)
        if beat in (1, 3):
            p.add(i, s, 0.8, 0.002, rng)
        if beat == 2 and not fast and rng.random() < 0.5:
            p.add(i + 0.5, k, 0.6, 0.002, rng)
        p.add(i, h, 0.25, 0.002, rng)
        if not fast:
            p.add(i + 0.5, h, 0.12 if slow else 0.18, 0.002, rng)
    harmony(p, rng, 4)


def harmony(p: Piece, rng, per_bar: int, bass_every: int = 1, gain: float = 0.35) -> None:
    """A chord a bar (I vi IV V) and a bass note on the bar's beats."""
    period = np.median(np.diff(p.beats))
    for bar, i in enumerate(range(0, len(p.beats), per_bar)):
        root = CHORDS[bar % 4][0]
        p.add(i, chord(p.sr, bar % 4, period * per_bar), gain, 0.0, rng)
        for b in range(0, per_bar, bass_every):
            p.add(i + b, tone(p.sr, 36 + root, period * bass_every * 0.9, 0.01, 0.5, 0.4),
                  gain * (1.2 if b == 0 else 0.8), 0.002, rng)


def play_waltz(p: Piece, rng) -> None:
    """3/4, oom-pah-pah: a bass note and a soft kick on 1, chords and hats on 2 and 3."""
    k, h = kick(p.sr, rng, rng.uniform(45, 60)), hat(p.sr, rng)
    period = np.median(np.diff(p.beats))
    for bar, i in enumerate(range(0, len(p.beats), 3)):
        root = CHORDS[bar % 4][0]
        p.add(i, k, 0.5, 0.002, rng)
        p.add(i, tone(p.sr, 36 + root, period * 0.9, 0.01, 0.5, 0.5), 0.6, 0.002, rng)
        for b in (1, 2):
            p.add(i + b, chord(p.sr, bar % 4, period * 0.7), 0.6, 0.002, rng)
            p.add(i + b, h, 0.25, 0.002, rng)


def play_six_eight(p: Piece, rng) -> None:
    """6/8 (beats are eighths): kick on 1, snare on 4, hats on every eighth, bass per pulse."""
    k, s, h = kick(p.sr, rng, rng.uniform(45, 60)), snare(p.sr, rng), hat(p.sr, rng)
    period = np.median(np.diff(p.beats))
    for bar, i in enumerate(range(0, len(p.beats), 6)):
        root = CHORDS[bar % 4][0]
        p.add(i, k, 1.0, 0.002, rng)
        p.add(i + 3, s, 0.6, 0.002, rng)
        p.add(i, chord(p.sr, bar % 4, period * 6), 0.3, 0.0, rng)
        for b in (0, 3):
            p.add(i + b, tone(p.sr, 36 + root, period * 2.7, 0.01, 0.5, 0.5),
                  0.45 if b == 0 else 0.3, 0.002, rng)
        for b in range(6):
            p.add(i + b, h, 0.22 if b in (0, 3) else 0.12, 0.002, rng)


def play_swing(p: Piece, rng) -> None:
    """4/4 shuffle: hats on the beat and on the last triplet, kick 1 and 3, snare 2 and 4."""
    k, s, h = kick(p.sr, rng, rng.uniform(45, 60)), snare(p.sr, rng), hat(p.sr, rng)
    for i in range(len(p.beats)):
        p.add(i, k if i % 2 == 0 else s, 1.0 if i % 2 == 0 else 0.8, 0.002, rng)
        p.add(i, h, 0.3, 0.002, rng)
        p.add(i + 2 / 3, h, 0.35, 0.002, rng)      # the shuffle eighth, loud
    harmony(p, rng, 4)


def play_house(p: Piece, rng) -> None:
    """Four on the floor; a loud open hat and bass on every off-beat; clap on 2 and 4."""
    k = kick(p.sr, rng, rng.uniform(48, 56), 0.14)
    oh, ch, clap = hat(p.sr, rng, open_=True), hat(p.sr, rng), snare(p.sr, rng, 0)
    period = np.median(np.diff(p.beats))
    for i in range(len(p.beats)):
        bar = i // 4
        root = CHORDS[bar % 4][0]
        p.add(i, k, 1.0, 0.001, rng)
        p.add(i + 0.5, oh, 0.6, 0.001, rng)
        p.add(i + 0.5, tone(p.sr, 36 + root, period * 0.4, 0.01, 0.35, 0.3), 0.4, 0.001, rng)
        p.add(i + 0.25, ch, 0.15, 0.001, rng)
        p.add(i + 0.75, ch, 0.15, 0.001, rng)
        if i % 2:
            p.add(i, clap, 0.6, 0.001, rng)
        if i % 4 == 0:
            p.add(i, chord(p.sr, bar % 4, period * 4, octave=4), 0.25, 0.0, rng)


# ---------------------------------------------------------------- the set
@dataclass
class Spec:
    name: str
    group: str
    tempo: Callable[[float], float]      # bpm at time t
    meter: tuple[int, int]
    style: str
    duration: float = 30.0
    sr: int = 22050


def specs() -> list[Spec]:
    out = [Spec(f"click-{b}", "click", steady(b), (4, 4), "click", sr=22050 if b % 40 else 44100)
           for b in (60, 80, 100, 120, 140, 160, 180, 200)]
    out += [Spec(f"drums-{b}", "drums", steady(b), (4, 4), "rock", sr=44100 if b % 3 else 22050)
            for b in (60, 72, 85, 97, 110, 128, 143, 160, 174, 200)]
    out += [Spec(f"waltz-{b}", "3/4", steady(b), (3, 4), "waltz") for b in (90, 120, 150, 180)]
    out += [Spec(f"six-eight-{b}", "6/8", steady(b), (6, 8), "six-eight")
            for b in (150, 180, 210, 240)]
    out += [Spec(f"swing-{b}", "swing", steady(b), (4, 4), "swing") for b in (90, 96, 102, 110)]
    out += [Spec("ramp-100-130", "ramp", ramp(100, 130, 60), (4, 4), "rock", 60.0),
            Spec("ramp-130-100", "ramp", ramp(130, 100, 60), (4, 4), "rock", 60.0),
            Spec("ramp-80-110", "ramp", ramp(80, 110, 45), (4, 4), "rock", 45.0),
            Spec("step-110-140", "ramp", step(110, 140, 25), (4, 4), "rock", 50.0),
            Spec("step-128-96", "ramp", step(128, 96, 25), (4, 4), "rock", 50.0)]
    out += [Spec(f"house-{b}", "offbeat-house", steady(b), (4, 4), "house", 40.0,
                 44100 if b % 2 else 22050) for b in (120, 122, 124, 125, 126, 128)]
    return out


def synthesise(spec: Spec, seed: int) -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    per_bar = spec.meter[0]
    # start part-way into a bar, so that the first beat is not always a downbeat
    pickup = int(rng.integers(0, per_bar))
    lead = rng.uniform(0.05, 0.6)
    grid = beat_times(spec.tempo, spec.duration + 1.0)
    beats = grid - grid[pickup] + lead                  # beat `pickup` of the grid lands at `lead`
    p = Piece(beats, spec.sr, spec.duration)
    bpm0 = 60 / np.median(np.diff(grid))
    play(spec.style, p, rng, per_bar, bpm0)
    audio = finish(p, rng, noise_db=rng.uniform(-38, -28), reverb=rng.uniform(0.1, 0.3))
    inside = (beats >= 0) & (beats <= spec.duration)
    index = np.arange(len(beats))
    truth = {"group": spec.group, "meter": list(spec.meter), "sample_rate": spec.sr,
             "duration": spec.duration,
             "bpm": float(60 / np.median(np.diff(beats[inside]))),
             "beats": [round(float(t), 6) for t in beats[inside]],
             "downbeats": [round(float(t), 6) for t in beats[inside & (index % per_bar == 0)]]}
    return audio, truth


def play(style: str, p: Piece, rng, per_bar: int, bpm: float) -> None:
    if style == "click":
        play_clicks(p, rng, per_bar)
    elif style == "rock":
        play_rock(p, rng, fast=bpm > 150, slow=bpm < 75)
    elif style == "waltz":
        play_waltz(p, rng)
    elif style == "six-eight":
        play_six_eight(p, rng)
    elif style == "swing":
        play_swing(p, rng)
    elif style == "house":
        play_house(p, rng)
    else:
        raise ValueError(style)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "audio")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="names containing this text")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    made = 0
    for index, spec in enumerate(specs()):
        if args.only not in spec.name:
            continue
        audio, truth = synthesise(spec, args.seed * 1000 + index)
        sf.write(args.out / f"{spec.name}.wav", audio, spec.sr, subtype="PCM_16")
        (args.out / f"{spec.name}.json").write_text(json.dumps(truth, indent=1))
        made += 1
    print(f"{made} files in {args.out}")


if __name__ == "__main__":
    main()
