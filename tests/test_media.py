"""The media layer with real codecs: segments, joins, audio, muxing, camera, transitions, captions.

Everything goes through libx264 and ffmpeg's AAC encoder via PyAV, and is
checked on decoded pixels and samples. H.264 is lossy, so pictures are
compared with a tolerance, and frame order by "closest to the frame written".
Frames are small (160x96) to keep the file quick.
"""

from __future__ import annotations

import itertools
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mvlang.ir.model import CameraMove
from mvlang.media.encode import (
    Codec,
    SegmentWriter,
    concat,
    decode_audio,
    decode_frames,
    encode_audio,
    mux,
    probe,
)
from mvlang.media.render import Shot, caption, ease, keyframe_size, transition_frame

W, H = 160, 96
FPS = F(24)
CODEC = Codec(W, H, FPS)          # preset medium: B-frames on
RATE = 48000


def solid(colour) -> np.ndarray:
    frame = np.empty((H, W, 3), np.uint8)
    frame[:] = colour
    return frame


def gradient(i: int) -> np.ndarray:
    """A horizontal ramp with a bright bar that moves 4 pixels a frame."""
    x = np.arange(W)
    row = np.stack([x * 255 // W, np.full(W, 60), 255 - x * 255 // W], axis=1)
    frame = np.repeat(row[None], H, axis=0).astype(np.uint8)
    frame[:, (8 + 4 * i) % W:(8 + 4 * i) % W + 6] = 250
    return frame


def colours(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [solid(rng.integers(20, 236, 3)) for _ in range(n)]


def write(path: Path, frames, codec: Codec = CODEC) -> Path:
    with SegmentWriter(path, codec) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def assert_same_sequence(decoded: list[np.ndarray], written: list[np.ndarray], tol: float = 4.0):
    """Same count; each decoded frame is close to its own frame, and closer to it than to its neighbours."""
    assert len(decoded) == len(written)
    ref = np.stack(written).astype(np.int16)
    for n, frame in enumerate(decoded):
        err = np.abs(ref - frame.astype(np.int16)).mean(axis=(1, 2, 3))
        assert err[n] < tol, f"frame {n}: mean error {err[n]:.1f}"
        nearby = [k for k in (n - 1, n + 1) if 0 <= k < len(written)
                  and not np.array_equal(written[k], written[n])]
        assert all(err[n] < err[k] for k in nearby), f"frame {n} looks like a neighbour"


def tone(seconds: float, channels: int = 2) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    waves = [0.4 * np.sin(2 * np.pi * f * t) for f in (220, 330)[:channels]]
    return np.stack(waves, axis=1).astype(np.float32)


# ------------------------------------------------------------------ encode

def test_codec_params_are_canonical():
    a, b = Codec(W, H, 24), Codec(W, H, F(48, 2))
    assert a == b and a.params() == b.params()
    assert a.params()["fps"] == "24/1"
    assert Codec(W, H, FPS, preset="ultrafast").params() != a.params()
    with pytest.raises(ValueError):
        Codec(W + 1, H, FPS)
    with pytest.raises(ValueError):
        Codec(W, H, FPS, preset="sluggish")


def test_writer_rejects_wrong_frames(tmp_path):
    with SegmentWriter(tmp_path / "a.mp4", CODEC) as writer:
        with pytest.raises(ValueError):
            writer.write(np.zeros((H, W + 2, 3), np.uint8))
        with pytest.raises(ValueError):
            writer.write(np.zeros((H, W, 3), np.float32))
        writer.write(solid(9))
    assert writer.close() == 1
    empty = SegmentWriter(tmp_path / "b.mp4", CODEC)
    with pytest.raises(ValueError, match="at least one frame"):
        empty.close()


def test_concat_is_frame_exact(tmp_path):
    first, second = colours(7, 1), colours(13, 2)
    third = [gradient(i) for i in range(24)]
    paths = [write(tmp_path / f"{i}.mp4", frames)
             for i, frames in enumerate((first, second, third))]
    assert [probe(p)["frames"] for p in paths] == [7, 13, 24]
    out = tmp_path / "all.mp4"
    assert concat(paths, out) == 44
    info = probe(out)
    assert (info["width"], info["height"], info["fps"], info["frames"]) == (W, H, FPS, 44)
    assert info["duration"] == pytest.approx(44 / 24)
    assert_same_sequence(list(decode_frames(out)), first + second + third)


def test_concat_short_segments(tmp_path):
    # x264 starts a 1- or 2-frame segment without the B-frame decode delay of a long one.
    parts = [colours(n, 10 + n) for n in (1, 9, 2, 1, 5)]
    paths = [write(tmp_path / f"{i}.mp4", frames) for i, frames in enumerate(parts)]
    out = tmp_path / "all.mp4"
    assert concat(paths, out) == 18
    assert probe(out)["fps"] == FPS
    assert_same_sequence(list(decode_frames(out)), [f for part in parts for f in part])


def test_concat_refuses_mixed_settings(tmp_path):
    a = write(tmp_path / "a.mp4", colours(3, 1))
    b = write(tmp_path / "b.mp4", colours(3, 2), Codec(W, H, FPS, preset="ultrafast"))
    with pytest.raises(ValueError, match="settings"):
        concat([a, b], tmp_path / "out.mp4")


def test_encoding_is_deterministic(tmp_path):
    frames = [gradient(i) for i in range(12)]
    one = list(decode_frames(write(tmp_path / "1.mp4", frames)))
    two = list(decode_frames(write(tmp_path / "2.mp4", frames)))
    assert len(one) == len(two) == 12
    assert all(np.array_equal(a, b) for a, b in zip(one, two))


def test_still_written_repeatedly(tmp_path):
    still = gradient(3)
    path = write(tmp_path / "still.mp4", [still] * 10 + [gradient(4)] + [still] * 3)
    decoded = list(decode_frames(path))
    assert len(decoded) == 14
    assert_same_sequence(decoded, [still] * 10 + [gradient(4)] + [still] * 3)


def test_audio_round_trip(tmp_path):
    samples = tone(0.75)
    encode_audio(samples, RATE, tmp_path / "a.m4a")
    back, rate = decode_audio(tmp_path / "a.m4a")
    assert rate == RATE and back.shape == samples.shape and back.dtype == np.float32
    # No priming delay left in: the decoded wave lines up with the written one (away from
    # the ends, where AAC smears the abrupt start and stop).
    assert np.abs(back[2048:-4096] - samples[2048:-4096]).max() < 0.06


def video_of(tmp_path: Path, frames: int) -> Path:
    return write(tmp_path / "video.mp4", [gradient(i) for i in range(frames)])


def test_mux_audio_and_metadata(tmp_path):
    video = video_of(tmp_path, 48)
    samples = tone(2.0)
    encode_audio(samples, RATE, tmp_path / "a.m4a")
    metadata = {"title": "Summit", "mvlang_build": "3f2a9c", "comment": "déjà vu ♪"}
    out = tmp_path / "out.mp4"
    mux(video, tmp_path / "a.m4a", out, metadata)
    info = probe(out)
    assert info["frames"] == 48 and info["duration"] == pytest.approx(2.0)
    audio = info["audio"]
    assert audio is not None and audio["sample_rate"] == RATE and audio["channels"] == 2
    assert abs(audio["duration"] - info["duration"]) <= 1 / 24
    for key, value in metadata.items():
        assert info["metadata"].get(key) == value
    back, _ = decode_audio(out)
    n = min(len(back), len(samples)) - 4096
    assert np.abs(back[2048:n] - samples[2048:n]).max() < 0.06   # in sync after the copy


def test_mux_cuts_long_audio(tmp_path):
    video = video_of(tmp_path, 24)
    encode_audio(tone(3.0, channels=1), RATE, tmp_path / "a.m4a")
    mux(video, tmp_path / "a.m4a", tmp_path / "out.mp4", {})
    info = probe(tmp_path / "out.mp4")
    assert info["audio"]["channels"] == 1
    assert abs(info["audio"]["duration"] - 1.0) <= 1 / 24


def test_mux_without_audio(tmp_path):
    mux(video_of(tmp_path, 5), None, tmp_path / "out.mp4", {"k": "v"})
    info = probe(tmp_path / "out.mp4")
    assert info["audio"] is None and info["frames"] == 5 and info["metadata"]["k"] == "v"


# ------------------------------------------------------------------ camera

def zoom(a, b, how="linear"):
    return CameraMove("zoom", F(a), F(b), None, how)


def pan(direction, amount):
    return CameraMove("pan", F(0), F(amount), direction)


def pattern(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Smooth, asymmetric, full of detail: blocks in random colours."""
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(blocks, 8, 0), 8, 1)[:height, :width])


def test_no_moves_is_one_cached_array():
    still = pattern(W, H)
    shot = Shot(still, W, H, (), seed=1)
    first = shot.frame(0.0)
    assert np.array_equal(first, still)
    assert shot.frame(0.5) is first and shot.frame(1.0) is first
    big = Shot(pattern(2 * W, 2 * H), W, H, (), seed=1)
    assert big.frame(0.3).shape == (H, W, 3) and big.frame(0.9) is big.frame(0.3)


def test_zoom_shows_the_central_half():
    moves = [zoom(1, 2)]
    assert keyframe_size(W, H, moves) == (W, H)
    still = pattern(W, H)
    shot = Shot(still, W, H, moves, seed=0)
    assert np.abs(shot.frame(0.0).astype(int) - still).max() <= 1
    expected = np.asarray(Image.fromarray(still).crop((W // 4, H // 4, 3 * W // 4, 3 * H // 4))
                          .resize((W, H), Image.Resampling.BILINEAR))
    assert np.abs(shot.frame(1.0).astype(int) - expected).mean() < 3


def test_pan_right_moves_content_left():
    moves = [pan("right", "0.25")]
    kw, kh = keyframe_size(W, H, moves)
    assert kw >= W * 1.25 and kh == H
    still = np.zeros((kh, kw, 3), np.uint8)
    still[:, kw // 2 - 2:kw // 2 + 2] = 255        # a white line down the canvas's centre
    shot = Shot(still, W, H, moves, seed=0)
    columns = [float(np.argmax(shot.frame(p)[:, :, 0].mean(axis=0))) for p in (0.0, 0.5, 1.0)]
    assert columns[0] > columns[1] > columns[2]
    assert columns[0] - columns[2] == pytest.approx(0.25 * W, abs=2)
    assert columns[1] == pytest.approx(W / 2, abs=2)


@pytest.mark.parametrize("moves", [
    [zoom("0.5", 1)],
    [pan("up", "0.4")],
    [CameraMove("rotate", F(-20), F(30), None, "in_out")],
    [CameraMove("shake", F(1, 5), F(1, 5))],
    [zoom(1, "1.2", "in_out"), pan("left", "0.2"), CameraMove("rotate", F(0), F(8), None, "out"),
     CameraMove("shake", F(1, 5), F(1, 5))],
])
def test_camera_stays_inside_the_still(moves):
    kw, kh = keyframe_size(W, H, moves)
    assert kw > W or kh > H
    white = np.full((kh, kw, 3), 255, np.uint8)
    shot = Shot(white, W, H, moves, seed=7)
    for p in np.linspace(0, 1, 17):
        assert shot.frame(p).min() > 230, f"border shows at progress {p}"


def test_shake_is_deterministic_and_smooth():
    moves = [CameraMove("shake", F(1, 10), F(1, 10))]
    kw, kh = keyframe_size(W, H, moves)
    still = pattern(kw, kh, seed=3)
    a, b, c = (Shot(still, W, H, moves, seed=s) for s in (5, 5, 6))
    assert np.array_equal(a.frame(0.3), b.frame(0.3))
    assert not np.array_equal(a.frame(0.3), c.frame(0.3))
    steps = [np.abs(a.frame(p).astype(int) - a.frame(p + 1 / 96)).mean()
             for p in np.linspace(0, 0.9, 6)]
    jumps = [np.abs(a.frame(p).astype(int) - a.frame(p + 0.25)).mean()
             for p in np.linspace(0, 0.7, 6)]
    assert max(steps) < np.mean(jumps)    # frame to frame it drifts; it is not noise


def test_ease():
    for name in ("linear", "in", "out", "in_out"):
        assert ease(name, 0) == 0 and ease(name, 1) == 1
        assert ease(name, -1) == 0 and ease(name, 2) == 1
        values = [ease(name, x) for x in np.linspace(0, 1, 101)]
        assert all(b >= a for a, b in itertools.pairwise(values))
    assert ease("in", 0.25) < 0.25 < ease("out", 0.25)
    assert ease("in_out", 0.5) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        ease("bounce", 0.5)


# ------------------------------------------------------------------ transitions

A = pattern(W, H, seed=1)
B = pattern(W, H, seed=2)


def test_transition_ends():
    for kind, arg in (("cut", None), ("crossfade", None), ("dip", "black"), ("dip", "white"),
                      ("flash", None)):
        assert np.array_equal(transition_frame(A, B, kind, arg, 0.0), A)
        assert np.array_equal(transition_frame(A, B, kind, arg, 1.0), B)
    assert transition_frame(A, B, "cut", None, 0.49) is A
    assert transition_frame(A, B, "cut", None, 0.5) is B
    with pytest.raises(ValueError):
        transition_frame(A, B, "spin", None, 0.5)
    with pytest.raises(ValueError):
        transition_frame(A, B, "dip", "purple", 0.5)


def test_crossfade_middle_is_the_mean():
    middle = transition_frame(A, B, "crossfade", None, 0.5)
    assert middle.dtype == np.uint8
    assert np.abs(middle.astype(int) - (A.astype(int) + B) / 2).max() <= 1
    quarter = transition_frame(A, B, "crossfade", None, 0.25)
    assert np.abs(quarter.astype(int) - (0.75 * A + 0.25 * B)).max() <= 1


def test_dip():
    assert transition_frame(A, B, "dip", "black", 0.5).max() == 0
    assert transition_frame(A, B, "dip", "white", 0.5).min() == 255
    early = transition_frame(A, B, "dip", "black", 0.25)
    assert np.abs(early.astype(int) - A / 2).max() <= 1
    late = transition_frame(A, B, "dip", "white", 0.75)
    assert np.abs(late.astype(int) - (B / 2 + 127.5)).max() <= 1


def test_flash_is_brightest_at_the_cut():
    ps = np.linspace(0, 1, 41)
    brightness = [transition_frame(A, B, "flash", None, p).mean() for p in ps]
    assert ps[int(np.argmax(brightness))] == 0.5
    assert transition_frame(A, B, "flash", None, 0.5).min() == 255
    # A fast attack before the cut, a slower decay after it.
    before = transition_frame(A, B, "flash", None, 0.4).mean() - A.mean()
    after = transition_frame(A, B, "flash", None, 0.6).mean() - B.mean()
    assert 0 <= before < after


# ------------------------------------------------------------------ captions

@pytest.mark.parametrize("size", [(320, 180), (1920, 1080)])
def test_caption_only_touches_the_bottom(size):
    w, h = size
    frame = np.full((h, w, 3), 200, np.uint8)
    lines = ["scene summit", "a mountain summit at sunrise, " * 8, "bar 12 beat 3"]
    out = caption(frame, lines)
    assert out.shape == frame.shape and out is not frame
    assert np.array_equal(frame, np.full((h, w, 3), 200, np.uint8))   # input untouched
    changed = np.argwhere((out != frame).any(axis=2))
    assert len(changed)
    assert changed[:, 0].min() >= h // 2                  # rows: the bottom half
    assert changed[:, 1].max() < w                        # the long line is cut, not off-frame
    assert (out[changed[:, 0], changed[:, 1]] > 200).any()  # bright text on the band
    assert (out[changed[:, 0], changed[:, 1]] < 120).any()  # the dark band
    assert caption(frame, []) is frame
