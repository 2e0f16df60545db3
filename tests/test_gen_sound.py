"""The sfx backend on real diffusers text-to-audio pipelines (tiny random weights,
built once per module for each kind in `mvlang.dev.tiny_sfx.KINDS`): lengths,
rates, levels and seeds as the preview designer gives them, `sfx auto` following
the picture, and clear errors for folders that are not models."""

import json

import numpy as np
import pytest

from mvlang.audio import sfx as preview
from mvlang.backends import runtime, sound
from mvlang.backends.runtime import ModelError
from mvlang.config import Model
from mvlang.dev import tiny_sfx

RATE = 48000
FPS = 24


@pytest.fixture(scope="module", params=tiny_sfx.KINDS)
def model(request, tmp_path_factory):
    folder = tiny_sfx.build(tmp_path_factory.mktemp(request.param), request.param)
    yield Model("sfx", folder, (("steps", 2), ("guidance", 3.0)))
    runtime.unload_all()


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def test_generate_length_rate_and_level(model):
    x = sound.generate(model, "rain on a tin roof", seconds=1.3, seed=7, rate=RATE)
    assert x.dtype == np.float32 and x.shape == (round(1.3 * RATE), 2)
    assert np.isfinite(x).all()
    assert _rms(x) > 0.01                                   # not silent
    assert abs(float(np.abs(x).max()) - preview.PEAK) < 1e-4  # -1 dBFS, like design()
    y = sound.generate(model, "rain on a tin roof", seconds=0.7, seed=7, rate=44100)
    assert y.shape == (30870, 2) and abs(float(np.abs(y).max()) - preview.PEAK) < 1e-4
    soft = sound.generate(model, "soft rain on a tin roof", seconds=0.5, seed=7, rate=RATE)
    assert abs(float(np.abs(soft).max()) - preview.PEAK * 10 ** (preview.SOFT_DB / 20)) < 1e-4
    assert sound.generate(model, "a bell", seconds=0.0, seed=7, rate=RATE).shape == (0, 2)
    tiny = sound.generate(model, "a click", seconds=0.004, seed=7, rate=RATE)  # under the minimum
    assert tiny.shape == (192, 2) and np.isfinite(tiny).all()


def test_seeds(model):
    a = sound.generate(model, "a door creaks", seconds=0.8, seed=11, rate=RATE)
    b = sound.generate(model, "a door creaks", seconds=0.8, seed=11, rate=RATE)
    c = sound.generate(model, "a door creaks", seconds=0.8, seed=12, rate=RATE)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c, atol=1e-3)
    runtime.unload_all()                                    # a fresh load: the same samples
    assert np.array_equal(a, sound.generate(model, "a door creaks", seconds=0.8, seed=11,
                                            rate=RATE))


def test_default_length_is_the_preview_designers(model):
    for words in ("a bell rings twice", "a thud"):
        x = sound.generate(model, words, seconds=None, seed=3, rate=16000)
        assert x.shape == preview.design(words, 3, None, 16000).shape


def test_long_sound_is_made_in_pieces(model):
    x = sound.generate(model, "wind in the trees", seconds=9.0, seed=5, rate=16000)
    assert x.shape == (144000, 2) and np.isfinite(x).all()
    windows = np.sqrt(np.mean(x.astype(np.float64).reshape(-1, 8000, 2) ** 2, axis=(1, 2)))
    assert windows.min() > 0.05 * windows.max()             # no hole where pieces meet


def test_auto_prompt():
    p = sound.auto_prompt("{mia@6} chasing soap bubbles in a sunlit meadow, watercolor",
                          "bubbles drift on the breeze, slow pan left", ("grain", "dream"))
    assert p.startswith("sound of a child chasing soap bubbles in a sunlit meadow")
    assert "bubbles drift on the breeze" in p and "dreamy" in p
    assert "watercolor" not in p and "pan" not in p and "grain" not in p
    assert sound.auto_prompt("a stormy harbour at night, cinematic lighting, 4k") == \
        "sound of a stormy harbour at night"
    assert sound.auto_prompt("{old@80} on a wooden porch at dusk, fireflies") == \
        "sound of an old person on a wooden porch at dusk, fireflies"
    assert sound.auto_prompt("", "camera orbits slowly") == "ambient room tone"
    assert sound.auto_prompt("oil painting", "waves crashing") == "sound of waves crashing"


def _features(frames: int, cut: bool) -> dict:
    motion = np.zeros(frames)
    motion[frames // 2:] = 40.0
    cuts = np.zeros(frames)
    if cut:
        cuts[frames // 2] = 1.0
    return {"motion": motion, "brightness": np.full(frames, 128.0), "cuts": cuts}


def test_auto_follows_motion(model):
    frames = 96                                             # 4 s at 24 fps
    x = sound.auto(model, _features(frames, False), FPS, "a stormy sea at night", seed=5,
                   rate=RATE, motion="waves crashing")
    n = round(frames / FPS * RATE)
    assert x.dtype == np.float32 and x.shape == (n, 2) and np.isfinite(x).all()
    assert float(np.abs(x).max()) <= preview.PEAK + 1e-6
    still, moving = x[:int(0.4 * n)], x[int(0.6 * n):]
    assert _rms(moving) > 0.005                             # audible
    assert _rms(moving) > 5 * _rms(still)                   # -28 dB vs full, less the texture
    same = sound.auto(model, _features(frames, False), FPS, "a stormy sea at night", seed=5,
                      rate=RATE, motion="waves crashing")
    assert np.array_equal(x, same)


def test_auto_accents_a_cut(model):
    frames = 96
    plain = sound.auto(model, _features(frames, False), FPS, "a city street", seed=9, rate=RATE)
    cut = sound.auto(model, _features(frames, True), FPS, "a city street", seed=9, rate=RATE)
    at = round(frames // 2 / FPS * RATE)
    accent = cut.astype(np.float64) - plain
    energy = np.sqrt(np.mean(accent.reshape(-1, RATE // 100, 2) ** 2, axis=(1, 2)))
    loudest = int(energy.argmax()) * (RATE // 100)
    assert at - 0.1 * RATE <= loudest <= at + 0.2 * RATE   # the accent is at the cut
    assert np.abs(accent[:at - int(0.1 * RATE)]).max() == 0.0
    assert np.abs(accent[at + RATE:]).max() == 0.0
    window = slice(at, at + RATE // 10)                     # and it is heard over the bed
    assert _rms(accent[window]) > 0.03
    assert float(np.abs(accent[window]).max()) > 2 * _rms(plain[window])


def test_auto_empty_and_bad_features(model):
    assert sound.auto(model, {"motion": np.zeros(0)}, FPS, "a forest", 1, RATE).shape == (0, 2)
    with pytest.raises(ValueError):
        sound.auto(model, {"motion": np.zeros(4), "cuts": np.zeros(3)}, FPS, "x", 1, RATE)


def test_folders_that_are_not_sound_models(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        sound.generate(Model("sfx", tmp_path / "missing"), "rain", seconds=1.0, seed=1,
                       rate=RATE)
    with pytest.raises(ModelError, match="model_index.json"):
        sound.generate(Model("sfx", tmp_path), "rain", seconds=1.0, seed=1, rate=RATE)
    (tmp_path / "model_index.json").write_text(json.dumps(
        {"_class_name": "StableDiffusionPipeline"}), encoding="utf-8")
    with pytest.raises(ModelError, match="StableDiffusionPipeline"):
        sound.auto(Model("sfx", tmp_path), {"motion": np.zeros(24)}, FPS, "rain", 1, RATE)
