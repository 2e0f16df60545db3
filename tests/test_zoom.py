"""The infinite zoom (outpaint, ZoomRenderer) and the whip and morph transitions, on pixels.

Pictures come from the preview painter, so they have real edges and texture;
frames are small (320x180) to keep the suite quick.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PIL import Image

from mvlang.backends.preview.painter import paint
from mvlang.media.render import transition_frame
from mvlang.media.zoom import ZoomRenderer, outpaint

W, H = 320, 180
PROMPTS = ("a couple at their wedding", "a family picnic", "a city skyline", "the planet from space")


def resized(picture: np.ndarray, size=(W, H), box=None, resample=Image.Resampling.BILINEAR):
    return np.asarray(Image.fromarray(picture).resize(size, resample, box=box))


def diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.abs(x.astype(np.int16) - y.astype(np.int16))


@pytest.fixture(scope="module")
def levels() -> list[np.ndarray]:
    """Four nested levels at twice the output size, scale 2."""
    size = (2 * W, 2 * H)
    stack = [paint(PROMPTS[0], 7, *size)]
    for prompt in PROMPTS[1:]:
        stack.append(outpaint(stack[-1], paint(prompt, 7, *size), 2.0))
    return stack


@pytest.fixture(scope="module")
def frames(levels) -> list[np.ndarray]:
    zoom = ZoomRenderer(levels, 2.0, W, H)
    return [zoom.frame(i / 95) for i in range(96)]


# ------------------------------------------------------------------ outpaint

def test_outpaint_centre_is_the_shrunk_inner_and_outside_is_the_outer():
    inner, outer = paint(PROMPTS[0], 1, W, H), paint(PROMPTS[1], 1, W, H)
    feather = 0.12
    result = outpaint(inner, outer, 2.0, feather)
    shrunk = resized(inner, (W // 2, H // 2), resample=Image.Resampling.LANCZOS)
    band = math.ceil(feather * H / 2)                  # the feather, in pixels of the box
    x0, y0 = W // 4, H // 4                            # the box: (80, 45) .. (240, 135)
    core = result[y0 + band:y0 + H // 2 - band, x0 + band:x0 + W // 2 - band]
    assert np.array_equal(core, shrunk[band:-band, band:-band])
    outside = np.ones((H, W), bool)
    outside[y0:y0 + H // 2, x0:x0 + W // 2] = False
    assert np.array_equal(result[outside], outer[outside])
    # The band blends the two: every pixel lies between them, and the inner
    # picture's share grows from the box's edge inward.
    rows = slice(y0 + band, y0 + H // 2 - band)
    seam = result[rows, x0:x0 + band].astype(int)
    out_part = outer[rows, x0:x0 + band].astype(int)
    in_part = shrunk[band:-band, :band].astype(int)
    assert np.all(seam >= np.minimum(out_part, in_part) - 1)
    assert np.all(seam <= np.maximum(out_part, in_part) + 1)
    share = np.abs(seam - out_part).sum(axis=(0, 2)) / np.maximum(1, np.abs(in_part - out_part).sum(axis=(0, 2)))
    assert share[0] < 0.05 and share[-1] > 0.95
    assert np.all(np.diff(share) > -0.02)


def test_outpaint_places_the_inner_at_the_exact_centre():
    # A box that does not fall on whole pixels (scale 3 of 320x180): with flat
    # pictures the result must be symmetric about the centre.
    inner = np.full((H, W, 3), 200, np.uint8)
    outer = np.full((H, W, 3), 20, np.uint8)
    result = outpaint(inner, outer, 3.0).astype(int)
    assert np.abs(result - result[::-1]).max() <= 1
    assert np.abs(result - result[:, ::-1]).max() <= 1
    assert result[H // 2, W // 2, 0] == 200 and result[0, 0, 0] == 20
    lit = np.flatnonzero(result[H // 2, :, 0] > 20)
    assert abs((lit[0] + lit[-1] + 1) / 2 - W / 2) <= 0.5           # centred
    assert abs((lit[-1] + 1 - lit[0]) - W / 3) <= 2                 # a third of the width


def test_outpaint_rejects_bad_input():
    a = np.zeros((H, W, 3), np.uint8)
    with pytest.raises(ValueError):
        outpaint(a, np.zeros((H, W + 2, 3), np.uint8), 2.0)
    with pytest.raises(ValueError):
        outpaint(a, a, 0.5)
    with pytest.raises(ValueError):
        outpaint(a, a, 2.0, feather=0.9)


# ------------------------------------------------------------------ the zoom renderer

def test_zoom_has_no_jumps(frames):
    steps = np.array([diff(frames[i], frames[i + 1]).mean() for i in range(len(frames) - 1)])
    ratio = steps.max() / np.median(steps)
    print(f"\nconsecutive mean abs diff: median {np.median(steps):.2f}, max {steps.max():.2f} "
          f"(x{ratio:.2f} the median, at step {int(steps.argmax())})")
    assert ratio <= 3.0
    assert steps.min() > 0.1            # it moves all the way


def zoom_between(near: np.ndarray, far: np.ndarray) -> float:
    """The factor z by which `far` shows more than `near`: near's central crop (60%)
    best matches far's central crop 1/z as large, resized (least squares on
    brightness). A grid search, a finer one, then a parabola through the best three."""
    grey = np.array([0.299, 0.587, 0.114], np.float32)
    g0 = near.astype(np.float32) @ grey
    g1 = Image.fromarray(far.astype(np.float32) @ grey, mode="F")
    cw, ch = int(W * 0.6) // 2 * 2, int(H * 0.6) // 2 * 2
    target = g0[(H - ch) // 2:(H + ch) // 2, (W - cw) // 2:(W + cw) // 2]

    def error(z: float) -> float:
        hw, hh = cw / (2 * z), ch / (2 * z)
        box = (W / 2 - hw, H / 2 - hh, W / 2 + hw, H / 2 + hh)
        error = np.asarray(g1.resize((cw, ch), Image.Resampling.BILINEAR, box=box)) - target
        return float((error * error).mean())

    best = min(np.arange(1.0, 1.08, 0.002), key=error)
    fine = np.arange(best - 0.002, best + 0.002, 0.0001)
    errors = [error(z) for z in fine]
    i = int(np.argmin(errors))
    if 0 < i < len(fine) - 1:             # a parabola through the best three
        a, b, c = errors[i - 1:i + 2]
        if a - 2 * b + c > 0:
            return float(fine[i] + 0.0001 * (a - c) / (2 * (a - 2 * b + c)))
    return float(fine[i])


def test_zoom_speed_is_constant(frames):
    factors = np.array([zoom_between(frames[i], frames[i + 1]) for i in range(len(frames) - 1)])
    rates = np.log(factors)
    expected = math.log(2.0 ** 3) / 95
    print(f"\nper-frame zoom: expected {math.exp(expected):.5f}, measured {factors.min():.5f} .. "
          f"{factors.max():.5f} (max/min of the log rate {rates.max() / rates.min():.3f})")
    assert rates.max() / rates.min() < 1.10
    assert abs(np.median(rates) / expected - 1) < 0.05


def test_zoom_ends_are_the_end_pictures(levels, frames):
    assert diff(frames[0], resized(levels[0])).max() <= 1
    assert diff(frames[-1], resized(levels[-1])).max() <= 1


def test_zoom_honours_start_and_end_zoom(levels):
    zoom = ZoomRenderer(levels, 2.0, W, H, start_zoom=1.5, end_zoom=1.25)
    lw, lh = 2 * W, 2 * H

    def crop(picture, z):
        hw, hh = lw / (2 * z), lh / (2 * z)
        return resized(picture, box=(lw / 2 - hw, lh / 2 - hh, lw / 2 + hw, lh / 2 + hh))

    assert diff(zoom.frame(0.0), crop(levels[0], 1.5)).max() <= 1
    assert diff(zoom.frame(1.0), crop(levels[-1], 1.25)).max() <= 1
    assert zoom.magnification(0.0) == pytest.approx(8 * 1.5)
    assert zoom.magnification(1.0) == pytest.approx(1.25)
    assert zoom.magnification(0.5) == pytest.approx(math.sqrt(8 * 1.5 / 1.25) * 1.25)
    steps = [diff(zoom.frame(i / 47), zoom.frame((i + 1) / 47)).mean() for i in range(47)]
    assert max(steps) <= 3.0 * float(np.median(steps))


@pytest.mark.parametrize("u, tolerance", [(0.15, 0.3), (0.5, 1.0)])
def test_zoom_centre_is_as_sharp_as_the_finest_level(u, tolerance):
    # Levels at the output size, the innermost full of small lit windows; the
    # middle of the innermost level's box, on screen, against that region
    # sampled straight from level 0 (sharp) and from its copy inside the
    # outermost level (1/8 size, upscaled: blurred). At u = 0.15 level 1's copy
    # would be magnified 1.5 times, so level 0 itself must be drawn there; at
    # u = 0.5 level 1's copy is shown below its own size, so it is as sharp as
    # level 0 (levels that add no detail are left out) up to its Lanczos shrink.
    stack = [paint("a city skyline at night", 5, W, H)]
    for prompt in PROMPTS[1:]:
        stack.append(outpaint(stack[-1], paint(prompt, 5, W, H), 2.0))
    zoom = ZoomRenderer(stack, 2.0, W, H)
    z = zoom.magnification(u)
    assert z == pytest.approx(8 ** (1 - u))
    bw, bh = W * z / 8, H * z / 8                  # level 0's box on screen
    x0, x1 = round(W / 2 - 0.3 * bw), round(W / 2 + 0.3 * bw)
    y0, y1 = round(H / 2 - 0.3 * bh), round(H / 2 + 0.3 * bh)

    def direct(k: int) -> np.ndarray:
        """The crop sampled straight from level k."""
        per = 2 ** (3 - k) / z                     # level k pixels per output pixel
        box = (W / 2 + (x0 - W / 2) * per, H / 2 + (y0 - H / 2) * per,
               W / 2 + (x1 - W / 2) * per, H / 2 + (y1 - H / 2) * per)
        return resized(stack[k], (x1 - x0, y1 - y0), box=box)

    centre = zoom.frame(u)[y0:y1, x0:x1]
    from_finest = diff(centre, direct(0)).mean()
    from_outermost = diff(centre, direct(3)).mean()
    print(f"\nu = {u}: centre vs level 0: {from_finest:.2f}; "
          f"vs the outermost level's copy upscaled: {from_outermost:.2f}")
    assert from_finest < tolerance
    assert from_outermost > 3 * tolerance


def test_zoom_frames_are_pure(levels, frames):
    # No state between frames: any order, any renderer, the same pixels (so a
    # zoom in, frame(1 - u), and frames rendered in parallel are all safe).
    zoom = ZoomRenderer(levels, 2.0, W, H)
    for i in (70, 3, 95, 40, 0, 41):
        assert np.array_equal(zoom.frame(i / 95), frames[i])


def test_zoom_rejects_bad_input(levels):
    with pytest.raises(ValueError):
        ZoomRenderer([], 2.0, W, H)
    with pytest.raises(ValueError):
        ZoomRenderer(levels, 1.0, W, H)
    with pytest.raises(ValueError):
        ZoomRenderer(levels, 2.0, W, H, start_zoom=0.5)
    with pytest.raises(ValueError):
        ZoomRenderer(levels, 2.0, 300, 300)                          # another aspect
    with pytest.raises(ValueError):
        ZoomRenderer([levels[0], levels[1][:, :-2]], 2.0, W, H)      # sizes differ


# ------------------------------------------------------------------ whip and morph

A = paint("a city skyline at night", 3, W, H)
B = paint("a beach at sunset with palm trees", 4, W, H)


@pytest.mark.parametrize("kind, arg", [("whip", "left"), ("whip", "right"), ("whip", "up"),
                                       ("whip", "down"), ("morph", None)])
def test_whip_and_morph_ends_and_middle(kind, arg):
    assert np.array_equal(transition_frame(A, B, kind, arg, 0.0), A)
    assert np.array_equal(transition_frame(A, B, kind, arg, 1.0), B)
    # Close to the ends, close to the end pictures (no jump at the ends).
    assert diff(transition_frame(A, B, kind, arg, 0.01), A).mean() < 2.0
    assert diff(transition_frame(A, B, kind, arg, 0.99), B).mean() < 2.0
    for p in (0.3, 0.5, 0.7):
        frame = transition_frame(A, B, kind, arg, p)
        assert frame.shape == A.shape and frame.dtype == np.uint8
        fade = transition_frame(A, B, "crossfade", None, p)
        assert diff(frame, fade).mean() > 5.0, (kind, arg, p)
    assert np.array_equal(transition_frame(A, B, kind, arg, 0.4), transition_frame(A, B, kind, arg, 0.4))


def gradient(picture: np.ndarray, axis: int) -> float:
    return float(np.abs(np.diff(picture.astype(np.float32), axis=axis)).mean())


@pytest.mark.parametrize("direction", ["left", "right", "up", "down"])
def test_whip_blurs_along_its_axis(direction):
    middle = transition_frame(A, B, "whip", direction, 0.5)
    along, across = (1, 0) if direction in ("left", "right") else (0, 1)
    drop_along = gradient(middle, along) / ((gradient(A, along) + gradient(B, along)) / 2)
    drop_across = gradient(middle, across) / ((gradient(A, across) + gradient(B, across)) / 2)
    assert drop_along < 0.35 * drop_across, (drop_along, drop_across)
    # The blur peaks in the middle.
    blur = [gradient(transition_frame(A, B, "whip", direction, p), along) for p in (0.2, 0.35, 0.5)]
    assert blur[0] > blur[1] > blur[2]


@pytest.mark.parametrize("direction, half", [("left", "right"), ("right", "left"),
                                             ("up", "bottom"), ("down", "top")])
def test_whip_direction(direction, half):
    # a (black) leaves toward `direction`; b (white) comes in from the other side.
    black, white = np.zeros_like(A), np.full_like(A, 255)
    frame = transition_frame(black, white, "whip", direction, 0.4).astype(float)
    parts = {"left": frame[:, :W // 2], "right": frame[:, W // 2:],
             "top": frame[:H // 2], "bottom": frame[H // 2:]}
    other = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}[half]
    assert parts[half].mean() > parts[other].mean() + 20


def test_whip_needs_a_direction():
    with pytest.raises(ValueError):
        transition_frame(A, B, "whip", None, 0.5)
    with pytest.raises(ValueError):
        transition_frame(A, B, "whip", "sideways", 0.5)


def test_morph_carries_the_light_across():
    # A bright band near the top of a and near the bottom of b: a crossfade shows
    # two half-bright bands; the morph moves the light through the middle.
    a = np.full((H, W, 3), 30, np.uint8)
    b = a.copy()
    a[20:40] = 230
    b[140:160] = 230
    middle = transition_frame(a, b, "morph", None, 0.5).astype(float).mean(axis=(1, 2))
    fade = transition_frame(a, b, "crossfade", None, 0.5).astype(float).mean(axis=(1, 2))
    centre = slice(70, 110)
    assert middle[centre].max() > fade[centre].max() + 40
    assert middle[20:40].mean() < fade[20:40].mean() - 20
    rows = np.arange(H)
    centroids = []
    for p in (0.1, 0.3, 0.5, 0.7, 0.9):
        light = transition_frame(a, b, "morph", None, p).astype(float).mean(axis=(1, 2)) - 30
        centroids.append(float((rows * light).sum() / light.sum()))
    assert all(x < y for x, y in itertools.pairwise(centroids)), centroids   # the light travels down
