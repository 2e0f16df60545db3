"""The preview painter: deterministic, word-driven naive paintings."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mvlang.backends.preview.painter import Figure, analyse, paint

W, H = 320, 180

MIA_DESC = ("Mia, with striking pale blue eyes, auburn hair (5 years old, a little girl, "
            "gap-toothed smile, pigtails, yellow raincoat)")


def _mia(age, desc=MIA_DESC):
    return Figure("mia", desc, age, 7)


def _luma(a):
    a = a.astype(np.float64)
    return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


def _saturation(a):
    a = a.astype(np.float64)
    return (a.max(axis=2) - a.min(axis=2)).mean()


def _changed_rows(base, with_fig):
    rows = np.nonzero(np.any(base != with_fig, axis=(1, 2)))[0]
    assert rows.size, "the figure changed no pixel"
    return rows.min(), rows.max()


def test_shape_and_type():
    a = paint("a sunlit meadow", 1, W, H)
    assert a.shape == (H, W, 3) and a.dtype == np.uint8


def test_deterministic_in_process():
    figs = [_mia(5)]
    a = paint("a girl chasing soap bubbles in a sunlit meadow", 3, W, H, figs)
    b = paint("a girl chasing soap bubbles in a sunlit meadow", 3, W, H, figs)
    assert np.array_equal(a, b)


def test_deterministic_across_processes():
    code = ("import hashlib; from mvlang.backends.preview.painter import paint, Figure; "
            f"f = [Figure('mia', {MIA_DESC!r}, 5.0, 7)]; "
            "a = paint('a thunderstorm over a lighthouse, a girl', 11, 200, 120, f); "
            "print(hashlib.sha256(a.tobytes()).hexdigest())")
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONHASHSEED="12345",
               PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env, cwd=root)
    here = paint("a thunderstorm over a lighthouse, a girl", 11, 200, 120, [_mia(5.0)])
    assert out.stdout.strip() == hashlib.sha256(here.tobytes()).hexdigest()


@pytest.mark.parametrize("prompt", ["a sunlit meadow", "a starry night over a quiet sea",
                                    "a neon city street in the rain", "a quiet moment of reflection"])
def test_seeds_give_different_compositions(prompt):
    a = paint(prompt, 1, W, H).astype(int)
    b = paint(prompt, 2, W, H).astype(int)
    changed = np.any(np.abs(a - b) > 24, axis=2).mean()
    assert changed > 0.05
    # the same scene all the same: similar mean colour
    assert np.abs(a.mean(axis=(0, 1)) - b.mean(axis=(0, 1))).max() < 40


def test_storm_darker_and_greyer_than_sunlit_meadow():
    storm = paint("a thunderstorm over the hills", 1, W, H)
    meadow = paint("a sunlit meadow", 1, W, H)
    assert _luma(storm).mean() < _luma(meadow).mean() - 25
    assert _saturation(storm) < _saturation(meadow) * 0.6


def test_night_much_darker_than_day():
    for seed in (1, 2):
        night = paint("a village by the lake at night", seed, W, H)
        day = paint("a village by the lake during the day", seed, W, H)
        assert _luma(night).mean() < _luma(day).mean() * 0.5


def test_meadow_greener_sea_bluer():
    for seed in (1, 2, 3):
        meadow = paint("a sunlit meadow", seed, W, H).astype(float)[H // 2:]
        sea = paint("the open sea on a sunny day", seed, W, H).astype(float)[H // 2:]
        green = lambda a: (a[..., 1] - (a[..., 0] + a[..., 2]) / 2).mean()
        blue = lambda a: (a[..., 2] - (a[..., 0] + a[..., 1]) / 2).mean()
        assert green(meadow) > green(sea) + 20
        assert blue(sea) > blue(meadow) + 20


def _clearly_blue(a):
    a = a.astype(int)
    return (a[..., 2] > a[..., 0] + 80) & (a[..., 2] > a[..., 1] + 30)


def test_blue_eyes_are_blue():
    prompt = "a girl in a sunlit meadow"
    base = paint(prompt, 4, 1280, 720)
    blue = paint(prompt, 4, 1280, 720, [_mia(5)])
    brown = paint(prompt, 4, 1280, 720, [_mia(5, MIA_DESC.replace("pale blue", "brown"))])
    added_blue = (_clearly_blue(blue) & ~_clearly_blue(base)).sum()
    added_brown = (_clearly_blue(brown) & ~_clearly_blue(base)).sum()
    assert added_blue >= 60
    assert added_blue > added_brown + 40


def test_child_shorter_than_adult():
    prompt = "a person standing in a field"
    base = paint(prompt, 5, W * 2, H * 2)
    heights = {}
    for age in (5, 35, None):
        desc = "Mia, auburn hair, blue eyes, a yellow raincoat"
        top, bottom = _changed_rows(base, paint(prompt, 5, W * 2, H * 2, [_mia(age, desc)]))
        heights[age] = bottom - top
    assert heights[5] < heights[35] * 0.8
    assert heights[None] == heights[35]


def test_old_figure_differs_from_adult():
    prompt = "on a wooden porch at dusk"
    desc = "Mia, blue eyes, silver hair, a grey cardigan"
    adult = paint(prompt, 2, W * 2, H * 2, [_mia(40, desc)]).astype(int)
    old = paint(prompt, 2, W * 2, H * 2, [_mia(82, desc)]).astype(int)
    assert np.any(np.abs(adult - old) > 30, axis=2).sum() > 500


def test_background_does_not_depend_on_figures():
    prompt = "a starry night over a quiet sea"
    base = paint(prompt, 1, W, H)
    with_fig = paint(prompt, 1, W, H, [_mia(30)])
    # the sky far from the figure is untouched
    assert np.array_equal(base[:10], with_fig[:10])


@pytest.mark.parametrize("size", [(64, 36), (333, 777), (36, 64), (1, 1), (2600, 50)])
def test_odd_sizes(size):
    w, h = size
    a = paint("a 16-year-old at a school prom under paper lanterns", 1, w, h,
              [_mia(16), Figure("tom", "Tom, a man with a beard", None, 3)])
    assert a.shape == (h, w, 3) and a.dtype == np.uint8
    if w * h > 100:
        assert a.std() > 3   # a picture, not a flat fill


def test_words_understood():
    s = analyse("a thunderstorm over a lighthouse at night")
    assert s.time == "night" and s.weather == "storm" and "lighthouse" in s.motifs
    assert analyse("a warm kitchen").terrain == "interior"
    assert analyse("an old woman on a wooden porch at dusk").terrain == "porch"
    assert analyse("snow falling on the mountains").weather == "snow"


def test_negative_removes_a_motif():
    assert "rain" in analyse("a rainy street").motifs
    assert analyse("a street", negative="rain").weather == "clear"
    assert analyse("a rainy street", negative="rain").weather == "clear"


def test_colour_words_tint_the_ground_and_sky():
    def yellowness(a):
        a = a.astype(float)
        return ((a[..., 0] + a[..., 1]) / 2 - a[..., 2]).mean()
    for seed in (1, 2):
        plain = paint("a field of wheat", seed, W, H)
        golden = paint("a golden field of wheat", seed, W, H)
        assert yellowness(golden[H // 2:]) > yellowness(plain[H // 2:]) + 15
    red_sky = paint("a red sky over the hills", 1, W, H).astype(float)[: H // 3]
    sky = paint("a sky over the hills", 1, W, H).astype(float)[: H // 3]
    assert (red_sky[..., 0] - red_sky[..., 2]).mean() > (sky[..., 0] - sky[..., 2]).mean() + 20


def test_identity_kept_across_ages():
    from mvlang.backends.preview.painter import _look

    young = _look(Figure("mia", "Mia, a little girl, pigtails", 5, 7), 5)
    old = _look(Figure("mia", "Mia, an old woman, silver hair", 80, 7), 80)
    other = [_look(Figure("x", "someone", 30, s), 30) for s in range(20)]
    assert young.skin == old.skin and young.face_w == old.face_w and young.eyes == old.eyes
    assert old.hair != young.hair and min(old.hair) > 180       # the words said silver
    assert len({o.skin for o in other}) > 3 and len({o.hair for o in other}) > 3
    mid = _look(Figure("mia", "Mia, a woman in a denim jacket", 35, 7), 35)
    assert mid.hair == young.hair
    assert mid.top[2] > mid.top[0] + 40                          # denim reads blue
    assert _look(Figure("mia", "Mia, in a yellow raincoat", 5, 7), 5).top == (245, 205, 45)


def test_night_sky_has_stars_or_moon():
    a = paint("a starry night over a quiet sea", 3, 640, 360).astype(int)
    sky = a[: 120]
    assert _luma(sky).mean() < 60
    assert (_luma(sky) > 200).sum() > 30       # bright points in a dark sky


def test_interior_and_porch_scenes():
    for prompt in ("a classroom in the morning", "a kitchen at night", "an old woman on a porch at dusk"):
        a = paint(prompt, 1, W, H)
        assert a.std() > 10
    assert analyse("a school prom under paper lanterns").time == "night"
    assert analyse("a school prom under paper lanterns").terrain == "interior"
