"""Beat trackers on short synthetic music with exact ground truth (stage: analyse)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from mvlang.audio.tracking import (
    BeatThisTracker,
    LibrosaBaseline,
    MvlangTracker,
    Tracked,
    make_tracker,
)

SR = 22050
WINDOW = 0.07


# ---------------------------------------------------------------- a small synthesiser
def _decay(n: int, attack: float, decay: float) -> np.ndarray:
    """Attack, exponential decay, and a 10 ms fade at the end (so no click when cut)."""
    t = np.arange(n) / SR
    fade = np.clip((t[-1] - t) / 0.01, 0, 1) if n else t
    return np.clip(t / attack, 0, 1) * np.exp(-np.maximum(t - attack, 0) / decay) * fade


def kick(rng) -> np.ndarray:
    n = int(0.4 * SR)
    t = np.arange(n) / SR
    phase = 2 * np.pi * np.cumsum(50 * (1 + 2.5 * np.exp(-t / 0.015))) / SR
    return np.sin(phase) * _decay(n, 0.001, 0.16) + 0.2 * np.diff(
        rng.standard_normal(n + 1)) * _decay(n, 0.0005, 0.004)


def noise_hit(rng, seconds: float, decay: float, brightness: int) -> np.ndarray:
    """Noise, differenced `brightness` times (each a gentle high-pass)."""
    noise = rng.standard_normal(int(seconds * SR) + brightness)
    for _ in range(brightness):
        noise = np.diff(noise)
    return noise / noise.std() * _decay(len(noise), 0.001, decay)


def tone(midi: float, seconds: float, attack: float = 0.01) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 440 * 2 ** ((midi - 69) / 12)
    wave = np.sin(2 * np.pi * f0 * t) + 0.4 * np.sin(4 * np.pi * f0 * t)
    return wave * _decay(n, attack, 0.5) * np.clip((seconds - t) / 0.03, 0, 1)


class Song:
    """Sounds placed at fractional beat positions of a beat grid; truth = the grid."""

    def __init__(self, bpm_at, seconds: float, per_bar: int, pickup: int = 1, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        times, t = [], 0.0
        while t < seconds + 2:
            times.append(t)
            t += 60.0 / bpm_at(t)
        self.grid = np.asarray(times) - times[pickup] + 0.3   # beat `pickup` at 0.3 s
        self.per_bar = per_bar
        self.out = np.zeros(int(seconds * SR))

    def add(self, position: float, sound: np.ndarray, gain: float = 1.0) -> None:
        t = np.interp(position, np.arange(len(self.grid)), self.grid)
        start = round(t * SR)
        if start < 0:
            sound, start = sound[-start:], 0
        end = min(len(self.out), start + len(sound))
        if end > start:
            self.out[start:end] += gain * sound[:end - start]

    def samples(self) -> np.ndarray:
        x = self.out / np.abs(self.out).max()
        x = x + 0.005 * self.rng.standard_normal(len(x))
        return (0.9 * x / np.abs(x).max()).astype(np.float32)

    @property
    def beats(self) -> np.ndarray:
        return self.grid[(self.grid >= 0) & (self.grid < len(self.out) / SR)]

    @property
    def downbeats(self) -> np.ndarray:
        index = np.arange(len(self.grid))
        keep = (self.grid >= 0) & (self.grid < len(self.out) / SR) & (index % self.per_bar == 0)
        return self.grid[keep]

    def bars(self):
        return range(0, len(self.grid), self.per_bar)


ROOTS = [36, 45, 41, 43]        # C, A, F, G: a bass note (and a new harmony) each bar


def rock(bpm: float | None = None, seconds: float = 20, bpm_at=None, seed: int = 0) -> Song:
    song = Song(bpm_at or (lambda t: bpm), seconds, 4, seed=seed)
    k, s, h = kick(song.rng), noise_hit(song.rng, 0.3, 0.08, 1), noise_hit(song.rng, 0.08, 0.02, 3)
    period = 60 / (bpm or bpm_at(0))
    for bar, i in enumerate(song.bars()):
        song.add(i, tone(ROOTS[bar % 4], 4 * period * 0.95), 0.4)
        song.add(i, tone(ROOTS[bar % 4] + 28, 4 * period * 0.95, 0.03), 0.2)
        for beat in range(4):
            song.add(i + beat, k if beat % 2 == 0 else s, 1.0 if beat % 2 == 0 else 0.7)
            song.add(i + beat, h, 0.2)
            song.add(i + beat + 0.5, h, 0.12)
    return song


def house(bpm: float, seconds: float = 20) -> Song:
    """Kick on every beat; a loud open hat and a bass note on every off-beat."""
    song = Song(lambda t: bpm, seconds, 4, seed=3)
    k, open_hat = kick(song.rng), noise_hit(song.rng, 0.3, 0.15, 3)
    clap = noise_hit(song.rng, 0.2, 0.06, 1)
    for bar, i in enumerate(song.bars()):
        for beat in range(4):
            song.add(i + beat, k)
            song.add(i + beat + 0.5, open_hat, 0.6)
            song.add(i + beat + 0.5, tone(ROOTS[bar % 4], 0.4 * 60 / bpm), 0.4)
            if beat % 2:
                song.add(i + beat, clap, 0.5)
    return song


def waltz(bpm: float, seconds: float = 20) -> Song:
    """Oom-pah-pah: a bass note and a kick on 1, soft chords on 2 and 3."""
    song = Song(lambda t: bpm, seconds, 3, pickup=2, seed=4)
    k, h = kick(song.rng), noise_hit(song.rng, 0.08, 0.02, 3)
    period = 60 / bpm
    for bar, i in enumerate(song.bars()):
        root = ROOTS[bar % 4]
        song.add(i, k, 0.7)
        song.add(i, tone(root, 0.9 * period), 0.6)
        for beat in (1, 2):
            chord = sum(tone(root + 24 + step, 0.7 * period, 0.02) for step in (0, 4, 7))
            song.add(i + beat, chord, 0.1)
            song.add(i + beat, h, 0.25)
    return song


def six_eight(eighths_bpm: float, seconds: float = 20) -> Song:
    """6/8: kick on 1, snare on 4, hats on every eighth; the beat unit is the eighth."""
    song = Song(lambda t: eighths_bpm, seconds, 6, pickup=4, seed=5)
    k, s, h = kick(song.rng), noise_hit(song.rng, 0.3, 0.08, 1), noise_hit(song.rng, 0.08, 0.02, 3)
    period = 60 / eighths_bpm
    for bar, i in enumerate(song.bars()):
        song.add(i, k)
        song.add(i + 3, s, 0.6)
        song.add(i, tone(ROOTS[bar % 4], 2.8 * period), 0.4)
        song.add(i + 3, tone(ROOTS[bar % 4], 2.8 * period), 0.3)
        for eighth in range(6):
            song.add(i + eighth, h, 0.22 if eighth in (0, 3) else 0.12)
    return song


def swing(bpm: float, seconds: float = 20) -> Song:
    """Shuffle: hats on the beat and, loud, on the last triplet of each beat."""
    song = Song(lambda t: bpm, seconds, 4, seed=6)
    k, s, h = kick(song.rng), noise_hit(song.rng, 0.3, 0.08, 1), noise_hit(song.rng, 0.08, 0.02, 3)
    for bar, i in enumerate(song.bars()):
        song.add(i, tone(ROOTS[bar % 4], 4 * 60 / bpm * 0.95), 0.4)
        for beat in range(4):
            song.add(i + beat, k if beat % 2 == 0 else s, 1.0 if beat % 2 == 0 else 0.7)
            song.add(i + beat, h, 0.3)
            song.add(i + beat + 2 / 3, h, 0.35)
    return song


# ---------------------------------------------------------------- scoring
def f_measure(reference: np.ndarray, estimated: np.ndarray, skip: float = 2.0) -> float:
    """Beat F-measure, 70 ms window, one-to-one matches, the first `skip` s left out."""
    reference, estimated = reference[reference >= skip], estimated[estimated >= skip]
    if len(reference) == 0 or len(estimated) == 0:
        return 0.0
    used, hits = set(), 0
    for t in reference:
        gaps = np.abs(estimated - t)
        for j in np.argsort(gaps):
            if gaps[j] > WINDOW:
                break
            if j not in used:
                used.add(j)
                hits += 1
                break
    precision, recall = hits / len(estimated), hits / len(reference)
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)


def mean_error(reference: np.ndarray, estimated: np.ndarray) -> float:
    gaps = estimated[None, :] - reference[:, None]
    nearest = np.abs(gaps).min(axis=1)
    return float(nearest[nearest <= WINDOW].mean())


def downbeat_hits(song: Song, tracked: Tracked) -> float:
    per_bar = song.per_bar
    predicted = tracked.beats[tracked.first_downbeat % per_bar::per_bar]
    truth = song.downbeats[song.downbeats >= 2.0]
    return float(np.mean(np.abs(truth[:, None] - predicted[None, :]).min(axis=1) <= WINDOW))


def check(song: Song, tracked: Tracked, bpm: float | None = None) -> None:
    assert tracked.beats.dtype == np.float64 and np.all(np.diff(tracked.beats) > 0)
    assert f_measure(song.beats, tracked.beats) >= 0.95
    assert mean_error(song.beats, tracked.beats) < 0.015
    if bpm is not None:
        assert tracked.tempo == pytest.approx(bpm, rel=0.01)
    assert downbeat_hits(song, tracked) >= 0.9


# ---------------------------------------------------------------- MvlangTracker
@pytest.mark.parametrize("bpm", [90, 128])
def test_drum_loops(bpm):
    song = rock(bpm, seed=bpm)
    check(song, MvlangTracker().track(song.samples(), SR), bpm)


def test_house_beats_land_on_the_kick_not_the_offbeat_hat():
    song = house(124)
    tracked = MvlangTracker().track(song.samples(), SR)
    check(song, tracked, 124)
    offbeats = song.beats[:-1] + np.diff(song.beats) / 2
    assert f_measure(offbeats, tracked.beats) < 0.1


def test_fast_waltz_is_counted_in_quarters_not_bars():
    song = waltz(180)            # a bar a second: the bar is a strong pulse too
    check(song, MvlangTracker().track(song.samples(), SR, meter=(3, 4)), 180)


def test_six_eight_gives_eighth_note_beats_six_to_a_bar():
    song = six_eight(210)
    tracked = MvlangTracker().track(song.samples(), SR, meter=(6, 8))
    check(song, tracked, 210)
    assert tracked.first_downbeat % 3 == 0


def test_swing_does_not_move_the_beat():
    song = swing(100)
    tracked = MvlangTracker().track(song.samples(), SR)
    check(song, tracked, 100)
    assert mean_error(song.beats, tracked.beats) < 0.008


def test_tempo_ramp_is_followed():
    song = rock(bpm_at=lambda t: 90 + 45 * min(t / 20, 1), seconds=24)   # 90 -> 135 bpm
    tracked = MvlangTracker().track(song.samples(), SR)
    check(song, tracked)
    early = np.diff(tracked.beats[tracked.beats < 6])
    late = np.diff(tracked.beats[tracked.beats > 20])
    assert 60 / early.mean() == pytest.approx(97, abs=4)
    assert 60 / late.mean() == pytest.approx(135, abs=3)


def test_hint_picks_the_octave_but_not_the_exact_tempo():
    song = rock(110, seed=1)
    samples = song.samples()
    tracker = MvlangTracker()
    assert tracker.track(samples, SR).tempo == pytest.approx(110, rel=0.01)
    assert tracker.track(samples, SR, bpm=55).tempo == pytest.approx(55, rel=0.01)
    assert tracker.track(samples, SR, bpm=220).tempo == pytest.approx(220, rel=0.01)
    assert tracker.track(samples, SR, bpm=116).tempo == pytest.approx(110, rel=0.01)


def test_the_same_tempo_from_44100_hz():
    song = rock(128, seconds=12, seed=2)
    x = song.samples()
    doubled = np.repeat(x, 2)             # crude, but the beats stay where they were
    tracked = MvlangTracker().track(doubled, 2 * SR)
    assert f_measure(song.beats, tracked.beats) >= 0.95
    assert tracked.tempo == pytest.approx(128, rel=0.01)


@pytest.mark.parametrize("samples", [np.zeros(0, np.float32), np.zeros(100, np.float32),
                                     np.zeros(5 * SR, np.float32)])
def test_silence_still_gives_a_grid(samples):
    tracked = MvlangTracker().track(samples, SR, bpm=100)
    assert len(tracked.beats) >= 2 and np.all(np.diff(tracked.beats) > 0)
    assert tracked.tempo == pytest.approx(100)


# ---------------------------------------------------------------- the others
def test_librosa_baseline_is_sane():
    song = rock(120, seconds=12, seed=7)
    tracked = LibrosaBaseline().track(song.samples(), SR, bpm=120)
    assert tracked.first_downbeat == 0
    assert np.all(np.diff(tracked.beats) > 0)
    assert tracked.tempo == pytest.approx(120, rel=0.04)


def test_beat_this_needs_its_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        BeatThisTracker(tmp_path / "missing.ckpt").track(np.zeros(SR, np.float32), SR)


@pytest.mark.skipif(importlib.util.find_spec("beat_this") is not None,
                    reason="beat_this is installed")
def test_beat_this_names_the_package_to_install(tmp_path):
    checkpoint = tmp_path / "final0.ckpt"
    checkpoint.write_bytes(b"")
    with pytest.raises(RuntimeError, match="pip install beat-this"):
        make_tracker("beat_this", checkpoint).track(np.zeros(SR, np.float32), SR)


def test_make_tracker():
    assert make_tracker().name == "mvlang"
    assert make_tracker("librosa").name == "librosa"
    with pytest.raises(ValueError, match="checkpoint"):
        make_tracker("beat_this")
    with pytest.raises(ValueError, match="unknown beat tracker"):
        make_tracker("madmom")


def test_the_cache_knows_each_trackers_identity():
    from mvlang.audio.analysis import TRACKERS

    for name in ("mvlang", "librosa"):
        tracker = make_tracker(name)
        assert TRACKERS[name] == (tracker.name, tracker.version)
    assert TRACKERS["beat-this"] == (BeatThisTracker.name, BeatThisTracker.version)
