"""Procedural music: a prompt -> a stereo song on an exact beat grid (stage: backends, `preview`).

The embedded default for `music "prompt" { ... }`: no model and no weights, a
drum machine and synthesisers at the requested tempo, key and meter, so that a
build on a fresh machine has real music with real bars and marks.

    prompt words --style_of/mood_of--> Style, Mood
    length       --arrange-----------> sections (intro, build, drop, break, ..., outro)
    take's seed  --compose_parts-----> notes (exact beat positions)
    notes        --kit, mixer--------> buses -> sidechain, sweeps, reverb -> master

Beat `i` starts at sample `round(i * 60/bpm * sr)` exactly (notes are placed
from `Fraction` positions), so `Composition.grid()` is the true grid. The same
inputs give the same samples, bit for bit: every random choice comes from
`numpy.random.PCG64` seeded by a sha256 of the inputs. The length is left out
of that seed, so a longer render of a prompt plays the same material.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .compose_arrange import Meter, arrange, bars, progressions
from .compose_kits import kit
from .compose_parts import Note, Score, write
from .compose_styles import STYLES, Mood, Style, mood_of, style_of
from .compose_theory import Key, parse_key
from .grid import BeatGrid
from .synth import SR, convolve, highpass_gain, lowpass_gain, pan, room, spectral, sweep

__all__ = ["STYLES", "VERSION", "Composition", "compose", "default_bpm", "style_of"]

from mvlang.versions import COMPOSER as VERSION  # bump it there

NATURAL_BARS = 64
PEAK = 10 ** (-1 / 20)            # -1 dBFS
BUSES = ("drums", "bass", "chords", "top", "fx")


@dataclass(frozen=True)
class Composition:
    samples: np.ndarray                 # float32, (n, 2), peak -1 dBFS
    sample_rate: int
    bpm: Fraction
    beats_per_bar: int
    beat_unit: int
    key: str                            # canonical, "A minor"
    style: str                          # a key of STYLES
    sections: tuple[tuple[str, int, int], ...]   # (name, first bar, last bar), bars from 1

    @property
    def duration(self) -> Fraction:
        return Fraction(len(self.samples), self.sample_rate)

    def grid(self) -> BeatGrid:
        """The exact grid: beat i at i*60/bpm seconds, the first downbeat at 0, a mark at
        each section's first downbeat named after the section."""
        period = Fraction(60) / self.bpm
        count = int(self.duration / period) + 1
        beats = tuple(i * period for i in range(max(count, 2)))
        marks = tuple((name, (first - 1) * self.beats_per_bar * period)
                      for name, first, _ in self.sections)
        return BeatGrid(beats, self.beats_per_bar, self.beat_unit, 0, self.duration, marks)


def compose(prompt: str, *, bpm: Fraction | int | None = None, key: str | None = None,
            length: float | None = None, meter: tuple[int, int] = (4, 4), seed: int = 0,
            take: int = 1) -> Composition:
    """A song for `prompt`; `length` in seconds (None: 64 bars), rounded to whole bars."""
    style, mood = STYLES[style_of(prompt)], mood_of(prompt)
    beats, unit = _meter(meter)
    tempo = _tempo(bpm, style, mood, unit)
    tonality = parse_key(key) if key is not None else _default_key(style, mood)
    if take < 1:
        raise ValueError(f"take must be 1 or more, not {take}")
    bar_seconds = Fraction(60 * beats) / tempo
    if length is None:
        count = NATURAL_BARS
    elif not length > 0:
        raise ValueError(f"length must be positive, not {length}")
    else:
        count = max(1, round(Fraction(length) / bar_seconds))
    sections = arrange(count)
    identity = json.dumps([prompt, str(tempo), tonality.name, [beats, unit], seed, take])
    score = _score(style, Meter(beats, unit), tonality, sections,
                   hashlib.sha256(identity.encode()).digest())
    samples = _render(score, mood, tempo)
    return Composition(samples, SR, tempo, beats, unit, tonality.name, style.name, sections)


def default_bpm(prompt: str, meter: tuple[int, int] = (4, 4)) -> Fraction:
    """The tempo `compose` picks for `prompt` when no `bpm` is given."""
    return _tempo(None, STYLES[style_of(prompt)], mood_of(prompt), _meter(meter)[1])


# ------------------------------------------------------------------ reading the inputs
def _meter(meter: tuple[int, int]) -> tuple[int, int]:
    beats, unit = meter
    if beats < 1 or unit not in (1, 2, 4, 8, 16):
        raise ValueError(f"{beats}/{unit} is not a meter")
    return int(beats), int(unit)


def _tempo(bpm, style: Style, mood: Mood, unit: int) -> Fraction:
    """The tempo asked for, exactly; or the style's, shaped by the mood. In x/8 the
    default counts eighths, half again as many as the style's quarter beats."""
    if bpm is None:
        tempo = Fraction(round(style.bpm * mood.tempo * (1.5 if unit >= 8 else 1)))
    else:
        tempo = Fraction(bpm)
    if not 20 <= tempo <= 400:
        raise ValueError(f"a tempo of {tempo} bpm is out of range (20 to 400)")
    return tempo


def _default_key(style: Style, mood: Mood) -> Key:
    key = parse_key(style.key)
    return key.with_mode(mood.mode) if mood.mode else key


def _score(style: Style, meter: Meter, key: Key, sections, seed: bytes) -> Score:
    score = Score(style, meter, key, (), seed)
    main, other = progressions(score.rng("harmony"), style.harmony, key.mode)
    tension = 4 if key.mode == "major" else 6
    score.bars = bars(sections, meter, main, other, style.chord_bars, tension)
    return score


# ------------------------------------------------------------------ rendering
def _render(score: Score, mood: Mood, tempo: Fraction) -> np.ndarray:
    per_beat = Fraction(60 * SR) / tempo
    n = round(len(score.bars) * score.meter.beats * per_beat)
    notes = write(score)
    voices = kit(score.style, mood, score.key, score.rng("kit"))
    buses = _play(notes, voices, per_beat, n, score.seed, _tone(score.style, mood))
    _pump(buses, notes, per_beat, score.style.pump, tempo)
    _balance(buses, score.style)
    music = buses.pop("chords") + buses.pop("top")
    _filter_sweeps(music, score, per_beat)
    mix = music + sum(buses.values())
    mix += _reverb(music, buses, score.style, mood, score.rng("room"))
    return _master(mix, score, mood, per_beat)


def _tone(style: Style, mood: Mood):
    """The filter every sound passes once, when it is first rendered: no rumble under
    25 Hz, and a dull top for dusty or warm songs (cheaper than filtering the mix)."""
    top_end, order = (5000.0, 2) if style.dust >= 0.5 else ((8000.0, 1) if mood.warm else (0, 0))

    def gains(freqs: np.ndarray) -> np.ndarray:
        gain = highpass_gain(freqs, 25)
        return gain * lowpass_gain(freqs, top_end, order=order) if top_end else gain
    return gains


def _play(notes: list[Note], voices, per_beat: Fraction, n: int, seed: bytes, tone) -> dict:
    """Every note rendered (each distinct voice, pitch and length once) into its bus."""
    buses = {name: np.zeros((n, 2), dtype=np.float32) for name in BUSES}   # half the traffic
    cache: dict[tuple, np.ndarray] = {}
    for note in notes:
        start = round(note.at * per_beat)
        if start >= n or start < 0:
            continue
        gate = max(1, round(note.length * per_beat))
        sound = (note.voice, note.pitch, gate)
        if sound not in cache:
            digest = hashlib.sha256(seed + repr(sound).encode()).digest()
            rng = np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))
            wave = voices[note.voice](note.pitch, gate, rng)
            cache[sound] = spectral(wave, tone) if len(wave) < 20 * SR else wave
        wave = cache[sound][: n - start]
        left, right = pan(note.pan)
        target = buses[note.bus][start:start + len(wave)]
        if wave.ndim == 1:
            target[:, 0] += wave * (note.gain * left)
            target[:, 1] += wave * (note.gain * right)
        else:
            target += wave * np.array([note.gain * left, note.gain * right])
    return buses


def _balance(buses: dict, style: Style) -> None:
    """Set each bus to the style's level (`Style.mix`, dB), measured where it plays, so
    the balance holds whatever the take's notes and sounds."""
    for name, target in zip(BUSES, style.mix):
        level = _active_level(buses[name])
        if level > 0:
            buses[name] *= 10 ** (target / 20) / level


def _active_level(x: np.ndarray, frame: int = 1102) -> float:
    """RMS over the frames where a bus is sounding (within 40 dB of its loudest), read
    from every fourth sample: a level, not a waveform."""
    x = x[::4]
    count = x.shape[0] // frame
    if count == 0:
        return float(np.sqrt(np.mean(x ** 2)))
    power = np.mean(x[:count * frame].reshape(count, -1) ** 2, axis=1)
    active = power[power > power.max() * 1e-4]
    return float(np.sqrt(active.mean())) if active.size else 0.0


def _pump(buses: dict, notes: list[Note], per_beat: Fraction, depth: float,
          tempo: Fraction) -> None:
    """Duck bass, chords and top under each kick: the breathing of dance music."""
    if depth <= 0:
        return
    n = buses["bass"].shape[0]
    beat = 60 / float(tempo)
    span = int(0.7 * beat * SR)
    t = np.arange(span) / SR
    shape = 1 - depth * np.exp(-t / (0.22 * beat)) * np.minimum(1, t / 0.004 + 0.3)
    gain = np.ones(n)
    for note in notes:
        if note.voice == "kick":
            start = round(note.at * per_beat)
            end = min(n, start + span)
            gain[start:end] = np.minimum(gain[start:end], shape[:end - start])
    for name in ("bass", "chords", "top"):
        buses[name] *= gain[:, None] if name != "bass" else (0.5 + 0.5 * gain)[:, None]


def _filter_sweeps(music: np.ndarray, score: Score, per_beat: Fraction) -> None:
    """Open the music's low-pass over the intro and over each build, close it over the
    outro: the ear hears the song gather and release."""
    bar_len = score.meter.beats * per_beat
    for name, first, last in _sections(score):
        start, stop = round((first - 1) * bar_len), round(last * bar_len)
        if name == "build":
            low, high = 700.0, 18000.0
        elif name == "intro":
            low, high = 1200.0, 14000.0
        elif name == "outro":
            low, high = 16000.0, 900.0
        else:
            continue
        sweep(music, _lowpass_ramp(start, stop, low, high), start, stop)


def _sections(score: Score) -> list[tuple[str, int, int]]:
    """(role, first bar, last bar) of each section, bars from 1."""
    return [(bar.role, bar.index + 1, bar.index + bar.length) for bar in score.bars if bar.pos == 0]


def _lowpass_ramp(start: int, stop: int, low: float, high: float):
    def gains(centres: np.ndarray, freqs: np.ndarray) -> np.ndarray:
        progress = np.clip((centres - start) / max(stop - start, 1), 0, 1)
        cutoff = low * (high / low) ** (progress ** 1.5 if high > low else progress)
        return lowpass_gain(freqs[None, :], cutoff[:, None], reso=0.4)
    return gains


def _reverb(music: np.ndarray, buses: dict, style: Style, mood: Mood,
            rng: np.random.Generator) -> np.ndarray:
    amount = min(style.reverb + mood.reverb, 0.9)
    send = music * (2 * amount) + buses["fx"] * 0.4 + buses["drums"] * 0.1 * amount
    ir = room(rng, style.room * mood.room, brightness=0.3 + 0.5 * style.bright)
    ir = spectral(ir, lambda f: highpass_gain(f, 220))
    return convolve(send, ir) * 0.35


def _master(mix: np.ndarray, score: Score, mood: Mood, per_beat: Fraction) -> np.ndarray:
    style = score.style
    mix /= max(float(np.max(np.abs(mix))), 1e-9)
    mix = _limit(mix)
    glue = style.drive + mood.drive
    if glue > 0:
        mix = np.tanh(mix * (1 + glue)) / np.tanh(1 + glue)
    mix -= mix.mean(axis=0)
    mix *= PEAK / max(float(np.max(np.abs(mix))), 1e-9)
    fade = min(len(mix), round(score.meter.beats * per_beat / 2))
    mix[len(mix) - fade:] *= np.linspace(1.0, 0.0, fade)[:, None] ** 2
    return mix.astype(np.float32)


def _limit(x: np.ndarray, block: int = 512) -> np.ndarray:
    """Bring the loudest blocks down to the level of most (a look-ahead block limiter)."""
    n = x.shape[0]
    count = -(-n // block)
    padded = np.zeros((count * block, 2), dtype=x.dtype)
    padded[:n] = np.abs(x)
    peaks = padded.reshape(count, block, 2).max(axis=(1, 2))
    ceiling = max(float(np.percentile(peaks, 97)), 1e-9)
    gain = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    edged = np.concatenate(([gain[0]], gain, [gain[-1]]))
    gain = np.minimum(np.minimum(edged[:-2], edged[1:-1]), edged[2:])  # a block's neighbours too
    ends = np.append(gain[1:], gain[-1])                    # each block ramps to the next
    ramp = np.arange(block, dtype=np.float32) / block
    curve = (gain[:, None] + (ends - gain)[:, None] * ramp).astype(x.dtype).reshape(-1)[:n]
    return x * curve[:, None]
