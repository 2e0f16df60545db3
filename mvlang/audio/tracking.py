"""Beat trackers: mono samples -> beat times, the first downbeat and the tempo (stage: analyse).

`MvlangTracker` (the default, name "mvlang") is our own algorithm, in numpy
and scipy only (so it does not pay librosa's import):

1. Onset strength (`features.flux`, 10 ms frames) in three band groups:
   low (kick, bass), mid, high (hats), twice: the rise of the loudness
   (power ** 0.3, so that a loud kick or snare counts for more than a soft
   hat) chooses the tempo and the beats, and the rise in dB (every attack
   alike, sharper) then places each beat exactly. The high band counts for
   half (a tenth for placing), so that loud off-beat hats do not pull the
   beat onto the off-beat.
2. Local tempo: 8 s windows every second; each window scores tempi from 35
   to 320 bpm by the product of a harmonic sum of its autocorrelation (low
   for tempi faster than the pulse) and of its Fourier spectrum (low for
   slower ones), times a log-normal prior around 110 bpm, 0.8 octave wide
   (what a listener taps: records played at double time by a wider prior
   were the commonest error on real music). The meter adds one check over
   the whole song: the beats of a triple meter must group by three (so a
   fast waltz is not counted in bars), those of a duple one by two. A
   Viterbi path through the windows lets the tempo glide (ramps) or jump (a
   step change) at a cost. A `bpm` hint moves the prior's centre to the hint
   and narrows it to 0.3 octave: the detected periodicity in the hint's
   octave wins, so the hint settles half/double choices without forcing its
   exact value.
3. Beats: Ellis' dynamic programme (beats on strong onsets, intervals near
   the local period) over the loudness onsets plus the harmonic novelty
   (chords and bass notes change on beats far more often than between
   them). If the beats sit on a swung off-beat (the strongest onsets inside
   the beats come a third of the way along), they move on by a third of a
   beat (`unswing`). Then each beat moves to the strongest onset peak within
   a small window, with sub-frame (parabolic) precision, the flux's known
   lead (`features.FLUX_LAG`) is added back, and finally the beat is put on
   the sample where its attack starts (`features.attack_times`), where the
   signal shows one clearly.
4. Downbeat: for each phase of the bar, the harmonic change into its beats
   (chroma and bass profile, read after a 150 ms opening so that drum hits
   do not count), the low-band onsets (in dB and in loudness) and level; each
   cue is standardised and summed per phase, and the strongest phase is
   beat 1.

The constants were set on two benchmarks (bench/beats/README.md): music
synthesised with exact beats, and real music composed by people (MIDI from
games and scores, rendered with sampled instruments), with a second set of
real pieces held out to check them.

Meters. Beats are returned at the meter's counting unit, as `BeatGrid`
counts them: quarters for 4/4 and 3/4, eighths for 6/8. In compound meters
(6/8, 9/8, 12/8) a listener taps the dotted quarter: that pulse is tracked
and each interval is divided in three. The `bpm` hint and `Tracked.tempo`
are in the counting unit too (a 6/8 at 70 dotted quarters a minute is 210).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from mvlang.audio import features

MIN_BPM, MAX_BPM = 35.0, 320.0
PRIOR_BPM, PRIOR_OCTAVES = 110.0, 0.8       # log-normal tempo prior, no hint
HINT_OCTAVES = 0.3                           # its width around a hint
WINDOW_S, WINDOW_HOP_S = 8.0, 1.0            # local tempo windows
TEMPO_MIX = {"low": 1.0, "mid": 1.0, "high": 0.5}    # loudness flux read for the tempo
BEAT_MIX = {"low": 0.7, "mid": 1.0, "high": 0.5}     # ... and for choosing the beats
NOVELTY_WEIGHT = 0.4                         # harmonic novelty, for choosing the beats
PHASE_MIX = {"low": 1.0, "mid": 1.0, "high": 0.1}    # dB flux, for placing them exactly
HARMONICS = 4                                # terms of each harmonic sum
GROUPING_WEIGHT = 1.0                        # weight of the meter's grouping check
TIGHTNESS = 100.0                            # DP: cost of an interval off the local period


@dataclass
class Tracked:
    beats: np.ndarray        # beat times, seconds, strictly increasing (float64)
    first_downbeat: int      # index into beats of the first downbeat (bar 1 beat 1)
    tempo: float             # the typical tempo, bpm (median of inter-beat intervals)


class Tracker(Protocol):
    name: str
    version: str             # bump when the algorithm changes (it keys the analysis cache)

    def track(self, samples: np.ndarray, sample_rate: int, *, bpm: float | None = None,
              meter: tuple[int, int] = (4, 4)) -> Tracked: ...


# ================================================================ the trackers
class MvlangTracker:
    name = "mvlang"
    version = "2"

    def track(self, samples: np.ndarray, sample_rate: int, *, bpm: float | None = None,
              meter: tuple[int, int] = (4, 4)) -> Tracked:
        return track(samples, sample_rate, bpm=bpm, meter=meter)


class LibrosaBaseline:
    """librosa.beat.beat_track with its defaults; the downbeat is the first beat."""
    name = "librosa"
    version = "1"

    def track(self, samples: np.ndarray, sample_rate: int, *, bpm: float | None = None,
              meter: tuple[int, int] = (4, 4)) -> Tracked:
        import librosa

        y = np.asarray(samples, dtype=np.float32)
        kwargs = {} if bpm is None else {"start_bpm": float(bpm)}
        _, beats = librosa.beat.beat_track(y=y, sr=sample_rate, units="time", **kwargs)
        return _tracked(np.asarray(beats, float), 0, bpm, len(y) / sample_rate)


class BeatThisTracker:
    """The `beat_this` package's model (Foscarin et al. 2024) from a local checkpoint."""
    name = "beat_this"
    version = "1"

    def __init__(self, checkpoint: Path):
        self.checkpoint = Path(checkpoint)
        self._model = None

    def track(self, samples: np.ndarray, sample_rate: int, *, bpm: float | None = None,
              meter: tuple[int, int] = (4, 4)) -> Tracked:
        if not self.checkpoint.is_file():
            raise FileNotFoundError(f"beat_this checkpoint not found: {self.checkpoint}")
        try:
            from beat_this.inference import Audio2Beats
        except ImportError as error:
            raise RuntimeError("the beat_this tracker needs the beat_this package "
                               "(pip install beat-this)") from error
        if self._model is None:
            self._model = Audio2Beats(checkpoint_path=str(self.checkpoint), device="cpu")
        beats, downbeats = self._model(np.asarray(samples, dtype=np.float32), sample_rate)
        beats = np.asarray(beats, float)
        first = 0
        if len(downbeats) and len(beats):
            first = int(np.argmin(np.abs(beats - float(downbeats[0]))))
        return _tracked(beats, first, bpm, len(samples) / sample_rate)


def make_tracker(name: str = "mvlang", checkpoint: Path | None = None) -> Tracker:
    if name == "mvlang":
        return MvlangTracker()
    if name == "librosa":
        return LibrosaBaseline()
    if name in ("beat_this", "beat-this"):
        if checkpoint is None:
            raise ValueError("the beat_this tracker needs a checkpoint file")
        return BeatThisTracker(checkpoint)
    raise ValueError(f"unknown beat tracker {name!r} (known: mvlang, librosa, beat_this)")


def _tracked(beats: np.ndarray, first: int, bpm: float | None, duration: float) -> Tracked:
    """A Tracked from raw times: increasing, at least two beats (a steady grid otherwise)."""
    beats = np.unique(np.asarray(beats, float))
    if len(beats) < 2:
        period = 60.0 / (bpm or PRIOR_BPM)
        start = float(beats[0]) if len(beats) else 0.0
        beats = start + period * np.arange(max(2, int((duration - start) / period) + 1))
    first = min(max(first, 0), len(beats) - 1)
    return Tracked(beats, first, float(60.0 / np.median(np.diff(beats))))


# ================================================================ the algorithm
def track(samples: np.ndarray, sample_rate: int, *, bpm: float | None = None,
          meter: tuple[int, int] = (4, 4)) -> Tracked:
    """MvlangTracker's algorithm (see the module docstring)."""
    bands = features.band_power(samples, sample_rate)
    level = bands.log_power()
    groups = features.flux(bands, level)
    phase_env = _mix(groups, PHASE_MIX)
    if not phase_env.any():
        return _tracked(np.zeros(0), 0, bpm, bands.duration)
    loud = features.flux(bands, bands.loudness(0.3))
    tempo_env = _mix(loud, TEMPO_MIX, standard=True)
    beat_env = _mix(loud, BEAT_MIX, standard=True) + \
        NOVELTY_WEIGHT * _standard(novelty(bands, level))
    per_tap = 3 if _compound(meter) else 1
    taps_per_bar = max(1, meter[0] // per_tap)
    hint = None if bpm is None else float(bpm) / per_tap
    grouping = {2: 2, 4: 2, 3: 3}.get(taps_per_bar, 0)
    periods = local_periods(tempo_env, bands.rate, hint, grouping)
    frames = dp_beats(beat_env, periods)
    frames = unswing(frames, loud["low"] + loud["mid"] + loud["high"])
    times = refine(frames, phase_env, periods, bands.rate) + features.FLUX_LAG
    times = features.attack_times(samples, sample_rate, times)
    times = _trim(times, phase_env, bands.rate)
    if len(times) < 2:
        return _tracked(times, 0, bpm, bands.duration)
    phase = downbeat_phase(times, taps_per_bar, bands, level, groups, loud)
    if per_tap > 1:
        times = subdivide(times, per_tap, bands.duration)
    return _tracked(times, phase * per_tap, bpm, bands.duration)


def _mix(groups: dict[str, np.ndarray], weights: dict[str, float],
         standard: bool = False) -> np.ndarray:
    """The weighted sum of band groups' envelopes (each first divided by its standard
    deviation when `standard`)."""
    scale = _standard if standard else (lambda env: env)
    return sum(weight * scale(groups[name]) for name, weight in weights.items())


def _standard(env: np.ndarray) -> np.ndarray:
    return env / (env.std() + 1e-9)


def _compound(meter: tuple[int, int]) -> bool:
    count, unit = meter
    return unit >= 8 and count >= 6 and count % 3 == 0


# ---------------------------------------------------------------- tempo
def tempo_grid() -> np.ndarray:
    """Tempo states, bpm, 1% apart."""
    return np.exp(np.arange(np.log(MIN_BPM), np.log(MAX_BPM), np.log(1.01)))


def local_periods(env: np.ndarray, rate: float, hint: float | None,
                  grouping: int = 0) -> np.ndarray:
    """The beat period (frames) at every frame: the Viterbi path through window saliences."""
    bpms = tempo_grid()
    starts, salience = window_salience(env, rate, bpms)
    centre, width = (hint, HINT_OCTAVES) if hint else (PRIOR_BPM, PRIOR_OCTAVES)
    prior = -0.5 * (np.log2(bpms / centre) / width) ** 2
    top = salience.max(axis=1, keepdims=True)
    observation = np.log(salience / np.where(top > 0, top, 1.0) + 1e-3) + prior
    if grouping:
        observation += GROUPING_WEIGHT * np.log(grouping_fit(env, rate, bpms, grouping) + 1e-3)
    path = viterbi(observation)
    centres = (starts + 0.5 * min(WINDOW_S * rate, len(env))) / rate
    frames = np.arange(len(env)) / rate
    log_period = np.interp(frames, centres, np.log(60.0 / bpms[path]))
    return np.exp(log_period) * rate


def grouping_fit(env: np.ndarray, rate: float, bpms: np.ndarray, group: int) -> np.ndarray:
    """How well beats at each tempo group by `group` (2 or 3) rather than the other, 0..1:
    the salience, over the whole song, of `group` beats over the best of 2 and 3 beats.
    Beats a bar too slow in 3/4 group by 2 (phrases), and eighths of 6/8 group by 3."""
    slow = np.exp(np.arange(np.log(MIN_BPM / 3.5), np.log(MAX_BPM), np.log(1.01)))
    whole = _salience(env[None, :], rate, slow)[0]

    def at(tempi: np.ndarray) -> np.ndarray:
        return np.interp(np.log(tempi), np.log(slow), whole)

    best = np.maximum(np.maximum(at(bpms / 2), at(bpms / 3)), 1e-12)
    return at(bpms / group) / best


def window_salience(env: np.ndarray, rate: float, bpms: np.ndarray):
    """(window starts, salience[window, tempo]) over WINDOW_S windows every WINDOW_HOP_S."""
    length = int(min(WINDOW_S * rate, len(env)))
    hop = int(WINDOW_HOP_S * rate)
    starts = np.arange(0, max(1, len(env) - length + 1), hop)
    starts = np.unique(np.append(starts, max(0, len(env) - length)))
    return starts, _salience(np.stack([env[s:s + length] for s in starts]), rate, bpms)


def _salience(segments: np.ndarray, rate: float, bpms: np.ndarray) -> np.ndarray:
    """Per segment and tempo: harmonic sum of the autocorrelation (low for tempi faster
    than the pulse) times harmonic sum of the Fourier magnitude (low for slower ones)."""
    from scipy.fft import irfft, rfft

    length = segments.shape[1]
    window = np.hanning(length)
    segments = (segments - segments.mean(axis=1, keepdims=True)) * window
    n_fft = 1 << int(np.ceil(np.log2(4 * length)))
    spectrum = rfft(segments, n_fft, axis=1)
    acf = irfft(np.abs(spectrum) ** 2, n_fft, axis=1)[:, :length]
    norm = irfft(np.abs(rfft(window, n_fft)) ** 2, n_fft)[:length]   # the window's own ACF
    acf = acf / np.maximum(norm, 0.25 * norm[0])
    acf = np.maximum(acf / np.maximum(acf[:, :1], 1e-12), 0)
    period = 60.0 / bpms * rate                                  # frames
    acf_part = _harmonic_sum(acf, period * np.arange(1, HARMONICS + 1)[:, None],
                             0.5 * length)
    bins = n_fft / period                                        # DFT bin of 1/period
    dft_part = _harmonic_sum(np.abs(spectrum), bins * np.arange(1, HARMONICS + 1)[:, None],
                             20.0 * n_fft / rate)
    return acf_part * dft_part


def _harmonic_sum(values: np.ndarray, positions: np.ndarray, limit: float) -> np.ndarray:
    """sum_k w_k values[:, positions[k]] / sum of the w_k used (positions past `limit` unused)."""
    weights = 1.0 / np.arange(1, len(positions) + 1)
    total = np.zeros((values.shape[0], positions.shape[1]))
    used = np.zeros(positions.shape[1])
    grid = np.arange(values.shape[1])
    for weight, pos in zip(weights, positions):
        ok = pos < min(limit, values.shape[1] - 1)
        sampled = np.stack([np.interp(pos, grid, row) for row in values])
        total += weight * sampled * ok
        used += weight * ok
    return total / np.maximum(used, 1e-9)


def viterbi(observation: np.ndarray, reach: int = 6, spread: float = 2.0,
            jump: float = 12.0) -> np.ndarray:
    """Best state path: moving k states between windows costs (k / spread)^2 / 2 (up to
    `reach` states), jumping further costs `jump`."""
    count, states = observation.shape
    shifts = np.arange(-reach, reach + 1)
    source = np.arange(states)[:, None] - shifts[None, :]
    cost = np.where((source >= 0) & (source < states), 0.5 * (shifts / spread) ** 2, np.inf)
    source = np.clip(source, 0, states - 1)
    rows = np.arange(states)
    score = observation[0].copy()
    back = np.zeros((count, states), dtype=np.int64)
    for w in range(1, count):
        candidates = score[source] - cost
        pick = candidates.argmax(axis=1)
        best, came = candidates[rows, pick], source[rows, pick]
        far = int(score.argmax())
        leap = score[far] - jump > best
        score = np.where(leap, score[far] - jump, best) + observation[w]
        back[w] = np.where(leap, far, came)
    path = np.zeros(count, dtype=np.int64)
    path[-1] = int(score.argmax())
    for w in range(count - 1, 0, -1):
        path[w - 1] = back[w, path[w]]
    return path


# ---------------------------------------------------------------- beats
def dp_beats(env: np.ndarray, periods: np.ndarray, tightness: float = TIGHTNESS) -> np.ndarray:
    """Ellis' dynamic programme with a local period: the frames of the best beat sequence.

    score[t] = env[t] + max(0, max over d of score[t - d] - tightness * log(d / P_t)^2),
    d in [0.6 P, 1.6 P]. Frames are scored a block at a time: a block shorter
    than the shortest interval depends only on frames before it.
    """
    n = len(env)
    score = np.zeros(n)
    back = np.full(n, -1, dtype=np.int64)
    t0 = 0
    while t0 < n:
        p = periods[t0]
        lo, hi = max(1, int(0.6 * p)), int(np.ceil(1.6 * p))
        t1 = min(n, t0 + lo)
        t = np.arange(t0, t1)
        d = np.arange(lo, hi + 1)
        src = t[:, None] - d[None, :]
        penalty = tightness * np.log(d[None, :] / periods[t][:, None]) ** 2
        cand = np.where(src >= 0, score[np.maximum(src, 0)] - penalty, -np.inf)
        best = cand.argmax(axis=1)
        value = cand[np.arange(len(t)), best]
        take = value > 0
        score[t] = env[t] + np.where(take, value, 0)
        back[t] = np.where(take, src[np.arange(len(t)), best], -1)
        t0 = t1
    tail = min(n, int(np.ceil(periods[-1])))
    end = n - tail + int(np.argmax(score[n - tail:]))
    beats = [end]
    while back[beats[-1]] >= 0:
        beats.append(int(back[beats[-1]]))
    return np.asarray(beats[::-1])


def unswing(frames: np.ndarray, env: np.ndarray) -> np.ndarray:
    """Beats moved from a swung off-beat to the beat, where they were on the off-beat.

    In swing the off-beat falls two thirds of the way to the next beat, and
    it is often louder than the beat (comping, ride and hi-hat accents), so
    the beats can lock onto it. Then the strongest onsets between two beats
    come a third of the way along (the true beat) and little comes at a half
    or at two thirds; on the true beats it is the other way round (the
    off-beat at two thirds). Where the onsets at a third are clearly the
    strongest inside the beats, every beat moves on by a third of its interval."""
    from scipy.ndimage import maximum_filter1d

    if len(frames) < 8:
        return frames
    env = maximum_filter1d(env, 5, mode="nearest")
    gaps = np.diff(frames).astype(float)

    def at(fraction: float) -> float:
        pos = np.round(frames[:-1] + gaps * fraction).astype(int)
        return float(env[np.clip(pos, 0, len(env) - 1)].mean())

    on, third, half, two_thirds = at(0.0), at(1 / 3), at(0.5), at(2 / 3)
    if third < 2.0 * max(half, two_thirds) or third < 0.5 * on:
        return frames
    shift = np.append(gaps, gaps[-1]) / 3
    moved = np.round(frames + shift).astype(int)
    return moved[moved < len(env)]


def refine(frames: np.ndarray, env: np.ndarray, periods: np.ndarray, rate: float) -> np.ndarray:
    """Each beat moved to the strongest onset peak near it, favouring the nearest (seconds,
    sub-frame): within 50 ms, and never more than an eighth of the period."""
    reach = np.maximum(2, np.minimum(0.05 * rate, 0.12 * periods[frames])).astype(int)
    offsets = np.arange(-reach.max(), reach.max() + 1)
    idx = np.clip(frames[:, None] + offsets[None, :], 1, len(env) - 2)
    value = env[idx]
    peak = (value >= env[idx - 1]) & (value >= env[idx + 1]) & \
        (np.abs(offsets)[None, :] <= reach[:, None])
    near = np.exp(-0.5 * (offsets[None, :] / (0.6 * reach[:, None])) ** 2)
    score = np.where(peak, value * near, -1.0)
    best = idx[np.arange(len(frames)), score.argmax(axis=1)]
    best = np.where(peak.any(axis=1), best, frames)
    return (best + features.parabolic_offset(env, best)) / rate


def _trim(times: np.ndarray, env: np.ndarray, rate: float) -> np.ndarray:
    """Drop leading and trailing beats with (almost) no onset under them."""
    from scipy.ndimage import maximum_filter1d

    if len(times) == 0:
        return times
    near = maximum_filter1d(env, int(0.05 * rate) | 1, mode="nearest")
    strength = near[np.clip(np.round((times - features.FLUX_LAG) * rate).astype(int),
                            0, len(env) - 1)]
    strong = np.flatnonzero(strength > 0.1 * np.median(strength))
    if len(strong) == 0:
        return times
    return times[strong[0]:strong[-1] + 1]


def subdivide(times: np.ndarray, parts: int, duration: float) -> np.ndarray:
    """Each interval cut in `parts` equal beats; the last interval's tail continued."""
    steps = np.arange(parts) / parts
    inner = (times[:-1, None] + np.diff(times)[:, None] * steps[None, :]).reshape(-1)
    tail = times[-1] + (times[-1] - times[-2]) * steps
    return np.concatenate([inner, tail[tail < duration]])


# ---------------------------------------------------------------- downbeats
def downbeat_phase(times: np.ndarray, per_bar: int, bands: features.BandPower,
                   level: np.ndarray, groups: dict[str, np.ndarray],
                   loud: dict[str, np.ndarray]) -> int:
    """Index (0..per_bar-1) of the first beat that starts a bar: `groups` is the flux of
    `level` (dB), `loud` that of the loudness."""
    if per_bar <= 1 or len(times) < per_bar:
        return 0
    rate = bands.rate
    frames = np.clip(np.round((times - features.FLUX_LAG) * rate).astype(int), 0,
                     level.shape[1] - 1)
    cues = [
        (1.0, _change(frames, bands, level)),
        (0.5, _at_beats(groups["low"], frames, rate)),
        (0.5, _at_beats(loud["low"], frames, rate)),
        (0.5, _low_level(frames, bands, level)),
    ]
    total = np.zeros(len(times))
    for weight, cue in cues:
        total += weight * (cue - cue.mean()) / (cue.std() + 1e-9)
    by_phase = [total[p::per_bar].mean() for p in range(per_bar)]
    return int(np.argmax(by_phase))


def _at_beats(env: np.ndarray, frames: np.ndarray, rate: float) -> np.ndarray:
    from scipy.ndimage import maximum_filter1d

    return maximum_filter1d(env, int(0.04 * rate) | 1, mode="nearest")[frames]


def _low_level(frames: np.ndarray, bands: features.BandPower, level: np.ndarray) -> np.ndarray:
    """Mean low-band level over the first half of each beat."""
    low = level[bands.group("low")].mean(axis=0)
    ends = np.append(frames[1:], len(low))
    return _span_means(low[None, :], frames, frames + np.maximum(1, (ends - frames) // 2))[0]


def _harmony(bands: features.BandPower, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chroma[12, frame], bass profile[band, frame]), both read after a 150 ms opening in
    time (a minimum, then a maximum filter), which keeps held notes and cymbals and
    flattens short drum hits, so that a snare is not taken for a change of harmony. The
    last result is kept (the beats and the downbeat both read it)."""
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    cached = _HARMONY.get("last")
    if cached and cached[0]() is bands and cached[1]() is level:
        return cached[2]
    width = max(1, round(0.15 * bands.rate))

    def held(rows: np.ndarray) -> np.ndarray:
        return maximum_filter1d(minimum_filter1d(rows, width, axis=1), width, axis=1)

    centre = np.sqrt(bands.low_hz * bands.high_hz)
    pitched = (centre > 200) & (centre < 3000)
    pitch_class = np.round(12 * np.log2(centre[pitched] / 440.0)).astype(int) % 12
    fold = np.zeros((12, int(pitched.sum())), np.float32)
    fold[pitch_class, np.arange(pitched.sum())] = 1.0
    result = (held(fold @ bands.power[pitched]), held(level[bands.group("bass")]))
    _HARMONY["last"] = (weakref.ref(bands), weakref.ref(level), result)
    return result


_HARMONY: dict = {}


def novelty(bands: features.BandPower, level: np.ndarray, span: float = 0.2) -> np.ndarray:
    """Harmonic novelty at each frame: the cosine distance between the mean chroma over the
    `span` seconds before and after it, plus the same for the bass profile. Chords and
    bass notes change on beats far more often than between them."""
    chroma, bass = _harmony(bands, level)
    width = max(1, round(span * bands.rate))
    out = np.zeros(level.shape[1])
    frames = np.arange(level.shape[1])
    before, after = np.maximum(frames - width, 0), np.minimum(frames + width, len(frames))
    for rows in (chroma, bass):
        out += _cosine_distance(_span_means(rows, before, np.maximum(frames, 1)),
                                _span_means(rows, frames, after))
    return out


def _change(frames: np.ndarray, bands: features.BandPower, level: np.ndarray) -> np.ndarray:
    """Harmonic change into each beat: the cosine distance of this beat's chroma, and of its
    bass profile, from the previous beat's (see `_harmony`)."""
    held_chroma, held_bass = _harmony(bands, level)
    ends = np.maximum(np.append(frames[1:], level.shape[1]), frames + 1)
    chroma = _span_means(held_chroma, frames, ends)
    bass = _span_means(held_bass, frames, ends)
    change = np.zeros(len(frames))
    change[1:] = _cosine_distance(chroma[:, 1:], chroma[:, :-1]) + \
        _cosine_distance(bass[:, 1:], bass[:, :-1])
    change[0] = np.median(change[1:]) if len(change) > 1 else 0.0
    return change


def _span_means(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mean of each row over frames [start, end) for every span: (rows, spans)."""
    total = np.zeros((rows.shape[0], rows.shape[1] + 1))
    np.cumsum(rows, axis=1, out=total[:, 1:])
    ends = np.minimum(ends, rows.shape[1])
    starts = np.minimum(starts, ends - 1)
    return (total[:, ends] - total[:, starts]) / (ends - starts)


def _cosine_distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 - cosine similarity of matching columns."""
    norm = np.linalg.norm(x, axis=0) * np.linalg.norm(y, axis=0)
    return np.where(norm > 0, 1.0 - (x * y).sum(axis=0) / np.where(norm > 0, norm, 1.0), 0.0)
