"""Onsets and envelopes (kick, snare, bass, energy) of synthetic audio (stage: analyse)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mvlang.audio import features
from mvlang.audio.features import envelopes, onsets

SR = 22050
RATE = 100


def _decay(n: int, attack: float, decay: float) -> np.ndarray:
    """Attack, exponential decay, and a 10 ms fade at the end (so no click when cut)."""
    t = np.arange(n) / SR
    fade = np.clip((t[-1] - t) / 0.01, 0, 1) if n else t
    return np.clip(t / attack, 0, 1) * np.exp(-np.maximum(t - attack, 0) / decay) * fade


def kick() -> np.ndarray:
    n = int(0.4 * SR)
    t = np.arange(n) / SR
    phase = 2 * np.pi * np.cumsum(50 * (1 + 2.5 * np.exp(-t / 0.015))) / SR
    return np.sin(phase) * _decay(n, 0.001, 0.15)


def snare(rng) -> np.ndarray:
    noise = np.diff(rng.standard_normal(int(0.25 * SR) + 1))
    return 0.5 * noise * _decay(len(noise), 0.001, 0.07)


def hat(rng) -> np.ndarray:
    noise = np.diff(rng.standard_normal(int(0.06 * SR) + 3), 3)
    return 0.1 * noise * _decay(len(noise), 0.001, 0.015)


def bass(seconds: float, hz: float = 70.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return 0.6 * np.sin(2 * np.pi * hz * t) * _decay(len(t), 0.01, 5.0)


def place(out: np.ndarray, time: float, sound: np.ndarray) -> None:
    start = round(time * SR)
    end = min(len(out), start + len(sound))
    out[start:end] += sound[:end - start]


def groove(seconds: float = 8.0):
    """Kick on 0, 1, 2 ... s; snare half-way between; hats a quarter in. Times of each."""
    rng = np.random.default_rng(1)
    out = np.zeros(int(seconds * SR))
    kicks = np.arange(0.25, seconds - 0.5, 1.0)
    snares, hats = kicks + 0.5, kicks + 0.25
    for k, s, h in zip(kicks, snares, hats):
        place(out, k, kick())
        place(out, s, snare(rng))
        place(out, h, hat(rng))
    out += 0.002 * rng.standard_normal(len(out))
    return out.astype(np.float32), kicks, snares, hats


def peak_near(curve: np.ndarray, times: np.ndarray, reach: float = 0.03) -> np.ndarray:
    """The largest value of `curve` within `reach` s of each time."""
    idx = np.round(times * RATE).astype(int)
    span = round(reach * RATE)
    return np.array([curve[max(0, i - span):i + span + 1].max() for i in idx])


# ---------------------------------------------------------------- envelopes
def test_envelopes_are_unit_curves_of_the_promised_length():
    x, *_ = groove(7.456)
    curves = envelopes(x, SR)
    assert set(curves) == {"kick", "snare", "bass", "energy"}
    for curve in curves.values():
        assert len(curve) == math.ceil(7.456 * RATE)
        assert curve.min() >= 0 and curve.max() == pytest.approx(1.0)
    assert len(envelopes(x, SR, rate=30)["kick"]) == math.ceil(7.456 * 30)


def test_kick_curve_peaks_at_kicks_and_snare_curve_at_snares():
    x, kicks, snares, hats = groove()
    curves = envelopes(x, SR)
    for name, hits, others in (("kick", kicks, (snares, hats)), ("snare", snares, (kicks, hats))):
        loudest_other = max(peak_near(curves[name], t).max() for t in others)
        assert peak_near(curves[name], hits).min() > 3 * loudest_other, name


def test_bass_curve_holds_through_a_note_and_falls_in_silence():
    out = np.zeros(4 * SR)
    place(out, 0.5, bass(1.5))                 # 0.5 .. 2.0 s, then silence
    curve = envelopes(out.astype(np.float32), SR)["bass"]
    held = curve[int(0.8 * RATE):int(1.8 * RATE)]
    assert held.min() > 0.6                     # sustained, not just the attack
    assert curve[int(2.5 * RATE):].max() < 0.05
    assert curve[:int(0.4 * RATE)].max() < 0.05


def test_energy_follows_loudness():
    rng = np.random.default_rng(2)
    noise = rng.standard_normal(6 * SR)
    gain = np.where(np.arange(len(noise)) < 3 * SR, 0.5, 0.05)    # -20 dB after 3 s
    curve = envelopes((noise * gain).astype(np.float32), SR)["energy"]
    loud, quiet = np.median(curve[50:250]), np.median(curve[350:550])
    assert loud == pytest.approx(1.0, abs=0.1)
    assert 0.15 < quiet / loud < 0.4            # ~ (1/100) ** 0.3: Stevens' power law


def test_same_curves_at_44100_hz():
    x, *_ = groove(4.0)
    here = envelopes(x, SR)["kick"]
    doubled = envelopes(np.repeat(x, 2), 2 * SR)["kick"]
    assert len(here) == len(doubled)
    assert np.corrcoef(here, doubled)[0, 1] > 0.9


# ---------------------------------------------------------------- onsets
def test_onsets_find_every_hit_within_a_few_ms():
    x, kicks, snares, hats = groove()
    truth = np.sort(np.concatenate([kicks, snares, hats]))
    found = onsets(x, SR)
    assert len(found) == len(truth)
    assert np.abs(found - truth).max() < 0.010


def test_no_onsets_in_silence():
    assert len(onsets(np.zeros(3 * SR, np.float32), SR)) == 0


# ---------------------------------------------------------------- the shared front end
def test_band_power_is_reused_for_the_same_array_only():
    x, *_ = groove(3.0)
    first = features.band_power(x, SR)
    assert features.band_power(x, SR) is first
    assert features.band_power(x.copy(), SR) is not first
    x[:] = 0
    assert features.band_power(x, SR).power.max() == 0
