"""The diffusers image backend on tiny random-weight pipelines: real diffusers
code (text-to-image, image-to-image, inpainting, an IP-Adapter) on the CPU."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from mvlang.backends import images as I
from mvlang.backends.runtime import ModelError, fingerprint
from mvlang.config import Model
from mvlang.media.zoom import outpaint


@pytest.fixture(scope="module")
def image_model(tiny_models):
    return Model("image", tiny_models["image"], (("steps", 2), ("batch", 4),
                                                 ("device", "cpu")))


@pytest.fixture(scope="module")
def adapted(tiny_models):
    return Model("image", tiny_models["image"], (
        ("steps", 2), ("device", "cpu"), ("ip_adapter", str(tiny_models["ip_adapter"])),
        ("ip_scale", 1.0)))


@pytest.fixture(scope="module")
def inpaint_model(tiny_models):
    return Model("inpaint", tiny_models["inpaint"], (("steps", 2), ("device", "cpu")))


def request(seed=1, prompt="a lighthouse at dawn", **more):
    return I.Request(prompt, more.pop("negative", ""), more.pop("width", 96),
                     more.pop("height", 54), seed, **more)


def test_keyframes_have_the_still_size_and_follow_the_seed(image_model):
    a, b, c = I.keyframes(image_model, [request(1), request(1), request(2)])
    assert a.shape == (54, 96, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)                       # one seed, one picture
    assert np.abs(a.astype(int) - c).mean() > 2       # another seed, another picture
    assert a.std() > 5                                # not a flat colour


def test_a_keyframe_is_the_same_picture_alone_or_in_a_batch(image_model):
    alone = I.keyframes(image_model, [request(7)])[0]
    batch = I.keyframes(image_model, [request(3), request(7), request(9, "the sea")])
    assert np.abs(alone.astype(int) - batch[1]).max() <= 2


def test_the_negative_prompt_and_the_prompt_change_the_picture(image_model):
    plain, negative, other = I.keyframes(image_model, [
        request(4), request(4, negative="blurry, dark"), request(4, "a neon city at night")])
    assert np.abs(plain.astype(int) - negative).mean() > 0.5
    assert np.abs(plain.astype(int) - other).mean() > 0.5


def test_a_characters_identity_noise_is_shared_between_their_scenes(image_model):
    """Two scenes of the same person start from noise that shares IDENTITY of its
    variance; scenes of different people share none."""
    import torch

    pipe = I.text2img(image_model)
    same = I._latents(pipe, [request(1, identity=50), request(2, identity=50)], 64, 64,
                      "cpu", torch.float32)
    other = I._latents(pipe, [request(1, identity=50), request(2, identity=60)], 64, 64,
                       "cpu", torch.float32)

    def corr(z):
        return float(np.corrcoef(z[0].flatten().numpy(), z[1].flatten().numpy())[0, 1])

    assert abs(corr(same) - I.IDENTITY) < 0.08
    assert abs(corr(other)) < 0.08
    assert abs(float(same.std()) - 1) < 0.05          # still unit noise


def test_a_reference_picture_steers_the_keyframe_through_the_ip_adapter(adapted, tmp_path):
    rng = np.random.default_rng(0)
    refs = []
    for name, colour in (("red.png", (230, 30, 30)), ("blue.png", (20, 40, 230))):
        picture = np.clip(np.array(colour) + rng.normal(0, 20, (48, 48, 3)), 0, 255)
        Image.fromarray(picture.astype(np.uint8)).save(tmp_path / name)
        refs.append(str(tmp_path / name))
    none, red, blue, red2 = I.keyframes(adapted, [
        request(5), request(5, ref=refs[0]), request(5, ref=refs[1]), request(5, ref=refs[0])])
    assert np.array_equal(red, red2)
    assert np.abs(red.astype(int) - none).mean() > 0.5
    assert np.abs(red.astype(int) - blue).mean() > 0.5


def test_image_to_image_keeps_the_size_and_redraws(image_model):
    source = np.zeros((54, 96, 3), np.uint8)
    source[:, :48] = (200, 40, 40)
    out = I.img2img(image_model, source, "a red barn", "", seed=3, strength=0.5)
    assert out.shape == source.shape
    assert np.abs(out.astype(int) - source).mean() > 1


def test_the_outpaint_chain_keeps_each_inner_picture_sharp_at_its_centre(
        image_model, inpaint_model):
    rng = np.random.default_rng(2)
    inner = rng.integers(0, 255, (72, 128, 3), dtype=np.uint8)
    outer = np.full((72, 128, 3), 90, np.uint8)
    levels = I.outpaint_chain(inpaint_model, image_model, inner, outer, "a meadow", "", 3,
                              2.0, 0.12, [11, 12, 13])
    assert len(levels) == 4 and all(level.shape == inner.shape for level in levels)
    for k in range(1, 4):
        # the centre (inside the feather band) is exactly the level before, shrunk
        expected = outpaint(levels[k - 1], np.zeros_like(inner), 2.0, 0.12)
        box = (slice(36 - 12, 36 + 12), slice(64 - 24, 64 + 24))
        assert np.array_equal(levels[k][box], expected[box])
        # and the border was repainted: it is not the flat canvas
        assert levels[k][:8].std() > 3 if k < 3 else True
    # the last level is the outer scene's keyframe beyond a narrow ring
    assert np.array_equal(levels[3][:2], outer[:2])
    assert np.array_equal(levels[3][:, :4], outer[:, :4])


def test_without_an_inpainting_model_image_to_image_repaints_the_border(image_model):
    inner = np.full((72, 128, 3), 30, np.uint8)
    levels = I.outpaint_chain(None, image_model, inner, inner, "a sky", "", 1, 2.0, 0.12, [5])
    assert len(levels) == 2 and levels[1].shape == inner.shape


def test_the_repaint_mask_is_the_border_and_a_ring_for_the_last_level():
    mask = I.ring_mask(128, 72, 2.0, 0.12, None)
    assert mask[0, 0] == 255 and mask[36, 64] == 0
    assert mask[36, 64 - 32 + 2] == 255              # inside the box, under the feather band
    ring = I.ring_mask(128, 72, 2.0, 0.12, 0.12)
    assert ring[0, 0] == 0 and ring[36, 64] == 0 and ring[36, 64 - 33] == 255


def test_morph_travels_from_one_keyframe_to_the_other(image_model):
    a, b = request(21, "a red desert"), request(22, "a blue ocean")
    steps = I.morph(image_model, a, b, 5)
    ka, kb = I.keyframes(image_model, [a, b])
    assert len(steps) == 5 and steps[0].shape == ka.shape
    assert np.abs(steps[0].astype(int) - ka).max() <= 3
    assert np.abs(steps[-1].astype(int) - kb).max() <= 3
    middle = steps[2].astype(int)
    assert np.abs(middle - ka).mean() > 1 and np.abs(middle - kb).mean() > 1


def test_the_drawing_size_is_the_models_native_area_at_the_stills_aspect():
    sd15 = SimpleNamespace(vae_scale_factor=8, unet=SimpleNamespace(
        config=SimpleNamespace(sample_size=64)))
    assert I.native_size(sd15, 1280, 720) == (704, 384)
    assert I.native_size(sd15, 512, 512) == (512, 512)
    assert I.native_size(sd15, 1920, 1080, Model("image", Path("."), (("size", 1024),))) \
        == (1344, 768)
    assert I.native_size(sd15, 128, 72) == (128, 64)      # never more than the still needs


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        I.keyframes(Model("image", tmp_path / "nowhere"), [request()])


def test_the_fingerprint_follows_configs_and_weight_sizes(tmp_path, tiny_models):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_models["image"], copy)
    assert fingerprint(copy) == fingerprint(tiny_models["image"])
    config = copy / "scheduler" / "scheduler_config.json"
    config.write_text(config.read_text().replace('"steps_offset": 1', '"steps_offset": 0'))
    assert fingerprint(copy) != fingerprint(tiny_models["image"])
