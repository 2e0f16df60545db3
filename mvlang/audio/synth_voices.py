"""Instruments for the procedural composer (stage: backends, `preview` music).

A voice is `voice(pitch, gate, rng, **params) -> samples`: a MIDI pitch (drums
ignore it), a gate in samples (how long the key is held; drums ignore it too),
and a generator for phases and noise. It returns a mono array, or a stereo one
of shape (n, 2) for ensembles; its length includes the release tail. Kits
(`compose_kits.py`) bind the parameters that make a style's sound.
"""

from __future__ import annotations

import numpy as np

from .synth import (
    SR,
    adsr,
    band_gain,
    decay,
    drive,
    ensemble,
    fm,
    highpass_gain,
    lowpass_gain,
    metal,
    midi_hz,
    noise,
    osc,
    osc_env,
    seconds,
    spectral,
    sweep,
    swept_sine,
)


def _end_fade(x: np.ndarray, ms: float = 4.0) -> np.ndarray:
    """Close the last few milliseconds so a cut-off tail never clicks."""
    k = min(len(x), int(ms * SR / 1000))
    if k:
        ramp = np.linspace(1.0, 0.0, k)
        x[-k:] *= ramp if x.ndim == 1 else ramp[:, None]
    return x


def _burst(rng, n: int, low: float, high: float, tau: float) -> np.ndarray:
    return noise(rng, n, lambda f: band_gain(f, low, high)) * decay(n, tau)


# ------------------------------------------------------------------ drums
def kick(pitch, gate, rng, *, tune=50.0, high=160.0, sweep_s=0.035, length=0.45, body=0.12,
         click=0.9, grit=0.4):
    n = int(length * SR)
    t = seconds(n)
    amp = np.exp(-t / body) * 0.75 + 0.25 * np.exp(-t / (body * 1.8))
    x = swept_sine(n, high, tune, sweep_s) * amp
    m = int(0.012 * SR)
    x[:m] += click * _burst(rng, m, 700, 12000, 0.0025)   # the beater: what a tracker hears
    return _end_fade(drive(x, grit))


def snare(pitch, gate, rng, *, tone=190.0, tone_mix=0.5, snap=0.14, bright=7000.0, length=0.35,
          gated=0.0):
    n = int(length * SR)
    t = seconds(n)
    body = swept_sine(n, tone * 1.6, tone, 0.015) * np.exp(-t / 0.05)
    wires = noise(rng, n, lambda f: band_gain(f, 1200, bright))
    env = np.exp(-t / snap)
    if gated:
        held = 0.55 + 0.45 * np.exp(-t / 0.03)          # a gated reverb: held, then cut
        env = np.where(t < gated, held, 0.55 * np.exp(-(t - gated) / 0.012))
    x = tone_mix * body + 0.55 * wires * env
    return _end_fade(drive(x, 0.3))


def clap(pitch, gate, rng, *, bright=5000.0, tail=0.09, length=0.35):
    n = int(length * SR)
    t = seconds(n)
    env = np.zeros(n)
    for start in (0.0, 0.010, 0.021):
        env += np.where(t >= start, np.exp(-np.maximum(t - start, 0) / 0.0045), 0.0)
    env += np.where(t >= 0.03, 0.6 * np.exp(-np.maximum(t - 0.03, 0) / tail), 0.0)
    return _end_fade(noise(rng, n, lambda f: band_gain(f, 900, bright)) * env * 0.6)


def hat(pitch, gate, rng, *, tau=0.035, bright=8000.0, metal_mix=0.5, length=None):
    n = int((length or max(0.12, tau * 6)) * SR)
    x = (1 - metal_mix) * noise(rng, n) + metal_mix * 3 * metal(n, 420, rng)
    x = spectral(x, lambda f: highpass_gain(f, bright, order=3))
    return _end_fade(x * decay(n, tau) * 0.5)


def crash(pitch, gate, rng, *, tau=0.8, bright=4500.0, length=2.6):
    n = int(length * SR)
    x = 0.6 * noise(rng, n) + 2.0 * metal(n, 530, rng)
    x = spectral(x, lambda f: highpass_gain(f, bright, order=2) * lowpass_gain(f, 16000))
    t = seconds(n)
    env = np.exp(-t / tau) * (0.7 + 0.3 * np.exp(-t / 0.05))
    return _end_fade(x * env * 0.45)


def reverse_crash(pitch, gate, rng, *, bright=4000.0):
    n = max(gate, int(0.2 * SR))
    x = crash(pitch, gate, rng, tau=n / SR / 3, bright=bright, length=n / SR)[::-1].copy()
    return x * np.linspace(0.0, 1.0, n) ** 1.5


def ride(pitch, gate, rng, *, tau=0.5, length=1.2):
    n = int(length * SR)
    t = seconds(n)
    bell = np.sin(2 * np.pi * 3150 * t) * np.exp(-t / 0.3) * 0.25
    x = 1.5 * metal(n, 740, rng) + 0.3 * noise(rng, n)
    x = spectral(x, lambda f: highpass_gain(f, 5500, order=2)) + bell
    return _end_fade(x * np.exp(-t / tau) * 0.35)


def tom(pitch, gate, rng, *, length=0.45):
    f = midi_hz(pitch)
    n = int(length * SR)
    t = seconds(n)
    x = swept_sine(n, f * 1.7, f, 0.04) * np.exp(-t / 0.16)
    m = int(0.004 * SR)
    x[:m] += 0.2 * _burst(rng, m, 800, 6000, 0.001)
    return _end_fade(drive(x, 0.3))


def rim(pitch, gate, rng):
    n = int(0.08 * SR)
    t = seconds(n)
    x = (np.sin(2 * np.pi * 1700 * t) + 0.6 * np.sin(2 * np.pi * 520 * t)) * np.exp(-t / 0.012)
    return _end_fade(0.5 * x + 0.2 * _burst(rng, n, 2000, 9000, 0.003))


def shaker(pitch, gate, rng, *, length=0.1):
    n = int(length * SR)
    t = seconds(n)
    env = np.minimum(1.0, t / 0.006) * np.exp(-t / 0.03)
    return _end_fade(noise(rng, n, lambda f: band_gain(f, 4000, 12000)) * env * 0.4)


def timpani(pitch, gate, rng, *, length=2.0):
    f = midi_hz(pitch)
    n = int(length * SR)
    t = seconds(n)
    x = np.zeros(n)
    modes = ((1.0, 1.0, 0.9), (1.5, 0.45, 0.5), (1.99, 0.3, 0.35), (2.44, 0.15, 0.2))
    for ratio, amp, tau in modes:                  # a drumhead's inharmonic modes
        glide = f * ratio * (1 + 0.025 * np.exp(-t / 0.05))
        x += amp * np.sin(2 * np.pi * np.cumsum(glide) / SR) * np.exp(-t / tau)
    m = int(0.03 * SR)
    x[:m] += 0.5 * _burst(rng, m, 60, 900, 0.008)
    return _end_fade(drive(x * 0.6, 0.3))


def taiko(pitch, gate, rng, *, length=0.8):
    n = int(length * SR)
    t = seconds(n)
    x = swept_sine(n, 140, 58, 0.05) * np.exp(-t / 0.22)
    x += 0.5 * noise(rng, n, lambda f: lowpass_gain(f, 900)) * np.exp(-t / 0.05)
    return _end_fade(drive(x, 0.8))


def boom(pitch, gate, rng, *, length=2.4):
    """A sub impact under a section's first downbeat."""
    n = int(length * SR)
    t = seconds(n)
    x = swept_sine(n, 120, 34, 0.2) * np.exp(-t / 0.8)
    x += 0.5 * noise(rng, n, lambda f: lowpass_gain(f, 500)) * np.exp(-t / 0.15)
    return _end_fade(drive(x, 0.5))


def riser(pitch, gate, rng, *, low=250.0, high=11000.0):
    """Noise whose band climbs from `low` to `high` over the gate, getting louder."""
    n = max(gate, SR // 4)
    x = noise(rng, n)
    ratio = high / low

    def gains(centres, freqs):
        fc = low * ratio ** np.clip(centres / n, 0, 1)
        octaves = np.log2(np.maximum(freqs[None, :], 1.0) / fc[:, None])
        return np.exp(-0.5 * (octaves / 0.7) ** 2)
    sweep(x, gains)
    t = seconds(n) / (n / SR)
    return _end_fade(x * t ** 2 * 0.35, 2.0)


def crackle(pitch, gate, rng, *, rate=9.0, hiss=0.03):
    """Vinyl: a quiet hiss (seven seconds of it, looped) and sparse clicks, for the whole song."""
    n = gate
    loop = noise(rng, min(n, 7 * SR), lambda f: band_gain(f, 300, 6000, order=1))
    x = hiss * np.tile(loop, -(-n // len(loop)))[:n]
    count = rng.poisson(rate * n / SR)
    where = rng.integers(0, n, count)
    clicks = np.zeros(n)
    clicks[where] = rng.exponential(0.25, count) * rng.choice((-1.0, 1.0), count)
    x += np.convolve(clicks, np.exp(-np.arange(24) / 4.0), mode="same")
    return x


# ------------------------------------------------------------------ bass
def bass_pluck(pitch, gate, rng, *, bright=1800.0, dark=160.0, snap=0.09, sub=0.6, shape="saw",
               reso=0.3, attack=0.012):
    f = midi_hz(pitch)
    n = gate + int(0.08 * SR)
    t = seconds(n)
    x = osc_env(shape, f, n, dark, bright, np.exp(-t / snap), reso=reso) * 0.7
    x += sub * np.sin(2 * np.pi * f * t)
    return _end_fade(x * adsr(n, gate, attack, 0.2, 0.75, 0.06))


def bass_sub(pitch, gate, rng, *, attack=0.005, warmth=0.6):
    f = midi_hz(pitch)
    n = gate + int(0.12 * SR)
    t = seconds(n)
    x = drive(np.sin(2 * np.pi * f * t), warmth) + 0.15 * osc("tri", f * 2, n)
    return _end_fade(x * adsr(n, gate, attack, 0.4, 0.85, 0.1))


def acid(pitch, gate, rng, *, accent=0.0, bright=2500.0):
    f = midi_hz(pitch)
    n = gate + int(0.04 * SR)
    t = seconds(n)
    env = np.exp(-t / (0.07 + 0.08 * accent))
    x = osc_env("saw", f, n, 180, bright * (1 + 1.5 * accent), env, reso=1.6 + accent)
    return _end_fade(drive(x * adsr(n, gate, 0.002, 0.1, 0.8, 0.03), 0.8 + accent))


def reese(pitch, gate, rng, *, cutoff=520.0, cents=16.0):
    f = midi_hz(pitch)
    n = gate + int(0.1 * SR)
    t = seconds(n)
    wobble = 0.5 + 0.5 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6.3))
    x = sum(osc_env("saw", f * 2 ** (c / 1200), n, cutoff * 0.5, cutoff * 2, wobble,
                    start=rng.uniform()) for c in (-cents, cents)) * 0.45
    x += 0.7 * np.sin(2 * np.pi * f * t)
    return _end_fade(drive(x, 0.6) * adsr(n, gate, 0.01, 0.3, 0.9, 0.08))


def bass808(pitch, gate, rng, *, tau=0.9, glide=0.6, grit=1.2):
    f = midi_hz(pitch)
    n = gate + int(0.08 * SR)
    t = seconds(n)
    freq = f * (1 + glide * np.exp(-t / 0.02))
    x = np.sin(2 * np.pi * np.concatenate(([0.0], np.cumsum(freq[:-1]))) / SR)
    amp = np.exp(-t / tau) * adsr(n, gate, 0.001, 1.0, 1.0, 0.06)
    return _end_fade(drive(x, grit) * amp)


def bass_guitar(pitch, gate, rng, *, bright=1600.0):
    f = midi_hz(pitch)
    n = gate + int(0.06 * SR)
    t = seconds(n)
    x = osc_env("saw", f, n, 350, bright, np.exp(-t / 0.06)) * 0.8
    x += 0.5 * np.sin(2 * np.pi * f * t)
    m = int(0.005 * SR)
    x[:m] += 0.2 * _burst(rng, m, 800, 5000, 0.001)
    return _end_fade(drive(x, 0.5) * adsr(n, gate, 0.002, 0.35, 0.65, 0.05))


def drone(pitch, gate, rng, *, attack=2.0):
    f = midi_hz(pitch)
    n = gate + int(2.0 * SR)
    t = seconds(n)
    x = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(2 * np.pi * f * 1.5 * t)
    x += 0.2 * osc("tri", f * 2, n)
    return _end_fade(x * adsr(n, gate, min(attack, gate / SR / 2 + 0.05), 1.0, 1.0, 2.0) * 0.6)


# ------------------------------------------------------------------ chords and pads
def stab(pitch, gate, rng, *, cutoff=2200.0, length=0.22, shape="saw", voices=3):
    f = midi_hz(pitch)
    n = int((gate / SR + length) * SR)
    t = seconds(n)
    x = ensemble(shape, f, n, rng, voices=voices, cents=9, cutoff=cutoff)
    env = adsr(n, gate, 0.008, length, 0.0, 0.08) * (0.6 + 0.4 * np.exp(-t / 0.03))
    return _end_fade(x * env[:, None])


def pad(pitch, gate, rng, *, cutoff=1600.0, attack=0.6, release=1.4, shape="saw", voices=5,
        cents=14.0, formant=False, vibrato=0.0):
    f = midi_hz(pitch)
    n = gate + int(release * SR)
    x = ensemble(shape, f, n, rng, voices=voices, cents=cents, cutoff=cutoff, formant=formant,
                 vibrato=vibrato)
    return _end_fade(x * adsr(n, gate, attack, 1.0, 0.85, release)[:, None])


def strings(pitch, gate, rng, *, cutoff=2600.0, attack=0.35):
    return pad(pitch, gate, rng, cutoff=cutoff, attack=attack, release=0.9, voices=6, cents=7,
               vibrato=10.0)


def staccato(pitch, gate, rng, *, cutoff=3800.0):
    f = midi_hz(pitch)
    n = int(0.25 * SR)
    x = ensemble("saw", f, n, rng, voices=4, cents=8, cutoff=cutoff)
    return _end_fade(x * adsr(n, n, 0.006, 0.07, 0.0, 0.05)[:, None] * 1.4)


def brass(pitch, gate, rng, *, bright=2800.0, attack=0.18):
    f = midi_hz(pitch)
    n = gate + int(0.35 * SR)
    swell = adsr(n, gate, attack, 0.6, 0.75, 0.35)
    vib = f * 2 ** (6 / 1200 * np.sin(2 * np.pi * 5.2 * seconds(n)))
    x = osc_env("saw", vib, n, 350, bright, swell)
    x += 0.35 * osc_env("square", vib, n, 300, bright * 0.7, swell)
    return _end_fade(x * swell * 0.8)


def keys(pitch, gate, rng, *, tine=0.35, tau=1.1):
    """An electric piano: FM body, a short bright tine, a slow decay."""
    f = midi_hz(pitch)
    n = gate + int(0.4 * SR)
    x = fm(f, n, 1.0, 1.6, 0.35) + tine * fm(f, n, 14.0, 0.8, 0.04) * np.exp(-seconds(n) / 0.08)
    env = adsr(n, gate, 0.002, tau, 0.35, 0.35)
    return _end_fade(x * env * 0.5)


def piano(pitch, gate, rng, *, tau=1.4, bright=1.0):
    f = midi_hz(pitch)
    n = gate + int(0.3 * SR)
    t = seconds(n)
    x = np.zeros(n)
    for k in range(1, 9):
        fk = f * k * (1 + 0.0004 * k * k)
        if fk > 0.45 * SR:
            break
        x += (bright / k ** 1.3) * np.sin(2 * np.pi * fk * t) * np.exp(-t / (tau / k ** 0.7))
    m = int(0.01 * SR)
    x[:m] += 0.1 * _burst(rng, m, 500, 4000, 0.002)
    return _end_fade(x * adsr(n, gate, 0.001, 10.0, 1.0, 0.25) * 0.5)


def power(pitch, gate, rng, *, muted=False, gain=6.0, cutoff=4200.0):
    """A distorted power chord (root, fifth, octave), as an amp and cabinet would shape it."""
    f = midi_hz(pitch)
    n = gate + int((0.04 if muted else 0.12) * SR)
    x = np.zeros(n)
    for interval in (0, 7, 12):
        for cents in (-6.0, 6.0):
            x += osc("saw", f * 2 ** ((interval * 100 + cents) / 1200), n, start=rng.uniform())
    x = drive(x * 0.4, gain)
    cab = cutoff * (0.45 if muted else 1.0)
    x = spectral(x, lambda fr: band_gain(fr, 90, cab) * (1 + 0.6 * np.exp(
        -0.5 * (np.log2(np.maximum(fr, 1) / 1600) / 0.5) ** 2)))
    env = adsr(n, gate, 0.002, 0.05, 0.0, 0.02) if muted else adsr(n, gate, 0.002, 0.5, 0.8, 0.1)
    return _end_fade(x * env * 0.5)


# ------------------------------------------------------------------ leads and plucks
def pluck(pitch, gate, rng, *, bright=5000.0, snap=0.08, shape="saw", tau=0.35):
    f = midi_hz(pitch)
    n = gate + int(tau * SR)
    t = seconds(n)
    x = osc_env(shape, f, n, 300, bright, np.exp(-t / snap), start=rng.uniform())
    return _end_fade(x * adsr(n, gate, 0.001, tau, 0.0, 0.1) * 0.8)


def lead(pitch, gate, rng, *, cutoff=3500.0, shape="saw", vibrato=9.0, grit=0.0):
    f = midi_hz(pitch)
    n = gate + int(0.2 * SR)
    x = ensemble(shape, f, n, rng, voices=3, cents=7, cutoff=cutoff, vibrato=vibrato)
    x = drive(x, grit) if grit else x
    return _end_fade(x * adsr(n, gate, 0.01, 0.25, 0.8, 0.18)[:, None] * 0.8)


def bell(pitch, gate, rng, *, ratio=3.5, index=2.2, tau=1.2):
    f = midi_hz(pitch)
    n = gate + int(tau * 2.5 * SR)
    x = fm(f, n, ratio, index, 0.5) * decay(n, tau, 0.002)
    return _end_fade(x * 0.5)


def glass(pitch, gate, rng, *, tau=0.9):
    f = midi_hz(pitch)
    n = int(tau * 3 * SR)
    x = fm(f, n, 2.0, 1.1, 0.25) * decay(n, tau, 0.002)
    x += 0.3 * np.sin(2 * np.pi * f * 2 * seconds(n)) * decay(n, tau / 3, 0.002)
    return _end_fade(x * 0.5)


def flute(pitch, gate, rng, *, breath=0.12):
    f = midi_hz(pitch)
    n = gate + int(0.2 * SR)
    t = seconds(n)
    vib = f * 2 ** (14 / 1200 * np.sin(2 * np.pi * 5.0 * t) * np.minimum(1, t / 0.4))
    x = osc("sine", vib, n) + 0.12 * osc("tri", vib * 2, n)
    x += breath * noise(rng, n, lambda fr: band_gain(fr, f, f * 4, order=1))
    return _end_fade(x * adsr(n, gate, 0.05, 0.2, 0.9, 0.15) * 0.7)
