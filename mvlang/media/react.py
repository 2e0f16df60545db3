"""Audio-reactive motion: `react PARAM AMOUNT to SIGNAL [smooth DUR]`, as per-frame values.

`signal` turns the audio analysis (beat and downbeat grids, onsets, band
envelopes) into one value in 0..1 per frame; `reaction_values` turns a
scene's reactions into per-frame arrays for each parameter; the renderer
multiplies its camera zoom by `zoom`, adds `shake` to its shake amount,
blurs by `blur` (through `Effects.apply(blur_extra=...)`) and calls
`apply_brightness_hue` with `brightness` and `hue`.

Pulses (`beat`, `bar`, `onset`) are 1 on the frame nearest each event and
decay exponentially after it, so a video's flashes land on the beat at any
frame rate. Envelopes (`kick`, `snare`, `bass`, `energy`) are interpolated
at the frame times and divided by the envelope's own maximum, the whole
envelope's, so a quiet scene reacts less than a loud one whatever frames
are asked for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

__all__ = ["PARAMS", "SIGNALS", "apply_brightness_hue", "hue_matrix", "reaction_values", "signal"]

PARAMS = ("zoom", "shake", "brightness", "hue", "blur")
PULSES = {"beat": 0.12, "bar": 0.25, "onset": 0.12}      # decay time constants, seconds
ENVELOPES = ("kick", "snare", "bass", "energy")
SIGNALS = tuple(PULSES) + ENVELOPES


def signal(kind: str, frame_times: np.ndarray, beats: Sequence[float] = (), downbeats: Sequence[float] = (),
           onsets: Sequence[float] = (), envelopes: dict[str, Sequence[float]] | None = None,
           envelope_rate: float = 0.0, smooth: float | None = None) -> np.ndarray:
    """Per-frame value in [0, 1] of a signal at the given frame times (seconds, ascending).

    beat / bar / onset: a pulse that is 1 on the frame nearest each beat (downbeat for `bar`,
    detected onset for `onset`) and decays as exp(-dt / tau) after it (tau 0.12 s, 0.25 s for
    bars), 0 before the first. kick / snare / bass / energy: the band envelope (sampled at
    `envelope_rate` values a second) linearly interpolated at the frame times and divided by
    the envelope's maximum (when it is above 0). smooth: seconds of causal one-pole smoothing
    (time constant), None or 0 for none; it delays and widens pulses.
    """
    times = np.asarray(frame_times, dtype=np.float64).reshape(-1)
    if kind in PULSES:
        events = {"beat": beats, "bar": downbeats, "onset": onsets}[kind]
        values = _pulse(times, events, PULSES[kind])
    elif kind in ENVELOPES:
        values = _envelope(times, (envelopes or {}).get(kind), envelope_rate, kind)
    else:
        raise ValueError(f"unknown react signal `{kind}` (expected one of {', '.join(SIGNALS)})")
    if smooth:
        values = _smooth(times, values, float(smooth))
    return np.clip(values, 0.0, 1.0)


def _frame_step(times: np.ndarray) -> float:
    if times.size < 2:
        return 1.0
    step = float(np.median(np.diff(times)))
    return step if step > 0 else 1.0


def _pulse(times: np.ndarray, events: Sequence[float], tau: float) -> np.ndarray:
    out = np.zeros(times.size)
    ev = np.sort(np.asarray([float(e) for e in events], dtype=np.float64))
    ev = ev[np.isfinite(ev)]
    if times.size == 0 or ev.size == 0:
        return out
    half = _frame_step(times) / 2.0
    # An event within half a frame of the frames' span starts on its nearest frame, exactly;
    # one further before the first frame keeps its own time (its tail may still show).
    i = np.clip(np.searchsorted(times, ev), 1, max(1, times.size - 1))
    if times.size == 1:
        nearest = np.zeros(ev.size, dtype=np.intp)
    else:
        nearest = np.where(np.abs(ev - times[i - 1]) <= np.abs(times[i] - ev), i - 1, i)
    snapped = times[nearest]
    inside = np.abs(snapped - ev) <= half + 1e-9
    start = np.sort(np.where(inside, snapped, ev))
    # the latest start at or before each frame
    j = np.searchsorted(start, times, side="right") - 1
    seen = j >= 0
    dt = times[seen] - start[j[seen]]
    out[seen] = np.exp(-np.maximum(dt, 0.0) / tau)
    return out


def _envelope(times: np.ndarray, env, rate: float, kind: str) -> np.ndarray:
    if env is None:
        raise ValueError(f"react to `{kind}`: the audio analysis has no `{kind}` envelope")
    env = np.asarray(env, dtype=np.float64).reshape(-1)
    if env.size == 0 or times.size == 0:
        return np.zeros(times.size)
    if not rate or rate <= 0:
        raise ValueError(f"react to `{kind}`: envelope_rate must be positive, not {rate}")
    env = np.nan_to_num(env, nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(env.max())
    grid = np.arange(env.size) / float(rate)
    values = np.interp(times, grid, env)
    if peak > 0:
        values /= peak
    return values


def _smooth(times: np.ndarray, values: np.ndarray, seconds: float) -> np.ndarray:
    """Causal one-pole low-pass with time constant `seconds`, exact for uneven frame spacing."""
    if seconds <= 0 or values.size < 2:
        return values
    out = np.empty_like(values)
    dts = np.diff(times)
    alphas = 1.0 - np.exp(-np.maximum(dts, 0.0) / seconds)
    y = float(values[0])
    out[0] = y
    for k in range(1, values.size):
        y += float(alphas[k - 1]) * (float(values[k]) - y)
        out[k] = y
    return out


def reaction_values(reactions: Sequence[tuple[str, float, str, float | None]], frame_times,
                    **analysis) -> dict[str, np.ndarray]:
    """(param, amount, signal, smooth seconds) tuples -> {param: per-frame array} for each
    parameter that has at least one reaction (absent parameters stay neutral):

    zoom (a camera zoom factor: 1 + sum of amount * s), shake (sum of amount * s, a shake amount
    like `camera shake`), brightness (sum of amount * s, additive, clipped to -1..1 of full scale),
    hue (degrees: amount * s * 360 for |amount| <= 1, else amount * s, summed), blur (sum of
    amount * s, clipped to 0..1). `analysis` holds `signal`'s keyword arguments: beats, downbeats,
    onsets, envelopes, envelope_rate.
    """
    times = np.asarray(frame_times, dtype=np.float64).reshape(-1)
    sums: dict[str, np.ndarray] = {}
    cache: dict[tuple[str, float | None], np.ndarray] = {}
    for param, amount, kind, smooth in reactions:
        if param not in PARAMS:
            raise ValueError(f"unknown react parameter `{param}` (expected one of {', '.join(PARAMS)})")
        amount = float(amount)
        key = (kind, None if not smooth else float(smooth))
        s = cache.get(key)
        if s is None:
            s = cache[key] = signal(kind, times, smooth=key[1], **analysis)
        if param == "hue" and abs(amount) <= 1.0:
            amount *= 360.0
        total = sums.setdefault(param, np.zeros(times.size))
        total += amount * s
    if "zoom" in sums:
        sums["zoom"] += 1.0
    if "brightness" in sums:
        np.clip(sums["brightness"], -1.0, 1.0, out=sums["brightness"])
    if "blur" in sums:
        np.clip(sums["blur"], 0.0, 1.0, out=sums["blur"])
    return sums


# YIQ: hue rotation turns the (I, Q) chroma plane about the Y (luma) axis.
_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114],
                        [0.595716, -0.274453, -0.321263],
                        [0.211456, -0.522591, 0.311135]])
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)
_GAMMA = 2.2


def hue_matrix(degrees: float) -> np.ndarray:
    """3x3 matrix M turning RGB row vectors by `degrees` of hue: rgb_out = rgb_in @ M."""
    a = math.radians(float(degrees))
    c, s = math.cos(a), math.sin(a)
    rotate = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    return (_YIQ_TO_RGB @ rotate @ _RGB_TO_YIQ).T


def _brightness_table(brightness: float) -> np.ndarray:
    """0..255 -> lifted 0..255 (float): `brightness` of full scale added in linear light."""
    x = (np.arange(256, dtype=np.float64) / 255.0) ** _GAMMA
    y = np.clip(x + brightness, 0.0, 1.0) ** (1.0 / _GAMMA)
    return y * 255.0


def apply_brightness_hue(frame: np.ndarray, brightness: float, hue_degrees: float) -> np.ndarray:
    """A new frame (read-only) with `brightness` (-1..1 of full scale, added in linear light,
    clipped) and `hue_degrees` of hue rotation (a YIQ rotation); the input object itself when
    both are 0.

    Both run in Pillow's C loops: the lift as a 256-entry table per channel (`Image.point`), the
    rotation as its 3x3 matrix (`Image.convert(matrix=...)`, rounded and clipped like
    `clip(rgb @ M + 0.5)`): about 2 ms and 6 ms at 720p, steadier than a threaded BLAS product.
    """
    brightness = float(brightness)
    hue = float(hue_degrees) % 360.0
    hue_on = min(hue, 360.0 - hue) > 1e-6
    if brightness == 0.0 and not hue_on:
        return frame
    image = Image.fromarray(np.ascontiguousarray(frame), "RGB")
    if brightness != 0.0:
        table = np.rint(_brightness_table(brightness)).astype(np.uint8).tolist()
        image = image.point(table * 3)
    if hue_on:
        m = hue_matrix(hue)
        image = image.convert("RGB", matrix=tuple(float(v) for row in m.T for v in (*row, 0.0)))
    return np.asarray(image)         # read-only, like the renderer's own frames
