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
from PIL import Image, ImageDraw, ImageFont

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

    def pose(self, t) -> tuple[np.ndarray, ...]:
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
        if self.shake:
            # (len(t), axis, partial) -> (len(t), axis); each axis stays within [-1, 1].
            wiggle = (self._amp * np.sin(2 * np.pi * self._freq * t[:, None, None]
                                         + self._phase)).sum(-1)
            sx = wiggle[:, 0] * self.shake / 2 * self.width / zoom   # screen units at any zoom
            sy = wiggle[:, 1] * self.shake / 2 * self.height / zoom
            angle = angle + wiggle[:, 2] * SHAKE_TURN * self.shake
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
                 seed: int, seconds: float | None = None):
        self.width, self.height = int(width), int(height)
        self.moves = tuple(moves)
        image = _image(still)
        self._still: np.ndarray | None = None
        if not self.moves:
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

    def frame(self, progress: float) -> np.ndarray:
        """The output frame at `progress` (0..1) through the shot."""
        if self._still is not None:
            return self._still
        w, h = self.width, self.height
        zoom, cx, cy, angle, sx, sy = (float(v[0]) for v in self._path.pose(progress))
        cw, ch = self._canvas
        ox, oy = cw / 2 + cx + sx, ch / 2 + cy + sy       # the view's centre on the canvas
        image = self._levels[self._level(max(self._sx, self._sy) / zoom)]
        fx = self._sx * image.width / self._levels[0].width    # level pixels per canvas pixel
        fy = self._sy * image.height / self._levels[0].height
        if not self._turns:
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
