"""Procedural sound effects from words, and sound from the picture (stage: backends, `sfx`).

The embedded default for `sfx "prompt"` and `sfx auto`: no model and no
weights. `design` reads the words for families (rain, bells, crowd, impact,
...; see `FAMILIES`) and for modifiers (far away, heavy, soft, short, long,
twice), builds each family from noise, resonators and oscillators, and layers
them. `auto` derives a sound track from per-frame features of the rendered
picture: loudness follows motion, colour follows brightness, cuts get a
thump or a whoosh, and the scene's words choose the texture.

Levels: a plain design peaks at -1 dBFS; "soft" words take 8 dB off, "far
away" 12 dB (and adds a low-pass and reverb), "heavy" words saturate (more
loudness at the same peak) and lower the pitch. One-shots (an impact, a bell)
have their attack at sample 0, so a cue placed at t is heard at t; textures
(rain, wind, crowd) fill the requested length with 50 ms fades.

Pure numpy and scipy. Every random choice comes from a generator seeded by a
hash of (VERSION, the normalised words, the seed, the layer), so the same
inputs give the same samples, bit for bit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import signal

from .synth import band_gain, lowpass_gain, read, spectral, sweep, table_for

__all__ = ["FAMILIES", "VERSION", "auto", "describe", "design"]

from mvlang.versions import SFX as VERSION  # bump it there

PEAK = 10 ** (-1 / 20)           # -1 dBFS
SOFT_DB = -8.0                   # "soft", "gentle", "light", "quiet"
FAR_DB = -12.0                   # "far away", "distant"
TEXTURE_FADE = 0.05              # seconds, both ends of a texture
TAU = 2 * np.pi


# ------------------------------------------------------------------ words
def _forms(*bases: str) -> set[str]:
    """A word with its usual inflections: creak -> creaks, creaking, creaked, creaky."""
    out: set[str] = set()
    for b in bases:
        out |= {b, b + "s", b + "es", b + "ing", b + "ed", b + "y"}
        if b.endswith("e"):
            out |= {b[:-1] + "ing", b[:-1] + "ed", b + "d", b[:-1] + "y"}
        if re.fullmatch(r".*[^aeiou][aeiou][bdgklmnprtv]", b):
            out |= {b + b[-1] + "ing", b + b[-1] + "ed", b + b[-1] + "y"}
    return out


_KEYS: dict[str, set[str]] = {
    "rain": _forms("rain", "rainfall", "raindrop", "drizzle", "downpour", "shower"),
    "wind": (_forms("wind", "breeze", "gust", "gale", "blizzard", "howl", "rustle")
             | {"leaves", "leaf"}) - {"winding", "winded"},
    "water": _forms("water", "stream", "brook", "river", "creek", "babble", "trickle", "wave",
                    "sea", "ocean", "surf", "shore", "beach", "tide", "splash", "fountain",
                    "waterfall", "lake", "drip", "puddle", "splosh"),
    "bubbles": _forms("bubble", "gurgle", "fizz", "boil", "aquarium"),
    "bells": _forms("bell", "chime", "ding", "dong", "gong", "ring", "toll", "doorbell", "jingle",
                    "carillon"),
    "crowd": _forms("crowd", "murmur", "chatter", "applause", "applaud", "clap", "cheer",
                    "audience", "people", "stadium", "party", "spectator") | {"chattering"},
    "laughter": _forms("laugh", "laughter", "giggle", "chuckle", "cackle"),
    "whoosh": _forms("whoosh", "swoosh", "swish", "woosh", "whizz", "swoop", "flyby", "whiz"),
    "impact": _forms("thud", "thump", "slam", "hit", "punch", "impact", "crash", "bang", "boom",
                     "explosion", "explode", "blast", "knock", "smash", "bomb", "collision",
                     "thwack", "stomp", "shatter", "break", "glass"),
    "creak": _forms("creak", "squeak", "hinge", "groan"),
    "birds": _forms("bird", "birdsong", "tweet", "chirp", "gull", "seagull", "robin",
                    "sparrow", "songbird", "warble", "blackbird", "twitter"),
    "thunder": _forms("thunder", "thunderclap", "thunderstorm", "lightning", "storm"),
    "footsteps": _forms("footstep", "footfall", "step", "walk", "stroll", "march", "tread",
                        "jog") | {"running", "runs", "run", "steps"},
    "clock": _forms("clock", "tick", "tock", "metronome", "ticktock", "pendulum"),
    "shutter": _forms("shutter", "camera", "snapshot", "photo", "photograph"),
    "whistle": _forms("whistle"),
    "engine": _forms("engine", "motor", "car", "truck", "idle", "rev", "motorcycle", "motorbike",
                     "traffic", "lorry", "tractor", "scooter", "highway"),
    "fire": _forms("fire", "crackle", "campfire", "fireplace", "flame", "burn", "blaze",
                   "ember", "bonfire", "candle"),
    "typing": _forms("typing", "type", "keyboard", "typewriter", "keystroke"),
}
_COMPOUNDS = {                     # whole phrases that mean one family (and consume their words)
    ("wind", "chime"): "bells", ("wind", "chimes"): "bells", ("running", "water"): "water",
    ("train", "whistle"): "whistle", ("steam", "whistle"): "whistle", ("dawn", "chorus"): "birds",
    ("door", "bell"): "bells", ("sleigh", "bells"): "bells", ("camera", "click"): "shutter",
}
_EXTRA = {"storm": ("rain",), "storms": ("rain",), "stormy": ("rain", "wind"),
          "thunderstorm": ("rain",), "thunderstorms": ("rain",), "blizzard": ("wind",)}
_ONLY_IF_ALONE = {                 # words that choose a family when nothing else did
    "door": "creak", "doors": "creak", "floor": "creak", "floorboard": "creak",
    "floorboards": "creak", "wood": "creak", "wooden": "creak", "ship": "creak",
    "rumble": "thunder", "rumbling": "thunder", "rumbles": "thunder", "train": "whistle",
    "fireworks": "impact", "gunshot": "impact", "shot": "impact", "kettle": "whistle",
}
_FAR = {"far", "distant", "distance", "faraway", "remote", "muffled", "afar"}
_HEAVY = {"heavy", "loud", "big", "huge", "massive", "large", "strong", "hard", "giant", "deep",
          "thunderous", "powerful", "violent", "enormous"}
_SOFT = {"light", "soft", "gentle", "quiet", "small", "tiny", "delicate", "little", "faint",
         "subtle", "calm", "softly", "gently", "quietly", "lightly", "mild"}
_SMALL = {"small", "tiny", "little", "light"}
_SHORT = {"short", "quick", "brief", "sharp", "fast", "snappy"}
_LONG = {"long", "slow", "lingering", "sustained", "endless", "lasting", "extended"}
_MODIFIERS = _FAR | _HEAVY | _SOFT | _SHORT | _LONG | {"away", "off", "very", "really"}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "once": 1, "twice": 2, "thrice": 3,
            "double": 2, "triple": 3}
_YOUNG = {"child", "children", "kid", "kids", "baby", "babies", "girl", "girls", "boy", "boys",
          "toddler", "toddlers", "little", "schoolchildren", "childrens"}
_MANY = {"children", "kids", "people", "crowd", "group", "friends", "girls", "boys", "babies",
         "everyone", "audience", "toddlers", "schoolchildren", "family"}


def _tokens(prompt: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+", prompt.lower())


def _count(tokens: list[str]) -> int | None:
    """'twice', 'three times', 'two knocks', '3 times' -> a count (None when the words give none)."""
    for w in tokens:
        if w in ("once", "twice", "thrice"):
            return _NUMBERS[w]
    for i, w in enumerate(tokens):
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        n = (int(w) if w.isdigit() and after in ("times", "x") else
             None if w in ("double", "triple") else _NUMBERS.get(w))
        if n is not None and 1 <= n <= 12:
            return n
    for w in tokens:
        if w in ("double", "triple"):
            return _NUMBERS[w]
    return None


_WEAK = {                          # words that choose a family only when no other word does
    "people", "audience", "party", "spectators", "spectator", "stadium", "car", "cars", "truck",
    "trucks", "lorry", "tractor", "highway", "scooter", "water", "lake", "beach", "shore", "walk",
    "walking", "walks", "run", "running", "runs", "stroll", "march", "marching", "step", "steps",
    "jog", "jogging", "ring", "ringing", "rings", "photo", "photograph", "camera", "groan",
    "groaning", "tweet", "twitter", "burning", "burn", "idle", "hit", "motor", "motors",
    "crash", "crashes", "crashing", "crashed", "leaves", "break", "breaking", "breaks",
}


def _families(tokens: list[str]) -> list[str]:
    """Family names in the order the words name them; "running water" is water, not running."""
    order: list[str] = []
    strong: set[str] = set()

    def add(name: str, weak: bool) -> None:
        if name not in order:
            order.append(name)
        if not weak:
            strong.add(name)

    skip = set()
    for i in range(len(tokens) - 1):
        name = _COMPOUNDS.get((tokens[i], tokens[i + 1]))
        if name:
            skip |= {i, i + 1}
            add(name, False)
    for i, w in enumerate(tokens):
        if i in skip:
            continue
        for name, words in _KEYS.items():
            if w in words:
                add(name, w in _WEAK)
        for name in _EXTRA.get(w, ()):
            add(name, False)
    found = [f for f in order if f in strong] if strong else order
    if not found:
        found = list(dict.fromkeys(_ONLY_IF_ALONE[w] for w in tokens if w in _ONLY_IF_ALONE))
    return found


# ------------------------------------------------------------------ context
@dataclass(frozen=True)
class _Ctx:
    rate: int
    rng: np.random.Generator
    words: frozenset[str]
    text: str
    heavy: bool = False
    soft: bool = False
    small: bool = False
    far: bool = False
    scale: float = 1.0           # "short" 0.5, "long" 2
    count: int | None = None
    auto: bool = False           # a bed for `sfx auto`: shallower built-in swells
    seed: int = 0
    offset: int = 0              # samples: where this piece of a long texture starts

    @property
    def pitch(self) -> float:
        return 0.7 if self.heavy else (1.3 if self.small else 1.0)

    @property
    def density(self) -> float:
        return 2.2 if self.heavy else (0.45 if self.soft else 1.0)

    def has(self, *words: str) -> bool:
        return any(w in self.words for w in words)

    def starts(self, *stems: str) -> bool:
        return any(w.startswith(s) for w in self.words for s in stems)


def _seed_words(*parts) -> np.random.Generator:
    text = "\x1f".join(str(p) for p in (VERSION, *parts))
    digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
    return np.random.default_rng([int.from_bytes(digest[i:i + 4], "little") for i in (0, 4, 8, 12)])


def _unit(text: str, k: int) -> float:
    """A number in [0, 1) from the words (no seed): what the words alone decide."""
    digest = hashlib.blake2b(f"{text}\x1f{k}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2.0 ** 64


# ------------------------------------------------------------------ signal helpers
def _t(c: _Ctx, n: int) -> np.ndarray:
    return np.arange(n) / c.rate


def _loguniform(c: _Ctx, low: float, high: float, size=None):
    return np.exp(c.rng.uniform(np.log(low), np.log(high), size))


def _shaped(c: _Ctx, n: int, gain_of, ch: int = 2) -> np.ndarray:
    """White noise through a zero-phase magnitude response, unit RMS."""
    x = c.rng.standard_normal((n, ch) if ch > 1 else n)
    if gain_of is not None and n:
        x = spectral(x, gain_of, sr=c.rate)
    return x / max(float(np.sqrt(np.mean(x ** 2))) if n else 1.0, 1e-12)


def _band(c: _Ctx, n: int, low: float, high: float, order: int = 2, ch: int = 2) -> np.ndarray:
    high = min(high, 0.45 * c.rate)
    return _shaped(c, n, lambda f: band_gain(f, low, high, order), ch)


def _env(c: _Ctx, n: int, tau: float, attack: float = 0.001) -> np.ndarray:
    t = _t(c, n)
    return np.minimum(1.0, t / max(attack, 1.0 / c.rate)) * np.exp(-t / max(tau, 1e-4))


def _wander(c: _Ctx, n: int, hz: float, low: float, high: float) -> np.ndarray:
    """A smooth random curve between low and high, new values about `hz` times a second."""
    step = max(1, int(c.rate / max(hz, 1e-3)))
    knots = c.rng.uniform(low, high, n // step + 3)
    pos = np.arange(n) / step
    i = pos.astype(np.int64)
    w = 0.5 - 0.5 * np.cos(np.pi * (pos - i))
    return knots[i] + (knots[i + 1] - knots[i]) * w


def _scatter(n: int, where: np.ndarray, amps: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Copies of `kernel` at sample positions `where` (mono)."""
    return _place(np.zeros(n), where, amps, kernel)


def _place(out: np.ndarray, where, amps, kernel: np.ndarray) -> np.ndarray:
    """Add copies of `kernel` at sample positions `where` into `out` (1-D), in place: one by
    one when they are few, else by convolving an impulse train."""
    n, size = out.shape[0], kernel.shape[0]
    where, amps = np.asarray(where, dtype=np.int64), np.asarray(amps, dtype=float)
    keep = (where >= 0) & (where < n)
    where, amps = where[keep], amps[keep]
    if where.size == 0:
        return out
    if where.size * (1000 + size) < 50 * n:
        for at, a in zip(where.tolist(), amps.tolist()):
            stop = min(n, at + size)
            out[at:stop] += a * kernel[:stop - at]
        return out
    impulses = np.zeros(n)
    np.add.at(impulses, where, amps)
    out += signal.oaconvolve(impulses, kernel)[:n]
    return out


def _burst(c: _Ctx, low: float, high: float, tau: float, attack: float = 0.0003) -> np.ndarray:
    """A short band-limited noise click, peak 1."""
    m = max(8, int(tau * 7 * c.rate))
    x = _band(c, m, low, high, 2, 1) * _env(c, m, tau, attack)
    return x / max(np.max(np.abs(x)), 1e-12)


def _modes(c: _Ctx, n: int, freqs, taus, amps, attack: float = 0.0005) -> np.ndarray:
    """Damped sines: the ring of a struck object (mono)."""
    t = _t(c, n)
    out = np.zeros(n)
    for f, tau, a in zip(freqs, taus, amps):
        if f >= 0.45 * c.rate or f <= 0:
            continue
        m = min(n, int(tau * 8 * c.rate) + 1)
        out[:m] += a * np.sin(TAU * f * t[:m] + c.rng.uniform(0, 0.4)) * np.exp(-t[:m] / tau)
    return out * np.minimum(1.0, t / attack)


def _resonate(x: np.ndarray, rate: int, modes) -> np.ndarray:
    """Parallel causal resonators (frequency, Q, gain)."""
    out = np.zeros_like(x)
    for f, q, g in modes:
        if 20 < f < 0.45 * rate:
            b, a = signal.iirpeak(f, q, fs=rate)
            out += g * signal.lfilter(b, a, x, axis=0)
    return out


def _pan(x: np.ndarray, position) -> np.ndarray:
    """Mono -> stereo, constant power, position -1 (left) .. 1 (right), a number or an array."""
    angle = (np.asarray(position, dtype=float) + 1) * np.pi / 4
    return np.stack([x * np.cos(angle), x * np.sin(angle)], axis=-1) * np.sqrt(2)


def _osc(c: _Ctx, freq, n: int | None = None, shape: str = "saw", cutoff: float = 5000.0,
         start: float = 0.0) -> np.ndarray:
    """A band-limited oscillator following a pitch curve (Hz per sample, or a number)."""
    if np.isscalar(freq):
        freq = np.full(n, float(freq))
    freq = np.asarray(freq, dtype=float)
    phase = start + np.concatenate(([0.0], np.cumsum(freq[:-1]))) / c.rate
    base = float(np.median(freq)) if freq.size else 100.0
    return read(table_for(shape, base, min(cutoff, 0.4 * c.rate)), phase)


def _formants(c: _Ctx, x: np.ndarray, formants, floor: float = 0.04) -> np.ndarray:
    """A vowel: resonance bumps (centre, gain, bandwidth) in the frequency domain."""
    def gain(f):
        g = np.full_like(f, floor)
        for centre, a, width in formants:
            g = g + a / (1 + ((f - centre) / width) ** 2)
        return g * lowpass_gain(f, 5000, order=1)
    return spectral(x, gain, sr=c.rate)


def _chirps(c: _Ctx, n: int, where, f0s, taus, rises, amps, pans) -> np.ndarray:
    """Bubbles and water drops: sines rising in pitch as they decay."""
    out = np.zeros((n, 2))
    for at, f0, tau, rise, a, p in zip(where, f0s, taus, rises, amps, pans):
        at = int(at)
        m = min(int(tau * 6 * c.rate), n - at)
        if m <= 8 or at < 0:
            continue
        tt = np.arange(m) / c.rate
        freq = np.minimum(f0 * (1 + rise * tt / tau), 0.45 * c.rate)
        s = a * np.sin(TAU * np.cumsum(freq) / c.rate) * np.exp(-tt / tau)
        s *= np.minimum(1.0, tt / 0.0004)
        angle = (p + 1) * np.pi / 4
        out[at:at + m, 0] += s * np.cos(angle)
        out[at:at + m, 1] += s * np.sin(angle)
    return out


def _reverb(c: _Ctx, x: np.ndarray, size: float, wet: float, bright: float = 0.5) -> np.ndarray:
    """A stereo noise-tail room, mixed wet/dry by energy (a unit-energy response); overlap-add
    over 10 s blocks, so a long sound costs no more memory than a short one."""
    if wet <= 0 or x.shape[0] == 0:
        return x
    m = max(16, int(size * c.rate))
    t = _t(c, m)
    ir = c.rng.standard_normal((m, 2)) * np.exp(-6.9 * t / size)[:, None]
    ir = spectral(ir, lambda f: lowpass_gain(f, 1500 + 9000 * bright, order=1), sr=c.rate)
    ir = np.concatenate([np.zeros((int(0.015 * c.rate), 2)), ir])
    ir *= np.sqrt(wet) / np.sqrt(np.sum(ir ** 2) / 2)
    n = x.shape[0]
    out = x * np.sqrt(1 - wet)
    block = 10 * c.rate
    for lo in range(0, n, block):
        tail = signal.fftconvolve(x[lo:lo + block], ir, axes=0)
        stop = min(n, lo + tail.shape[0])
        out[lo:stop] += tail[:stop - lo]
    return out


def _fade(x: np.ndarray, fade_in: int, fade_out: int) -> np.ndarray:
    n = x.shape[0]
    fade_in, fade_out = min(fade_in, n // 2), min(fade_out, n // 2)
    if fade_in:
        x[:fade_in] *= (0.5 - 0.5 * np.cos(np.pi * np.arange(fade_in) / fade_in))[:, None]
    if fade_out:
        x[n - fade_out:] *= (0.5 + 0.5 * np.cos(np.pi * (np.arange(fade_out) + 1) / fade_out))[:, None]
    return x


def _rms(x: np.ndarray) -> float:
    return max(float(np.sqrt(np.mean(x ** 2))), 1e-12) if x.size else 1e-12


def _tame(x: np.ndarray, knee: float = 0.7) -> np.ndarray:
    """Scale a texture by its 99.9th percentile level rather than its one loudest sample, and
    round off the rare peaks above that: the same words give the same loudness whatever the
    seed (one big rain drop no longer sets the level of the rain)."""
    a = np.abs(x)
    sample = a.ravel()[::max(1, a.size // 400_000)]
    level = float(np.quantile(sample, 0.999)) if sample.size else 0.0
    if level <= 0:
        return x
    x = x * (knee / level)
    over = np.abs(x) > knee
    if over.any():
        v = x[over]
        x[over] = np.sign(v) * (knee + (1 - knee) * np.tanh((np.abs(v) - knee) / (1 - knee)))
    return x


def _peak(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def _wide(c: _Ctx, mono: np.ndarray, spread: float = 0.25) -> np.ndarray:
    """Mono -> stereo with a little decorrelated early reflection on each side."""
    d1, d2 = int(0.011 * c.rate), int(0.017 * c.rate)
    out = np.stack([mono, mono], axis=1)
    if mono.shape[0] > d2:
        out[d1:, 0] += spread * mono[:-d1]
        out[d2:, 1] += spread * mono[:-d2]
    return out


def _drive(x: np.ndarray, amount: float) -> np.ndarray:
    p = _peak(x)
    if p == 0 or amount <= 0:
        return x
    return np.tanh(x / p * (1 + amount)) / np.tanh(1 + amount) * p


# ------------------------------------------------------------------ textures
def _rain(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    out = 0.3 * _band(c, n, 600, 9000, 1) * (0.8 + 0.2 * _wander(c, n, 0.7, 0, 1))[:, None]
    out += (0.12 + (0.3 if c.heavy else 0.0)) * _band(c, n, 50, 450 * c.pitch, 2)
    low, high = 1200 * c.pitch, 7500 * min(c.pitch, 1.0)
    kernels = [_burst(c, low * k, high, tau) for k, tau in
               ((1.0, 0.0015), (1.3, 0.001), (0.8, 0.0025), (1.6, 0.0008))]
    dens = 260 * c.density
    for ch in (0, 1):
        count = c.rng.poisson(dens * n / r)
        where = c.rng.integers(0, max(n, 1), count)
        amps = c.rng.lognormal(0, 0.6, count) * c.rng.choice((-1.0, 1.0), count) * 0.35
        which = c.rng.integers(0, len(kernels), count)
        for j, kernel in enumerate(kernels):
            out[:, ch] += _scatter(n, where[which == j], amps[which == j], kernel)
    count = c.rng.poisson(dens / 14 * n / r)             # drops into puddles
    out += _chirps(c, n, c.rng.integers(0, max(n, 1), count),
                   _loguniform(c, 1400, 4200, count) * c.pitch, c.rng.uniform(0.003, 0.01, count),
                   c.rng.uniform(0.2, 0.8, count), c.rng.lognormal(-0.7, 0.5, count),
                   c.rng.uniform(-0.9, 0.9, count))
    return out


def _wind(c: _Ctx, n: int) -> np.ndarray:
    if c.starts("rustl", "leaves", "leaf"):
        return _unit_rms(_leaves(c, n)) + 0.5 * _unit_rms(_gusts(replace(c, soft=True), n))
    return _gusts(c, n)


def _gusts(c: _Ctx, n: int) -> np.ndarray:
    gusts = _wander(c, n, 0.5 * (1.6 if c.heavy else 1.0), 0.3, 1.0) ** 1.5
    if c.auto:
        gusts = 0.5 + 0.5 * gusts
    common = c.rng.standard_normal(n)
    x = 0.55 * common[:, None] + 0.8 * c.rng.standard_normal((n, 2))
    centre = (200 + 850 * gusts) * c.pitch
    width = 0.22 if c.starts("howl", "whistl") else 0.55

    def gains(centres, freqs):
        fc = centre[np.clip(centres, 0, n - 1)][:, None]
        octaves = np.log2(np.maximum(freqs[None, :], 1.0) / fc)
        return np.exp(-0.5 * (octaves / width) ** 2) + 0.12 * lowpass_gain(freqs, 160)[None, :]
    sweep(x, gains, sr=c.rate)
    return x * (0.06 + gusts)[:, None]


def _leaves(c: _Ctx, n: int) -> np.ndarray:
    """Leaves in the wind: bright rustle in gusts, with tiny clicks."""
    gusts = 0.3 + 0.7 * _wander(c, n, 0.5, 0, 1) ** 2
    x = _band(c, n, 1500, 9000, 1) * gusts[:, None] * 0.4
    kernel = _burst(c, 2500, 9000, 0.0006)
    for ch in (0, 1):
        count = c.rng.poisson(90 * n / c.rate)
        where = c.rng.integers(0, max(n, 1), count)
        amps = c.rng.lognormal(-1, 0.6, count) * gusts[np.minimum(where, n - 1)]
        x[:, ch] += _scatter(n, where, amps, kernel)
    return x


def _stream(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    out = 0.35 * _band(c, n, 150, 2500, 1) * (0.7 + 0.3 * _wander(c, n, 1.5, 0, 1))[:, None]
    count = c.rng.poisson(70 * c.density * n / r)
    out += _chirps(c, n, c.rng.integers(0, max(n, 1), count),
                   _loguniform(c, 350, 2200, count) * c.pitch, c.rng.uniform(0.006, 0.03, count),
                   c.rng.uniform(0.2, 1.0, count), c.rng.lognormal(-0.5, 0.6, count),
                   c.rng.uniform(-0.8, 0.8, count))
    return out


def _drips(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    times = np.cumsum(c.rng.uniform(0.35, 1.0, int(n / r / 0.35) + 2) * 1.0)
    where = ((times - times[0] + 0.06) * r).astype(np.int64)
    k = len(where)
    out = _chirps(c, n, where, _loguniform(c, 700, 1800, k) * c.pitch, c.rng.uniform(0.02, 0.05, k),
                  c.rng.uniform(0.3, 0.9, k), c.rng.uniform(0.6, 1.0, k), c.rng.uniform(-0.3, 0.3, k))
    return _reverb(c, out, 1.2, 0.35, 0.6)


def _waves(c: _Ctx, n: int) -> np.ndarray:
    t = _t(c, n)
    period = c.rng.uniform(5.0, 7.5) * (1.3 if c.heavy else 1.0)
    crash = 0.55                      # of a period: the swell rises, breaks, and washes out
    s = (t / period + crash - c.rng.uniform(1.0, 1.6) / period) % 1.0
    swell = np.where(s < crash, np.sin(0.5 * np.pi * s / crash) ** 2,
                     np.exp(-(s - crash) * period / 1.3))
    depth = 0.45 if c.auto else 0.8
    env = 1 - depth + depth * swell
    x = 0.5 * c.rng.standard_normal(n)[:, None] + 0.85 * c.rng.standard_normal((n, 2))
    cutoff = (250 + 3800 * env ** 2) * c.pitch

    def gains(centres, freqs):
        fc = cutoff[np.clip(centres, 0, n - 1)][:, None]
        return lowpass_gain(freqs[None, :], fc, order=2) * (0.4 + 0.6 * np.minimum(1, freqs / 80.0))
    sweep(x, gains, sr=c.rate)
    foam = np.where(s >= crash, np.exp(-(s - crash) * period / 0.9), 0.0)
    x = x * env[:, None] / max(float(np.sqrt(np.mean(x ** 2))), 1e-12)
    return x + 0.3 * _band(c, n, 2000, 9000, 1) * (0.15 + foam)[:, None]


def _bubbles(c: _Ctx, n: int) -> np.ndarray:
    count = max(1, c.rng.poisson(7 * c.density * n / c.rate))
    where = c.rng.integers(0, max(n, 1), count)
    where[0] = int(0.06 * c.rate)
    f0 = _loguniform(c, 180, 900, count) * (0.6 if c.heavy else c.pitch)
    out = _chirps(c, n, where, f0, c.rng.uniform(0.02, 0.06, count), c.rng.uniform(0.5, 1.5, count),
                  c.rng.lognormal(0, 0.4, count), c.rng.uniform(-0.7, 0.7, count))
    return out + 0.05 * _band(c, n, 60, 500, 2)


def _at_rate(c: _Ctx, n: int, make, divide: int = 4) -> np.ndarray:
    """Build a layer with nothing above ~5 kHz at a quarter of the rate, then bring it up: a
    quarter of the work for voices."""
    if c.rate % divide or c.rate // divide < 8000:
        return make(c, n)
    x = make(replace(c, rate=c.rate // divide), -(-n // divide))
    return signal.resample_poly(x, divide, 1, axis=0)[:n]


def _murmur(c: _Ctx, n: int, voices: int | None = None, bright: float = 1.0) -> np.ndarray:
    """Babble: many voices, speech-shaped noise plus voiced tones, each with its own syllables."""
    return _at_rate(c, n, lambda low, m: _babble(low, m, voices, bright))


def _babble(c: _Ctx, n: int, voices: int | None, bright: float) -> np.ndarray:
    voices = voices or int(np.clip(16 * c.density, 5, 40))
    power, voiced = np.zeros((n, 2)), np.zeros((n, 2))
    for _ in range(voices):
        env = _syllables(c, n, c.rng.uniform(3.5, 5.5))
        angle = (c.rng.uniform(-0.9, 0.9) + 1) * np.pi / 4
        sides = np.sqrt(2) * np.array([np.cos(angle), np.sin(angle)])
        f0 = _loguniform(c, 95, 260) * (1 + 0.08 * _wander(c, n, 2.0, -1, 1))
        voiced += (_osc(c, f0, cutoff=2000) * env)[:, None] * sides
        power += (env ** 2)[:, None] * sides ** 2
    # the voices' breath: independent noises summed are one noise with the summed power
    noise = np.sqrt(power) * c.rng.standard_normal((n, 2))
    noise = spectral(noise, lambda f: band_gain(f, 200, min(3500 * bright, 0.42 * c.rate), 2),
                     sr=c.rate)
    voiced = _formants(c, voiced, ((550, 1.0, 200), (1400, 0.6, 300), (2500, 0.3, 400)))
    return 0.45 * noise / _rms(noise) + voiced / _rms(voiced)


def _syllables(c: _Ctx, n: int, rate: float, pause: float = 0.25) -> np.ndarray:
    """A talker's loudness: syllables (raised-sine bumps) with pauses between phrases."""
    seconds_ = n / c.rate
    k = int(seconds_ * rate * 1.6) + 4
    lengths = c.rng.exponential(1.0 / rate, k) + 0.05
    gaps = np.where(c.rng.random(k) < pause / 4, c.rng.uniform(0.2, 0.8, k), 0.0)
    amps = np.where(gaps > 0, 0.0, c.rng.uniform(0.3, 1.0, k))
    durations = lengths + gaps
    starts = np.concatenate(([0.0], np.cumsum(durations)[:-1])) - c.rng.uniform(0, 1.0 / rate)
    t = _t(c, n)
    i = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, k - 1)
    phase = np.clip((t - starts[i]) / lengths[i], 0, 1)
    return amps[i] * np.sin(np.pi * phase) ** 2


def _applause(c: _Ctx, n: int, clappers: int | None = None) -> np.ndarray:
    """Clappers, each with its own pace, hand shape (one of a few clap sounds) and place."""
    r = c.rate
    clappers = clappers or int(np.clip(22 * c.density, 5, 60))
    kernels = []
    for _ in range(6):
        centre = _loguniform(c, 700, 2600)
        kernels.append(_burst(c, centre / 1.6, centre * 1.6, c.rng.uniform(0.003, 0.007)))
    out = np.zeros((2, n))
    seconds_ = n / r
    for _ in range(clappers):
        period = c.rng.uniform(0.18, 0.3)
        times = c.rng.uniform(0, period) + np.arange(int(seconds_ / period) + 1) * period
        times = times + c.rng.normal(0, 0.012, times.size)
        amps = c.rng.lognormal(0, 0.35, times.size) * c.rng.uniform(0.5, 1.0)
        kernel = kernels[c.rng.integers(0, len(kernels))]
        angle = (c.rng.uniform(-0.9, 0.9) + 1) * np.pi / 4
        for ch, side in enumerate((np.cos(angle), np.sin(angle))):
            _place(out[ch], (times * r).astype(np.int64), amps * side * np.sqrt(2), kernel)
    return out.T


def _cheer(c: _Ctx, n: int) -> np.ndarray:
    crowd = _murmur(c, n, int(np.clip(24 * c.density, 8, 50)), bright=1.4)
    woo = _at_rate(c, n, _woos)
    claps = _applause(c, n)
    return crowd / _rms(crowd) + 0.7 * woo / _rms(woo) + 0.5 * claps / _rms(claps)


def _woos(c: _Ctx, n: int) -> np.ndarray:
    """Voices in a crowd calling out: gliding vowels."""
    r = c.rate
    woo = np.zeros((n, 2))
    for _ in range(int(np.clip(1.75 * c.density * n / r, 3, 400))):
        length = c.rng.uniform(0.6, 1.6)
        at = int(c.rng.uniform(-0.3, n / r - 0.3) * r)
        m = int(length * r)
        tt = np.arange(m) / r
        f = _loguniform(c, 260, 480) * (1 + 0.35 * np.sin(np.pi * tt / length) ** 0.7)
        env = np.minimum(1, tt / 0.1) * np.minimum(1, (length - tt) / 0.25)
        v = _osc(c, f, cutoff=2500) * env * c.rng.uniform(0.5, 1.0)
        lo, hi = max(at, 0), min(at + m, n)
        if hi > lo:
            woo[lo:hi] += _pan(v[lo - at:hi - at], c.rng.uniform(-0.8, 0.8))
    return _formants(c, woo, ((700, 1.0, 150), (1150, 0.7, 200), (2600, 0.25, 300)))


def _laughter(c: _Ctx, n: int) -> np.ndarray:
    """Ha-ha-ha: bouts of voiced syllables with an "h" of breath, the pitch falling through a bout."""
    r = c.rate
    young = bool(c.words & _YOUNG)
    people = c.count or (3 if c.words & _MANY else 1)
    # laughter sits high in the voice: men about 280 Hz, women about 420 (Bachorowski et al. 2001)
    if young:
        (low, high), scale = (430, 600), 1.25
    elif c.has("man", "men", "male", "guy", "guys", "father", "grandfather", "old"):
        (low, high), scale = (200, 300), 1.0
    elif c.has("woman", "women", "female", "lady", "ladies", "mother", "grandmother"):
        (low, high), scale = (330, 460), 1.12
    else:
        (low, high), scale = (240, 440), 1.06
    out = np.zeros((n, 2))
    t = _t(c, n)
    for p in range(people):
        starts, lengths, pitches, amps = [], [], [], []
        at = 0.0 if p == 0 else c.rng.uniform(0.1, 0.9)
        f_person = _loguniform(c, low, high) * c.pitch
        rate = c.rng.uniform(5.0, 6.5) if young else c.rng.uniform(4.2, 5.6)
        while at < n / r:
            k = int(c.rng.integers(4, 10))
            f_bout = f_person * c.rng.uniform(0.95, 1.15)
            for j in range(k):
                starts.append(at + j / rate)
                lengths.append(c.rng.uniform(0.55, 0.72) / rate)
                pitches.append(f_bout * (1 - 0.035 * j) * c.rng.uniform(0.97, 1.03))
                amps.append((1 - 0.05 * j) * c.rng.uniform(0.75, 1.0))
            at += k / rate + c.rng.uniform(0.35, 0.9)
        if not starts:
            continue
        starts_ = np.asarray(starts)
        lengths_ = np.asarray(lengths)
        i = np.clip(np.searchsorted(starts_, t, side="right") - 1, 0, len(starts_) - 1)
        local = t - starts_[i]
        inside = (local >= 0) & (local < lengths_[i])
        x = np.clip(local / lengths_[i], 0, 1)
        voiced_env = np.where(inside, np.minimum(1, local / 0.012) * np.sin(np.pi * x) ** 0.6, 0.0)
        breath_env = np.where(inside, np.exp(-local / 0.02), 0.0)
        voiced_env *= np.asarray(amps)[i]
        breath_env *= np.asarray(amps)[i]
        f = np.asarray(pitches)[i] * (1 - 0.06 * x)
        src = _osc(c, f, cutoff=4500) * voiced_env
        src += c.rng.standard_normal(n) * (0.5 * breath_env + 0.08 * voiced_env)
        vowel = ((800 * scale, 1.0, 100 * scale), (1250 * scale, 0.6, 120 * scale),
                 (2700 * scale, 0.3, 200 * scale))
        voice = _formants(c, src, vowel)
        out += _pan(voice, 0.0 if people == 1 else c.rng.uniform(-0.7, 0.7))
    return out


def _chimes(c: _Ctx, n: int) -> np.ndarray:
    """Wind chimes: tubes of a pentatonic set struck at random."""
    r = c.rate
    base = _loguniform(c, 650, 1000) * c.pitch
    notes = base * np.array([1, 9 / 8, 5 / 4, 3 / 2, 5 / 3])
    pans = np.linspace(-0.7, 0.7, notes.size)
    count = c.rng.poisson(2.5 * c.density * n / r) + 1
    times = np.sort(c.rng.uniform(0, n / r, count))
    times[0] = 0.0
    out = np.zeros((n, 2))
    for at in times:
        j = c.rng.integers(0, notes.size)
        start = int(at * r)
        m = min(n - start, int(3.0 * r))
        if m <= 0:
            continue
        tone = _tube(c, m, notes[j], 1.4) * c.rng.uniform(0.3, 1.0)
        out[start:start + m] += _pan(tone, pans[j])
    return out


def _sleigh(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    out = np.zeros((n, 2))
    kernels = [_modes(c, int(0.2 * r), f * np.array([1, 1.51, 2.3]), (0.06, 0.04, 0.03), (1, .5, .3))
               for f in _loguniform(c, 2800, 5500, 5)]
    shakes = np.arange(0, n / r, 1 / c.rng.uniform(3.5, 4.5))
    for at in shakes:
        hits = at + np.sort(c.rng.uniform(0, 0.07, c.rng.integers(8, 16)))
        for h in hits:
            k = kernels[c.rng.integers(0, len(kernels))]
            s = int(h * r)
            m = min(len(k), n - s)
            if m > 0:
                out[s:s + m] += _pan(k[:m] * c.rng.uniform(0.2, 1), c.rng.uniform(-0.6, 0.6))
    return out


def _birds(c: _Ctx, n: int) -> np.ndarray:
    if c.starts("gull", "seagull"):
        return _gulls(c, n)
    r = c.rate
    birds = c.count or (5 if c.heavy or c.has("chorus", "dawn", "flock", "forest") else 3)
    out = np.zeros((n, 2))
    for b in range(birds):
        fc = _loguniform(c, 2600, 5200) * c.pitch
        kinds = [(c.rng.uniform(0.03, 0.15), c.rng.uniform(0.0, 0.35), c.rng.uniform(15, 60),
                  c.rng.uniform(-1.2, 1.2), c.rng.uniform(0.7, 1.3)) for _ in range(3)]
        side = c.rng.uniform(-0.8, 0.8)
        level = c.rng.uniform(0.4, 1.0) * (1.0 if b == 0 else 0.7)
        first = min(0.1 * n / r, c.rng.uniform(0.05, 0.3))
        at = first if b == 0 else c.rng.uniform(0.2, 1.5)
        while at < n / r:
            for _ in range(int(c.rng.integers(3, 11))):
                dur, depth, fm, slope, ratio = kinds[c.rng.integers(0, 3)]
                start, m = int(at * r), int(dur * r)
                if start >= n:
                    break
                tt = np.arange(m) / r
                f = fc * ratio * 2 ** (depth * np.sin(TAU * fm * tt) + slope * (tt / dur - 0.5))
                ph = TAU * np.cumsum(np.minimum(f, 0.45 * r)) / r
                s = (np.sin(ph) + 0.08 * np.sin(2 * ph)) * np.sin(np.pi * tt / dur) ** 2
                m = min(m, n - start)
                out[start:start + m] += _pan(s[:m] * level, side)
                at += dur + c.rng.uniform(0.015, 0.08)
            at += c.rng.uniform(0.4, 1.6)
    return _reverb(c, out, 1.4, 0.15, 0.7)


def _gulls(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    out = np.zeros((n, 2))
    for g in range(c.count or 2):
        side = c.rng.uniform(-0.8, 0.8)
        first = min(0.1 * n / r, c.rng.uniform(0.05, 0.2))
        at = first if g == 0 else c.rng.uniform(0.5, 2.0)
        base = _loguniform(c, 1000, 1400) * c.pitch
        while at < n / r:
            for _ in range(int(c.rng.integers(2, 6))):
                dur = c.rng.uniform(0.25, 0.45)
                start, m = int(at * r), int(dur * r)
                if start >= n:
                    break
                x = np.arange(m) / m
                f = base * (1 + 0.25 * np.sin(np.pi * np.minimum(x / 0.6, 1.0)) - 0.35 * x ** 2)
                rough = 1 + 0.35 * np.sin(TAU * 70 * np.arange(m) / r)
                s = _osc(c, f, cutoff=4000) * np.sin(np.pi * x) ** 0.7 * rough
                m = min(m, n - start)
                out[start:start + m] += _pan(s[:m], side)
                at += dur + c.rng.uniform(0.08, 0.2)
            at += c.rng.uniform(1.0, 3.0)
    out = spectral(out, lambda f: band_gain(f, 600, 6000, 1), sr=r)
    return _reverb(c, out, 1.8, 0.25, 0.6)


def _footsteps(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    pace = 3.1 if c.has("running", "run", "runs", "jog", "jogging", "sprint") else (
        1.3 if c.has("slow", "slowly") else 1.9)
    surface = next((s for s in ("gravel", "snow", "wood", "wooden", "grass", "leaves", "heels",
                                "stairs", "metal", "sand", "mud") if c.has(s)), "stone")
    out = np.zeros((n, 2))
    times = 0.06 + np.arange(int(n / r * pace) + 1) / pace
    for k, at in enumerate(times):
        at += c.rng.normal(0, 0.012) if k else 0.0
        m = int(0.35 * r)
        step = _step(c, m, surface) * c.rng.uniform(0.75, 1.0)
        s = int(at * r)
        m = min(m, n - s)
        if m > 0:
            out[s:s + m] += _pan(step[:m], 0.15 if k % 2 else -0.15)
    return _reverb(c, out, 0.8 if surface in ("stone", "wood", "wooden", "stairs") else 0.3, 0.15)


def _step(c: _Ctx, m: int, surface: str) -> np.ndarray:
    r = c.rate
    p = c.pitch
    x = np.zeros(m)
    toe = int(c.rng.uniform(0.05, 0.09) * r)
    heel = _band(c, m, 120 * p, 2200 * p, 2, 1) * _env(c, m, 0.016)
    x += heel + 0.35 * _band(c, m, 2000, 8000, 2, 1) * _env(c, m, 0.004)
    x[toe:] += 0.5 * heel[:m - toe] * c.rng.uniform(0.6, 1.0)
    if c.heavy:
        x += 1.2 * _band(c, m, 50, 300, 2, 1) * _env(c, m, 0.05)
    if surface in ("wood", "wooden", "stairs"):
        x += _modes(c, m, np.array([105, 220, 470]) * p * c.rng.uniform(0.9, 1.1, 3),
                    (0.05, 0.035, 0.02), (0.8, 0.5, 0.3))
    elif surface in ("gravel", "snow", "leaves", "grass", "sand", "mud"):
        low, high, tau = {"gravel": (1500, 9000, 0.0008), "snow": (700, 4500, 0.002),
                          "leaves": (1500, 10000, 0.0015)}.get(surface, (500, 4000, 0.003))
        grains = np.zeros(m)
        where = (c.rng.gamma(2.0, 0.02, 40) * r).astype(np.int64)
        where = np.concatenate([where, toe + (c.rng.gamma(2.0, 0.015, 20) * r).astype(np.int64)])
        grains = _scatter(m, where, c.rng.lognormal(-0.5, 0.5, where.size), _burst(c, low, high, tau))
        x = 0.4 * x + grains
    elif surface == "heels":
        x += 1.5 * _modes(c, m, np.array([2200, 3500, 5200]) * c.rng.uniform(0.95, 1.05, 3),
                          (0.012, 0.008, 0.006), (1, 0.6, 0.3))
        x[toe:] += 0.3 * _modes(c, m - toe, [2000], [0.01], [1])
    elif surface == "metal":
        x += _modes(c, m, np.array([420, 1130, 2380]) * c.rng.uniform(0.95, 1.05, 3),
                    (0.12, 0.08, 0.05), (0.6, 0.4, 0.3))
    return x


def _clock(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    slow = c.has("grandfather", "pendulum", "old", "grand", "tower", "antique") or c.heavy
    interval = 1.0 if slow else 0.5
    fc = (1300 if slow else _loguniform(c, 2500, 3600)) * c.pitch
    m = int(0.12 * r)

    def click(f):
        x = _modes(c, m, f * np.array([1, 1.47, 2.31]), (0.012, 0.008, 0.005), (1, 0.6, 0.4))
        x += 0.4 * _band(c, m, 1500, 10000, 2, 1) * _env(c, m, 0.0015)
        return x + 0.35 * _modes(c, m, [f * 0.22], [0.02], [1])
    tick, tock = click(fc), click(fc * 0.82)
    times = np.arange(0, n / r, interval)
    where = (times * r).astype(np.int64)
    amps = c.rng.uniform(0.85, 1.0, where.size)
    x = _scatter(n, where[0::2], amps[0::2], tick) + _scatter(n, where[1::2], amps[1::2], tock)
    return _reverb(c, _wide(c, x), 0.6, 0.15)


def _engine(c: _Ctx, n: int) -> np.ndarray:
    if c.has("traffic", "highway", "road", "street", "city", "cars", "passing", "passes", "by"):
        return _traffic(c, n)
    r = c.rate
    kind = ("truck" if c.has("truck", "lorry", "tractor", "bus", "diesel") or c.heavy else
            "bike" if c.starts("motorcycle", "motorbike", "scooter") else "car")
    fire = {"truck": 17.0, "bike": 46.0, "car": 28.0}[kind] * (1.0 if c.heavy else c.pitch)
    t = _t(c, n)
    freq = fire * (1 + 0.025 * _wander(c, n, 3.0, -1, 1))
    if c.starts("rev", "accelerat", "roar"):
        cycle = (t % 2.5) / 2.5
        freq = freq * (1 + 2.2 * np.sin(np.pi * np.minimum(cycle / 0.7, 1.0)) ** 2)
    core = _osc(c, freq, shape="pulse", cutoff=1500) + 0.6 * _osc(c, freq / 2, cutoff=600)
    core = spectral(core, lambda f: lowpass_gain(f, 700 if kind != "bike" else 1600, order=2),
                    sr=r)
    phase = np.cumsum(freq) / r
    mech = _band(c, n, 1000, 4000, 2, 1) * (0.5 + 0.5 * np.sin(TAU * phase))
    rumble = _band(c, n, 30, 200, 2, 1) * (1 + 0.5 * np.sin(np.pi * phase))
    x = core / max(_peak(core), 1e-9) + 0.05 * mech + 0.35 * rumble
    x = _drive(x, 2.0 if kind == "bike" else 0.8)
    return _wide(c, x, 0.3)


def _traffic(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    out = 0.5 * _band(c, n, 30, 250, 2) + 0.12 * _band(c, n, 300, 3000, 1)
    seconds_ = n / r
    count = max(1, c.rng.poisson(0.45 * seconds_ * c.density))
    centres = c.rng.uniform(0, seconds_, count)
    centres[0] = seconds_ * c.rng.uniform(0.35, 0.65)
    for tc in centres:
        w = c.rng.uniform(0.8, 1.6)
        lo, hi = max(0, int((tc - 4 * w) * r)), min(n, int((tc + 4 * w) * r))
        if hi - lo < 16:
            continue
        tt = np.arange(lo, hi) / r - tc
        env = 1 / (1 + (2 * tt / w) ** 2)
        doppler = 1 - 0.06 * np.tanh(tt / (0.3 * w))
        tyre = _band(c, hi - lo, 250, 3500, 1, 1)
        tone = _osc(c, _loguniform(c, 35, 60) * doppler, cutoff=800)
        out[lo:hi] += _pan((0.6 * tyre + 0.5 * tone) * env * c.rng.uniform(0.5, 1.0),
                           0.8 * np.tanh(tt / w) * c.rng.choice((-1, 1)))
    return out


def _fire(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    candle = c.has("candle", "candles", "match")
    roar = _band(c, n, 40, 500 * c.pitch, 2) * (0.5 + 0.5 * _wander(c, n, 2.0, 0, 1))[:, None]
    out = (0.08 if candle else 0.45) * roar + 0.04 * _band(c, n, 2000, 9000, 1)
    kernels = [_burst(c, lo, lo * 4, tau) for lo, tau in
               ((1000, 0.0008), (1500, 0.0004), (2200, 0.0006), (800, 0.0012), (3000, 0.0003))]
    pop = _burst(c, 250, 2000, 0.006)
    rate = (2.0 if candle else 14.0) * c.density
    for ch in (0, 1):
        clusters = c.rng.poisson(rate * n / r)
        base = c.rng.integers(0, max(n, 1), clusters)
        sizes = c.rng.integers(1, 6, clusters)
        where = np.repeat(base, sizes) + (c.rng.uniform(0, 0.015, sizes.sum()) * r).astype(np.int64)
        amps = np.minimum(c.rng.pareto(2.5, where.size) + 0.2, 4.0) * c.rng.choice((-1, 1), where.size)
        which = c.rng.integers(0, len(kernels), where.size)
        for j, kernel in enumerate(kernels):
            out[:, ch] += 0.5 * _scatter(n, where[which == j], amps[which == j], kernel)
        pops = c.rng.poisson(0.8 * c.density * n / r * (0.3 if candle else 1))
        out[:, ch] += _scatter(n, c.rng.integers(0, max(n, 1), pops),
                               c.rng.uniform(1.0, 2.0, pops), pop)
    return out


def _typing(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    typewriter = c.starts("typewriter")
    gaps = (0.12, 0.25) if typewriter else (0.07, 0.17)
    times, spaces = [], []
    at, keys = 0.05, 0
    while at < n / r:
        for _ in range(int(c.rng.integers(3, 9))):
            times.append(at)
            spaces.append(False)
            at += c.rng.uniform(*gaps)
            keys += 1
        times.append(at)
        spaces.append(True)
        at += c.rng.uniform(0.2, 0.7)
    m = int(0.15 * r)
    variants = []
    for _ in range(6):
        f = _loguniform(c, 280, 500) * c.pitch
        x = 0.6 * _band(c, m, 2000, 8000, 2, 1) * _env(c, m, 0.0025)
        x += _modes(c, m, [f, f * 2.3], (0.012, 0.006), (0.7, 0.3))
        if typewriter:
            x += _modes(c, m, np.array([1800, 2900, 4100]) * c.rng.uniform(0.95, 1.05, 3),
                        (0.02, 0.015, 0.01), (0.8, 0.5, 0.3)) + _band(c, m, 100, 600, 2, 1) * _env(
                c, m, 0.01)
        up = int(c.rng.uniform(0.06, 0.09) * r)
        x[up:] += 0.3 * x[:m - up]
        variants.append(x)
    space = _modes(c, m, [180 * c.pitch, 420], (0.02, 0.01), (0.8, 0.3)) + 0.5 * _band(
        c, m, 1500, 6000, 2, 1) * _env(c, m, 0.004)
    where = (np.asarray(times) * r).astype(np.int64)
    spaces_ = np.asarray(spaces, dtype=bool)
    amps = c.rng.uniform(0.6, 1.0, where.size)
    which = c.rng.integers(0, len(variants), where.size)
    x = _scatter(n, where[spaces_], amps[spaces_], space)
    for j, kernel in enumerate(variants):
        pick = (which == j) & ~spaces_
        x += _scatter(n, where[pick], amps[pick], kernel)
    if typewriter and n / r >= 2.5:                       # the carriage bell at the end of a line
        at = int((n / r - 1.0) * r)
        bell = _tube(c, n - at, 2300 * c.pitch, 0.6)
        x[at:] += 0.5 * bell
    return _reverb(c, _wide(c, x), 0.5, 0.15)


def _drone(c: _Ctx, n: int) -> np.ndarray:
    """An airy drone: a soft open chord with slow beating, and breath on top. The chord is a
    function of absolute time (its choices come from the words and the seed, not the piece),
    so the pieces of a long drone join without a seam."""
    t = (c.offset + np.arange(n)) / c.rate
    chord = _seed_words("drone", c.text, c.seed)
    root = 440 * 2 ** ((45 + int(_unit(c.text, 7) * 12) - 69) / 12)
    out = np.zeros((n, 2))
    for k, (ratio, a) in enumerate(((1, 1.0), (1.5, 0.7), (2, 0.5), (3, 0.25), (4.5, 0.12))):
        beat = chord.uniform(0.1, 0.4)
        for sign, side, weight in ((-1, -0.6, 1.0), (1, 0.6, 0.4)):
            f = root * ratio + sign * beat / 2
            wave = np.sin(TAU * f * t + chord.uniform(0, TAU))
            wave *= a * weight
            out += _pan(wave, side * (1 if k % 2 else -1))
    depth = 0.0 if c.auto else 1.0                   # in `sfx auto` the picture moves it
    if depth:
        out *= (1 - 0.2 * depth + 0.2 * depth * _wander(c, n, 0.15, 0, 1))[:, None]
    air = _band(c, n, 700, 11000, 1)
    if depth:
        air *= (1 - 0.4 * depth + 0.4 * depth * _wander(c, n, 0.25, 0, 1))[:, None]
    out /= _rms(out)
    air *= 0.8
    out += air
    return out


def _crickets(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    out = np.zeros((n, 2))
    t = _t(c, n)
    hann = np.hanning(int(0.016 * r))
    for _ in range(3):
        fc = _loguniform(c, 3800, 5200)
        period = c.rng.uniform(0.5, 0.9)
        chirps = np.arange(c.rng.uniform(0, period), n / r, period)
        pulses = (chirps[:, None] + np.arange(int(c.rng.integers(3, 5)))[None, :] / 30.0).ravel()
        env = _scatter(n, (pulses * r).astype(np.int64), np.ones(pulses.size), hann)
        out += _pan(env * np.sin(TAU * fc * t) * c.rng.uniform(0.4, 1.0), c.rng.uniform(-0.8, 0.8))
    return out


def _texture(c: _Ctx, n: int) -> np.ndarray:
    """Words we do not know: a soft noise texture whose colour and motion come from the words."""
    u = [_unit(c.text, k) for k in range(5)]
    centre = 150 * 20 ** u[0]
    width = 0.6 + 1.6 * u[1]

    def gain(f):
        octaves = np.log2(np.maximum(f, 1.0) / centre)
        return np.exp(-0.5 * (octaves / width) ** 2)
    depth = 0.2 + 0.4 * u[3]
    x = 0.5 * _shaped(c, n, gain, 1)[:, None] + _shaped(c, n, gain, 2)
    return x * (1 - depth + depth * _wander(c, n, 0.08 + 0.4 * u[2], 0, 1))[:, None]


# ------------------------------------------------------------------ one-shots
def _bell_strike(c: _Ctx, n: int, f0: float, ratios, amps, tau: float, click: float = 0.25):
    t = _t(c, n)
    out = np.zeros((n, 2))
    for k, (ratio, a) in enumerate(zip(ratios, amps)):
        f = f0 * ratio
        if f >= 0.45 * c.rate:
            continue
        tk = tau * (1.0 / max(ratio, 0.5)) ** 0.6
        m = min(n, int(tk * 8 * c.rate) + 1)
        beat = c.rng.uniform(0.3, 2.5)
        tt = t[:m]
        s = (np.sin(TAU * f * tt) + 0.3 * np.sin(TAU * (f + beat) * tt + c.rng.uniform(0, 1))) / 1.3
        s *= a * np.exp(-tt / tk)
        out[:m] += _pan(s, 0.35 * np.sin(1.7 * k))
    m = min(n, int(0.02 * c.rate))
    out[:m] += click * _pan(_band(c, m, 2000, 9000, 2, 1) * _env(c, m, 0.002), 0.0)
    return out * np.minimum(1.0, t / 0.0008)[:, None]


def _tube(c: _Ctx, n: int, f0: float, tau: float) -> np.ndarray:
    """A tubular chime (free bar modes), mono."""
    return _modes(c, n, f0 * np.array([1, 2.756, 5.404, 8.933]),
                  tau * np.array([1, 0.55, 0.3, 0.18]), (1, 0.6, 0.35, 0.2), attack=0.0006)


def _bells(c: _Ctx, n: int) -> np.ndarray:
    v = _bell_kind(c)
    s = c.scale
    if v == "church":
        return _bell_strike(c, n, _loguniform(c, 220, 380) * c.pitch,
                            (0.5, 1, 1.2, 1.5, 2, 2.5, 2.67, 3.0, 4.0),
                            (0.6, 1, 0.8, 0.45, 0.7, 0.3, 0.3, 0.2, 0.15), 2.6 * s)
    if v == "bicycle":
        f = _loguniform(c, 2300, 3200) * c.pitch
        return _bell_strike(c, n, f, (1, 1.045, 2.31, 2.93, 4.1), (1, 0.8, 0.4, 0.3, 0.12),
                            0.45 * s, click=0.4)
    if v == "tube":
        return _pan(_tube(c, n, _loguniform(c, 600, 1200) * c.pitch, 1.6 * s), 0.0)
    if v == "doorbell":
        f = _loguniform(c, 600, 720) * c.pitch
        x = _tube(c, n, f, 0.9 * s)
        gap = int(0.45 * c.rate)
        x[gap:] += _tube(c, n - gap, f * 0.8, 1.1 * s)
        return _wide(c, x)
    if v == "gong":
        ratios = np.sort(np.concatenate(([1.0], c.rng.uniform(1.3, 7.0, 14))))
        return _bell_strike(c, n, _loguniform(c, 90, 160) * c.pitch, ratios,
                            0.9 / np.sqrt(np.arange(1, ratios.size + 1)), 3.5 * s, click=0.1)
    return _bell_strike(c, n, _loguniform(c, 650, 1000) * c.pitch, (1, 2.0, 2.76, 3.0, 4.1, 5.4),
                        (1, 0.6, 0.5, 0.3, 0.2, 0.1), 1.1 * s)


def _bell_kind(c: _Ctx) -> str:
    if c.has("bicycle", "bike", "cycle", "cyclist"):
        return "bicycle"
    if c.has("doorbell", "door"):
        return "doorbell"
    if c.starts("gong"):
        return "gong"
    if c.has("sleigh", "jingle", "jingling", "jingles"):
        return "sleigh"
    if c.has("church", "cathedral", "tower", "chapel", "temple", "toll", "tolling", "tolls",
             "carillon") or (c.heavy and c.has("bell", "bells")):
        return "church"
    if c.has("chimes") or ("wind" in c.words and c.starts("chime")):
        return "chimes"
    if c.starts("chime"):
        return "tube"
    return "hand"


def _whoosh(c: _Ctx, n: int) -> np.ndarray:
    t = _t(c, n)
    x = t / max(t[-1], 1e-9) if n else t
    peak = 0.35
    bump = np.where(x < peak, np.sin(0.5 * np.pi * x / peak) ** 2, np.cos(0.5 * np.pi * np.minimum(
        (x - peak) / (1 - peak), 1.0)) ** 2)
    env = np.minimum(1.0, t / 0.004) * (0.3 + 0.7 * bump) * np.minimum(1.0, (1 - x) * 8)
    low, high = (200, 1800) if c.heavy else (400 * c.pitch, 3600 * c.pitch)
    centre = low * (high / low) ** bump
    noise = c.rng.standard_normal(n)

    def gains(centres, freqs):
        fc = centre[np.clip(centres, 0, n - 1)][:, None]
        g = np.exp(-0.5 * (np.log2(np.maximum(freqs[None, :], 1.0) / fc) / 0.8) ** 2)
        return g / np.sqrt(np.mean(g ** 2, axis=1, keepdims=True) + 1e-12)
    sweep(noise, gains, sr=c.rate)
    side = c.rng.choice((-1.0, 1.0))
    return _pan(noise * env, side * (0.8 * x - 0.4))


def _impact(c: _Ctx, n: int) -> np.ndarray:
    v = _impact_kind(c)
    r, p, s = c.rate, c.pitch, c.scale
    t = _t(c, n)
    if v == "explosion":
        sub = np.sin(TAU * np.cumsum(26 * p + (90 - 26) * p * np.exp(-t / 0.3)) / r)
        sub *= _env(c, n, 0.9 * s * (1.4 if c.heavy else 1.0), 0.002)
        blast = c.rng.standard_normal((n, 2))
        cutoff = 300 + 7000 * np.exp(-t / (0.35 * s))
        sweep(blast, lambda centres, f: lowpass_gain(
            f[None, :], cutoff[np.clip(centres, 0, n - 1)][:, None], order=2), sr=r)
        blast *= (_env(c, n, 0.5 * s, 0.002) + 0.15 * _env(c, n, 1.6 * s))[:, None]
        debris = np.zeros((n, 2))
        kernel = _burst(c, 1000, 6000, 0.001)
        for ch in (0, 1):
            k = c.rng.poisson(25 * min(n / r, 2.5))
            at = (c.rng.exponential(0.6, k) + 0.15) * r
            debris[:, ch] = _scatter(n, at.astype(np.int64), c.rng.lognormal(-1, 0.6, k), kernel)
        x = 1.2 * sub[:, None] + 0.5 * blast / max(_peak(blast), 1e-9) + 0.5 * debris
        return _drive(_reverb(c, x, 2.5, 0.25, 0.4), 1.5)
    if v == "glass":
        x = 0.8 * _band(c, n, 1000, 12000, 1, 1) * _env(c, n, 0.012)
        x += 0.5 * _band(c, n, 100, 800, 2, 1) * _env(c, n, 0.02)
        k = int(60 * c.density)
        where = (c.rng.exponential(0.12, k) * r).astype(np.int64)
        where[0] = 0
        for at, f, tau, a in zip(where.tolist(), _loguniform(c, 2500, 9000, k),
                                 c.rng.uniform(0.01, 0.06, k), c.rng.lognormal(-1.0, 0.6, k)):
            m = min(n - at, int(tau * 6 * r))
            if m > 8:
                x[at:at + m] += a * _modes(c, m, [f, f * 1.58, f * 2.31], (tau, tau * 0.6, tau * 0.4),
                                            (1, 0.5, 0.3))
        return _reverb(c, _wide(c, x), 0.9, 0.2, 0.8)
    if v == "knock":
        f = _loguniform(c, 230, 380) * p
        x = _modes(c, n, f * np.array([1, 2.2, 3.9, 5.6]), (0.03, 0.02, 0.012, 0.008),
                   (1, 0.5, 0.3, 0.2))
        x += 0.5 * _band(c, n, 1000, 6000, 2, 1) * _env(c, n, 0.002)
        return _reverb(c, _wide(c, x), 0.5, 0.15)
    if v == "slam":
        x = _modes(c, n, np.array([95, 190, 370, 720, 1300]) * p * c.rng.uniform(0.9, 1.1, 5),
                   np.array([0.12, 0.09, 0.06, 0.04, 0.025]) * s, (1, 0.7, 0.5, 0.35, 0.25))
        x += 0.8 * _band(c, n, 100, 5000, 2, 1) * _env(c, n, 0.03 * s)
        latch = int(c.rng.uniform(0.07, 0.12) * r)
        if latch < n:
            x[latch:] += 0.25 * _band(c, n - latch, 1500, 7000, 2, 1) * _env(c, n - latch, 0.004)
        return _drive(_reverb(c, _wide(c, x), 1.2, 0.25), 0.5)
    # thud (default), punch
    punch = v == "punch"
    hi, lo = (160 if punch else 140) * p, 48 * p
    body = np.sin(TAU * np.cumsum(lo + (hi - lo) * np.exp(-t / 0.04)) / r)
    body *= _env(c, n, (0.09 if punch else 0.2) * s * (1.5 if c.heavy else 1.0), 0.001)
    x = body + 0.6 * _band(c, n, 80, 900 if not punch else 3000, 2, 1) * _env(
        c, n, 0.035 if not punch else 0.02)
    x += 0.3 * _band(c, n, 1000, 5000, 2, 1) * _env(c, n, 0.004)
    return _drive(_reverb(c, _wide(c, x), 0.9, 0.15), 0.6 if c.heavy else 0.3)


def _impact_kind(c: _Ctx) -> str:
    if c.starts("explo", "blast", "bomb", "boom", "firework", "bang", "gunshot", "shot"):
        return "explosion"
    if c.starts("glass", "shatter", "window", "bottle", "break"):
        return "glass"
    if c.starts("knock"):
        return "knock"
    if c.starts("slam", "crash", "smash", "collision") or c.has("door", "doors"):
        return "slam"
    if c.starts("punch", "hit", "thwack"):
        return "punch"
    return "thud"


def _creak(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    v = ("squeak" if c.starts("squeak", "hinge") else
         "floor" if c.starts("floor", "stair", "board") else "door")
    base, spread, modes = {
        "door": (_loguniform(c, 55, 90), (0.5, 2.4),
                 ((430, 12, 1.0), (810, 14, 0.8), (1370, 16, 0.6), (2150, 18, 0.4), (3300, 20, 0.25))),
        "floor": (_loguniform(c, 35, 60), (0.6, 1.8),
                  ((180, 8, 1.0), (420, 10, 0.7), (900, 12, 0.45), (1700, 14, 0.25))),
        "squeak": (_loguniform(c, 250, 500), (0.8, 1.6),
                   ((1500, 20, 1.0), (3000, 25, 0.5), (4600, 25, 0.2))),
    }[v]
    rate = base * _wander(c, n, 2.0, *spread) * (0.7 if c.heavy else 1.0)
    phase = np.cumsum(rate) / r + 1.0 - 1e-9
    where = np.flatnonzero(np.diff(np.floor(phase), prepend=0.0))
    t = _t(c, n)
    length = max(t[-1], 1e-3) if n else 1.0
    env = (0.55 + 0.45 * np.sin(np.pi * t / length)) * np.minimum(1, (length - t) / (0.15 * length))
    amps = env[where] * c.rng.uniform(0.6, 1.0, where.size)
    impulses = _scatter(n, where, amps, np.array([1.0, -0.6, 0.2]))
    jitter = c.rng.uniform(0.9, 1.1, len(modes))
    x = _resonate(impulses, r, [(f * c.pitch * j, q, g) for (f, q, g), j in zip(modes, jitter)])
    return _reverb(c, _wide(c, x), 0.7, 0.15)


def _thunder(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    t = _t(c, n)
    length = n / r
    crack = _band(c, n, 300, 9000, 1) * _env(c, n, 0.06, 0.001)[:, None]
    for _ in range(int(c.rng.integers(1, 4))):
        at = int(c.rng.uniform(0.05, 0.35) * r)
        crack[at:] += c.rng.uniform(0.3, 0.7) * _band(c, n - at, 300, 9000, 1) * _env(
            c, n - at, 0.04)[:, None]
    env = np.zeros(n)
    for k in range(int(c.rng.integers(3, 7))):
        at = 0.0 if k == 0 else c.rng.uniform(0.1, 0.5 * length)
        rise, fall = (0.02, c.rng.uniform(0.6, 1.2)) if k == 0 else (
            c.rng.uniform(0.05, 0.3), c.rng.uniform(0.4, 1.6))
        tt = t - at
        bump = np.where(tt < 0, 0.0, np.minimum(1, tt / rise) * np.exp(-np.maximum(tt - rise, 0) / (
            fall * c.scale)))
        env += (1.0 if k == 0 else c.rng.uniform(0.3, 0.8)) * bump
    env = env / max(env.max(), 1e-9)
    rumble = _shaped(c, n, lambda f: lowpass_gain(f, 200 * c.pitch, order=2) * np.minimum(
        1, f / 25.0))
    mid = _band(c, n, 90, 900, 2)
    x = 1.2 * crack + (rumble + 0.35 * mid) * env[:, None]
    return _drive(_reverb(c, x, 2.5, 0.25, 0.3), 0.8)


def _shutter(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate

    def click(m, modes):
        x = 0.7 * _band(c, m, 800, 10000, 2, 1) * _env(c, m, 0.003)
        return x + _modes(c, m, np.array(modes) * c.rng.uniform(0.95, 1.05, len(modes)),
                          (0.012, 0.008, 0.006, 0.004), (1, 0.6, 0.4, 0.2))
    x = click(n, (1150, 2480, 4300, 6100))
    second = int(c.rng.uniform(0.055, 0.11) * r)
    if second < n:
        x[second:] += 0.75 * click(n - second, (1350, 2900, 3900, 6800))
    x[:second] += 0.03 * _band(c, second, 2000, 6000, 2, 1)[:min(second, n)]
    if c.starts("motor", "film", "wind", "advance", "drive", "polaroid"):
        lo, hi = int(0.16 * r), min(n, int(0.55 * r))
        if hi > lo:
            m = hi - lo
            tt = np.arange(m) / r
            buzz = _osc(c, 95.0, m, cutoff=3000) * (0.6 + 0.4 * np.sin(TAU * 30 * tt))
            buzz += 0.5 * _band(c, m, 800, 5000, 2, 1)
            x[lo:hi] += 0.25 * buzz * np.clip(np.sin(np.pi * tt / max(tt[-1], 1e-9)), 0, 1) ** 0.3
    return _reverb(c, _wide(c, x, 0.15), 0.4, 0.1)


def _whistle(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    t = _t(c, n)
    length = n / r
    f0 = _loguniform(c, 290, 420) * c.pitch
    ratios = (1, 1.189, 1.498, 1.782) if c.heavy else (1, 1.189, 1.498)
    bend = 1 - 0.04 * np.exp(-t / 0.06)
    if c.has("passing", "passes", "past", "by"):
        bend = bend * (1 + 0.05 * np.tanh((length / 2 - t) / 0.4))
    tone = np.zeros(n)
    for k, ratio in enumerate(ratios):
        f = f0 * ratio * bend * (1 + 0.002 * np.sin(TAU * 5.5 * t + k))
        ph = TAU * np.cumsum(f) / r
        tone += np.sin(ph) + 0.35 * np.sin(2 * ph) + 0.12 * np.sin(3 * ph)

    def breath(f):
        g = np.zeros_like(f)
        for ratio in ratios:
            g += np.exp(-0.5 * ((f - f0 * ratio) / (0.02 * f0 * ratio)) ** 2)
        return g
    tone = tone / len(ratios) + 0.5 * _shaped(c, n, breath, 1)
    tone += 0.12 * _band(c, n, 1500, 7000, 1, 1)
    release = min(0.35, 0.3 * length)
    env = np.minimum(1, t / 0.03) ** 0.6 * np.clip((length - t) / release, 0, 1) ** 1.5
    valve = 0.6 * _band(c, n, 400, 6000, 1, 1) * _env(c, n, 0.04, 0.001)   # the steam's first rush
    return _reverb(c, _wide(c, tone * env + valve), 1.6, 0.25, 0.5)


def _splash(c: _Ctx, n: int) -> np.ndarray:
    r = c.rate
    tau = 0.12 * c.scale * (1.8 if c.heavy else 1.0)
    x = _band(c, n, 250 * c.pitch, 6000, 1) * _env(c, n, tau, 0.001)[:, None]
    if c.heavy:
        t = _t(c, n)
        x += _pan(np.sin(TAU * np.cumsum(60 + 90 * np.exp(-t / 0.05)) / r) * _env(c, n, 0.1), 0.0)
    k = int(30 * c.density)
    where = ((0.05 + c.rng.exponential(0.25, k)) * r).astype(np.int64)
    drops = _chirps(c, n, where, _loguniform(c, 600, 2500, k) * c.pitch, c.rng.uniform(0.005, 0.02, k),
                    c.rng.uniform(0.3, 1.0, k), c.rng.lognormal(-1.2, 0.5, k), c.rng.uniform(-0.8, 0.8, k))
    return _reverb(c, x + drops, 0.8, 0.15)


# ------------------------------------------------------------------ long textures
_PIECE = 30.0                    # seconds: a long texture is made in pieces this long...
_CROSS = 2.0                     # ...overlapping by this much, crossfaded at equal power


def _long(c: _Ctx, n: int, make: Callable[[_Ctx, int], np.ndarray], *key) -> np.ndarray:
    """`make(c, n)`, in crossfaded pieces when n is long, so that memory and time stay those
    of one piece. Each piece has its own generator (from `key` and its index)."""
    piece, cross = int(_PIECE * c.rate), int(_CROSS * c.rate)
    if n <= piece + piece // 2:
        return make(c, n)
    out = np.zeros((n, 2))
    ramp = np.sin(0.5 * np.pi * (np.arange(cross) + 0.5) / cross)[:, None]
    at, k = 0, 0
    while at < n:
        m = n - at if n - at <= piece + piece // 2 else piece + cross
        x = make(replace(c, rng=_seed_words(*key, "piece", k), offset=at), m)
        if k:
            out[at:at + cross] *= ramp[::-1]
            x[:cross] *= ramp
            out[at:at + cross] += x[:cross]
            out[at + cross:at + m] = x[cross:]
        else:
            out[:m] = x
        if at + m >= n:
            break
        at, k = at + piece, k + 1
    return out


# ------------------------------------------------------------------ families
@dataclass(frozen=True)
class Family:
    name: str
    make: Callable[[_Ctx, int], np.ndarray]
    texture: Callable[[_Ctx], bool]     # fills the length (else a one-shot with its attack at 0)
    natural: Callable[[_Ctx], float]    # seconds: a texture's default length, or one strike
    interval: Callable[[_Ctx], float] = lambda c: 0.6    # between repeats ("twice")
    wet: float = 0.0                                     # extra room beyond the design's own


def _water(c: _Ctx, n: int) -> np.ndarray:
    kind = _water_kind(c)
    return {"splash": _splash, "waves": _waves, "drip": _drips}.get(kind, _stream)(c, n)


def _water_kind(c: _Ctx) -> str:
    if c.starts("splash", "splosh", "dive", "plunge"):
        return "splash"
    if c.starts("wave", "sea", "ocean", "surf", "shore", "beach", "tide", "coast"):
        return "waves"
    if c.starts("drip", "drop", "leak"):
        return "drip"
    return "stream"


def _crowd(c: _Ctx, n: int) -> np.ndarray:
    if c.starts("applause", "applaud", "clap"):
        return _applause(c, n)
    if c.starts("cheer", "stadium", "roar", "celebrat"):
        return _cheer(c, n)
    return _murmur(c, n)


def _texture_of(c: _Ctx) -> bool:
    return True


def _fixed(seconds_: float):
    return lambda c: seconds_ * c.scale


_BELL_LENGTH = {"church": 4.5, "bicycle": 1.4, "tube": 3.0, "doorbell": 2.2, "gong": 6.0,
                "hand": 2.5, "chimes": 4.0, "sleigh": 3.0}
_BELL_GAP = {"church": 1.6, "bicycle": 0.42, "tube": 1.0, "doorbell": 1.5, "gong": 3.0,
             "hand": 0.9}
_IMPACT_LENGTH = {"explosion": 3.5, "knock": 0.6, "slam": 1.5, "punch": 1.0, "thud": 1.5,
                  "glass": 1.5}
_IMPACT_GAP = {"explosion": 1.5, "knock": 0.22, "slam": 0.8, "punch": 0.35, "thud": 0.6,
               "glass": 1.0}


def _bells_any(c: _Ctx, n: int) -> np.ndarray:
    kind = _bell_kind(c)
    if kind == "chimes":
        return _chimes(c, n)
    if kind == "sleigh":
        return _sleigh(c, n)
    return _bells(c, n)


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("rain", _rain, _texture_of, _fixed(4.0)),
    Family("wind", _wind, _texture_of, _fixed(4.0)),
    Family("water", _water, lambda c: _water_kind(c) != "splash",
           lambda c: (1.5 if _water_kind(c) == "splash" else 4.0) * c.scale),
    Family("bubbles", _bubbles, _texture_of, _fixed(3.0)),
    Family("bells", _bells_any, lambda c: _bell_kind(c) in ("chimes", "sleigh"),
           lambda c: _BELL_LENGTH[_bell_kind(c)] * (c.scale if _bell_kind(c) in (
               "chimes", "sleigh") else c.scale ** 0.5),
           lambda c: _BELL_GAP.get(_bell_kind(c), 1.0)),
    Family("crowd", _crowd, _texture_of, _fixed(4.0), wet=0.12),
    Family("laughter", _laughter, _texture_of, _fixed(3.0), wet=0.12),
    Family("whoosh", _whoosh, lambda c: False,
           lambda c: (1.6 if c.heavy else 1.2) * c.scale, lambda c: 0.8 * c.scale),
    Family("impact", _impact, lambda c: False,
           lambda c: _IMPACT_LENGTH[_impact_kind(c)] * c.scale ** 0.5,
           lambda c: _IMPACT_GAP[_impact_kind(c)]),
    Family("creak", _creak, lambda c: False,
           lambda c: (0.8 if c.starts("squeak", "hinge") else 0.9 if c.starts(
               "floor", "stair", "board") else 1.6) * c.scale, lambda c: 1.2 * c.scale),
    Family("birds", _birds, _texture_of, _fixed(4.0)),
    Family("thunder", _thunder, lambda c: False, _fixed(5.0), lambda c: 3.0 * c.scale),
    Family("footsteps", _footsteps, _texture_of, _fixed(4.0)),
    Family("clock", _clock, _texture_of, _fixed(4.0)),
    Family("shutter", _shutter, lambda c: False,
           lambda c: 0.7 if c.starts("motor", "film", "wind", "advance", "drive") else 0.4,
           lambda c: 0.3),
    Family("whistle", _whistle, lambda c: False,
           lambda c: (0.8 if (c.count or 1) > 1 else 2.5) * c.scale, lambda c: 1.0 * c.scale),
    Family("engine", _engine, _texture_of, _fixed(4.0)),
    Family("fire", _fire, _texture_of, _fixed(4.0)),
    Family("typing", _typing, _texture_of, _fixed(4.0)),
    Family("texture", _texture, _texture_of, _fixed(4.0)),
)}


# ------------------------------------------------------------------ design
@dataclass(frozen=True)
class _Plan:
    text: str
    families: tuple[str, ...]
    ctx: _Ctx                          # without rng: one per layer


def _plan(prompt: str, rate: int) -> _Plan:
    tokens = _tokens(prompt)
    words = frozenset(tokens)
    # the random choices (a bell's pitch, where the drops fall) come from the words without
    # their modifiers: "a bell far away" is the same bell as "a bell", further off
    text = " ".join(w for w in tokens if w not in _MODIFIERS)
    far = bool(words & _FAR) or "far" in tokens or ("in" in words and "distance" in words)
    heavy = bool(words & _HEAVY)
    soft = bool(words & _SOFT) and not heavy
    scale = 0.5 if words & _SHORT else (2.0 if words & _LONG else 1.0)
    count = _count(tokens)
    if count is None and ("knocking" in words or "knocks" in words):
        count = 3
    families = tuple(_families(tokens)) or ("texture",)
    ctx = _Ctx(rate=rate, rng=np.random.default_rng(0), words=words, text=text, heavy=heavy,
               soft=soft, small=bool(words & _SMALL) and not heavy, far=far, scale=scale,
               count=count)
    return _Plan(text, families, ctx)


def _far_filter(rate: int) -> np.ndarray:
    """Air and obstacles take the highs of a distant sound: 12 dB/octave from 1.4 kHz, 24 from
    3.5 kHz; and the lowest rumble goes too."""
    return np.vstack([signal.butter(2, 1400, fs=rate, output="sos"),
                      signal.butter(2, min(3500, 0.45 * rate), fs=rate, output="sos"),
                      signal.butter(1, 60, "highpass", fs=rate, output="sos")])


def describe(prompt: str) -> list[str]:
    """The families the words chose (in the order the words name them), for logs and tests."""
    return list(_plan(prompt, 48000).families)


def _strikes(fam: Family, c: _Ctx) -> tuple[np.ndarray, int]:
    """A one-shot, repeated `count` times, with its natural length in samples."""
    r = c.rate
    one = round(fam.natural(c) * r)
    count = max(1, c.count or 1)
    gap = round(fam.interval(c) * r)
    total = one + (count - 1) * gap
    out = np.zeros((total, 2))
    for k in range(count):
        x = fam.make(c, one) * (1.0 if k == 0 else c.rng.uniform(0.85, 1.0))
        out[k * gap:k * gap + one] += _fade(x, 0, int(min(0.3 * r, 0.25 * one)))
    return out, total


def design(prompt: str, seed: int, seconds: float | None, rate: int = 48000) -> np.ndarray:
    """A sound effect for the words: float32 stereo (n, 2), peak about -1 dBFS (less for
    "soft" and "far away" words). See the module docstring and `FAMILIES`."""
    plan = _plan(prompt, rate)
    base = plan.ctx
    far_tail = 1.0 if base.far else 0.0
    layers = []
    for i, name in enumerate(plan.families):
        fam = FAMILIES[name]
        c = replace(base, rng=_seed_words(plan.text, int(seed), i, name), seed=int(seed))
        texture = fam.texture(c)
        natural = fam.natural(c)
        if not texture:
            count = max(1, c.count or 1)
            natural += (count - 1) * fam.interval(c) + far_tail
        layers.append((fam, c, texture, natural))
    total = (round(seconds * rate) if seconds is not None
             else round(max(layer[3] for layer in layers) * rate))
    total = max(0, total)
    if total == 0:
        return np.zeros((0, 2), dtype=np.float32)
    out = np.zeros((total, 2))
    fade = int(TEXTURE_FADE * rate)
    for i, (fam, c, texture, _) in enumerate(layers):
        if texture:
            make = fam.make if not fam.wet else (
                lambda piece, m, fam=fam: _reverb(piece, fam.make(piece, m), 1.2, fam.wet))
            x = _long(c, total, make, plan.text, int(seed), i, fam.name)
            x = _fade(_tame(x), fade, fade)
        else:
            x, m = _strikes(fam, c)
            if m > total:
                x = _fade(x[:total], 0, int(min(0.25 * rate, 0.2 * total)))
            elif m < total:
                x = np.concatenate([x, np.zeros((total - m, 2))])
        x /= max(_peak(x), 1e-12)
        out += x
        del x
    if base.heavy:
        out = _drive(out, 2.5)
    peak = _peak(out)
    if peak == 0:
        return np.zeros((total, 2), dtype=np.float32)
    out *= PEAK / peak                               # the plain design
    if base.far:                                     # duller, wetter, and 12 dB less energy
        level = _rms(out)
        c = replace(base, rng=_seed_words(plan.text, int(seed), "far"))
        out = signal.sosfilt(_far_filter(rate), out, axis=0)
        out = _reverb(c, out, 2.4, 0.6, 0.15)
        out = _fade(out, 0, int(min(TEXTURE_FADE * rate, total // 4)))
        out *= level * 10 ** (FAR_DB / 20) / _rms(out)
    if base.soft:
        out *= 10 ** (SOFT_DB / 20)
    peak = _peak(out)
    if peak > PEAK:
        out *= PEAK / peak
    return out.astype(np.float32)


# ------------------------------------------------------------------ auto
_AUTO_WORDS: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"sea", "ocean", "beach", "waves", "wave", "shore", "surf", "coast", "harbour",
                "harbor", "tide", "bay", "underwater", "seaside"}), "water", "waves"),
    (frozenset({"river", "stream", "brook", "creek", "waterfall", "fountain", "lake", "water"}),
     "water", "stream"),
    (frozenset({"rain", "rainy", "raining", "storm", "stormy", "drizzle", "downpour"}), "rain", ""),
    (frozenset({"city", "street", "streets", "traffic", "road", "urban", "downtown", "highway",
                "town", "cars", "car", "avenue", "crossroads", "metropolis"}), "engine", "traffic"),
    (frozenset({"forest", "meadow", "birds", "bird", "trees", "tree", "woods", "field", "fields",
                "garden", "park", "leaves", "grass", "jungle", "countryside", "orchard", "hills",
                "valley", "woodland"}), "forest", ""),
    (frozenset({"fire", "flame", "flames", "candle", "candles", "campfire", "fireplace",
                "burning", "bonfire", "embers", "hearth"}), "fire", ""),
    (frozenset({"wind", "windy", "desert", "mountain", "mountains", "cliff", "tundra", "snow",
                "blizzard"}), "wind", ""),
)
BED = 0.15                       # `sfx auto`: RMS of the texture at full motion (-16.5 dBFS)
_NIGHT = frozenset({"night", "midnight", "nighttime", "moonlight", "moonlit", "nocturnal",
                    "starlit", "moon", "dark"})


def _beds(tokens: list[str]) -> list[tuple[str, str]]:
    """The textures a scene's words choose for `sfx auto` (an airy drone when none)."""
    words = frozenset(tokens)
    beds = [(name, variant) for keys, name, variant in _AUTO_WORDS if words & keys]
    if not beds:
        beds = [(f, "") for f in _families(tokens) if f in (
            "rain", "wind", "water", "bubbles", "crowd", "fire", "engine", "typing", "clock")]
    return beds or [("drone", "")]


def _bed(c: _Ctx, n: int, name: str, variant: str) -> np.ndarray:
    if name == "forest":
        gentle = replace(c, heavy=False, soft=True)
        x = _unit_rms(_gusts(gentle, n)) + 0.7 * _unit_rms(_leaves(c, n))
        if not (c.words & _NIGHT):
            x += 0.35 * _unit_rms(_birds(replace(c, count=2), n))
        return x
    if name == "water":
        return _waves(c, n) if variant == "waves" else _stream(c, n)
    if name == "engine":
        return _traffic(c, n) if variant == "traffic" else _engine(c, n)
    if name == "drone":
        return _drone(c, n)
    if name == "wind":
        return _wind(c, n)
    if name == "crowd":
        return _murmur(c, n)
    return FAMILIES[name].make(c, n)


def _unit_rms(x: np.ndarray) -> np.ndarray:
    return x / _rms(x)


def _smooth_frames(values: np.ndarray, fps: float, seconds_: float) -> np.ndarray:
    """A triangular moving average about `seconds_` wide, over per-frame values."""
    half = round(0.5 * seconds_ * fps)
    if half < 1 or values.size < 2:
        return values
    weights = np.concatenate([np.arange(1, half + 2), np.arange(half, 0, -1)]).astype(float)
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    return np.convolve(padded, weights / weights.sum(), mode="valid")


def auto(features: dict[str, np.ndarray], fps: float, words: str, seed: int,
         rate: int = 48000) -> np.ndarray:
    """`sfx auto`: a sound track from the rendered picture (float32 stereo, n_frames/fps seconds).

    features: per-frame 'motion' (mean absolute difference to the previous frame, 0..255),
    'brightness' (mean luma 0..255) and 'cuts' (1.0 on frames that start a new picture).
    Loudness follows motion (an envelope smoothed over ~80 ms, from -28 dB to full: full at
    the scene's brisk motion, its 95th percentile, but never below a mean change of 8 levels
    a frame, so a still picture stays quiet); the low-pass cutoff follows brightness (350 Hz
    for black to 14 kHz for white); each cut gets a thump (to a darker picture) or a whoosh
    (to a brighter one); the words choose the texture (sea -> waves, city -> traffic,
    forest -> wind and leaves, night -> quieter with crickets, fire -> crackle, else an airy
    drone). The level is absolute, not normalised: about -16.5 dBFS RMS at full motion, the
    peaks rounded off under -1 dBFS.
    """
    motion, brightness, cuts, n = checked_features(features, fps, rate)
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    tokens = _tokens(words or "")
    word_set = frozenset(tokens)
    text = " ".join(tokens)
    base = _Ctx(rate=rate, rng=np.random.default_rng(0), words=word_set, text=text, auto=True)
    bed = np.zeros((n, 2))
    for k, (name, variant) in enumerate(_beds(tokens)):
        c = replace(base, rng=_seed_words("auto", text, int(seed), k, name), seed=int(seed))
        layer = _long(c, n, lambda piece, m, name=name, variant=variant: _bed(
            piece, m, name, variant), "auto", text, int(seed), k, name)
        bed += layer / _rms(layer)
        del layer
    bed /= _rms(bed)
    crickets = None
    if word_set & _NIGHT:
        c = replace(base, rng=_seed_words("auto", text, int(seed), "crickets"))
        crickets = _long(c, n, _crickets, "auto", text, int(seed), "crickets")
        crickets /= _rms(crickets)
    return shape_auto(bed, motion, brightness, cuts, fps, words, seed, rate, crickets)


def checked_features(features: dict, fps: float, rate: int):
    """`sfx auto`'s per-frame features checked: (motion, brightness, cuts, samples)."""
    motion = np.asarray(features.get("motion", ()), dtype=float).ravel()
    frames = motion.size
    brightness = np.asarray(features.get("brightness", np.full(frames, 128.0)), dtype=float).ravel()
    cuts = np.asarray(features.get("cuts", np.zeros(frames)), dtype=float).ravel()
    if brightness.size != frames or cuts.size != frames:
        raise ValueError("sfx auto: features must have one value per frame each")
    if fps <= 0:
        raise ValueError("sfx auto: fps must be positive")
    return motion, brightness, cuts, round(frames / fps * rate)


def shape_auto(bed: np.ndarray, motion, brightness, cuts, fps: float, words: str, seed: int,
               rate: int, crickets: np.ndarray | None = None) -> np.ndarray:
    """A unit-RMS bed (n x 2) made to follow the picture, as `auto` describes: loudness
    from motion, the low-pass from brightness, an accent at each cut, the peaks rounded
    off. `crickets` (unit RMS), for a night scene, is laid in quieter under it. The
    generative `sfx auto` shapes its model's texture with this too."""
    frames, n = motion.size, bed.shape[0]
    tokens = _tokens(words or "")
    text = " ".join(tokens)
    base = _Ctx(rate=rate, rng=np.random.default_rng(0), words=frozenset(tokens), text=text,
                auto=True)
    night = crickets is not None
    # a cut is a new picture, not motion: its frame takes its neighbour's motion
    is_cut = cuts > 0.5
    clean = motion.copy()
    for i in np.flatnonzero(is_cut):
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < frames and not is_cut[j]]
        clean[i] = np.mean(motion[neighbours]) if neighbours else 0.0
    # full loudness at the scene's own brisk motion (its 95th percentile), but never for less
    # than a mean change of 8 levels a frame: a still picture stays quiet
    reference = max(8.0, float(np.percentile(clean, 95))) if frames else 8.0
    level = np.clip(clean / reference, 0.0, 1.0)

    frame_times = (np.arange(frames) + 0.5) / fps
    bright = _smooth_frames(np.clip(brightness, 0, 255), fps, 0.08)
    loud = _smooth_frames(level, fps, 0.08)

    def cutoff_at(samples: np.ndarray) -> np.ndarray:    # 350 Hz (black) .. 14 kHz (white)
        return 350.0 * 40.0 ** (np.interp(samples / rate, frame_times, bright) / 255.0)

    pink = None
    out = np.zeros((n, 2), dtype=np.float32)
    chunk, pad = 10 * rate, 4096                        # a few seconds at a time: little memory
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        first, last = max(0, lo - pad), min(n, hi + pad)
        part = bed[first:last].copy()

        def gains(centres, freqs, first=first):
            nonlocal pink
            if pink is None:
                pink = 1.0 / np.maximum(freqs, 40.0)
            g = lowpass_gain(freqs[None, :], cutoff_at(centres + first)[:, None], order=2)
            loss = np.sqrt(np.sum(g ** 2 * pink, axis=1, keepdims=True) / np.sum(pink))
            return g / np.sqrt(np.maximum(loss, 1e-6))  # half the loudness lost to the filter back
        sweep(part, gains, sr=rate)
        env = np.interp(np.arange(lo, hi) / rate, frame_times, loud)
        y = part[lo - first:hi - first] * (BED * (0.04 + 0.96 * env))[:, None]
        if night:
            y = 0.45 * y + 0.2 * BED * crickets[lo:hi] * (0.6 + 0.4 * env)[:, None]
        out[lo:hi] = y
    del bed

    c = replace(base, rng=_seed_words("auto", text, int(seed), "cuts"))
    for i in np.flatnonzero(is_cut):
        at = round(i / fps * rate)
        if at >= n:
            continue
        before = brightness[i - 1] if i > 0 else brightness[i]
        whoosh = brightness[i] > before + 8
        lo, x = _cut_sound(c, n, at, whoosh, float(cutoff_at(np.array([min(at, n - 1)]))[0]))
        bed_level = BED * (0.04 + 0.96 * float(np.interp(at / rate, frame_times, loud)))
        x *= np.clip(5.0 * bed_level * (0.45 if night else 1.0), 0.15, 0.8)  # ~14 dB over the bed
        out[lo:lo + x.shape[0]] += x
    return _soft_ceiling(out)


def _soft_ceiling(x: np.ndarray, knee: float = 0.7) -> np.ndarray:
    """Round off the peaks above `knee` so that none passes -1 dBFS, in place: a loud cut on
    a loud bed is squeezed a little, and the rest of the track keeps its level."""
    over = np.abs(x) > knee
    if over.any():
        v = x[over]
        room = PEAK - knee
        x[over] = np.sign(v) * (knee + room * np.tanh((np.abs(v) - knee) / room))
    return x


def _cut_sound(c: _Ctx, n: int, at: int, whoosh: bool, cutoff: float) -> tuple[int, np.ndarray]:
    """A soft thump, or a short whoosh that swells into the cut and dies after it: (first
    sample, stereo samples at about unit level)."""
    r = c.rate
    if whoosh:
        lead, tail = int(0.06 * r), int(0.4 * r)
        lo, hi = max(0, at - lead), min(n, at + tail)
        tt = (np.arange(lo, hi) - at) / r
        env = np.where(tt < 0, (1 + tt / 0.06) ** 3, np.exp(-tt / 0.1))
        x = _band(c, hi - lo, 500, min(6000, max(cutoff, 1500)), 1) * env[:, None]
        return lo, x / 2.0                   # noise: its RMS, not its rare peaks, sets it
    m = max(0, min(n - at, int(0.6 * r)))
    t = np.arange(m) / r
    body = np.sin(TAU * np.cumsum(45 + 65 * np.exp(-t / 0.03)) / r) * _env(c, m, 0.16, 0.002)
    body += 0.4 * _band(c, m, 200, 2500, 2, 1) * _env(c, m, 0.03, 0.002)
    return at, _pan(body / max(_peak(body), 1e-9), 0.0)
