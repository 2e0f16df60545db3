"""The infinite zoom: nested pictures, each found at the centre of the next.

A zoom through N pictures is made of *levels*: levels[0] is the innermost
picture and levels[k + 1] holds levels[k], shrunk by `scale`, at its exact
centre. `outpaint` makes level k + 1 from level k and a fresh painting of the
next prompt, feathering the two together so the inner picture continues
outward with no seam; `ZoomRenderer` flies the camera through the stack.

Both are pure functions of their pixels: no randomness, no state between
frames. Pictures are HxWx3 uint8 RGB numpy arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image

from mvlang.media.render import _pool

__all__ = ["ZoomRenderer", "outpaint"]

FEATHER = 0.12       # default feather, a fraction of the inner box's shorter side
CORE_RAMP = 0.05     # a pasted level's mask rises over this much inside its core (feather units)
DETAIL_FADE = 0.25   # a finer level fades in as the coarser one goes from 1x to 1.25x magnified
EDGE_SPEED = 8.0     # how fast the ramp at level 0's edge widens during its hand-over
_EPS = 1e-9


def _picture(array, what: str) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"{what}: expected an HxWx3 uint8 picture, got {array.shape} {array.dtype}")
    if array.shape[0] < 2 or array.shape[1] < 2:
        raise ValueError(f"{what}: a {array.shape[1]}x{array.shape[0]} picture is too small")
    return np.ascontiguousarray(array)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _inside(first: int, count: int, lo: float, hi: float) -> np.ndarray:
    """Distance of the pixel centres first .. first + count - 1 to the nearer of lo and hi."""
    centres = np.arange(first, first + count, dtype=np.float64) + 0.5
    return np.minimum(centres - lo, hi - centres)


def _span(lo: float, hi: float, size: int) -> tuple[int, int]:
    """The pixels (first, end) of 0 .. size whose centres lie strictly between lo and hi."""
    first = max(0, math.floor(lo - 0.5) + 1)
    end = min(size, math.ceil(hi - 0.5))
    return first, max(first, end)


def _padded(image: Image.Image, margin: int) -> Image.Image:
    """`image` with `margin` pixels of its edge repeated all round (for resizes that overhang)."""
    array = np.pad(np.asarray(image), ((margin, margin), (margin, margin), (0, 0)), mode="edge")
    return Image.fromarray(array)


def _blend(dst: np.ndarray, src: np.ndarray, weight: np.ndarray) -> None:
    """dst = dst * (1 - weight) + src * weight in place, in 8.8 fixed point (weight is 0..1)."""
    k = np.rint(weight * 256.0).astype(np.uint16)[:, :, None]
    out = dst.astype(np.uint16)
    out *= 256 - k
    top = src.astype(np.uint16)
    top *= k
    out += top
    out += 128
    out >>= 8
    dst[...] = out


# --------------------------------------------------------------------------- outpaint

def surround(inner: np.ndarray, painting: np.ndarray, scale: float, reach: float = 0.6,
             seed: int = 0) -> np.ndarray:
    """The preview's outpainting: `painting` (a fresh picture of the next level)
    with its surroundings of the centre box made to continue the inner picture.

    The inner picture, shrunk by `scale` to the centre box, is extended outward
    by repeating its border colours, blurred into soft light and shapes, and
    laid over the painting with a weight that is 1 at the box's edge and fades
    to 0 at `reach` box-widths out (smoothstep), so the colours that meet the
    feathered edge of the inner picture are its own and turn gradually into
    the new scene. A diffusion backend paints this ring for real."""
    inner = _picture(inner, "surround inner")
    painting = _picture(painting, "surround painting")
    h, w = painting.shape[:2]
    bw, bh = max(2, round(w / scale)), max(2, round(h / scale))
    small = np.asarray(Image.fromarray(inner).resize((bw, bh), Image.Resampling.BILINEAR))
    left, top = (w - bw) // 2, (h - bh) // 2
    extended = np.pad(small, ((top, h - bh - top), (left, w - bw - left), (0, 0)), mode="edge")
    # a cheap wide blur: down to a few dozen pixels and back up
    tiny = Image.fromarray(extended).resize((max(4, w // 24), max(4, h // 24)),
                                            Image.Resampling.BOX)
    soft = np.asarray(tiny.resize((w, h), Image.Resampling.BICUBIC)).astype(np.float32)
    ys = np.abs(np.arange(h, dtype=np.float32) + 0.5 - h / 2) - bh / 2
    xs = np.abs(np.arange(w, dtype=np.float32) + 0.5 - w / 2) - bw / 2
    distance = np.sqrt(np.maximum(xs[None, :], 0) ** 2 + np.maximum(ys[:, None], 0) ** 2)
    x = np.clip(1.0 - distance / (reach * min(bw, bh)), 0.0, 1.0)
    weight = (x * x * (3 - 2 * x))[..., None]
    out = painting.astype(np.float32) * (1 - weight) + soft * weight
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def outpaint(inner: np.ndarray, outer: np.ndarray, scale: float,
             feather: float = FEATHER) -> np.ndarray:
    """`outer` with `inner`, shrunk by `scale`, feathered in at its exact centre.

    `outer` (HxWx3 uint8) is a fresh painting of the next level's prompt, the
    same size as `inner`. `inner` shrunk by `scale` (2.0: half the width and
    height; Lanczos) is placed at the exact centre, sub-pixel where the box
    does not fall on whole pixels, and blended through a feathered mask: over a
    band `feather` times the shrunk box's shorter side wide, just inside the
    box's border, the inner picture fades (smoothstep) into the outer one, so
    the inner picture continues outward with no visible seam. Inside the band
    the result is exactly the shrunk inner picture; outside the box it is
    exactly `outer`.
    """
    inner = _picture(inner, "outpaint inner")
    outer = _picture(outer, "outpaint outer")
    if inner.shape != outer.shape:
        raise ValueError(f"outpaint: inner {inner.shape} and outer {outer.shape} differ in size")
    scale = float(scale)
    if not math.isfinite(scale) or scale < 1.0:
        raise ValueError(f"outpaint: the scale must be at least 1, got {scale}")
    feather = float(feather)
    if not 0.0 <= feather <= 0.5:
        raise ValueError(f"outpaint: the feather must be within 0 .. 0.5, got {feather}")
    h, w = inner.shape[:2]
    bw, bh = w / scale, h / scale
    x0, y0 = (w - bw) / 2, (h - bh) / 2
    ix0, ix1 = _span(x0, x0 + bw, w)
    iy0, iy1 = _span(y0, y0 + bh, h)
    result = outer.copy()
    if ix1 <= ix0 or iy1 <= iy0:
        return result
    margin = math.ceil(3 * scale) + 2     # the Lanczos window at the border
    source = _padded(Image.fromarray(inner), margin)
    box = (margin + (ix0 - x0) * scale, margin + (iy0 - y0) * scale,
           margin + (ix1 - x0) * scale, margin + (iy1 - y0) * scale)
    shrunk = np.asarray(source.resize((ix1 - ix0, iy1 - iy0), Image.Resampling.LANCZOS, box=box))
    band = feather * min(bw, bh)
    if band <= 0:
        result[iy0:iy1, ix0:ix1] = shrunk
        return result
    mx = _smoothstep(_inside(ix0, ix1 - ix0, x0, x0 + bw) / band)
    my = _smoothstep(_inside(iy0, iy1 - iy0, y0, y0 + bh) / band)
    mask = my[:, None] * mx[None, :]
    region = result[iy0:iy1, ix0:ix1].astype(np.float32)
    m = mask.astype(np.float32)[:, :, None]
    region = region * (1.0 - m) + shrunk.astype(np.float32) * m
    result[iy0:iy1, ix0:ix1] = np.clip(np.rint(region), 0, 255).astype(np.uint8)
    return result


# --------------------------------------------------------------------------- the renderer

class _Level:
    """One level, with a copy padded by repeating its edge pixels (for resizes that overhang)."""

    MARGIN = 4

    def __init__(self, array: np.ndarray):
        self.image = Image.fromarray(array)
        self.padded = _padded(self.image, self.MARGIN)
        self.width, self.height = self.image.size

    def sample(self, box: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
        """The region `box` (x0, y0, x1, y1) of the level, in its own pixels, resized to `size`.

        Bilinear (Pillow widens the filter for a downscale, so nothing
        aliases). The region may overhang the picture by up to MARGIN pixels;
        edge pixels repeat there.
        """
        x0, y0, x1, y1 = box
        image = self.image
        if x0 < -_EPS or y0 < -_EPS or x1 > self.width + _EPS or y1 > self.height + _EPS:
            m = self.MARGIN
            image = self.padded
            x0, y0, x1, y1 = x0 + m, y0 + m, x1 + m, y1 + m
        box = (min(max(0.0, x0), image.width), min(max(0.0, y0), image.height),
               min(max(0.0, x1), image.width), min(max(0.0, y1), image.height))
        return np.asarray(image.resize(size, Image.Resampling.BILINEAR, box=box))


def _sample(level: _Level, box, size) -> np.ndarray:
    return level.sample(box, size)


class ZoomRenderer:
    """Frames of an infinite zoom OUT through nested pictures.

    levels[0] is the innermost picture; levels[k + 1] contains levels[k]
    shrunk by `scale` at its exact centre (as `outpaint` makes it, with the
    same `feather`). All levels are the same size, at least the output's and
    of the same aspect. `frame(u)` for u in [0, 1]: at u = 0 levels[0] fills
    the frame, zoomed by `start_zoom` (a camera zoom factor >= 1, closer); at
    u = 1 levels[-1] fills it, zoomed by `end_zoom`.

    The magnification follows a geometric schedule, so the apparent speed is
    constant: total = scale ** (len(levels) - 1) * start_zoom / end_zoom and
    magnification(u) = total ** (1 - u), relative to the outermost level at
    end_zoom.

    A zoom IN is the same renderer played backwards: frame(1 - u).

    The levels make one picture: each level k shows in its *core* (its box
    less the outpaint feather, where level k + 1 holds it unblended), and the
    coarser level shows everywhere else, so the feathered blend of two
    paintings is always the one outpaint made, wherever the camera is. Each
    frame is drawn from the finest level whose core holds the whole view
    (cropped and resized), with every finer level inside the view pasted on
    top at its true place and size through a mask that is 0 across the
    feather and rises to 1 just inside the core. Inside the core the coarser
    level holds the same picture at 1/scale size, so the mask changes only
    sharpness, never content: the centre always comes from the sharpest
    picture, nothing blurs, and a level switch (which happens where the two
    ways of drawing agree) is invisible. A finer level is left out where it
    would add no detail (where the coarser copy of it is shown at one output
    pixel per pixel or smaller; it fades in between 1x and 1.25x), so frame(1)
    is levels[-1] resized, exactly.

    levels[0] alone is shown whole at the start (so frame(0) is levels[0]
    resized), its feather band included; over the first factor of `scale`
    the view widens by, its band is handed over to the coarser levels (a
    dissolve in the band, with a ramp at its very edge that widens fast as
    the edge comes into view, so the edge is never a hard line).

    Each frame is a few crops and bilinear resizes (Pillow, on two threads)
    and a masked blend in 8.8 fixed point, about 10-20 ms at 1280x720.
    """

    def __init__(self, levels: Sequence[np.ndarray], scale: float, width: int, height: int,
                 start_zoom: float = 1.0, end_zoom: float = 1.0, feather: float = FEATHER):
        levels = [_picture(level, f"zoom level {i}") for i, level in enumerate(levels)]
        if not levels:
            raise ValueError("a zoom needs at least one picture")
        self.width, self.height = int(width), int(height)
        if self.width < 1 or self.height < 1:
            raise ValueError(f"cannot render a {self.width}x{self.height} zoom")
        shape = levels[0].shape
        for i, level in enumerate(levels):
            if level.shape != shape:
                raise ValueError(f"zoom level {i} is {level.shape[1]}x{level.shape[0]}, "
                                 f"level 0 is {shape[1]}x{shape[0]}")
        lh, lw = shape[:2]
        if abs(lw / lh - self.width / self.height) > 0.01 * (self.width / self.height):
            raise ValueError(f"zoom levels ({lw}x{lh}) and output ({self.width}x{self.height}) "
                             "differ in aspect")
        self.scale = float(scale)
        if not math.isfinite(self.scale) or self.scale <= 1.0:
            raise ValueError(f"the zoom scale must be more than 1, got {scale}")
        self.start_zoom, self.end_zoom = float(start_zoom), float(end_zoom)
        if not (math.isfinite(self.start_zoom) and math.isfinite(self.end_zoom)) \
                or self.start_zoom < 1.0 or self.end_zoom < 1.0:
            raise ValueError("the zoom's start and end zooms must be at least 1")
        self.feather = float(feather)
        if not 0.0 <= self.feather <= 0.5:
            raise ValueError(f"the feather must be within 0 .. 0.5, got {feather}")
        self.total = self.scale ** (len(levels) - 1) * self.start_zoom / self.end_zoom
        self._lw, self._lh = lw, lh
        self._unit = float(min(lw, lh))      # the feather's unit, in level pixels
        self._levels = [_Level(level) for level in levels]
        # A level's core, where the coarser levels hold it unblended and the
        # detail ramp is done, is this share of its box (on the shorter side).
        self._core = 1.0 - 2.0 * (self.feather + CORE_RAMP)
        self._log_start = math.log(self.magnification(0.0))

    def magnification(self, u: float) -> float:
        """How much the outermost level (at end_zoom 1) is magnified at u."""
        u = min(1.0, max(0.0, float(u)))
        return self.end_zoom * self.total ** (1.0 - u)

    def frame(self, u: float) -> np.ndarray:
        """The frame at u (0..1) through the zoom out, HxWx3 uint8."""
        w, h = self.width, self.height
        n = len(self._levels)
        log_s = math.log(self.scale)
        log_zoom = math.log(self.magnification(u))
        # ratio[j]: the view's size over level j's box (level j fills the view at 1).
        ratio = [math.exp((n - 1 - j) * log_s - log_zoom) for j in range(n)]
        # detail[j]: how much level j adds over level j + 1, whose copy of it is
        # shown at `coarse` output pixels per pixel (1 or less: nothing to add).
        detail = []
        for j in range(n):
            coarse = self.scale * w / (ratio[j] * self._lw)
            detail.append(min(1.0, max(0.0, (coarse - 1.0) / DETAIL_FADE)) if j < n - 1 else 1.0)
        # The base: the finest level whose core (the part the coarser levels hold
        # unblended) holds the whole view and that is sharp enough on its own.
        base = next(j for j in range(n)
                    if j == n - 1 or (ratio[j] <= self._core + _EPS and detail[j] >= 1.0))
        # Level 0 shows whole at the start and hands its feather band over to the
        # coarser levels during the first factor of `scale` the view grows by.
        handover = min(1.0, max(0.0, 1.0 - (self._log_start - log_zoom) / log_s))
        r = min(1.0, ratio[base])
        hw, hh = self._lw * r / 2, self._lh * r / 2
        cx, cy = self._lw / 2, self._lh / 2
        jobs = [(self._levels[base], (cx - hw, cy - hh, cx + hw, cy + hh), (w, h))]
        pastes = []
        for j in range(base - 1, -1, -1):
            beta = handover if j == 0 else 0.0
            if beta <= 0.0 and detail[j] <= 0.0:
                if handover <= 0.0:
                    break       # finer levels add even less
                continue
            paste = self._placement(j, beta, detail[j], w / ratio[j], h / ratio[j])
            if paste is None:
                break
            pastes.append(paste)
            jobs.append((self._levels[j], paste["source"], paste["size"]))
        if len(jobs) == 1:
            pictures = [_sample(*jobs[0])]
        else:   # Pillow lets go of the GIL while it resizes
            pictures = list(_pool().map(lambda job: _sample(*job), jobs))
        out = np.array(pictures[0])
        for paste, top in zip(pastes, pictures[1:]):
            self._composite(out, top, paste)
        return out

    def _placement(self, j: int, beta: float, delta: float, bw: float, bh: float):
        """Where level j goes on screen (a box bw x bh at the centre) and what to sample of it."""
        w, h = self.width, self.height
        if bw < 2 or bh < 2:
            return None
        x0, y0 = (w - bw) / 2, (h - bh) / 2
        ix0, ix1 = _span(x0, x0 + bw, w)
        iy0, iy1 = _span(y0, y0 + bh, h)
        if ix1 <= ix0 or iy1 <= iy0:
            return None
        px, py = self._lw / bw, self._lh / bh      # level pixels per output pixel
        # Distance of each column / row inside the box, in feather units (the level's shorter side).
        dx = _inside(ix0, ix1 - ix0, x0, x0 + bw) * px / self._unit
        dy = _inside(iy0, iy1 - iy0, y0, y0 + bh) * py / self._unit
        return {"j": j, "beta": beta, "delta": delta, "dx": dx, "dy": dy,
                "region": (ix0, iy0, ix1, iy1), "size": (ix1 - ix0, iy1 - iy0),
                "source": ((ix0 - x0) * px, (iy0 - y0) * py, (ix1 - x0) * px, (iy1 - y0) * py)}

    def _composite(self, out: np.ndarray, top: np.ndarray, paste: dict) -> None:
        """Blend `top` over its region of `out` through the level's mask.

        The mask is max(delta * core(x) * core(y), beta * edge(x) * edge(y)):
        `core` is 0 across the outpaint feather and ramps to 1 inside it (the
        same content, sharper); `edge` is the hand-over, 1 up to the box's
        border when beta is 1, narrowing to 0 over the band as beta falls.
        Where the mask is 1 (a rectangle) the level is copied.
        """
        f, beta, delta = self.feather, paste["beta"], paste["delta"]
        dx, dy = paste["dx"], paste["dy"]
        profiles = []
        if delta > 0.0:
            profiles.append((delta, _smoothstep((dx - f) / CORE_RAMP), _smoothstep((dy - f) / CORE_RAMP)))
        if beta > 0.0:
            width = f * min(1.0, EDGE_SPEED * (1.0 - beta))
            if width <= 0.0:
                ex, ey = (dx > 0).astype(np.float64), (dy > 0).astype(np.float64)
            else:
                ex, ey = _smoothstep(dx / width), _smoothstep(dy / width)
            profiles.append((beta, ex, ey))
        ix0, iy0, ix1, iy1 = paste["region"]
        region = out[iy0:iy1, ix0:ix1]
        # The rectangle where one of the terms is 1: columns and rows where its profile is 1.
        inner = (0, 0, 0, 0)
        for weight, px, py in profiles:
            if weight >= 1.0:
                cols, rows = np.flatnonzero(px >= 1.0), np.flatnonzero(py >= 1.0)
                if cols.size and rows.size:
                    candidate = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
                    area = (candidate[2] - candidate[0]) * (candidate[3] - candidate[1])
                    if area > (inner[2] - inner[0]) * (inner[3] - inner[1]):
                        inner = candidate
        c0, r0, c1, r1 = inner
        region[r0:r1, c0:c1] = top[r0:r1, c0:c1]
        height, width_ = region.shape[:2]
        strips = ((slice(0, r0), slice(0, width_)), (slice(r1, height), slice(0, width_)),
                  (slice(r0, r1), slice(0, c0)), (slice(r0, r1), slice(c1, width_)))
        if r1 <= r0:
            strips = ((slice(0, height), slice(0, width_)),)
        for rows, cols in strips:
            if rows.stop <= rows.start or cols.stop <= cols.start:
                continue
            mask = None
            for weight, px, py in profiles:
                term = (weight * py[rows])[:, None] * px[cols][None, :]
                mask = term if mask is None else np.maximum(mask, term)
            _blend(region[rows, cols], top[rows, cols], mask)
