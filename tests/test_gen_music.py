"""The MusicGen backend, on a tiny random-weight MusicGen built here (real
transformers, offline, one CPU thread)."""

import json
import re

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from mvlang.backends import music, runtime
from mvlang.backends.runtime import ModelError
from mvlang.config import Model
from mvlang.dev import tiny_music

RATE = tiny_music.SAMPLING_RATE
HOP = 320                                   # 8 * 5 * 4 * 2: 50 frames a second
SONG = {"bpm": 124, "key": "A minor", "meter": (4, 4)}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tiny_music.build(tmp_path_factory.mktemp("musicgen"))
    yield Model("music", folder)
    runtime.unload_all()


def _make(model, seconds, seed, **kwargs):
    return music.generate(model, "hypnotic deep house, warm bass", seconds=seconds, seed=seed,
                          **SONG, **kwargs)


def test_the_folder_loads_offline_and_names_musicgen(model):
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    config = json.loads((model.path / "config.json").read_text())
    assert config["model_type"] == "musicgen"
    assert config["architectures"] == ["MusicgenForConditionalGeneration"]
    net = MusicgenForConditionalGeneration.from_pretrained(model.path, local_files_only=True)
    processor = AutoProcessor.from_pretrained(model.path, local_files_only=True)
    assert net.config.audio_encoder.sampling_rate == RATE
    assert net.config.audio_encoder.frame_rate == RATE // HOP
    assert processor.feature_extractor.sampling_rate == RATE
    assert sum(p.numel() for p in net.parameters()) < 1_000_000


def test_length_rate_and_sound(model):
    fractions = []
    audio, rate = _make(model, 1.3, seed=7, progress=fractions.append)
    assert rate == RATE
    assert audio.dtype == np.float32 and audio.shape == (round(1.3 * RATE), 2)
    assert np.isfinite(audio).all()
    assert np.array_equal(audio[:, 0], audio[:, 1])          # a mono model, doubled
    assert fractions == [1.0]
    rms = np.sqrt(np.mean(audio[:, 0] ** 2))
    assert 0.02 < rms < 0.7 and np.abs(audio).max() < 2.0
    # sound all the way through, and no DC offset
    for part in np.array_split(audio[:, 0], 13):
        assert part.std() > 0.01
    assert abs(audio[:, 0].mean()) < 0.05


def test_the_seed_decides(model):
    a, _ = _make(model, 0.8, seed=3)
    b, _ = _make(model, 0.8, seed=3)
    c, _ = _make(model, 0.8, seed=4)
    assert np.array_equal(a, b)
    assert a.shape == c.shape
    assert np.abs(a - c).mean() > 0.1 * np.abs(a).mean()


def test_continuation_past_the_window(model):
    fractions = []
    audio, _ = _make(model, 2.5, seed=11, window=1.0, context=0.4,
                     progress=fractions.append)
    n = round(2.5 * RATE)
    assert audio.shape == (n, 2) and np.isfinite(audio).all()
    # 1 s, then 0.6 s of new audio a window (1 s less 0.4 s of context): 4 windows
    assert fractions == pytest.approx([16000 / n, 25600 / n, 35200 / n, 1.0])
    x = audio[:, 0].astype(np.float64)
    for part in np.array_split(x, 25):
        assert part.std() > 0.01                           # every window sounds
    # The tiny codec's sound is smooth (band-limited): a splice without a
    # crossfade shows as a jump in the second difference ten times the usual.
    bend = np.abs(np.diff(x, 2))
    usual = np.percentile(bend, 99.9)
    fade = round(music.CROSSFADE * RATE)
    for join in (16000, 25600, 35200):
        assert bend[join - fade - 2:join + 2].max() < 2 * usual, join
    # ... and that test has teeth: the same audio spliced hard to another seed
    other, _ = _make(model, 2.5, seed=12, window=1.0, context=0.4)
    cuts = [np.abs(np.diff(np.concatenate([x[:j], other[j:, 0]]), 2))[j - 3:j + 1].max()
            for j in (16000, 25600, 35200)]
    assert max(cuts) > 2 * usual


def test_describe_writes_tempo_key_and_meter():
    text = music.describe("hypnotic deep house, warm bass", 124.0, "A minor", (4, 4))
    assert text == "hypnotic deep house, warm bass, 124 bpm, in A minor, 4/4"
    assert "123.5 bpm" in music.describe("dub", 123.5, None, (3, 4))
    assert music.describe("dub", None, None, (6, 8)) == "dub, 6/8"


def test_a_missing_folder_is_a_model_error(tmp_path):
    missing = tmp_path / "no-musicgen-here"
    with pytest.raises(ModelError, match=re.escape(str(missing))):
        music.generate(Model("music", missing), "techno", bpm=None, key=None, seconds=1.0,
                       seed=0)


def test_a_folder_of_another_model_is_a_model_error(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "t5"}))
    with pytest.raises(ModelError, match="not MusicGen"):
        music.generate(Model("music", tmp_path), "techno", bpm=None, key=None, seconds=1.0,
                       seed=0)


def test_bad_lengths_are_model_errors(model):
    with pytest.raises(ModelError, match="more than 0"):
        _make(model, 0.0, seed=0)
    with pytest.raises(ModelError, match="context"):
        _make(model, 2.0, seed=0, window=1.0, context=1.0)
