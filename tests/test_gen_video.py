"""Image-to-video (`motion`): real diffusers on a tiny random-weight LTX-Video
image-to-video pipeline built once per module; no mocks."""

from pathlib import Path

import numpy as np
import pytest

from mvlang.backends import runtime, video
from mvlang.backends.runtime import ModelError
from mvlang.config import Model


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    pytest.importorskip("diffusers")
    from mvlang.dev.tiny_video import build

    folder = build(tmp_path_factory.mktemp("video") / "tiny-ltx")
    yield Model("video", folder, (("steps", 2),))
    runtime.unload_all()


def keyframe(width=32, height=32, seed=1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def check(frames, count, width, height):
    assert isinstance(frames, list) and len(frames) == count
    for frame in frames:
        assert isinstance(frame, np.ndarray)
        assert frame.dtype == np.uint8 and frame.shape == (height, width, 3)


def test_the_tiny_folder_is_an_ltx_image_to_video_pipeline(model):
    assert video.pipeline_class(model) == "LTXImageToVideoPipeline"
    loaded = video.load_pipeline(model)
    assert type(loaded.pipe).__name__ == "LTXImageToVideoPipeline"
    # the tiny VAE compresses time 4x: 4k+1 frames, up to LTX's 121
    assert loaded.profile.temporal == 4 and loaded.profile.cap == 121
    assert video.native_frames(loaded, 9) == 9
    assert video.native_frames(loaded, 10) == 13


def test_a_shot_shorter_than_the_clip(model):
    # 10 frames at 25 fps: the model makes 13 native frames, 3 are trimmed
    frames = video.generate_clip(model, keyframe(), "a red fox", "slow pan left", frames=10,
                                 fps=25, seed=7, width=32, height=32)
    check(frames, 10, 32, 32)
    assert len({frame.tobytes() for frame in frames}) > 1     # it moves


def test_a_shot_longer_than_the_clip_holds_the_last_frame(model):
    # 6 s at 4 fps: the clip is capped at 121 frames (4.84 s at 25 fps), so the
    # shot's last frames all show its last frame
    frames = video.generate_clip(model, keyframe(48, 27), "a red fox", "zoom in", frames=24,
                                 fps=4, seed=7, width=48, height=27)
    check(frames, 24, 48, 27)
    assert all(np.array_equal(frames[-1], frame) for frame in frames[-4:])
    assert not np.array_equal(frames[0], frames[-1])


def test_odd_sizes_are_cover_cropped(model):
    frames = video.generate_clip(model, keyframe(20, 50), "a fox", "", frames=3, fps=12,
                                 seed=3, width=20, height=50)
    check(frames, 3, 20, 50)


def test_the_same_seed_makes_the_same_clip_and_others_differ(model):
    def clip(seed, motion="drift"):
        return video.generate_clip(model, keyframe(), "a fox", motion, frames=9, fps=25,
                                   seed=seed, width=32, height=32)

    first, again, other = clip(11), clip(11), clip(12)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_no_frames_is_no_work(model):
    assert video.generate_clip(model, keyframe(), "a fox", "drift", frames=0, fps=25, seed=1,
                               width=32, height=32) == []


@pytest.mark.parametrize("name, wanted, expected", [
    ("LTXImageToVideoPipeline", 1, 9),          # 8k+1, at least one step of motion
    ("LTXImageToVideoPipeline", 9, 9),
    ("LTXImageToVideoPipeline", 10, 17),
    ("LTXImageToVideoPipeline", 121, 121),
    ("LTXImageToVideoPipeline", 500, 121),      # capped
    ("CogVideoXImageToVideoPipeline", 13, 13),  # 4k+1
    ("CogVideoXImageToVideoPipeline", 14, 17),
    ("CogVideoXImageToVideoPipeline", 100, 49),
    ("WanImageToVideoPipeline", 40, 41),
    ("WanImageToVideoPipeline", 200, 81),
])
def test_the_frame_count_rule(name, wanted, expected):
    assert video.native_frames(name, wanted) == expected


def test_generation_sizes_keep_the_aspect_and_the_multiple():
    assert video.generation_size("LTXImageToVideoPipeline", 1920, 1080) == (800, 448)
    assert video.generation_size("LTXImageToVideoPipeline", 32, 32) == (32, 32)
    w, h = video.generation_size("WanImageToVideoPipeline", 1080, 1920)
    assert w % 16 == 0 and h % 16 == 0 and h > w
    assert video.generation_size("CogVideoXImageToVideoPipeline", 8, 8) == (16, 16)


def test_fit_clip_plays_at_the_native_rate():
    clip = [np.full((4, 4, 3), n, np.uint8) for n in range(5)]
    out = video.fit_clip(clip, 8, fps=10, native_fps=20, width=4, height=4)
    assert [int(frame[0, 0, 0]) for frame in out] == [0, 2, 4, 4, 4, 4, 4, 4]


def test_a_missing_folder_is_a_model_error(tmp_path):
    missing = Model("video", tmp_path / "nowhere")
    with pytest.raises(ModelError, match="does not exist"):
        video.generate_clip(missing, keyframe(), "a fox", "drift", frames=4, fps=25, seed=1,
                            width=32, height=32)


def test_a_folder_that_is_not_image_to_video_is_a_model_error(tmp_path):
    folder = tmp_path / "t2v"
    folder.mkdir()
    (folder / "model_index.json").write_text('{"_class_name": "LTXPipeline"}')
    with pytest.raises(ModelError, match="image-to-video"):
        video.generate_clip(Model("video", folder), keyframe(), "a fox", "drift", frames=4,
                            fps=25, seed=1, width=32, height=32)
    assert Path(folder).is_dir()
