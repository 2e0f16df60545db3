"""`effect dream` on a real (tiny, random-weight) CNN: DeepDream stills, layers,
optical flow and warping, and video that does not flicker. Real transformers,
no mocks; the tiny ResNet folder is built once for the module."""

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

pytest.importorskip("torch")
pytest.importorskip("transformers")

from mvlang.backends import dream as D
from mvlang.backends.runtime import ModelError
from mvlang.config import Model
from mvlang.dev.tiny_dream import build

LAYERS = ["stem", "stage1", "stage2", "stage3", "stage4"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("tiny-dream"))


@pytest.fixture(scope="module")
def model(folder) -> Model:
    return Model("dream", folder, ())


def texture(size: int = 320, seed: int = 1) -> np.ndarray:
    """A colour picture with detail at every scale (like a photograph), uint8."""
    noise = np.random.default_rng(seed).random((size, size, 3)).astype(np.float32)
    picture = sum(ndimage.gaussian_filter(noise, (s, s, 0)) * s for s in (1, 2, 4, 8))
    picture = (picture - picture.min()) / (picture.max() - picture.min()) * 255.0
    return np.rint(picture).astype(np.uint8)


def shifted(big: np.ndarray, dx: float, dy: float, size: int = 96, at: int = 60):
    """A window of `big` whose content has moved by (dx, dy) (cubic resampling), float32."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + at
    source = big.astype(np.float32)
    return np.stack([ndimage.map_coordinates(source[..., c], [yy - dy, xx - dx], order=3)
                     for c in range(3)], axis=2)


def mad(a, b) -> float:
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())


# ---------------------------------------------------------------------- the folder

def test_tiny_folder_loads_offline_and_is_deterministic(folder, tmp_path):
    import json

    from transformers import AutoModel

    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["ResNetForImageClassification"]
    assert config["stage_names"] == LAYERS
    processor = json.loads((folder / "preprocessor_config.json").read_text())
    assert processor["image_mean"] == [0.485, 0.456, 0.406]
    with D.quiet():
        net = AutoModel.from_pretrained(folder, local_files_only=True)
    assert type(net).__name__ == "ResNetModel"
    again = build(tmp_path / "again")
    assert (again / "model.safetensors").read_bytes() == (folder / "model.safetensors").read_bytes()


def test_layers_and_fast_path(model):
    assert D.layers(model) == LAYERS
    net = D._net(model)
    torch = pytest.importorskip("torch")
    x = torch.randn(1, 3, 64, 80)
    hidden = net._hidden_states(x)
    for index in range(len(LAYERS)):
        assert net.modules[index] is not None     # stops the forward pass at the layer
        assert torch.allclose(net.activations(x, index), hidden[index], atol=1e-5)
    assert D.Dreamer(model).layer == "stage3"     # the default: the middle stage
    assert D.Dreamer(model, layer="3").layer == "stage3"


def test_missing_folder_is_a_model_error(tmp_path):
    missing = Model("dream", tmp_path / "nowhere", ())
    with pytest.raises(ModelError, match="does not exist"):
        D.Dreamer(missing)
    with pytest.raises(ModelError):
        D.layers(missing)


# ---------------------------------------------------------------------- stills

def test_still_dreams_more_with_strength_and_is_deterministic(model):
    picture = texture()[:128, :128].copy()
    before = picture.copy()
    started = time.perf_counter()
    strong = D.Dreamer(model, strength=1.0, octaves=2).still(picture)
    took = time.perf_counter() - started
    weak = D.Dreamer(model, strength=0.3, octaves=2).still(picture)
    print(f"\n128x128, 2 octaves: {took:.3f} s; change at strength 0.3: {mad(weak, picture):.2f}, "
          f"at 1: {mad(strong, picture):.2f} (of 255)")
    assert took < 2.0
    assert strong.shape == picture.shape and strong.dtype == np.uint8
    assert np.array_equal(picture, before)                 # the input is not written to
    assert mad(strong, picture) > 4.0
    assert mad(weak, picture) > 1.0
    assert mad(strong, picture) > 2.0 * mad(weak, picture)
    # deterministic: the same inputs give the same picture, from a new Dreamer too
    assert np.array_equal(D.Dreamer(model, strength=1.0, octaves=2).still(picture), strong)
    # another seed jitters differently
    other = D.Dreamer(model, strength=1.0, octaves=2, seed=7).still(picture)
    assert mad(other, strong) > 0.5
    # strength 0 leaves the picture alone
    assert np.array_equal(D.Dreamer(model, strength=0.0).still(picture), picture)
    with pytest.raises(ValueError):
        D.Dreamer(model).still(picture.astype(np.float32))


def test_layer_selection(model):
    picture = texture(seed=2)[:96, :96].copy()
    shallow = D.Dreamer(model, layer="stage1", octaves=2).still(picture)
    deep = D.Dreamer(model, layer="stage3", octaves=2).still(picture)
    assert mad(shallow, picture) > 2.0 and mad(deep, picture) > 2.0
    assert mad(shallow, deep) > 2.0
    with pytest.raises(ModelError) as error:
        D.Dreamer(model, layer="mixed4c")
    message = str(error.value)
    assert "mixed4c" in message
    for name in LAYERS:
        assert f'"{name}"' in message


# ---------------------------------------------------------------------- optical flow

@pytest.mark.parametrize("dx, dy", [(2.0, 0.0), (0.5, -0.3), (3.3, 1.7), (-6.0, 4.0),
                                    (8.0, -8.0), (-7.5, -5.5)])
def test_optical_flow_recovers_a_translation(dx, dy):
    big = texture()
    a, b = shifted(big, 0, 0), shifted(big, dx, dy)
    flow = D.optical_flow(a, b)
    assert flow.shape == (96, 96, 2) and flow.dtype == np.float32
    inner = flow[12:-12, 12:-12]
    error = np.abs(inner - np.array([dx, dy], np.float32))
    assert error.max() < 0.5, error.max()
    assert error.mean() < 0.15
    # grey pictures work too and agree
    grey = D.optical_flow(a.mean(axis=2), b.mean(axis=2))
    assert np.abs(grey[12:-12, 12:-12] - [dx, dy]).max() < 0.5


def test_warp_moves_a_picture_along_the_flow():
    big = texture()
    a = shifted(big, 0, 0)
    # a known whole-pixel flow moves the picture exactly (away from the clamped edges)
    flow = np.zeros((96, 96, 2), np.float32)
    flow[...] = (3.0, -2.0)
    moved = D.warp(a, flow)
    assert np.allclose(moved[2:-3, 3:], a[4:-1, :-3], atol=1e-3)
    as_uint8 = D.warp(np.rint(a).astype(np.uint8), flow)
    assert as_uint8.dtype == np.uint8
    # warp(a, optical_flow(a, b)) reproduces b
    for dx, dy in [(-6.0, 4.0), (2.5, 1.5)]:
        b = shifted(big, dx, dy)
        warped = D.warp(a, D.optical_flow(a, b))
        inner = np.s_[12:-12, 12:-12]
        assert mad(warped[inner], b[inner]) < 0.1 * mad(a[inner], b[inner])
        assert mad(warped[inner], b[inner]) < 1.5
    with pytest.raises(ValueError):
        D.warp(a, flow[:10])


# ---------------------------------------------------------------------- video

def test_video_is_stable_and_flows_with_the_footage(model):
    big, size, pan, count = texture(seed=3), 96, 2, 10
    # the camera pans: each frame's content sits `pan` px further left
    clip = [big[60:60 + size, 60 + pan * k:60 + pan * k + size].copy() for k in range(count)]

    def flicker(frames, margin=12):
        """Mean difference of consecutive frames once the known pan is undone."""
        return float(np.mean([mad(f0[margin:-margin, pan + margin:-margin],
                                  f1[margin:-margin, margin:-margin - pan])
                              for f0, f1 in itertools.pairwise(frames)]))

    assert flicker(clip) == 0.0
    dreamer = D.Dreamer(model, strength=1.0, seed=5)
    started = time.perf_counter()
    stills = [dreamer.still(frame) for frame in clip]
    took_stills = time.perf_counter() - started
    started = time.perf_counter()
    video = [dreamer.frame(frame) for frame in clip]
    took_video = time.perf_counter() - started
    amount_stills = np.mean([mad(d, f) for d, f in zip(stills, clip)])
    amount_video = np.mean([mad(d, f) for d, f in zip(video, clip)])
    still_flicker, video_flicker = flicker(stills), flicker(video)
    print(f"\n{count} frames {size}x{size}, pan {pan} px/frame: frame-to-frame difference "
          f"(pan undone): stills {still_flicker:.2f}, video {video_flicker:.2f} "
          f"(ratio {still_flicker / video_flicker:.1f}); dream amount: stills "
          f"{amount_stills:.2f}, video {amount_video:.2f}; time: stills {took_stills:.2f} s, "
          f"video {took_video:.2f} s")
    assert np.array_equal(video[0], stills[0])     # the first frame is dreamed like a still
    assert amount_video > 0.6 * amount_stills      # still dreaming, not just copying the source
    assert mad(video[-1], clip[-1]) > 0.6 * amount_stills   # and the dream does not fade
    assert still_flicker > 3.0 * video_flicker
    # deterministic, and reset starts a new shot
    dreamer.reset()
    again = [dreamer.frame(frame) for frame in clip[:3]]
    assert all(np.array_equal(x, y) for x, y in zip(again, video[:3]))
