"""Signal building blocks for the procedural composer (stage: backends, `preview` music).

Pure numpy, float64 inside. Oscillators read band-limited wavetables whose
harmonics are already shaped by a filter response, so a "filtered saw" costs a
table lookup per sample and never aliases; a filter envelope crossfades a dark
and a bright table. Noise is shaped in the frequency domain. Sweeps on a whole
bus are done frame by frame (`sweep`), and the reverb is a convolution with a
decaying noise tail. Every random choice comes in as a `numpy.random.Generator`,
so the same inputs give the same samples, bit for bit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SR = 44100
TABLE = 2048                  # samples per wavetable cycle
_FRAME = 2048                 # frame length of `sweep`
_NYQUIST_MARGIN = 0.45        # harmonics above this fraction of the rate are left out


def midi_hz(pitch: float) -> float:
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def seconds(n: int, sr: int = SR) -> np.ndarray:
    return np.arange(n) / sr


# ------------------------------------------------------------------ filters
def lowpass_gain(freqs: np.ndarray, cutoff, reso: float = 0.0, order: int = 2) -> np.ndarray:
    """Magnitude of a lowpass (12 dB/octave per `order` step) with an optional resonant bump."""
    ratio = np.asarray(freqs, dtype=float) / cutoff
    gain = 1.0 / np.sqrt(1.0 + ratio ** (2 * order))
    if reso:
        octaves = np.log2(np.maximum(ratio, 1e-9))
        gain = gain * (1.0 + reso * np.exp(-0.5 * (octaves / 0.15) ** 2))
    return gain


def highpass_gain(freqs: np.ndarray, cutoff, order: int = 2) -> np.ndarray:
    ratio = np.asarray(freqs, dtype=float) / cutoff
    return ratio ** order / np.sqrt(1.0 + ratio ** (2 * order))


def band_gain(freqs: np.ndarray, low: float, high: float, order: int = 2) -> np.ndarray:
    return highpass_gain(freqs, low, order) * lowpass_gain(freqs, high, order=order)


def fast_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: sizes the FFT handles quickly."""
    best = 1 << max(0, (n - 1).bit_length())
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three
            while size < n:
                size *= 2
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def spectral(x: np.ndarray, gain_of, sr: int = SR) -> np.ndarray:
    """Filter `x` (along axis 0) by a zero-phase magnitude `gain_of(freqs)`; the padding
    keeps the filter's ringing from wrapping round onto the start."""
    n = x.shape[0]
    size = fast_length(n + 4096)
    spectrum = np.fft.rfft(x, size, axis=0)
    freqs = np.fft.rfftfreq(size, 1.0 / sr)
    gain = gain_of(freqs)
    if x.ndim == 2:
        gain = gain[:, None]
    return np.fft.irfft(spectrum * gain, size, axis=0)[:n]


def sweep(x: np.ndarray, gains_at, start: int = 0, stop: int | None = None,
          sr: int = SR, chunk: int = 256) -> None:
    """Filter `x[start:stop]` in place with a gain that changes over time.

    `gains_at(centres, freqs)` gives one magnitude row per frame (centres are
    sample indices into `x`). Frames of `_FRAME` samples, half overlapping, with
    a square-root Hann window on both sides: a gain of 1 gives back the input.
    """
    stop = x.shape[0] if stop is None else stop
    hop = _FRAME // 2
    region = x[max(0, start - hop):stop + hop]
    lead = start - max(0, start - hop)
    frames = -(-(region.shape[0]) // hop) + 1
    padded = np.zeros((hop + frames * hop + hop,) + region.shape[1:], dtype=x.dtype)
    padded[hop:hop + region.shape[0]] = region
    window = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_FRAME) / _FRAME))
    shape = (_FRAME,) + (1,) * (x.ndim - 1)
    window = window.reshape(shape)
    freqs = np.fft.rfftfreq(_FRAME, 1.0 / sr)
    out = np.zeros_like(padded)
    for first in range(0, frames, chunk):
        count = min(chunk, frames - first)
        index = (first + np.arange(count))[:, None] * hop + np.arange(_FRAME)[None, :]
        block = padded[index] * window                      # (count, FRAME, ...)
        centres = (first + np.arange(count)) * hop + (start - lead)
        gains = gains_at(centres, freqs)                      # (count, bins)
        if x.ndim == 2:
            gains = gains[:, :, None]
        block = np.fft.irfft(np.fft.rfft(block, axis=1) * gains, _FRAME, axis=1) * window
        low, high = first * hop, (first + count) * hop
        out[low:high] += block[:, :hop].reshape((-1,) + padded.shape[1:])
        out[low + hop:high + hop] += block[:, hop:].reshape((-1,) + padded.shape[1:])
    result = out[hop:hop + region.shape[0]]
    x[start:stop] = result[lead:lead + (stop - start)]


# ------------------------------------------------------------------ oscillators
_AMPS = {
    "saw": lambda k: (2 / np.pi) / k,
    "square": lambda k: np.where(k % 2 == 1, (4 / np.pi) / k, 0.0),
    "tri": lambda k: np.where(k % 2 == 1, (8 / np.pi**2) * (-1.0) ** ((k - 1) // 2) / k**2, 0.0),
    "sine": lambda k: (k == 1).astype(float),
    "pulse": lambda k: (4 / np.pi) * np.sin(np.pi * k * 0.25) / k,   # 25% duty
}


@lru_cache(maxsize=2048)
def _table(shape: str, semitone: int, cut_step: int, reso_tenths: int, formant: int) -> np.ndarray:
    f0 = midi_hz(semitone)
    cutoff = 20.0 * 2.0 ** (cut_step / 6)
    k = np.arange(1, TABLE // 2, dtype=float)
    freqs = k * f0
    amps = _AMPS[shape](k) * (freqs < _NYQUIST_MARGIN * SR)
    amps = amps * lowpass_gain(freqs, cutoff, reso_tenths / 10)
    if formant:                     # vowel-like bumps ("aah") for choirs
        amps = amps * (0.25 + np.exp(-0.5 * (np.log2(freqs / 700) / 0.35) ** 2)
                       + 0.6 * np.exp(-0.5 * (np.log2(freqs / 1150) / 0.3) ** 2))
    spectrum = np.zeros(TABLE // 2 + 1, dtype=complex)
    spectrum[1:TABLE // 2] = -0.5j * amps * TABLE
    table = np.fft.irfft(spectrum, TABLE)
    return np.append(table, table[0])


def table_for(shape: str, freq: float, cutoff: float = 20000.0, reso: float = 0.0,
              formant: bool = False) -> np.ndarray:
    semitone = round(12 * np.log2(max(freq, 1.0) / 440.0) + 69)
    cut_step = round(6 * np.log2(max(cutoff, 20.0) / 20.0))
    return _table(shape, semitone, cut_step, round(reso * 10), int(formant))


def phase_of(freq, n: int, start: float = 0.0, sr: int = SR) -> np.ndarray:
    """Cycles elapsed at each sample (a number, or an array of n Hz for glides and vibrato)."""
    if np.isscalar(freq):
        return start + np.arange(n) * (float(freq) / sr)
    return start + np.concatenate(([0.0], np.cumsum(freq[:-1]))) / sr


def read(table: np.ndarray, phase: np.ndarray) -> np.ndarray:
    position = (phase - np.floor(phase)) * TABLE
    index = position.astype(np.int64)
    frac = position - index
    return table[index] + frac * (table[index + 1] - table[index])


def osc(shape: str, freq, n: int, cutoff: float = 20000.0, reso: float = 0.0,
        start: float = 0.0, formant: bool = False) -> np.ndarray:
    base = float(freq) if np.isscalar(freq) else float(np.median(freq))
    return read(table_for(shape, base, cutoff, reso, formant), phase_of(freq, n, start))


def osc_env(shape: str, freq, n: int, dark: float, bright: float, env: np.ndarray,
            reso: float = 0.0, start: float = 0.0) -> np.ndarray:
    """An oscillator whose filter opens with `env` (0 -> `dark` cutoff, 1 -> `bright`)."""
    base = float(freq) if np.isscalar(freq) else float(np.median(freq))
    phase = phase_of(freq, n, start)
    low = read(table_for(shape, base, dark, reso), phase)
    high = read(table_for(shape, base, bright, reso), phase)
    return low + env * (high - low)


def ensemble(shape: str, freq: float, n: int, rng: np.random.Generator, voices: int = 5,
             cents: float = 12.0, cutoff: float = 20000.0, vibrato: float = 0.0,
             formant: bool = False) -> np.ndarray:
    """Detuned copies in stereo (n, 2): the width of a supersaw, strings or a choir."""
    out = np.zeros((n, 2))
    spread = np.linspace(-1.0, 1.0, voices) if voices > 1 else np.zeros(1)
    t = seconds(n)
    for i, offset in enumerate(spread):
        f = freq * 2.0 ** (offset * cents / 1200)
        if vibrato:
            rate = 4.5 + rng.uniform(0, 1.5)
            f = f * 2.0 ** (vibrato / 1200 * np.sin(2 * np.pi * rate * t + rng.uniform(0, 6.3)))
        wave = osc(shape, f, n, cutoff, start=rng.uniform(0, 1), formant=formant)
        side = 0.5 + 0.45 * (offset if voices > 1 else 0.0)
        if i % 2:
            side = 1.0 - side
        out[:, 0] += wave * np.sqrt(1 - side)
        out[:, 1] += wave * np.sqrt(side)
    return out / np.sqrt(voices)


def fm(freq: float, n: int, ratio: float, index: float, decay: float) -> np.ndarray:
    """Two-operator FM: electric pianos and bells; the index falls with time constant `decay`."""
    t = seconds(n)
    modulator = np.sin(2 * np.pi * freq * ratio * t) * index * np.exp(-t / decay)
    return np.sin(2 * np.pi * freq * t + modulator)


# ------------------------------------------------------------------ envelopes
def adsr(n: int, gate: int, attack: float, decay: float, sustain: float, release: float,
         sr: int = SR) -> np.ndarray:
    """Attack ramp, exponential decay to `sustain`, exponential release after `gate` samples."""
    t = seconds(n, sr)
    a = max(attack, 1e-4)
    env = np.where(t < a, t / a, sustain + (1 - sustain) * np.exp(-(t - a) / max(decay, 1e-4)))
    gate_t = gate / sr
    held = env[min(gate, n - 1)] if n else 0.0
    tail = held * np.exp(-(t - gate_t) * 6.9 / max(release, 1e-3))
    return np.where(t < gate_t, env, tail)


def decay(n: int, tau: float, attack: float = 0.0005) -> np.ndarray:
    t = seconds(n)
    return np.minimum(1.0, t / attack) * np.exp(-t / tau)


def release_samples(release: float) -> int:
    return int(release * SR)


# ------------------------------------------------------------------ noise and drums
def noise(rng: np.random.Generator, n: int, gain_of=None) -> np.ndarray:
    """White noise, optionally shaped by `gain_of(freqs)`, scaled to unit RMS."""
    x = rng.standard_normal(n)
    if gain_of is not None:
        x = spectral(x, gain_of)
    return x / max(float(np.sqrt(np.mean(x ** 2))), 1e-12)


def swept_sine(n: int, high: float, low: float, tau: float) -> np.ndarray:
    """A sine falling from `high` to `low` Hz with time constant `tau`: kicks, toms, booms."""
    t = seconds(n)
    freq = low + (high - low) * np.exp(-t / tau)
    return np.sin(2 * np.pi * np.concatenate(([0.0], np.cumsum(freq[:-1]))) / SR)


def metal(n: int, base: float, rng: np.random.Generator) -> np.ndarray:
    """Six inharmonic squares (the 808 cymbal trick): the metal in hats and cymbals."""
    ratios = (1.0, 1.4471, 1.6170, 1.9265, 2.5028, 2.6637)
    out = np.zeros(n)
    for r in ratios:
        out += osc("square", base * r * (1 + rng.uniform(-0.004, 0.004)), n, start=rng.uniform())
    return out / len(ratios)


def drive(x: np.ndarray, amount: float) -> np.ndarray:
    """tanh saturation normalised so quiet signals keep their level."""
    if amount <= 0:
        return x
    return np.tanh(x * (1 + amount)) / np.tanh(1 + amount) * 1.0


def pan(position: float) -> tuple[float, float]:
    """Constant-power gains for a position from -1 (left) to 1 (right)."""
    angle = (position + 1) * np.pi / 4
    return float(np.cos(angle) * np.sqrt(2)), float(np.sin(angle) * np.sqrt(2))


# ------------------------------------------------------------------ space
def room(rng: np.random.Generator, seconds_: float, brightness: float = 0.5) -> np.ndarray:
    """A stereo impulse response: decorrelated noise with an exponential, darkening tail."""
    n = int(seconds_ * SR)
    t = seconds(n)
    tail = rng.standard_normal((n, 2)) * np.exp(-6.9 * t / seconds_)[:, None]
    cutoff = 1500 + 9000 * brightness
    tail = spectral(tail, lambda f: lowpass_gain(f, cutoff, order=1))
    predelay = int(0.012 * SR)
    ir = np.zeros((n + predelay, 2))
    ir[predelay:] = tail
    return ir / np.sqrt(np.sum(ir ** 2) / 2)


def convolve(x: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Stereo convolution, each channel with its own response, cut to the length of `x`.

    Done at half the sample rate (a reverb tail has little above 10 kHz), in
    single precision, by overlap-add over blocks: many small transforms are far
    quicker than one the length of a song.
    """
    n = x.shape[0]
    even = n - n % 2
    half = (0.5 * (x[0:even:2] + x[1:even:2])).astype(np.float32)
    taps = ir[0::2].astype(np.float32)
    size = 1 << (2 * taps.shape[0] - 1).bit_length()
    block = size - taps.shape[0] + 1
    response = np.fft.rfft(taps, size, axis=0)
    wet = np.zeros((half.shape[0] + size, 2), dtype=np.float32)
    batch = max(1, (1 << 21) // size)
    for first in range(0, half.shape[0], block * batch):
        chunk = half[first:first + block * batch]
        count = -(-chunk.shape[0] // block)
        blocks = np.zeros((count, block, 2), dtype=np.float32)
        blocks.reshape(-1, 2)[:chunk.shape[0]] = chunk
        spectra = np.fft.rfft(blocks, size, axis=1)
        spectra *= response[None]
        pieces = np.fft.irfft(spectra, size, axis=1)
        for k in range(count):
            at = first + k * block
            wet[at:at + size] += pieces[k]
    wet = wet[:half.shape[0]]
    out = np.zeros((n, 2), dtype=np.float32)
    out[0:even:2] = wet
    out[1:even - 1:2] = 0.5 * (wet[:-1] + wet[1:])
    return out
