"""Finishing effects: `effect grain|vignette|blur|glow|dream X` on every frame of a scene.

Pure functions of (frame, frame index, seed): nothing is carried from one
frame to the next, so frames can be rendered in any order, on several
threads, and re-rendered byte-identically. Frames are HxWx3 uint8 RGB numpy
arrays; the input is never written to (it may be a shared, read-only still).

Per-frame cost at 1280x720 on one core of a quiet machine, roughly: grain
1.5 ms, vignette 1 ms, blur 7-10 ms, glow 13 ms, dream 40 ms. How: the
vignette mask and two grain fields are made once per `Effects`, and grain is
a window of a field at a per-frame offset; blurs of more than a pixel run on
a copy reduced 2-4 times; glow and dream think on a copy about 180 rows high
and come back to full size only to blend (and, for dream, to displace);
full-size work arrays are reused per thread (fresh multi-megabyte arrays
every frame cost page faults), and there is no BLAS call (its threads are
erratic on a busy machine).

`dream` is a cheap procedural stand-in for DeepDream until a CNN backend
exists: see `_Dream`. Everything in it moves with slow sinusoids of
`index / fps`, so a picture at frame k and at frame k+1 gives nearly the
same result and the patterns flow over seconds, without flicker.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

__all__ = ["EFFECTS", "Effects", "blur_sigma"]

EFFECTS = ("grain", "vignette", "blur", "glow", "dream")

BLUR_MAX = 0.02          # blur 1 = a gaussian of sigma 2% of the frame height
GRAIN_STD = 24.0         # grain 1 = noise of this standard deviation (0..255 levels)
GRAIN_PAD = 64           # the grain field is this much larger than the frame, each way
VIGNETTE_DEPTH = 0.8     # vignette 1 leaves 20% of the light in the far corners
WORK_ROWS = 180          # glow and dream think at about this many rows


def blur_sigma(amount: float, height: int) -> float:
    """Gaussian sigma in pixels for a blur amount 0..1 at this frame height."""
    return max(0.0, float(amount)) * BLUR_MAX * float(height)


def _clamp01(value: float, kind: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"effect {kind}: amount must be a finite number, not {value}")
    return min(1.0, max(0.0, value))


class Effects:
    """A scene's effects, applied to every frame in order.

    `effects` are (kind, amount) pairs, amounts 0..1 (clamped):
    grain X (film grain: strength; varies from frame to frame, deterministic from the seed and frame index),
    vignette X (darkened corners), blur X (gaussian blur, sigma up to 2% of the frame height),
    glow X (bloom: bright areas bleed soft light), dream X (a cheap procedural DeepDream stand-in:
    swirling eye-like and fractal patterns and saturated colour drift that follow the picture's
    edges and evolve slowly, stable from frame to frame; deterministic from the seed).
    """

    def __init__(self, effects: Sequence[tuple[str, float]], width: int, height: int, seed: int, fps: float):
        self.width, self.height = int(width), int(height)
        if self.width < 1 or self.height < 1:
            raise ValueError(f"bad frame size {width}x{height}")
        self.seed = int(seed)
        self.fps = float(fps) if fps and float(fps) > 0 else 24.0
        self._steps: list[tuple[str, float, object]] = []
        for position, (kind, amount) in enumerate(effects):
            if kind not in EFFECTS:
                raise ValueError(f"unknown effect `{kind}` (expected one of {', '.join(EFFECTS)})")
            x = _clamp01(amount, kind)
            if x <= 0.0:
                continue
            builder = getattr(self, f"_make_{kind}")
            self._steps.append((kind, x, builder(x, position)))

    def __bool__(self) -> bool:
        return bool(self._steps)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(kind for kind, _, _ in self._steps)

    # ------------------------------------------------------------------ applying
    def apply(self, frame: np.ndarray, index: int, blur_extra: float = 0.0) -> np.ndarray:
        """frame HxWx3 uint8 -> a new HxWx3 uint8 frame, possibly read-only (the input object
        itself when there is nothing to do). The input is never written to.

        `index` is the frame's number within the shot (grain and dream evolve with it);
        `blur_extra` is an extra blur amount 0..1 from `react blur`: it joins the scene's first
        `blur` effect, or runs before the other effects when there is none.
        """
        extra = 0.0 if blur_extra is None else min(1.0, max(0.0, float(blur_extra)))
        if not self._steps and extra <= 0.0:
            return frame
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an HxWx3 uint8 frame, got {frame.shape} {frame.dtype}")
        if frame.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame is {frame.shape[1]}x{frame.shape[0]}, effects were made for "
                             f"{self.width}x{self.height}")
        out = frame
        index = int(index)
        has_blur = "blur" in self.kinds
        if extra > 0.0 and not has_blur:
            out = _blur(out, blur_sigma(extra, self.height))
        for kind, amount, state in self._steps:
            if kind == "blur":
                sigma = state
                if extra > 0.0:
                    sigma = math.hypot(sigma, blur_sigma(extra, self.height))
                    extra = 0.0
                out = _blur(out, sigma)
            elif kind == "grain":
                out = self._grain(out, state, index)
            elif kind == "vignette":
                out = _vignette(out, state)
            elif kind == "glow":
                out = _glow(out, amount, self.height)
            elif kind == "dream":
                out = state.apply(out, index)
        if out is frame:  # every step was a no-op at this size: still hand back a new array
            out = frame.copy()
        return out

    # ------------------------------------------------------------------ builders
    def _rng(self, *tags: int) -> np.random.Generator:
        return np.random.default_rng([self.seed & (2**63 - 1), *tags])

    def _make_blur(self, amount: float, position: int):
        return blur_sigma(amount, self.height)

    def _make_vignette(self, amount: float, position: int):
        H, W = self.height, self.width
        y = (np.arange(H, dtype=np.float32) + 0.5) / H * 2.0 - 1.0
        x = (np.arange(W, dtype=np.float32) + 0.5) / W * 2.0 - 1.0
        r = np.sqrt((x[None, :] ** 2 + y[:, None] ** 2) * 0.5)       # 0 centre, 1 corners
        s = np.clip((r - 0.42) / (1.05 - 0.42), 0.0, 1.0)
        s = s * s * (3.0 - 2.0 * s)
        gain = 1.0 - amount * VIGNETTE_DEPTH * s
        mask = np.rint(gain * 256.0).astype(np.uint16)
        return np.ascontiguousarray(np.repeat(mask[:, :, None], 3, axis=2))

    def _make_grain(self, amount: float, position: int):
        # One noise field a little larger than the frame; each frame takes a window of it at its
        # own offset (one of (pad + 1)^2). Grain a pixel wide is uncorrelated from one offset to
        # the next, so the windows look like fresh grain.
        H, W = self.height, self.width
        pad = min(GRAIN_PAD, max(4, min(H, W) // 4))
        rng = self._rng(0x6A41, position)
        mono = rng.standard_normal((H + pad, W + pad), dtype=np.float32)
        mono = ndimage.gaussian_filter(mono, 0.55, mode="wrap")
        mono *= np.float32(0.9 / (mono.std() + 1e-6))
        # a little colour: independent noise per channel, from one field shifted by a row per channel
        chroma = rng.standard_normal((H + pad + 2, W + pad), dtype=np.float32)
        chroma *= np.float32(0.3)
        field = np.empty((H + pad, W + pad, 3), dtype=np.float32)
        for c in range(3):
            np.add(mono, chroma[c:c + H + pad], out=field[:, :, c])
        field *= np.float32(amount * GRAIN_STD)
        return np.rint(field).astype(np.int16), pad, position

    def _make_glow(self, amount: float, position: int):
        return None

    def _make_dream(self, amount: float, position: int):
        return _Dream(self.width, self.height, amount, self.seed, position, self.fps)

    # ------------------------------------------------------------------ grain
    def _grain(self, frame: np.ndarray, state, index: int) -> np.ndarray:
        field, pad, position = state
        rng = self._rng(0x6A42, position, index & (2**63 - 1))
        oy, ox = (int(v) for v in rng.integers(pad + 1, size=2))
        noise = field[oy:oy + self.height, ox:ox + self.width]
        out = _SCRATCH.get("grain", frame.shape, np.int16)
        np.add(frame, noise, out=out)
        np.clip(out, 0, 255, out=out)
        return out.astype(np.uint8)


# ---------------------------------------------------------------------- helpers

class _Scratch(threading.local):
    """Per-thread reusable work arrays (frames may be rendered on several threads at once)."""

    def get(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        buf = self.__dict__.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self.__dict__[name] = np.empty(shape, dtype)
        return buf


_SCRATCH = _Scratch()


def _image(frame: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(frame), "RGB")


def _vignette(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = _SCRATCH.get("vignette", frame.shape, np.uint16)
    np.multiply(frame, mask, out=out)
    out >>= 8
    return out.astype(np.uint8)


def _small_blur(frame: np.ndarray, sigma: float) -> np.ndarray:
    """Separable 5-tap gaussian (sigma up to ~1.2 px) in 8.8 fixed point, edges repeated."""
    taps = np.exp(-0.5 * (np.arange(-2, 3) / max(sigma, 1e-3)) ** 2)
    w0, w1, w2 = (int(v) for v in np.rint(taps[2:] / taps.sum() * 256.0))
    w0 = 256 - 2 * (w1 + w2)
    p = np.pad(frame, ((2, 2), (2, 2), (0, 0)), mode="edge").astype(np.uint16)
    out = None
    for axis in (0, 1):
        n = p.shape[axis] - 4
        centre = _slice(p, axis, 2, n + 2)
        near = _slice(p, axis, 1, n + 1) + _slice(p, axis, 3, n + 3)
        far = _slice(p, axis, 0, n) + _slice(p, axis, 4, n + 4)
        near *= w1
        far *= w2
        near += far
        out = centre * np.uint16(w0)
        out += near
        out += 128
        out >>= 8
        p = out
    return out.astype(np.uint8)


def _slice(a: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    index = [slice(None)] * a.ndim
    index[axis] = slice(start, stop)
    return a[tuple(index)]


def _blur(frame: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of standard deviation `sigma` pixels (approximately, and fast)."""
    H, W = frame.shape[:2]
    if sigma < 0.05:
        return frame
    if sigma < 1.2 or min(H, W) < 16:
        return _small_blur(frame, sigma)
    # the largest reduction (2..4) whose own softening stays under half the asked-for variance
    f = int(min(4, max(2, math.sqrt((6.0 * sigma * sigma + 1.0) / 3.0))))
    # A box reduce by f and a bilinear enlargement by f add about (3 f^2 - 1) / 12 of variance.
    rest = math.sqrt(max(0.0, sigma * sigma - (3 * f * f - 1) / 12.0)) / f
    small = _image(frame).reduce(f)
    if rest > 0.1:
        small = small.filter(ImageFilter.GaussianBlur(rest))
    return np.asarray(small.resize((W, H), Image.BILINEAR))


def _luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of a float HxWx3 array (elementwise: a BLAS product is erratic when busy)."""
    luma = rgb[:, :, 0] * np.float32(0.299)
    luma += rgb[:, :, 1] * np.float32(0.587)
    luma += rgb[:, :, 2] * np.float32(0.114)
    return luma


def _work_factor(height: int) -> int:
    return max(1, round(height / WORK_ROWS))


def _glow(frame: np.ndarray, amount: float, height: int) -> np.ndarray:
    """Bloom: the bright part of the picture, blurred at two widths on a small copy, screened on."""
    H, W = frame.shape[:2]
    f = _work_factor(height)
    image = _image(frame)
    small = np.asarray(image.reduce(f) if f > 1 else image, dtype=np.float32) * (1.0 / 255.0)
    luma = _luma(small)
    bright = np.clip((luma - 0.5) * 2.0, 0.0, 1.0)
    bright *= bright
    source = Image.fromarray((small * (bright * 255.0)[:, :, None]).astype(np.uint8), "RGB")
    near = source.filter(ImageFilter.GaussianBlur(max(0.7, 0.012 * H / f)))
    far = source.filter(ImageFilter.GaussianBlur(max(1.5, 0.045 * H / f)))
    bloom = np.asarray(near, dtype=np.float32) * 0.55
    bloom += np.asarray(far, dtype=np.float32) * 0.8
    bloom *= 1.5 * amount
    np.clip(bloom, 0, 255, out=bloom)
    light = Image.fromarray(bloom.astype(np.uint8), "RGB")
    if f > 1:
        light = light.resize((W, H), Image.BILINEAR)
    # screen blend: a + (255 - a) * g / 255
    t = _SCRATCH.get("glow", frame.shape, np.uint16)
    np.subtract(255, frame, out=t, dtype=np.uint16)
    t *= np.asarray(light)
    t >>= 8
    t += frame
    return t.astype(np.uint8)


# ---------------------------------------------------------------------- dream

class _Dream:
    """Procedural hallucination over a picture: eyes, rings and a drifting rainbow on its contours.

    Two layers, both multiplying the picture (so its own detail stays visible):

    - bands, computed on a small copy: contour bands of the luminance (two scales) and of the
      edge density, bent by a field of slow plane waves. They ring every bright or dark blob and
      ripple along every edge, coloured by a rainbow palette that drifts with time; the picture
      is pushed along its edges by the same bands and swirled by the wave field.
    - motifs at full size: a field of eyes at three sizes (pupil, spiral iris, dark rim, ripples),
      precomputed once as (radius, angle) codes; each frame turns the codes into colours through
      a table built for that instant (the spirals turn, the ripples spread, the palette drifts),
      weighted by how much structure the picture has there, so eyes open where there are edges.
    """

    WAVES = 4

    def __init__(self, width: int, height: int, amount: float, seed: int, position: int, fps: float):
        self.W, self.H, self.amount, self.fps = width, height, amount, fps
        self.f = _work_factor(height)
        self.w = -(-width // self.f)
        self.h = -(-height // self.f)
        rng = np.random.default_rng([seed & (2**63 - 1), 0xD2EA, position])
        w, h = self.w, self.h
        self.unit = max(0.25, h / 180.0)            # small-pixel scale relative to a 180-row picture
        # (all per-pixel work is float32: parameters are Python floats, which do not promote)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        # slowly moving plane waves: they bend the bands and swirl the picture
        angles = rng.uniform(0, 2 * np.pi, self.WAVES)
        lengths = rng.uniform(0.3, 0.8, self.WAVES) * h
        kx, ky = np.cos(angles) * (2 * np.pi / lengths), np.sin(angles) * (2 * np.pi / lengths)
        self.wave_space = [(xx * np.float32(a) + yy * np.float32(b)) for a, b in zip(kx, ky)]
        self.wave_phase = [float(v) for v in rng.uniform(0, 2 * np.pi, self.WAVES)]
        speeds = rng.uniform(0.2, 0.45, self.WAVES) * rng.choice([-1.0, 1.0], self.WAVES)
        self.wave_speed = [float(v) for v in speeds]
        amps = rng.uniform(0.6, 1.0, self.WAVES)
        self.wave_amp = [float(v) for v in amps / amps.sum()]
        # bands: (source, blur sigma in small pixels at 180 rows, bands per unit, drift rad/s, weight)
        sign = [float(v) for v in rng.choice([-1.0, 1.0], 3)]
        self.bands = [("luma", 0.9, 12.0, 0.9 * sign[0], 0.45),
                      ("luma", 4.0, 5.0, 0.6 * sign[1], 0.25),
                      ("edge", 2.0, 4.0, 1.0 * sign[2], 0.30)]
        self.band_phase = [float(v) for v in rng.uniform(0, 2 * np.pi, len(self.bands))]
        self.palette_phase = float(rng.uniform(0, 1))
        self.palette_speed = float(rng.uniform(0.03, 0.06))
        self.spin = float(rng.uniform(0.35, 0.6))       # turns of the iris spirals, rad/s
        self.ripple = float(rng.uniform(0.5, 0.8))      # outward ripple speed, rad/s
        # Displacement: whole pixels at full size, stored as 128 + offset in 8-bit images so that
        # Pillow can enlarge them. It fades to nothing near the border faster than it can reach
        # it, so no sample ever falls outside the frame.
        self.max_shift = max(1.0, 0.012 * height * amount)
        self.base = (np.arange(width * height, dtype=np.intp).reshape(height, width)
                     - (128 * width + 128))
        # the eye field, padded for a slow circular drift
        self.drift = max(1, round(0.03 * height))
        self.pad = self.drift + 1
        self.codes = _eye_codes(width + 2 * self.pad, height + 2 * self.pad, height, rng)
        self.drift_speed = float(rng.uniform(0.12, 0.2))
        self.drift_phase = float(rng.uniform(0, 2 * np.pi))
        self._tables: dict[int, np.ndarray] = {}
        # the displacement's fade at the border (see above)
        ramp_y = np.clip((np.minimum(np.arange(h), h - 1 - np.arange(h)) - 1.0) / (0.06 * h), 0.0, 1.0)
        ramp_x = np.clip((np.minimum(np.arange(w), w - 1 - np.arange(w)) - 1.0) / (0.06 * h), 0.0, 1.0)
        self.border = (ramp_y[:, None] * ramp_x[None, :]).astype(np.float32)

    def _warp_field(self, t: float) -> np.ndarray:
        field = np.zeros((self.h, self.w), dtype=np.float32)
        wave = np.empty_like(field)
        for space, phase, speed, amp in zip(self.wave_space, self.wave_phase, self.wave_speed, self.wave_amp):
            np.add(space, phase + speed * t, out=wave)
            np.sin(wave, out=wave)
            wave *= amp
            field += wave
        return field

    def _palette(self, hue) -> np.ndarray:
        tau = np.float32(2 * np.pi)
        return np.stack([np.cos(tau * (hue + d)) for d in (0.0, 0.33, 0.67)], axis=-1) * 0.5 + 0.5

    def _table(self, index: int) -> np.ndarray:
        """(presence 4 bits, radius 6 bits, angle 6 bits) code -> RGB gain (128 = 1) at this frame."""
        table = self._tables.get(index)
        if table is not None:
            return table
        t = index / self.fps
        r = (np.arange(64, dtype=np.float32)[:, None] + 0.5) * (EYE_REACH / 64.0)    # eye radii
        a = (np.arange(64, dtype=np.float32)[None, :] + 0.5) * (2 * np.pi / 64.0)     # angle
        spiral = np.sin(3.0 * a + 9.0 * r - self.spin * t)
        rays = np.sin(14.0 * a + 2.0 * np.sin(6.0 * r)) * 0.5 + 0.5
        hue = r * 0.6 + 0.08 * spiral + (self.palette_phase + self.palette_speed * t + 0.5)
        colour = self._palette(hue)                                           # 64 x 64 x 3
        iris = (0.75 + 0.9 * colour) * (0.85 + 0.35 * spiral[..., None]) * (0.8 + 0.35 * rays[..., None])
        ripple = 1.0 + 0.35 * np.sin(2 * np.pi * 3.0 * r - self.ripple * t)[..., None] * (colour + 0.3)
        gain = np.where((r < 0.2)[..., None], 0.12, 1.0)
        gain = np.where(((r >= 0.2) & (r < 0.72))[..., None], iris, gain)
        gain = np.where(((r >= 0.72) & (r < 0.84))[..., None], 0.3, gain)
        fade = np.clip((EYE_REACH - r) / (EYE_REACH - 0.84), 0.0, 1.0)[..., None]
        gain = np.where((r >= 0.84)[..., None], 1.0 + (ripple - 1.0) * fade, gain)
        gain = gain.reshape(4096, 3) - 1.0
        levels = (np.arange(16, dtype=np.float32) / 15.0)[:, None, None] * self.amount
        table = np.clip(128.0 + 128.0 * levels * gain[None], 0, 255).astype(np.uint8).reshape(65536, 3)
        if len(self._tables) > 4:
            self._tables.clear()
        self._tables[index] = table
        return table

    def apply(self, frame: np.ndarray, index: int) -> np.ndarray:
        H, W, f, X = self.H, self.W, self.f, self.amount
        if self.h < 3 or self.w < 3:
            return frame                    # too small to dream about
        t = index / self.fps
        image = _image(frame)
        small_img = image.reduce(f) if f > 1 else image
        rgb = np.asarray(small_img, dtype=np.float32) * (1.0 / 255.0)
        luma = _luma(rgb)
        u = self.unit

        # structure: edges of the picture (a little blurred) and how much of them is near
        base = ndimage.gaussian_filter(luma, 0.9 * u, truncate=3.0)
        gy, gx = np.gradient(base)
        mag = np.hypot(gx, gy)
        edges = np.clip(mag / (4.0 * float(mag.mean()) + 1e-4), 0.0, 1.0)
        warp = self._warp_field(t)

        pattern = np.zeros_like(luma)
        phases = np.zeros_like(luma)
        presence = None
        for (source, sigma, bands, speed, weight), p0 in zip(self.bands, self.band_phase):
            if source == "luma":
                level = base if sigma == 0.9 else ndimage.gaussian_filter(luma, sigma * u, truncate=3.0)
            else:
                level = np.sqrt(ndimage.gaussian_filter(edges, sigma * u, truncate=3.0))
                presence = level
            phase = level * (2 * np.pi * bands) + warp * 2.0 + (p0 + speed * t)
            phases += weight * phase
            s = np.sin(phase)
            pattern += weight * s * np.abs(s)
        pattern *= 2.0
        eyes_level = np.clip(2.0 * presence - 0.85, 0.0, 1.0)
        presence = np.clip(0.15 + 1.3 * presence, 0.0, 1.0)

        # band colours: a rainbow following the bands, drifting with time, and the picture saturated
        hue = phases * (0.25 / np.pi) + (self.palette_phase + self.palette_speed * t)
        palette = self._palette(hue)
        strength = (X * presence)[:, :, None]
        grey = luma[:, :, None]
        # (as a log gain: the picture is multiplied, never pushed through black)
        gain = np.exp(strength * (0.55 * pattern[:, :, None] + 0.6 * (palette - 0.5)
                                  + np.clip(0.8 * (rgb - grey) / (rgb + 0.08), -0.7, 0.7)))

        # displacement: along the edges by the bands, and around the swirl of the wave field
        wy, wx = np.gradient(warp)
        along = pattern * edges / (mag + 1e-4)
        swirl = 3.5 / u
        dx = np.clip(-gy * along + wy * swirl, -1.0, 1.0)
        dx *= self.border
        dy = np.clip(gx * along - wx * swirl, -1.0, 1.0)
        dy *= self.border

        gain_img = Image.fromarray(np.clip(gain * 128.0, 0, 255).astype(np.uint8), "RGB")
        level_img = Image.fromarray((eyes_level * 15.99).astype(np.uint8), "L")
        shift = np.float32(self.max_shift)
        x_img = Image.fromarray(np.clip(np.rint(dx * shift + 128.0), 0, 255).astype(np.uint8), "L")
        y_img = Image.fromarray(np.clip(np.rint(dy * shift + 128.0), 0, 255).astype(np.uint8), "L")
        if f > 1:
            size = (W, H)
            gain_img, level_img = gain_img.resize(size, Image.BILINEAR), level_img.resize(size, Image.BILINEAR)
            x_img, y_img = x_img.resize(size, Image.BILINEAR), y_img.resize(size, Image.BILINEAR)

        # Full-size work goes into this thread's scratch buffers: fresh multi-megabyte arrays
        # every frame cost page faults that can add a quarter to the time.
        code = _SCRATCH.get("dream code", (H, W), np.uint16)
        index_map = _SCRATCH.get("dream index", (H, W), np.intp)
        warped = _SCRATCH.get("dream warped", (H, W, 3), np.uint8)
        eyes = _SCRATCH.get("dream eyes", (H, W, 3), np.uint8)
        out = _SCRATCH.get("dream out", (H, W, 3), np.uint16)

        # nearest-pixel gather along the displacement (the field is smooth and small)
        np.multiply(np.asarray(y_img), W, out=index_map, dtype=np.intp)
        index_map += self.base
        index_map += np.asarray(x_img)
        np.take(frame.reshape(-1, 3), index_map, axis=0, out=warped, mode="clip")   # clip: never needed

        # the eyes, drifting on a slow circle
        angle = self.drift_phase + self.drift_speed * t
        ox = self.pad + round(self.drift * math.cos(angle))
        oy = self.pad + round(self.drift * math.sin(angle))
        np.copyto(code, np.asarray(level_img))
        code <<= 12
        code |= self.codes[oy:oy + H, ox:ox + W]
        np.take(self._table(index), code, axis=0, out=eyes)

        np.multiply(warped, np.asarray(gain_img), out=out, dtype=np.uint16)
        out >>= 7
        np.minimum(out, 255, out=out)
        out *= eyes
        out >>= 7
        np.minimum(out, 255, out=out)
        return out.astype(np.uint8)


EYE_REACH = 1.6       # an eye's ripples reach this many eye radii


def _eye_codes(width: int, rows: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """rows x width uint16 codes (radius 6 bits << 6 | angle 6 bits) of a field of eyes at three sizes.

    Periodic across the width (so a row-major index that runs past the right edge lands on the
    same field one row down). Each pixel belongs to the eye it is relatively nearest to.
    """
    best = np.full((rows, width), EYE_REACH, dtype=np.float32)
    angle = np.zeros((rows, width), dtype=np.float32)
    for cell, keep in ((0.15, 0.6), (0.07, 0.6), (0.035, 0.7)):
        size = max(4.0, cell * height)
        ny, nx = max(1, round(rows / size)), max(1, round(width / size))
        sy, sx = rows / ny, width / nx
        for j in range(ny):
            for i in range(nx):
                if rng.random() > keep:
                    rng.random(5)          # keep the stream aligned whether or not the eye is drawn
                    continue
                cy = (j + 0.2 + 0.6 * rng.random()) * sy
                cx = (i + 0.2 + 0.6 * rng.random()) * sx
                radius = 0.5 * min(sx, sy) * (0.55 + 0.45 * rng.random())
                turn = rng.uniform(0, 2 * np.pi)
                hand = 1.0 if rng.random() < 0.5 else -1.0
                reach = radius * EYE_REACH
                y0, y1 = max(0, int(cy - reach)), min(rows, int(cy + reach) + 2)
                if y0 >= y1:
                    continue
                ys = np.arange(y0, y1, dtype=np.float32)[:, None] - cy
                for shift in (-width, 0, width):
                    x0, x1 = max(0, int(cx + shift - reach)), min(width, int(cx + shift + reach) + 2)
                    if x0 >= x1:
                        continue
                    xs = np.arange(x0, x1, dtype=np.float32)[None, :] - (cx + shift)
                    r = np.sqrt(xs * xs + ys * ys) / radius
                    region = best[y0:y1, x0:x1]
                    closer = r < region
                    region[closer] = r[closer]
                    a = hand * np.arctan2(ys, xs) + turn
                    angle[y0:y1, x0:x1][closer] = np.broadcast_to(a, r.shape)[closer]
    ri = np.clip(best * (64.0 / EYE_REACH), 0, 63).astype(np.uint16)
    ai = (np.mod(angle, 2 * np.pi) * (64.0 / (2 * np.pi))).astype(np.uint16) & 63
    return (ri << 6) | ai
