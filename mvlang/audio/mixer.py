"""The final sound track: music, placed sounds, ducking, loudness, a peak limiter (stage: mix).

`mix` lays every `Placed` cue on the music at its start and gain, lowers the
music under loud cues (a side chain driven by the cues' own envelope: ~30 ms
attack, ~300 ms release), brings the sum to a target integrated loudness and
keeps every sample, and the estimated true peak, at or below -1 dBFS with a
look-ahead limiter. The normalisation is one gain for the whole sum, so the
level of a cue relative to the music is what its `gain_db` says.

`loudness` is the integrated loudness of ITU-R BS.1770-4 / EBU R128: the
K-weighting filter (a high shelf and a high-pass, derived for any sample rate
from their analogue prototypes, equal to the standard's 48 kHz coefficients
there), mean squares over 400 ms blocks every 100 ms, an absolute gate at
-70 LUFS and a relative gate 10 LU under the loudness of the blocks that pass
the first. Channels weigh 1 each (left and right), so a sine of amplitude A
in both channels of a stereo signal reads about 20*log10(A) LUFS, and in one
channel (or a mono signal) 3 dB less: -20 dBFS mono is -23 LUFS.

numpy and scipy only, and memory for a few copies of the track: the filters
and the oversampling run over blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal
from scipy.ndimage import convolve1d, minimum_filter1d, uniform_filter1d

__all__ = ["CEILING_DB", "Placed", "loudness", "mix"]

CEILING_DB = -2.0     # true peak; AAC encoding can add up to about 1 dB over it
_CEILING = 10 ** (CEILING_DB / 20) * 0.9995       # a hair under, so float32 rounding stays under
_BLOCK = 0.4                                      # seconds, a gating block
_STEP = 0.1                                       # seconds between blocks (75 % overlap)
_CHUNK = 1 << 17                                  # samples per pass of the block-wise filters
_DUCK_HOP = 0.005                                 # seconds, the side chain's resolution
_DUCK_ATTACK = 0.030
_DUCK_RELEASE = 0.300
_DUCK_RANGE = (-15.0, -3.0)   # cue level re the music (dB): no ducking below, all of it above
_LIMIT_BLOCK = 0.001          # seconds
_LIMIT_AHEAD = 3              # blocks of look-ahead (and of smoothing) in the limiter
_LIMIT_RELEASE = 30.0         # dB a second


@dataclass(frozen=True)
class Placed:
    samples: np.ndarray   # float32 (n, 2); mono (n,) is taken as both channels
    start: float          # seconds in the video; a negative start cuts the cue's beginning
    gain_db: float = 0.0


# ------------------------------------------------------------------ loudness
@lru_cache(maxsize=16)
def _k_weighting(rate: int) -> np.ndarray:
    """BS.1770 K-weighting as second-order sections at `rate` (the pre-filter, then RLB)."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
             1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def _channels(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    return x[:, None] if x.ndim == 1 else x


def _step_powers(x: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    """K-weighted sums of squares over 100 ms steps, (steps, channels); the step in samples."""
    sos = _k_weighting(rate)
    step = max(1, round(_STEP * rate))
    n, ch = x.shape
    chunk = max(1, _CHUNK // step) * step
    state = np.zeros((sos.shape[0], 2, ch))
    sums = np.zeros((-(-n // step), ch))
    for first in range(0, n, chunk):
        y, state = signal.sosfilt(sos, x[first:first + chunk].astype(np.float64), axis=0, zi=state)
        m = y.shape[0]
        full = m // step
        at = first // step
        if full:
            steps = y[:full * step].reshape(full, step, ch)
            sums[at:at + full] = np.einsum("ijk,ijk->ik", steps, steps)
        if m % step:
            sums[at + full] = np.sum(y[full * step:] ** 2, axis=0)
    return sums, step


def _gated(block_power: np.ndarray) -> float:
    """Integrated loudness from per-block mean squares (blocks, channels), both gates applied."""
    if block_power.size == 0:
        return -math.inf
    z = block_power.sum(axis=1)                   # channel weights 1
    with np.errstate(divide="ignore"):
        level = -0.691 + 10 * np.log10(z)
    keep = level > -70.0
    if not keep.any():
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(np.mean(z[keep]))) - 10.0
    keep &= level > relative
    return -0.691 + 10 * math.log10(float(np.mean(z[keep])))


def loudness(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4 gating); -inf for silence or an empty signal.

    A signal shorter than one 400 ms block is measured as one block of its own length.
    """
    x = _channels(samples)
    n = x.shape[0]
    if n == 0:
        return -math.inf
    sums, step = _step_powers(x, rate)
    per_block = round(_BLOCK / _STEP)
    full = n // step
    if full < per_block:
        return _gated(sums.sum(axis=0, keepdims=True) / n)
    window = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), sums[:full]]), axis=0)
    blocks = (window[per_block:] - window[:-per_block]) / (per_block * step)
    return _gated(blocks)


# ------------------------------------------------------------------ mixing
def _stereo(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        return np.stack([x, x], axis=1)
    if x.shape[1] == 1:
        return np.repeat(x, 2, axis=1)
    return x[:, :2]


def _duck_gains(cues: np.ndarray, music: np.ndarray, rate: int, duck_db: float) -> np.ndarray:
    """Per-sample music gain: down by up to `duck_db` while the cues are loud against the music."""
    n = music.shape[0]
    hop = max(1, round(_DUCK_HOP * rate))
    blocks = -(-n // hop)

    def powers(x: np.ndarray) -> np.ndarray:
        """Mean square (over both channels) of each block."""
        out = np.zeros(blocks)
        step = max(1, _CHUNK // hop) * hop
        for first in range(0, n, step):
            part = x[first:first + step].astype(np.float64)
            full = part.shape[0] // hop
            at = first // hop
            sq = np.einsum("ij,ij->i", part, part)
            out[at:at + full] = sq[:full * hop].reshape(full, hop).mean(axis=1) / 2
            if part.shape[0] % hop:
                out[at + full] = sq[full * hop:].mean() / 2
        return out
    music_power = powers(music)
    heard = music_power[music_power > 1e-7]
    if heard.size == 0:
        return np.ones(n, dtype=np.float32)
    reference = float(np.mean(heard))
    cue_power = uniform_filter1d(powers(cues), max(1, round(0.05 / _DUCK_HOP)), mode="nearest")
    with np.errstate(divide="ignore"):
        relative = 10 * np.log10(np.maximum(cue_power, 1e-20) / reference)
    low, high = _DUCK_RANGE
    target = duck_db * np.clip((relative - low) / (high - low), 0.0, 1.0)
    if not np.any(target):
        return np.ones(n, dtype=np.float32)
    attack = 1 - math.exp(-_DUCK_HOP / _DUCK_ATTACK)
    release = 1 - math.exp(-_DUCK_HOP / _DUCK_RELEASE)
    reduction = np.empty(blocks)
    level = 0.0
    for k, goal in enumerate(target.tolist()):
        level += (goal - level) * (attack if goal > level else release)
        reduction[k] = level
    gains = np.ones(n, dtype=np.float32)
    active = np.flatnonzero(reduction > 0.001)
    lo, hi = max(0, (active[0] - 1) * hop), min(n, (active[-1] + 2) * hop)
    centres = (np.arange(blocks) + 0.5) * hop
    curve = 10 ** (-reduction / 20)
    for first in range(lo, hi, _CHUNK):
        last = min(hi, first + _CHUNK)
        gains[first:last] = np.interp(np.arange(first, last), centres, curve)
    return gains


@lru_cache(maxsize=1)
def _phases() -> tuple[np.ndarray, ...]:
    """The three in-between phases of a 4x interpolator (97 taps, a Kaiser windowed sinc that
    passes up to about 20 kHz at 48 kHz); the fourth phase is the input itself. Each is a
    25-tap kernel centred on its middle tap."""
    taps = signal.firwin(97, 0.25, window=("kaiser", 5.65)) * 4
    centre = 48
    kernels = []
    for p in (1, 2, 3):
        kernel = np.zeros(25)
        for i in range(25):
            at = 4 * (i - 12) + p + centre
            if 0 <= at < taps.size:
                kernel[i] = taps[at]
        kernels.append(kernel.astype(np.float32))
    return tuple(kernels)


def _true_peaks(x: np.ndarray, block: int) -> np.ndarray:
    """The largest |sample| of 4x oversampled audio, per block of `block` input samples."""
    n = x.shape[0]
    peaks = np.zeros(-(-n // block))
    chunk = max(1, _CHUNK // block) * block
    margin = 16
    for first in range(0, n, chunk):
        last = min(n, first + chunk)
        lo, hi = max(0, first - margin), min(n, last + margin)
        part = x[lo:hi]
        top = np.maximum(np.abs(part[:, 0]), np.abs(part[:, 1]))
        for kernel in _phases():
            y = np.abs(convolve1d(part, kernel, axis=0, mode="constant"))
            np.maximum(top, np.maximum(y[:, 0], y[:, 1]), out=top)
        top = top[first - lo:last - lo]
        pad = -top.size % block
        if pad:
            top = np.concatenate([top, np.zeros(pad, dtype=top.dtype)])
        peaks[first // block:first // block + top.size // block] = top.reshape(-1, block).max(axis=1)
    return peaks


def _limit(x: np.ndarray, rate: int) -> None:
    """A look-ahead peak limiter to `_CEILING`, in place.

    The gain each 1 ms block needs is smoothed by a release (linear in dB), then a minimum
    over the look-ahead and a moving average over it; both windows are centred, so the
    smoothed gain never exceeds what any sample needs.
    """
    n = x.shape[0]
    block = max(1, round(_LIMIT_BLOCK * rate))
    peaks = _true_peaks(x, block)
    if peaks.max() <= _CEILING:
        return
    with np.errstate(divide="ignore"):
        need = np.minimum(0.0, 20 * np.log10(_CEILING / np.maximum(peaks, 1e-12)))
    per_block = _LIMIT_RELEASE * block / rate
    k = np.arange(need.size) * per_block
    held = np.minimum(0.0, k + np.minimum.accumulate(need - k))    # recover at the release rate
    held = minimum_filter1d(held, 2 * _LIMIT_AHEAD + 1, mode="nearest")
    held = uniform_filter1d(held, 2 * _LIMIT_AHEAD - 1, mode="nearest")
    centres = (np.arange(need.size) + 0.5) * block
    gain = 10 ** (held / 20)
    for first in range(0, n, _CHUNK):
        at = np.arange(first, min(n, first + _CHUNK))
        x[first:first + at.size] *= np.interp(at, centres, gain).astype(np.float32)[:, None]
    peak = float(np.abs(x).max())
    if peak > _CEILING:                               # rounding: a last safety gain
        x *= np.float32(_CEILING / peak)


def mix(music: np.ndarray, rate: int, cues: Sequence[Placed], duration: float,
        duck_db: float = 6.0, target_lufs: float = -14.0, in_place: bool = False) -> np.ndarray:
    """The final stereo track (float32, exactly round(duration * rate) samples).

    The music (at `rate`; padded with silence or cut), every cue at its start (cut at the
    end) and gain, the music ducked under loud cues, the sum normalised to `target_lufs` and
    limited to -1 dBFS (true peak, estimated at 4x): a mix whose peaks the limiter has to
    pull down lands a little under its target. A silent sum (nothing above the -70 LUFS
    gate) gives zeros.

    `in_place`: the caller gives up `music` (float32, (n, 2)); with no cues it
    becomes the output, so a long song is held once, not twice.
    """
    n = max(0, round(duration * rate))
    if in_place and not cues and isinstance(music, np.ndarray) and music.dtype == np.float32 \
            and music.shape == (n, 2) and music.flags.c_contiguous and music.flags.writeable:
        return _finish(music, rate, target_lufs)
    out = np.zeros((n, 2), dtype=np.float32)
    if n == 0:
        return out
    any_cue = False
    for cue in cues:
        samples = _stereo(cue.samples)
        start = round(cue.start * rate)
        lo, hi = max(0, start), min(n, start + samples.shape[0])
        if hi <= lo:
            continue
        gain = np.float32(10 ** (cue.gain_db / 20))
        out[lo:hi] += samples[lo - start:hi - start] * gain
        any_cue = True
    music = _stereo(music) if np.asarray(music).size else np.zeros((0, 2), dtype=np.float32)
    m = min(music.shape[0], n)
    if m:
        if any_cue and duck_db > 0:
            gains = _duck_gains(out[:m], music[:m], rate, duck_db)
            for first in range(0, m, _CHUNK):
                last = min(m, first + _CHUNK)
                out[first:last] += music[first:last] * gains[first:last, None]
        else:
            out[:m] += music[:m]
    return _finish(out, rate, target_lufs)


def _finish(out: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    """Normalise to the target loudness and limit the peaks, in place."""
    level = loudness(out, rate)
    if not math.isfinite(level):
        out[:] = 0
        return out
    out *= np.float32(10 ** ((target_lufs - level) / 20))
    _limit(out, rate)
    return out
