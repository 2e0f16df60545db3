"""The whole vocabulary through `mvlang build`: zoom, react, effects, sources, sound.

Real painter, real codecs, real files; measured on the decoded output. The
song is the synthesised 120 bpm drum loop whose first downbeat is 0.25 s in.
"""

from __future__ import annotations

import math
import shutil
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
import soundfile
from test_timeline_audio import RATE, drum_loop
from test_zoom import zoom_between

from mvlang.build import BuildOptions, build, prepare
from mvlang.media.encode import decode_audio, decode_frames
from mvlang.timeline.model import frame_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def project(folder: Path, body: str, size: str = "320x180", length: str = "16s") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "loop.wav").exists():
        soundfile.write(folder / "loop.wav", drum_loop(20.0), RATE)
    script = folder / "song.mvs"
    script.write_text(f'video {{ size {size}; fps 24; seed 9; length {length} }}\n'
                      f'song "loop.wav" {{ bpm 120 }}\n{body}', encoding="utf-8")
    return script


def built(script: Path, **options):
    result = build(script, BuildOptions(jobs=2, **options))
    assert result.ok, (result.prepared.diagnostics, result.outcome)
    return result


def luma(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


ZOOMS = """defaults { length 2 bars }
scene wedding { prompt "a couple dancing at their wedding under paper lanterns" }
-> zoom out depth 3 over 2 bars
scene picnic { prompt "a family picnic in a sunlit meadow with a red blanket" }
-> zoom out depth 3 over 2 bars
scene city { prompt "a city skyline at dusk with lit windows" }
-> zoom out depth 3 over 2 bars
scene coast { prompt "a long coast with a lighthouse, seen from high above" }
"""


@pytest.fixture(scope="module")
def zooms(tmp_path_factory):
    script = project(tmp_path_factory.mktemp("zoom"), ZOOMS, length="16s")
    result = built(script)
    frames = list(decode_frames(result.output))
    return result, frames


def test_a_chain_of_zooms_has_no_jump(zooms):
    """Scenes joined only by zooms: the mean absolute difference between
    consecutive frames never spikes (a hard cut would)."""
    result, frames = zooms
    timeline = result.prepared.resolved.timeline
    first, last = timeline.cuts[0].first_frame, timeline.cuts[-1].last_frame
    steps = np.array([np.abs(luma(frames[i + 1]) - luma(frames[i])).mean()
                      for i in range(first, last)])
    ratio = steps.max() / np.median(steps)
    print(f"\nconsecutive-frame difference over {len(steps)} steps of zoom: median "
          f"{np.median(steps):.2f}, largest {steps.max():.2f} (x{ratio:.2f})")
    assert ratio < 3.0
    # where one zoom hands over to the next, the movement goes on
    for cut in timeline.cuts[1:]:
        assert steps[cut.first_frame - first - 1] > 0.2 * np.median(steps)


def test_the_zoom_speed_is_constant_inside_a_transition(zooms):
    result, frames = zooms
    cut = result.prepared.resolved.timeline.cuts[1]
    # the apparent zoom over two frames (twice the step, half the measuring noise)
    factors = np.array([zoom_between(frames[i], frames[i + 2])
                        for i in range(cut.first_frame + 1, cut.last_frame - 2, 2)])
    rates = np.log(factors) / 2
    factors = np.exp(rates)
    expected = math.log(2 ** 3) / (cut.last_frame - cut.first_frame + 1)
    variation = rates.max() / rates.min() - 1
    print(f"\nper-frame zoom factor {factors.min():.4f} .. {factors.max():.4f} "
          f"(expected {math.exp(expected):.4f}); the log rate varies by {variation:.1%}")
    assert variation < 0.10
    assert abs(np.median(rates) / expected - 1) < 0.1


def test_the_zoom_starts_on_one_scene_and_ends_on_the_next(zooms):
    """Entering and leaving the chain of zooms moves the picture by no more than
    one step of the zoom itself: it starts on the first scene's picture and ends
    on the last one's."""
    result, frames = zooms
    timeline = result.prepared.resolved.timeline
    first, last = timeline.cuts[0], timeline.cuts[-1]

    def step(i: int) -> float:
        return float(np.abs(luma(frames[i + 1]) - luma(frames[i])).mean())

    typical = np.median([step(i) for i in range(first.first_frame, last.last_frame)])
    assert step(first.first_frame - 1) < 1.5 * typical          # into the first zoom
    assert step(last.last_frame) < 1.5 * typical                # out of the last


def test_react_to_beat_pulses_on_the_beats(tmp_path):
    script = project(tmp_path, """scene pulse length 14s {
  prompt "a quiet grey room with a window"
  react brightness 0.4 to beat
}
""", length="14s")
    result = built(script)
    bright = np.array([luma(f).mean() for f in decode_frames(result.output)])
    peaks = [i for i in range(1, len(bright) - 1)
             if bright[i] > bright[i - 1] and bright[i] >= bright[i + 1]
             and bright[i] > np.median(bright) + 5]
    grid = result.prepared.resolved.timeline.grid
    beats = [frame_of(b, F(24)) for b in grid.beats if 0.2 < b < 13.8]
    misses = [b for b in beats if min(abs(b - p) for p in peaks) > 1]
    print(f"\n{len(beats)} beats, {len(peaks)} brightness peaks, {len(misses)} beats without "
          "a peak within one frame")
    assert not misses
    assert len(peaks) <= len(beats) + 1


def test_effects_and_sources(tmp_path):
    for name in ("portrait.png", "city.mp4"):
        shutil.copy(EXAMPLES / "media" / name, tmp_path / name)
    script = project(tmp_path, """scene face length 3s { image "portrait.png" }
scene street length 10s { footage "city.mp4" from 1s }
scene grainy length 3s {
  footage "city.mp4" from 1s
  effect grain 0.6
  effect vignette 0.8
}
""", length="16s")
    result = built(script)
    frames = list(decode_frames(result.output))
    timeline = result.prepared.resolved.timeline
    _, street, grainy = timeline.shots
    # the image fills the frame (covered, no border): its corners are not black
    assert min(frames[5][:4, :4].mean(), frames[5][-4:, -4:].mean()) > 10
    # the clip has 5 s left after `from 1s`: the 10 s scene moves, then holds its last frame
    moving = [np.abs(luma(frames[i + 1]) - luma(frames[i])).mean()
              for i in range(street.first_frame, street.first_frame + 24 * 4)]
    assert np.median(moving) > 0.3
    held = [np.abs(luma(frames[i + 1]) - luma(frames[i])).mean()
            for i in range(street.first_frame + 24 * 6, street.last_frame)]
    assert max(held) < 0.5
    # effects apply to footage: the vignette darkens the corners against the centre
    same = frames[grainy.first_frame + 2].astype(np.float32)
    plain = frames[street.first_frame + 2].astype(np.float32)
    def corners(f: np.ndarray) -> float:       # the corners against the centre
        return (f[:30, :40].mean() + f[-30:, -40:].mean()) / 2 / f[60:120, 110:210].mean()

    print(f"\ncorners / centre: plain footage {corners(plain):.2f}, with the vignette "
          f"{corners(same):.2f}")
    assert corners(same) < 0.7 * corners(plain)


# -- sound ------------------------------------------------------------------------
SOUND = """scene a length 14s {{
  prompt "a quiet grey room"
{cue}
}}
"""


def cue_signal(tmp_path: Path, cue: str, name: str, before: float = 5.5):
    """The decoded audio of a build with `cue`, and of the same without it, brought
    to the same level: the mix is loudness-normalised, so adding a sound turns the
    whole track down a little; the gain is measured before the sound starts."""
    with_cue = built(project(tmp_path / name, SOUND.format(cue=cue), length="14s"))
    without = built(project(tmp_path / "plain", SOUND.format(cue=""), length="14s"))
    a, rate = decode_audio(with_cue.output)
    b, _ = decode_audio(without.output)
    head = slice(0, int(before * rate))
    gain = float((a[head] * b[head]).sum() / (b[head] * b[head]).sum())
    prepared = with_cue.prepared
    [task] = [t for t in prepared.graph if t.kind == "sfx"]
    designed, _ = soundfile.read(prepared.store.get(task.key).file("sound.wav"), dtype="float32",
                                 always_2d=True)
    return a, b * gain, rate, designed


def onset(diff: np.ndarray, rate: int, after: float = 5.0) -> float:
    """The first moment after `after` s that the difference signal's 5 ms energy
    rises clear of what the codec leaves before it (four times its loudest 5 ms
    between 1 s and `after`) and above a tenth of its peak."""
    hop = rate // 200
    energy = np.array([np.sqrt((diff[i:i + hop] ** 2).mean()) for i in range(0, len(diff), hop)])
    floor = energy[200:int(after * 200)].max()
    level = max(4 * floor, 0.1 * energy.max())
    start = int(after * 200)
    print(f"\ncodec residue before the sound {floor:.5f}, the sound's peak {energy.max():.5f}")
    return float((start + np.flatnonzero(energy[start:] > level)[0]) * hop / rate)


def test_a_sound_is_heard_at_its_time_and_gain(tmp_path):
    a, b, rate, designed = cue_signal(tmp_path, '  sfx "a church bell ringing" at 6.1s '
                                      'gain -6dB', "loud")
    c, d, _, _ = cue_signal(tmp_path, '  sfx "a church bell ringing" at 6.1s gain -18dB',
                            "soft")
    loud, soft = (a - b).mean(axis=1), (c - d).mean(axis=1)
    at = onset(loud, rate)
    print(f"\nthe bell at 6.100 s is heard from {at:.3f} s")
    assert abs(at - 6.1) <= 0.020
    # each cue's level in its mix: the designed sound's share of what the cue added
    # (the music ducked under it is a different signal and projects little on it)
    cue = designed.mean(axis=1)
    window = slice(int(6.1 * rate), int(6.1 * rate) + len(cue))

    def level(diff: np.ndarray) -> float:
        return float(diff[window] @ cue / (cue @ cue))

    ratio = 20 * math.log10(level(loud) / level(soft))
    print(f"-6 dB against -18 dB: {ratio:.1f} dB apart (levels {level(loud):.3f}, "
          f"{level(soft):.3f})")
    assert 10.5 < ratio < 13.5
    assert np.abs(a).max() <= 10 ** (-1 / 20)              # never clips: -2 dBFS, and the codec


def test_sfx_auto_follows_the_motion_of_the_picture(tmp_path):
    body = """scene a length 14s {
  prompt "a stormy sea with huge waves"
  react shake 0.3 to bar smooth 1 beat
  sfx auto
}
"""
    with_auto = built(project(tmp_path / "auto", body, length="14s"))
    without = built(project(tmp_path / "plain", body.replace("  sfx auto\n", ""), length="14s"))
    a, rate = decode_audio(with_auto.output)
    b, _ = decode_audio(without.output)
    sound = (a - b).mean(axis=1)
    frames = [luma(f) for f in decode_frames(with_auto.output)]
    motion = np.array([0.0] + [np.abs(frames[i + 1] - frames[i]).mean()
                               for i in range(len(frames) - 1)])
    per = rate // 24
    loudness = np.array([np.sqrt((sound[i * per:(i + 1) * per] ** 2).mean())
                         for i in range(len(motion))])
    r = float(np.corrcoef(motion[2:], loudness[2:])[0, 1])
    # the sound itself, as the sfx auto task made it (before the mix's ducking and
    # normalisation, which also move with the music)
    prepared = with_auto.prepared
    [task] = [t for t in prepared.graph if t.kind == "sfxauto"]
    track, rate = soundfile.read(prepared.store.get(task.key).file("sound.wav"),
                                 dtype="float32", always_2d=True)
    per = rate // 24
    own = np.array([np.sqrt((track[i * per:(i + 1) * per] ** 2).mean())
                    for i in range(min(len(motion), len(track) // per))])
    r_own = float(np.corrcoef(motion[2:len(own)], own[2:])[0, 1])
    print(f"\ncorrelation of the picture's motion with the loudness of the sfx auto track: "
          f"{r_own:.2f}; with the cue's share of the final mix: {r:.2f}")
    assert r_own > 0.7
    assert r > 0.4


def test_a_scene_between_a_zoom_out_and_a_zoom_in_is_a_warning(tmp_path):
    script = project(tmp_path, """defaults { length 2 bars }
scene a { prompt "a meadow" }
-> zoom out over 2 bars
scene b { prompt "a city" }
-> zoom in over 2 bars
scene c { prompt "the sea" }
""", length="12s")
    prepared = prepare(script, BuildOptions())
    assert prepared.ok
    [warning] = [d for d in prepared.diagnostics if d.code == "W0008"]
    assert "`b`" in warning.message and warning.labels
    kinds = sorted(t.kind for t in prepared.graph if t.kind in ("zoomseg", "transition"))
    assert kinds == ["transition", "zoomseg"]
    [fallback] = [t for t in prepared.graph if t.kind == "transition"]
    assert fallback.params["kind"] == "crossfade"
