"""Rendering frames: camera moves over a keyframe still, simple transitions, captions.

The camera looks at a *canvas*: the still painted for one shot, which may be
larger than the output so that pans, rotations, zooms out and shake never
show past its border (`keyframe_size`). At zoom 1, with no pan, the camera
frames the canvas's central output-sized part; with no moves the canvas is
the output size and the shot is the still, as painted.

Conventions, all over one shot's progress 0..1 after the move's ease:

- zoom A -> B: the factor goes geometrically (a constant zoom speed; 1.15 is
  closer than 1.0, 0.5 shows twice as much). Several zooms multiply.
- pan DIR: the camera travels `end - start` of the frame (width for left and
  right, height for up and down; measured at zoom 1) in that direction, on a
  path centred on the canvas, so the painted centre is in view at mid-shot.
  `pan right` moves the content left on screen. Several pans add.
- rotate A -> B degrees: positive angles turn the picture counter-clockwise
  on screen. Several rotations add.
- shake AMOUNT: a smooth jitter, deterministic in the seed: the picture
  wanders within +-AMOUNT/2 of the frame (a peak-to-peak extent of AMOUNT)
  and turns within +-2*AMOUNT degrees, with a few wiggles a second.

Frames are HxWx3 uint8 RGB numpy arrays. Transitions use integer numpy math
on uint16; the camera uses Pillow's affine transform (bilinear) from a
mip level of the still no more than twice the output's scale, so zooming
out does not alias.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from mvlang.ir.model import CameraMove

EASES = ("linear", "in", "out", "in_out")
MOVES = ("zoom", "pan", "rotate", "shake")

# A keyframe is never asked for with more pixels than this (4096 x 4096) or
# four outputs, whichever is more; a camera that needs more (a zoom out to
# 0.01, a pan across ten frames) gets a uniformly smaller still, upscaled.
MAX_KEYFRAME_PIXELS = 4096 * 4096
SHAKE_TURN = 2.0            # degrees of shake rotation per unit of shake
SHAKE_SECONDS = 4.0         # shot length the shake's wiggle rate assumes when none is given
_SAFETY = 2                 # pixels added to a grown canvas for bilinear edges


def ease(name: str, x: float) -> float:
    """Eased progress: `linear`; `in` (x^2), `out` (mirrored), `in_out` (smoothstep, cubic)."""
    return float(_ease_array(name, min(1.0, max(0.0, float(x)))))


# --------------------------------------------------------------------------- camera

class _Path:
    """The camera over a shot, vectorised over progress values."""

    def __init__(self, width: int, height: int, moves: Sequence[CameraMove], seed: int,
                 seconds: float | None):
        self.width, self.height = width, height
        self.moves = tuple(moves)
        for move in self.moves:
            if move.move not in MOVES:
                raise ValueError(f"unknown camera move `{move.move}`")
            if move.move == "zoom" and (move.start <= 0 or move.end <= 0):
                raise ValueError("zoom factors must be greater than 0")
            if move.move == "pan" and move.direction not in ("left", "right", "up", "down"):
                raise ValueError(f"unknown pan direction `{move.direction}`")
            ease(move.ease, 0.0)  # validates the name
        self.shake = sum(float(m.end) for m in self.moves if m.move == "shake")
        rng = np.random.default_rng([int(seed) & (2**64 - 1), 0x5EA6E])
        span = (seconds if seconds and seconds > 0 else SHAKE_SECONDS)
        # Three partials per axis (x, y, turn): about 0.8, 1.7 and 3.1 wiggles a second.
        base = np.array([0.8, 1.7, 3.1])
        self._freq = span * base * rng.uniform(0.8, 1.25, size=(3, 3))   # cycles over the shot
        self._phase = rng.uniform(0.0, 2 * np.pi, size=(3, 3))
        self._amp = np.array([1.0, 0.5, 0.25]) / 1.75

    def pose(self, t, extra_shake: float = 0.0) -> tuple[np.ndarray, ...]:
        """(zoom, centre x, centre y, angle in degrees, shake x, shake y) at progress values t.

        Centre and shake offsets are canvas pixels from the canvas's centre.
        """
        t = np.clip(np.atleast_1d(np.asarray(t, dtype=np.float64)), 0.0, 1.0)
        zoom = np.ones_like(t)
        cx = np.zeros_like(t)
        cy = np.zeros_like(t)
        angle = np.zeros_like(t)
        for move in self.moves:
            e = _ease_array(move.ease, t)
            a, b = float(move.start), float(move.end)
            if move.move == "zoom":
                zoom = zoom * a * (b / a) ** e
            elif move.move == "pan":
                along = a + (b - a) * e - (a + b) / 2
                if move.direction in ("left", "right"):
                    cx = cx + along * self.width * (1 if move.direction == "right" else -1)
                else:
                    cy = cy + along * self.height * (1 if move.direction == "down" else -1)
            elif move.move == "rotate":
                angle = angle + a + (b - a) * e
        sx = np.zeros_like(t)
        sy = np.zeros_like(t)
        shake = self.shake + extra_shake
        if shake:
            # (len(t), axis, partial) -> (len(t), axis); each axis stays within [-1, 1].
            wiggle = (self._amp * np.sin(2 * np.pi * self._freq * t[:, None, None]
                                         + self._phase)).sum(-1)
            sx = wiggle[:, 0] * shake / 2 * self.width / zoom   # screen units at any zoom
            sy = wiggle[:, 1] * shake / 2 * self.height / zoom
            angle = angle + wiggle[:, 2] * SHAKE_TURN * shake
        return zoom, cx, cy, angle, sx, sy

    def canvas(self) -> tuple[int, int]:
        """The smallest even canvas that the view never leaves (uncapped)."""
        w, h = self.width, self.height
        if not self.moves:
            return w, h
        turns = sum(abs(float(m.end - m.start)) for m in self.moves if m.move == "rotate")
        t = np.linspace(0.0, 1.0, 257 + min(20000, int(turns * 4)))
        zoom, cx, cy, angle, _, _ = self.pose(t)
        if self.shake:  # shake's bound, not its path: the view stays inside however it wiggles
            cx = np.abs(cx) + self.shake / 2 * w / zoom
            cy = np.abs(cy) + self.shake / 2 * h / zoom
        cos = np.abs(np.cos(np.radians(angle)))
        sin = np.abs(np.sin(np.radians(angle)))
        if self.shake:  # angle already holds the path's shake; widen by the whole swing
            spread = 2 * np.radians(SHAKE_TURN * self.shake)
            cos = np.minimum(1.0, cos + spread)
            sin = np.minimum(1.0, sin + spread)
        half_x = np.abs(cx) + (w / 2 * cos + h / 2 * sin) / zoom
        half_y = np.abs(cy) + (w / 2 * sin + h / 2 * cos) / zoom
        return _grow(w, float(half_x.max()) * 2), _grow(h, float(half_y.max()) * 2)


def _grow(size: int, need: float) -> int:
    if need <= size + 1e-6:
        return size
    grown = math.ceil(need - 1e-6) + _SAFETY
    return grown + grown % 2


def _ease_array(name: str, t):
    """The easing curves, for a progress value or an array of them (in [0, 1])."""
    if name == "linear":
        return t
    if name == "in":
        return t * t
    if name == "out":
        return 1.0 - (1.0 - t) * (1.0 - t)
    if name == "in_out":
        return t * t * (3.0 - 2.0 * t)
    raise ValueError(f"unknown ease `{name}` (expected one of {', '.join(EASES)})")


def keyframe_size(width: int, height: int, moves: Sequence[CameraMove]) -> tuple[int, int]:
    """How large to paint a shot's still so the camera never shows past its border.

    (width, height) with no moves, or with moves that stay inside (zooms in);
    larger for zooms below 1, pans, rotation and shake. Very large canvases
    are scaled down uniformly to MAX_KEYFRAME_PIXELS (or four outputs); Shot
    maps whatever still it gets onto the canvas, so only sharpness suffers.
    """
    cw, ch = _Path(width, height, moves, 0, None).canvas()
    limit = max(MAX_KEYFRAME_PIXELS, 4 * width * height)
    if cw * ch > limit:
        scale = math.sqrt(limit / (cw * ch))
        cw = max(2, int(cw * scale) // 2 * 2)
        ch = max(2, int(ch * scale) // 2 * 2)
    return cw, ch


class Shot:
    """The camera for one shot over its still; `frame(progress)` renders one output frame.

    `still` is HxWx3 uint8 RGB, normally `keyframe_size(...)` large; any other
    size is stretched onto the canvas. `seconds`, when known, sets the shake's
    wiggle rate in real time (else a 4 s shot is assumed). Frames may be
    read-only arrays; with no moves every call returns the same one.
    """

    def __init__(self, still: np.ndarray, width: int, height: int, moves: Sequence[CameraMove],
                 seed: int, seconds: float | None = None, reactive: bool = False):
        self.width, self.height = int(width), int(height)
        self.moves = tuple(moves)
        image = _image(still)
        self._still: np.ndarray | None = None
        if not self.moves and not reactive:
            if image.size != (self.width, self.height):
                image = image.resize((self.width, self.height), Image.Resampling.LANCZOS)
            array = np.array(image)
            array.flags.writeable = False   # shared by every frame: never edit it in place
            self._still = array
            return
        self._path = _Path(self.width, self.height, self.moves, seed, seconds)
        cw, ch = self._path.canvas()
        # Still pixels per canvas pixel.
        self._sx, self._sy = image.width / cw, image.height / ch
        self._canvas = (cw, ch)
        self._levels = [image]  # mip levels, each half the one before (box filter)
        self._turns = any(m.move in ("rotate", "shake") for m in self.moves)

    def frame(self, progress: float, zoom: float = 1.0, shake: float = 0.0) -> np.ndarray:
        """The output frame at `progress` (0..1) through the shot; `zoom` multiplies the
        camera's zoom and `shake` adds to its shake (audio-reactive motion: `react`;
        build the Shot with `reactive=True` for them to take effect on a still)."""
        if self._still is not None:
            return self._still
        w, h = self.width, self.height
        extra = zoom
        zoom, cx, cy, angle, sx, sy = (float(v[0]) for v in self._path.pose(progress, shake))
        zoom *= extra
        turns = self._turns or shake > 0
        cw, ch = self._canvas
        ox, oy = cw / 2 + cx + sx, ch / 2 + cy + sy       # the view's centre on the canvas
        image = self._levels[self._level(max(self._sx, self._sy) / zoom)]
        fx = self._sx * image.width / self._levels[0].width    # level pixels per canvas pixel
        fy = self._sy * image.height / self._levels[0].height
        if not turns:
            # No rotation: a crop and a resize (separable, about three times faster).
            x0 = min(max(0.0, (ox - w / (2 * zoom)) * fx), image.width)
            y0 = min(max(0.0, (oy - h / (2 * zoom)) * fy), image.height)
            x1 = min(max(x0, (ox + w / (2 * zoom)) * fx), image.width)
            y1 = min(max(y0, (oy + h / (2 * zoom)) * fy), image.height)
            return np.asarray(image.resize((w, h), Image.Resampling.BILINEAR, box=(x0, y0, x1, y1)))
        # Output continuous coords (u, v) -> canvas (X, Y):
        #   X = ox + (cos*(u - w/2) - sin*(v - h/2)) / zoom,  Y = oy + (sin*(u - w/2) + cos*(v - h/2)) / zoom
        rad = math.radians(angle)
        cos, sin = math.cos(rad) / zoom, math.sin(rad) / zoom
        a, b = cos * fx, -sin * fx
        d, e = sin * fy, cos * fy
        c = (ox - (cos * w / 2 - sin * h / 2)) * fx
        f = (oy - (sin * w / 2 + cos * h / 2)) * fy
        return _affine(image, w, h, (a, b, c, d, e, f))

    def _level(self, scale: float) -> int:
        """The mip level to sample for `scale` still pixels per output pixel.

        Pillow's resize filters a downscale properly, so the crop-and-resize path
        only needs a level at most twice the output's scale (for speed). The
        affine transform samples without filtering, so it takes the nearest
        level, as a GPU's mipmapping does (at most 1.41 pixels per output pixel).
        """
        limit = math.sqrt(2.0) if self._turns else 2.0
        level = 0
        while scale / (1 << level) > limit and min(self._levels[level].size) > 2:
            level += 1
            if level == len(self._levels):
                self._levels.append(self._levels[-1].reduce(2))
        return level


BANDS = 4   # the affine transform runs in this many horizontal bands, on threads


_POOL: tuple[int, ThreadPoolExecutor] | None = None


def _pool() -> ThreadPoolExecutor:
    """The band threads, made again in a forked child (threads do not survive a fork)."""
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=min(BANDS, os.cpu_count() or 1),
                                                 thread_name_prefix="mvlang-render"))
    return _POOL[1]


def _affine(image: Image.Image, w: int, h: int, matrix) -> np.ndarray:
    """Pillow's bilinear affine transform into a (h, w, 3) array, in bands on threads.

    Pillow lets go of the GIL while it transforms. The bands are fixed, not
    per core, so the result is the same on every machine.
    """
    a, b, c, d, e, f = matrix
    edges = [h * i // BANDS for i in range(BANDS + 1)]
    out = np.empty((h, w, 3), np.uint8)

    def band(i: int) -> None:
        top, bottom = edges[i], edges[i + 1]
        if bottom > top:
            part = image.transform((w, bottom - top), Image.Transform.AFFINE,
                                   (a, b, c + b * top, d, e, f + e * top),
                                   resample=Image.Resampling.BILINEAR)
            out[top:bottom] = np.asarray(part)

    list(_pool().map(band, range(BANDS)))
    return out


def _image(still: np.ndarray) -> Image.Image:
    still = np.asarray(still)
    if still.dtype != np.uint8 or still.ndim != 3 or still.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 uint8 still, got {still.shape} {still.dtype}")
    image = Image.fromarray(np.ascontiguousarray(still))
    return image.convert("RGB") if image.mode != "RGB" else image


# --------------------------------------------------------------------------- transitions

def transition_frame(a: np.ndarray, b: np.ndarray, kind: str, arg: str | None,
                     p: float) -> np.ndarray:
    """A frame `p` (0..1) through a transition from `a` (outgoing) to `b` (incoming).

    cut: a, then b from p = 0.5. crossfade: a linear dissolve. dip black/white:
    a fades to the colour by p = 0.5, the colour fades into b. flash: a cut at
    p = 0.5 under a white flash that peaks on the cut (fast attack, slower decay).
    whip left/right/up/down: a fast pan: `a` slides out in that direction and
    `b` slides in from the opposite side (eased, fastest at p = 0.5), under a
    motion blur along the direction that grows with the speed and peaks at
    p = 0.5, where the boundary between them crosses the centre. morph (a
    stand-in for travelling between prompts): a dissolve during which the
    pictures' rows and columns slide along smooth maps from where a's light is
    to where b's is, a's content going forward and b's arriving, softened
    briefly mid-way, so the picture melts from `a` into `b`. Every kind gives
    exactly `a` at p = 0 and `b` at p = 1.
    """
    p = min(1.0, max(0.0, float(p)))
    if kind == "cut":
        return a if p < 0.5 else b
    if a.shape != b.shape:
        raise ValueError(f"transition frames differ in shape: {a.shape} and {b.shape}")
    if kind == "crossfade":
        return _mix(a, b, p)
    if kind == "dip":
        colour = {None: 0, "black": 0, "white": 255}.get(arg)
        if colour is None:
            raise ValueError(f"`dip {arg}`: the colour is black or white")
        return _toward(a, colour, 2 * p) if p < 0.5 else _toward(b, colour, 2 - 2 * p)
    if kind == "flash":
        return _toward(a if p < 0.5 else b, 255, flash_level(p))
    if kind == "whip":
        return _whip(a, b, arg, p)
    if kind == "morph":
        return _morph(a, b, p)
    raise ValueError(f"transition `{kind}` is not rendered yet")


FLASH_ATTACK = 0.1   # share of the transition the flash rises over, before the cut


def flash_level(p: float) -> float:
    """How white a flash is at p: rises over the last FLASH_ATTACK before the cut, decays after."""
    if p < 0.5:
        x = (p - (0.5 - FLASH_ATTACK)) / FLASH_ATTACK
        return 0.0 if x <= 0 else x * x
    q = (p - 0.5) / 0.5
    return max(0.0, 1.0 - q) ** 2


def _weight(t: float) -> int:
    return round(min(1.0, max(0.0, t)) * 256)


def _mix(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """(1 - t) * a + t * b, rounded, in 8.8 fixed point."""
    k = _weight(t)
    if k == 0:
        return a
    if k == 256:
        return b
    out = a.astype(np.uint16)
    out *= 256 - k
    other = b.astype(np.uint16)
    other *= k
    out += other
    out += 128
    out >>= 8
    return out.astype(np.uint8)


def _toward(a: np.ndarray, colour: int, t: float) -> np.ndarray:
    """(1 - t) * a + t * colour (a grey level), rounded, in 8.8 fixed point."""
    k = _weight(t)
    if k == 0:
        return a
    if k == 256:
        return np.full_like(a, colour)
    out = a.astype(np.uint16)
    out *= 256 - k
    out += colour * k + 128
    out >>= 8
    return out.astype(np.uint8)


WHIP_DIRECTIONS = ("left", "right", "up", "down")
WHIP_BLUR = 0.18     # the motion blur's radius at full speed, a share of the frame along the whip


def _whip(a: np.ndarray, b: np.ndarray, direction: str | None, p: float) -> np.ndarray:
    """A whip pan: the view slides along the strip of the two pictures, eased with
    smootherstep, under a box blur along the strip whose radius follows the speed."""
    if direction not in WHIP_DIRECTIONS:
        raise ValueError(f"`whip {direction}`: the direction is left, right, up or down")
    axis = 1 if direction in ("left", "right") else 0
    size = a.shape[axis]
    # `whip left`: a leaves to the left and b follows from the right, so the
    # view travels right along [a | b]; `whip right` travels left along [b | a].
    forward = direction in ("left", "up")
    first, second = (a, b) if forward else (b, a)
    eased = p * p * p * (p * (6 * p - 15) + 10)
    speed = 16 * p * p * (1 - p) * (1 - p)            # smootherstep's slope, 1 at p = 0.5
    offset = round((eased if forward else 1 - eased) * size)
    radius = WHIP_BLUR * size * speed
    if radius < 0.05:
        if offset in (0, size):
            return first if offset == 0 else second
        return _strip(first, second, axis, offset, offset + size)
    margin = math.ceil(radius) + 1
    window = Image.fromarray(_strip(first, second, axis, offset - margin, offset + size + margin))
    blurred = np.asarray(window.filter(
        ImageFilter.BoxBlur((radius, 0) if axis == 1 else (0, radius))))
    return blurred[:, margin:margin + size] if axis == 1 else blurred[margin:margin + size]


def _strip(first: np.ndarray, second: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    """Pixels start .. stop - 1 along `axis` of [first | second], the end pixels repeated beyond."""
    size = first.shape[axis]
    pieces = []
    if start < 0:
        edge = first[:, :1] if axis == 1 else first[:1]
        pieces.append(np.repeat(edge, -start, axis=axis))
    lo, hi = max(start, 0), min(stop, size)
    if hi > lo:
        pieces.append(first[:, lo:hi] if axis == 1 else first[lo:hi])
    lo, hi = max(start, size) - size, min(stop, 2 * size) - size
    if hi > lo:
        pieces.append(second[:, lo:hi] if axis == 1 else second[lo:hi])
    if stop > 2 * size:
        edge = second[:, -1:] if axis == 1 else second[-1:]
        pieces.append(np.repeat(edge, stop - 2 * size, axis=axis))
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=axis)


MORPH_PULL = 0.6     # how much of a row's or column's weight in the morph's map is its brightness
MORPH_SOFT = 0.5     # how much of the softened picture is mixed in at mid-way
MORPH_SOFT_SPAN = 0.3   # ... over p = 0.5 +- this
MORPH_REDUCE = 4     # the maps and the soft blur are worked out at 1/MORPH_REDUCE size
MORPH_PIECES = 24    # the warp's linear pieces along the longer side


def _morph(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """A dissolve along which the pictures' light travels from where it is in a to where it is in b.

    Along each axis a monotone map carries a's columns (rows) onto b's: the
    one that moves weight, MORPH_PULL of it brightness and the rest spread
    evenly, from a's profile to b's (one-dimensional optimal transport; the
    pictures alone decide it, nothing is random). As in a classic morph, a's
    content travels p of the way along the maps and b's arrives from 1 - p
    of the way back, while they dissolve (smoothstep of p): horizons, bright
    bands and masses slide into place and the picture melts from a into b.
    The warps are piecewise linear, done as strips of Pillow resizes (bilinear,
    one axis after the other). A blurred copy, worked out at quarter size, is
    mixed in over p = 0.5 +- MORPH_SOFT_SPAN (up to MORPH_SOFT of it at 0.5),
    a brief softening mid-way.
    """
    if p <= 0.0:
        return a
    if p >= 1.0:
        return b
    h, w = a.shape[:2]
    image_a, image_b = Image.fromarray(a), Image.fromarray(b)
    small_a, small_b = image_a.reduce(MORPH_REDUCE), image_b.reduce(MORPH_REDUCE)
    light_a, light_b = np.asarray(small_a.reduce(2)), np.asarray(small_b.reduce(2))
    across = _transport(_profile(light_a, 0), _profile(light_b, 0))
    down = _transport(_profile(light_a, 1), _profile(light_b, 1))
    nx = max(1, round(MORPH_PIECES * w / max(w, h)))
    ny = max(1, round(MORPH_PIECES * h / max(w, h)))

    def warp(image: Image.Image, t: float, sign: float, pieces: tuple[int, int]) -> Image.Image:
        width, height = image.size
        return _stretch(image, _sampling(across, t, sign, width, pieces[0]),
                        _sampling(down, t, sign, height, pieces[1]))

    dissolve = p * p * (3 - 2 * p)
    bend = max(0.0, 1.0 - ((p - 0.5) / MORPH_SOFT_SPAN) ** 2) ** 2    # a bump, 1 at p = 0.5
    soft = _weight(MORPH_SOFT * bend)

    def softened() -> np.ndarray:
        """The same morph at 1/MORPH_REDUCE size, blurred and enlarged."""
        small = _mix(np.asarray(warp(small_a, p, 1.0, (nx, ny))),
                     np.asarray(warp(small_b, 1.0 - p, -1.0, (nx, ny))), dissolve)
        blurred = Image.fromarray(small).filter(ImageFilter.GaussianBlur(3.0 * bend))
        return np.asarray(blurred.resize((w, h), Image.Resampling.BILINEAR))

    jobs = [lambda: np.asarray(warp(image_a, p, 1.0, (nx, ny))),
            lambda: np.asarray(warp(image_b, 1.0 - p, -1.0, (nx, ny)))]
    if soft:
        jobs.append(softened)
    pictures = list(_pool().map(lambda job: job(), jobs))   # Pillow's resizes free the GIL
    if not soft:
        return _mix(pictures[0], pictures[1], dissolve)
    # In 8.8 fixed point: (1 - soft) of the dissolve, soft of the softened copy.
    share_b = round(dissolve * (256 - soft))
    out = np.multiply(pictures[0], 256 - soft - share_b, dtype=np.uint16)
    part = np.empty_like(out)
    for picture, share in ((pictures[1], share_b), (pictures[2], soft)):
        np.multiply(picture, share, out=part, dtype=np.uint16)
        out += part
    out += 128
    out >>= 8
    return out.astype(np.uint8)


def _profile(small: np.ndarray, axis: int) -> np.ndarray:
    """The mean brightness (0..1) of each column (axis 0) or row (axis 1), smoothed."""
    light = small.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
    profile = light.mean(axis=axis)
    width = max(1, len(profile) // 24)             # a box ~4% of the side, three times
    for _ in range(3):
        padded = np.concatenate([np.full(width, profile[0]), profile, np.full(width, profile[-1])])
        sums = np.concatenate([[0.0], np.cumsum(padded)])
        profile = (sums[2 * width + 1:] - sums[:-2 * width - 1])[:len(profile)] / (2 * width + 1)
    return profile


def _transport(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The monotone map of 0..1 that carries the `source` profile's weight onto `target`'s.

    Returns (grid, image): positions and where each goes, both increasing from 0 to 1.
    """
    def cumulative(profile: np.ndarray) -> np.ndarray:
        profile = profile - profile.min()        # the contrast along the axis, not the level
        weight = profile / max(float(profile.sum()), 1e-9)
        weight = MORPH_PULL * weight + (1.0 - MORPH_PULL) / len(profile)
        return np.concatenate([[0.0], np.cumsum(weight)])

    ca, cb = cumulative(source), cumulative(target)
    ca[-1] = cb[-1] = 1.0
    grid = np.linspace(0.0, 1.0, len(source) + 1)
    return grid, np.interp(ca, cb, grid)


def _sampling(to_b: tuple[np.ndarray, np.ndarray], t: float, sign: float, size: int,
              pieces: int) -> np.ndarray:
    """Where to sample a picture `size` pixels long at the output's piece edges when its
    content has moved `t` of the way along the map (sign 1: a toward b's layout; -1: b
    arriving from a's)."""
    grid, image = to_b                      # a's content at grid[k] matches b's at image[k]
    if sign > 0:
        start, end = grid, image            # a's content leaves grid for image
    else:
        start, end = image, grid            # b's content arrives at image from grid
    moved = start + t * (end - start)       # content at `start` shows at `moved` (increasing)
    edges = np.array(_cuts(size, pieces), dtype=np.float64) / size
    return np.interp(edges, moved, start) * size


def _cuts(size: int, pieces: int) -> list[int]:
    """The whole-pixel edges of `pieces` near-equal pieces across `size` pixels."""
    return [size * i // pieces for i in range(pieces + 1)]


def _stretch(image: Image.Image, xsource: np.ndarray, ysource: np.ndarray) -> Image.Image:
    """`image` warped piecewise linearly, columns then rows: output piece edge i along x
    shows the picture at xsource[i] (likewise y); bilinear, from Pillow resizes of strips."""
    w, h = image.size
    xs, ys = _cuts(w, len(xsource) - 1), _cuts(h, len(ysource) - 1)
    # Pillow wants boxes inside the picture and not empty.
    xsource = np.clip(xsource, 0.0, w)
    ysource = np.clip(ysource, 0.0, h)
    if np.abs(xsource - xs).max() < 1e-3:           # columns stay put: no pass along x
        columns = image
        xs = []
    else:
        columns = Image.new("RGB", (w, h), None)    # not cleared: every strip is pasted
    for i in range(len(xs) - 1):
        if xs[i + 1] > xs[i]:
            x0 = min(float(xsource[i]), w - 1e-3)
            box = (x0, 0.0, min(float(w), max(float(xsource[i + 1]), x0 + 1e-3)), float(h))
            columns.paste(image.resize((xs[i + 1] - xs[i], h), Image.Resampling.BILINEAR, box=box),
                          (xs[i], 0))
    if np.abs(ysource - ys).max() < 1e-3:
        return columns
    out = Image.new("RGB", (w, h), None)
    for j in range(len(ys) - 1):
        if ys[j + 1] > ys[j]:
            y0 = min(float(ysource[j]), h - 1e-3)
            box = (0.0, y0, float(w), min(float(h), max(float(ysource[j + 1]), y0 + 1e-3)))
            out.paste(columns.resize((w, ys[j + 1] - ys[j]), Image.Resampling.BILINEAR, box=box),
                      (0, ys[j]))
    return out


# --------------------------------------------------------------------------- captions

CAPTION_SHADE = 96   # the band keeps CAPTION_SHADE/256 of the picture's brightness


@lru_cache(maxsize=16)
def _font(size: int):
    return ImageFont.load_default(size=size)


def caption(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """`frame` with `lines` of text at the bottom left, on a translucent dark band.

    The font size follows the frame height; lines too wide for the frame end in
    "…". Returns a new array (the input is not changed); no lines, no change.
    """
    lines = [part for line in lines for part in str(line).splitlines()]
    if not lines:
        return frame
    h, w = frame.shape[:2]
    size = max(11, round(h * 0.032))
    font = _font(size)
    pad = max(3, size // 3)
    step = round(size * 1.25)
    room = max(1, w - 4 * pad)
    lines = [_fit(font, line, room) for line in lines]
    text_w = max(math.ceil(font.getlength(line)) for line in lines)
    box_w = min(w, text_w + 2 * pad)
    box_h = min(h, step * len(lines) + 2 * pad)
    x0, y1 = min(pad, w - box_w), h - min(pad, h - box_h)
    x1, y0 = x0 + box_w, y1 - box_h
    out = np.array(frame, dtype=np.uint8, copy=True)
    band = out[y0:y1, x0:x1].astype(np.uint16)
    band *= CAPTION_SHADE
    band >>= 8
    image = Image.fromarray(band.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    top = pad + (step - size) // 2
    for i, line in enumerate(lines):
        draw.text((pad, top + i * step), line, font=font, fill=(240, 240, 240))
    out[y0:y1, x0:x1] = np.asarray(image)
    return out


def _fit(font, line: str, room: int) -> str:
    """`line`, cut and ended with "…" if it is wider than `room` pixels."""
    if font.getlength(line) <= room:
        return line
    lo, hi = 0, len(line)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if font.getlength(line[:mid].rstrip() + "…") <= room:
            lo = mid
        else:
            hi = mid - 1
    return line[:lo].rstrip() + "…"
