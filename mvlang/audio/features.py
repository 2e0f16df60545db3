"""Onsets and band envelopes of mono audio (stage: analyse).

Takes mono float samples in [-1, 1] and a sample rate; gives onset times
(`onsets`) and the curves that scenes react to (`envelopes`: kick, snare,
bass, energy, each 0..1 at a fixed rate). The beat tracker (`tracking.py`)
shares the front end, `band_power`: a short-time Fourier transform (a window
of about 46 ms, a power of two in samples, every 10 ms) summed into bands a
semitone wide (single FFT bins in the bass, where a bin is wider than a
semitone). numpy and scipy only: no librosa import to pay.

Onset strength is spectral flux: the rise of each band's log power over
10 ms, half-wave rectified, averaged over a group of bands. With frames this
long the flux peaks a few ms before the physical attack; `FLUX_LAG` is that
offset (calibrated on the synthetic drums, clicks and chords of
bench/beats, where it leaves beats within about +-3 ms on average) and is
added back, so that times are those of the attack.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

HOP_SECONDS = 0.010          # 100 frames a second
FLUX_LAG = 0.006             # seconds from a flux peak to the attack it marks
FLOOR_DB = 60.0              # log power is measured above (peak - FLOOR_DB)
GROUPS = {                    # band groups, Hz
    "low": (30.0, 150.0),     # kick and bass
    "kick": (40.0, 120.0),
    "bass": (40.0, 250.0),
    "mid": (150.0, 4000.0),   # snare body, chords, voices
    "snare": (1000.0, 5000.0),
    "high": (4000.0, 20000.0),
}


@dataclass
class BandPower:
    """Mean power per band and frame: `power[band, frame]`, frame i centred at i / rate s."""
    power: np.ndarray        # float32 (bands, frames)
    low_hz: np.ndarray       # lower edge of each band
    high_hz: np.ndarray      # upper edge of each band
    rate: float              # frames per second
    duration: float          # seconds of audio

    def group(self, name: str) -> np.ndarray:
        """Which bands lie (by their centre) in group `name`: a boolean mask."""
        low, high = GROUPS[name]
        centre = np.sqrt(self.low_hz * self.high_hz)
        return (centre >= low) & (centre < high)

    def log_power(self) -> np.ndarray:
        """Power in dB above a floor FLOOR_DB under the loudest band-frame (so >= 0)."""
        ref = float(self.power.max()) or 1.0
        floor = ref * 10 ** (-FLOOR_DB / 10)
        return 10 * np.log10((self.power + floor) / floor)

    def loudness(self, exponent: float = 0.3) -> np.ndarray:
        """(power / peak power) ** exponent: 0..1, louder sounds count for more."""
        return (self.power / (float(self.power.max()) or 1.0)) ** exponent


# ---------------------------------------------------------------- front end
_CACHE: dict = {}


def band_power(samples: np.ndarray, sample_rate: int) -> BandPower:
    """The band powers of `samples`. The last result is kept: the analysis asks for the
    tracker, the onsets and the envelopes of one signal in turn. It is reused only for the
    very same array object with the same rate and the same fingerprint (some samples)."""
    x = np.asarray(samples).reshape(-1)
    stride = max(1, len(x) // 4096)
    fingerprint = (len(x), sample_rate, x[::stride].astype(np.float32).tobytes())
    cached = _CACHE.get("last")
    if cached and cached[0]() is samples and cached[1] == fingerprint:
        return cached[2]
    result = _band_power(np.ascontiguousarray(x, dtype=np.float32), sample_rate)
    try:
        _CACHE["last"] = (weakref.ref(samples), fingerprint, result)
    except TypeError:                    # not weak-referenceable (a list): no caching
        _CACHE.clear()
    return result


def _band_power(x: np.ndarray, sample_rate: int) -> BandPower:
    from scipy.fft import rfft

    duration = len(x) / sample_rate
    sr = float(sample_rate)
    hop = max(1, round(sr * HOP_SECONDS))
    n_fft = 1 << round(np.log2(0.046 * sr))
    starts = _band_starts(n_fft, sr)
    padded = np.concatenate([np.zeros(n_fft // 2, np.float32), x,
                             np.zeros(n_fft // 2 + hop, np.float32)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    count = int(np.ceil(len(x) / hop)) + 1
    frames = frames[:count]
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    widths = np.diff(np.append(starts, n_fft // 2 + 1)).astype(np.float32)
    out = np.empty((len(frames), len(starts)), np.float32)
    for i in range(0, len(frames), 2048):
        spectrum = rfft(frames[i:i + 2048] * window, axis=1, workers=-1)
        power = spectrum.real ** 2 + spectrum.imag ** 2
        out[i:i + 2048] = np.add.reduceat(power, starts, axis=1) / widths
    edges = np.append(starts, n_fft // 2 + 1) * sr / n_fft
    return BandPower(out.T.copy(), edges[:-1], edges[1:], sr / hop, duration)


def _band_starts(n_fft: int, sr: float) -> np.ndarray:
    """First FFT bin of each band: semitone edges from 30 Hz, at least one bin wide."""
    top = 0.5 * sr
    edges_hz = 30.0 * 2 ** (np.arange(0, 12 * np.log2(top / 30.0)) / 12)
    bins = np.unique(np.round(edges_hz * n_fft / sr).astype(int))
    return bins[(bins >= 1) & (bins < n_fft // 2)]


# ---------------------------------------------------------------- flux
def flux(bands: BandPower, level: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Spectral flux per group: the mean over its bands of each band's 10 ms rise in
    `level` (by default dB, `bands.log_power()`), less that band's mean rise over the
    song (the flicker of its noise floor), >= 0."""
    level = bands.log_power() if level is None else level
    lag = max(1, round(0.010 * bands.rate))
    rise = np.zeros_like(level)
    rise[:, lag:] = np.maximum(level[:, lag:] - level[:, :-lag], 0)
    rise = np.maximum(rise - rise.mean(axis=1, keepdims=True), 0)
    out = {}
    for name in GROUPS:
        mask = bands.group(name)
        out[name] = rise[mask].mean(axis=0) if mask.any() else np.zeros(level.shape[1])
    return out


def peak_times(envelope: np.ndarray, rate: float, spacing: float = 0.03,
               threshold: float = 0.0) -> np.ndarray:
    """Times of local maxima (within `spacing` s) above `threshold`, sub-frame by parabola."""
    from scipy.ndimage import maximum_filter1d

    size = max(3, round(2 * spacing * rate) | 1)
    local = maximum_filter1d(envelope, size, mode="nearest")
    idx = np.flatnonzero((envelope == local) & (envelope > threshold))
    idx = idx[(idx > 0) & (idx < len(envelope) - 1)]
    if len(idx) > 1:                              # plateaus: keep the first frame of each
        idx = idx[np.append(True, np.diff(idx) > 1)]
    return (idx + parabolic_offset(envelope, idx)) / rate


def parabolic_offset(envelope: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sub-frame offset (-0.5..0.5) of the vertex of the parabola through idx-1, idx, idx+1."""
    idx = np.clip(np.asarray(idx), 1, len(envelope) - 2)
    a, b, c = envelope[idx - 1], envelope[idx], envelope[idx + 1]
    denom = a - 2 * b + c
    safe = np.where(np.abs(denom) > 1e-12, denom, -1.0)
    return np.where(np.abs(denom) > 1e-12, np.clip(0.5 * (a - c) / safe, -0.5, 0.5), 0.0)


def attack_times(samples: np.ndarray, sample_rate: int, times: np.ndarray,
                 before: float = 0.012, after: float = 0.020) -> np.ndarray:
    """Each time moved to the start of the attack near it, to the sample, where there is one.

    Flux peaks are ~10 ms frames apart and lead or lag the attack by a few ms
    depending on the sound. Here the signal itself is read: its energy
    (pre-emphasised, so that held bass weighs less; over a trailing 2 ms) in
    [t - before, t + after] against its median over the 12 ms before that; if
    it rises by at least 9 dB, the attack is the first sample half-way (in dB)
    from there to the peak. Otherwise the time stays as it was.
    """
    times = np.asarray(times, float)
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    reference, width = 0.012, max(1, round(0.002 * sample_rate))
    first = np.round((times - before - reference) * sample_rate).astype(int) - width - 1
    span = round((reference + before + after) * sample_rate) + width + 1
    inside = (first >= 0) & (first + span < len(x))
    if not inside.any():
        return times
    idx = first[inside, None] + np.arange(span)[None, :]
    segment = x[idx].astype(np.float64)
    emphasised = segment[:, 1:] - 0.95 * segment[:, :-1]            # sample idx[:, k + 1]
    total = np.zeros((len(idx), span))
    np.cumsum(emphasised ** 2, axis=1, out=total[:, 1:])
    energy = (total[:, width:] - total[:, :-width]) / width           # ends at idx[:, width:]
    level = 10 * np.log10(energy + 1e-12)
    split = round(reference * sample_rate)
    floor = np.median(level[:, :split], axis=1)
    search = level[:, split:]
    peak = search.max(axis=1)
    crossing = (search >= (floor + 0.5 * (peak - floor))[:, None]).argmax(axis=1)
    moved = times.copy()
    found = np.where(peak - floor >= 9.0, (idx[:, width + split] + crossing) / sample_rate,
                     times[inside])
    moved[inside] = found
    return moved


# ---------------------------------------------------------------- public
def onsets(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onset times in seconds: peaks of the summed flux above a local adaptive threshold."""
    from scipy.ndimage import uniform_filter1d

    bands = band_power(samples, sample_rate)
    groups = flux(bands)
    strength = groups["low"] + groups["mid"] + groups["high"]
    if not strength.any():
        return np.zeros(0)
    local = uniform_filter1d(strength, int(0.2 * bands.rate), mode="nearest")
    threshold = local + 0.1 * float(np.percentile(strength, 99))
    times = peak_times(np.where(strength > threshold, strength, 0.0), bands.rate) + FLUX_LAG
    times = attack_times(samples, sample_rate, times)
    return np.unique(times[(times >= 0) & (times < bands.duration)])


def envelopes(samples: np.ndarray, sample_rate: int, rate: int = 100) -> dict[str, np.ndarray]:
    """Curves at `rate` a second, each 0..1 and ceil(duration * rate) long.

    kick: onset strength of 40-120 Hz; snare: onset strength of 1-5 kHz (snare
    and clap noise); bass: the amplitude of 40-250 Hz; energy: loudness, the
    K-weighted power (as LUFS weighs it) to the 0.3 (Stevens' law: about what
    a listener calls twice as loud reads twice as high). The onset strengths
    are the flux of power ** 0.3 rather than of dB, so that a loud hit reads
    louder than a quiet one; they are pooled (the maximum of the frames
    nearest each output time), so that no hit falls between two samples.
    """
    bands = band_power(samples, sample_rate)
    groups = flux(bands, bands.loudness(0.3))
    count = int(np.ceil(bands.duration * rate - 1e-9))
    bass_power = bands.power[bands.group("bass")].mean(axis=0)
    curves = {
        "kick": _resample(groups["kick"], bands.rate, rate, count, np.maximum),
        "snare": _resample(groups["snare"], bands.rate, rate, count, np.maximum),
        "bass": _resample(np.sqrt(bass_power), bands.rate, rate, count, None),
        "energy": _resample(_loudness(bands), bands.rate, rate, count, None),
    }
    return {name: _unit(curve) for name, curve in curves.items()}


def _loudness(bands: BandPower) -> np.ndarray:
    """K-weighted power (ITU-R BS.1770, as in LUFS) of each frame, to the power 0.3."""
    centre = np.sqrt(bands.low_hz * bands.high_hz)
    widths = bands.high_hz - bands.low_hz
    weighted = (bands.power * (_k_weight(centre) * widths)[:, None]).sum(axis=0)
    return weighted ** 0.3


def _k_weight(f: np.ndarray) -> np.ndarray:
    """BS.1770's K-weighting as a power gain: a high-pass near 38 Hz, +4 dB above ~1.5 kHz."""
    f2 = np.asarray(f, float) ** 2
    high_pass = f2 ** 2 / (f2 ** 2 + 38.0 ** 4)
    shelf = 1.0 + (10 ** 0.4 - 1.0) * f2 / (f2 + 1500.0 ** 2)
    return high_pass * shelf


def _resample(curve: np.ndarray, src_rate: float, rate: int, count: int, pool) -> np.ndarray:
    """`curve` at `rate`: the pooled (max) value of the frames nearest each output time,
    or the linear interpolation when `pool` is None."""
    times = np.arange(count) / rate
    if pool is None or src_rate <= rate:
        return np.interp(times, np.arange(len(curve)) / src_rate, curve)
    out = np.zeros(count)
    slot = np.round(np.arange(len(curve)) / src_rate * rate).astype(int)
    keep = slot < count
    pool.at(out, slot[keep], curve[keep])
    return out


def _unit(curve: np.ndarray) -> np.ndarray:
    top = float(curve.max()) if len(curve) else 0.0
    return (curve / top if top > 0 else np.zeros_like(curve)).astype(np.float32)
