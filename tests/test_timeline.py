"""Resolving scripts against beat grids: every timing rule, exact to the sample.

The grids here are built directly (steady, or with a tempo change) so the
expected times are exact fractions; tests/test_timeline_audio.py runs the same
rules end to end on synthetic audio through the real tracker.
"""

from __future__ import annotations

from fractions import Fraction as F

from mvlang.audio.grid import BeatGrid
from mvlang.diagnostics import Sink
from mvlang.ir import check_text
from mvlang.timeline import resolve

SONG = 'song "t.wav" { meter 4/4 }\n'


def timeline(text: str, grid: BeatGrid, fps: int = 24):
    result = check_text(f"video {{ fps {fps} }}\n" + text, files={"t.wav": b""})
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    sink = Sink("main.mvs")
    return resolve(result.program, grid, sink), sink.items


def steady(bpm=120, seconds=60, offset=0):
    return BeatGrid.steady(bpm, seconds, offset=F(offset))


def times(line):
    return [(s.name, s.start, s.end) for s in line.shots]


def test_scenes_follow_one_another():
    line, diags = timeline(SONG + 'scene a length 2 bars { prompt "a" }\n'
                           'scene b length 3 beats { prompt "b" }\nscene c { prompt "c" }', steady())
    assert times(line) == [("a", 0, 4), ("b", 4, F(11, 2)), ("c", F(11, 2), 60)]
    assert diags == []


def test_anchors_bar_beat_marks_and_offsets_are_exact():
    grid = steady(124, 120, offset=F(1, 3))  # first downbeat a third of a second in
    line, _ = timeline('song "t.wav" {\n mark drop at bar 17 - 1 beat\n}\n'
                       'scene a { prompt "a" }\nscene b at bar 5 beat 3 { prompt "b" }\n'
                       'scene c at drop { prompt "c" }\nscene d at beat 100 { prompt "d" }\n'
                       'scene e at end - 2 bars { prompt "e" }', grid)
    beat = F(60, 124)
    starts = [s.start for s in line.shots]
    assert starts == [0, F(1, 3) + 18 * beat, F(1, 3) + 63 * beat, F(1, 3) + 99 * beat,
                      grid.time_at(grid.position_at(F(120)) - 8)]
    assert dict(line.marks)["drop"] == F(1, 3) + 63 * beat


def test_relative_sound_times_count_from_the_scene_along_the_grid():
    grid = BeatGrid(tuple([F(i, 2) for i in range(9)] + [4 + F(2, 5) * i for i in range(1, 80)]),
                    4, 4, 0, F(35))
    line, _ = timeline(SONG + 'scene a length 6 beats { prompt "a" }\n'
                       'scene b { prompt "b"; sfx "x" at +4 beats length 2 beats }', grid)
    (cue,) = line.cues
    assert line.shots[1].start == 3
    assert cue.start == F(24, 5) and cue.end == F(24, 5) + F(4, 5)  # 0.5+0.5+0.4+0.4; 2 x 0.4


def test_anchor_later_stretches_the_scene_before():
    line, diags = timeline(SONG + 'scene a length 2 bars { prompt "a" }\n'
                           'scene b at 0:10 { prompt "b" }', steady())
    assert times(line)[0] == ("a", 0, 10)
    assert [d.code for d in diags] == ["W0001"]
    assert "stretches scene `a`" in diags[0].message


def test_anchor_earlier_shortens_the_scene_before():
    line, diags = timeline(SONG + 'scene a length 8 bars { prompt "a" }\n'
                           'scene b at 0:10 { prompt "b" }', steady())
    assert times(line)[0] == ("a", 0, 10) and [d.code for d in diags] == ["W0002"]


def test_default_lengths_give_way_silently():
    line, diags = timeline(SONG + 'defaults { length 5s }\nscene a { prompt "a" }\n'
                           'scene b at 0:12 { prompt "b" }', steady())
    assert times(line)[0] == ("a", 0, 12) and diags == []


def test_anchor_leaving_nothing_is_an_error():
    # a clock anchor against a bar anchor: only the grid can compare them
    line, diags = timeline(SONG + 'scene a at bar 5 { prompt "a" }\n'
                           'scene b at 0:08 { prompt "b" }', steady())
    assert line is None and [d.code for d in diags] == ["E2002"]
    line, diags = timeline(SONG + 'scene a at bar 5 { prompt "a" }\n'
                           'scene b at 0:05 { prompt "b" }', steady())
    assert line is None and [d.code for d in diags] == ["E2001"]


def test_snap_moves_unanchored_boundaries():
    text = 'scene a length 1.3s { prompt "a" }\nscene b length 2.9s { prompt "b" }\n' \
           'scene c length 1s { prompt "c" }\nscene d at 0:07.1 { prompt "d" }'
    off, _ = timeline(SONG + text, steady())
    beat, _ = timeline(SONG + "defaults { snap beat }\n" + text, steady())
    bar, _ = timeline(SONG + "defaults { snap bar }\n" + text, steady())
    assert [s.end for s in off.shots[:3]] == [F(13, 10), F(42, 10), F(71, 10)]
    assert [s.end for s in beat.shots[:3]] == [F(3, 2), F(9, 2), F(71, 10)]  # 1.5 + 2.9 -> 4.5
    assert [s.end for s in bar.shots[:3]] == [2, 4, F(71, 10)]               # 2 + 2.9 -> 4
    assert beat.shots[3].start == F(71, 10)  # an anchor is never snapped


def test_last_scene_runs_to_the_end_of_the_audio():
    line, _ = timeline(SONG + 'scene a length 2 bars { prompt "a" }\n'
                       'scene b length 1 bar { prompt "b" }', steady(120, 30))
    assert line.shots[-1].end == 30 and line.duration == 30 and line.frame_count == 720


def test_video_length_cuts_the_video():
    result = check_text('video { fps 24; length 8 bars }\n' + SONG + 'scene a { prompt "a" }',
                        files={"t.wav": b""})
    sink = Sink("main.mvs")
    line = resolve(result.program, steady(120, 30), sink)
    assert line.duration == 16 and line.shots[-1].end == 16 and line.frame_count == 384


def test_transitions_are_centred_on_the_boundary():
    line, _ = timeline(SONG + 'scene a length 4 bars { prompt "a" }\n-> crossfade over 1 bar\n'
                       'scene b length 4 bars { prompt "b" }\n-> flash over 12f\n'
                       'scene c { prompt "c" }\n-> cut\nscene d at bar 20 { prompt "d" }', steady())
    fade, flash, cut = line.cuts
    assert (fade.boundary, fade.start, fade.end) == (8, 7, 9)
    assert (flash.boundary, flash.start, flash.end) == (16, 16 - F(1, 4), 16 + F(1, 4))
    assert cut.start == cut.end == 38 and cut.last_frame < cut.first_frame
    assert (fade.first_frame, fade.last_frame) == (168, 215)


def test_transition_centred_on_a_tempo_change_follows_the_grid():
    grid = BeatGrid(tuple([F(i, 2) for i in range(9)] + [4 + F(2, 5) * i for i in range(1, 80)]),
                    4, 4, 0, F(35))
    line, _ = timeline(SONG + 'scene a length 8 beats { prompt "a" }\n-> morph over 2 beats\n'
                       'scene b { prompt "b" }', grid)
    (morph,) = line.cuts
    assert (morph.start, morph.boundary, morph.end) == (F(7, 2), 4, F(22, 5))


def test_a_transition_longer_than_its_scenes_is_an_error():
    line, diags = timeline(SONG + 'scene a length 2 beats { prompt "a" }\n'
                           '-> crossfade over 2 bars\nscene b { prompt "b" }', steady())
    assert line is None and [d.code for d in diags] == ["E2015"]


def test_scene_past_the_end_of_the_audio():
    line, diags = timeline(SONG + 'scene a { prompt "a" }\nscene b at bar 40 { prompt "b" }',
                           steady(120, 60))
    assert line is None
    (error,) = diags
    assert error.code == "E2006" and "after the audio ends (1:00)" in error.message
    assert "bar 40" in error.message and error.span.line == 4  # the `at` of scene b


def test_sounds_past_the_end_are_left_out_and_trimmed():
    line, diags = timeline(SONG + 'sfx "late" at 1:05\nsfx "long" at 0:58 length 5s\n'
                           'scene a { prompt "a" }', steady(120, 60))
    assert [d.code for d in diags] == ["W0006"]
    (cue,) = line.cues
    assert cue.cue.prompt == "long" and cue.end == 60


def test_frames_cover_the_video_without_gaps_or_overlaps():
    line, _ = timeline(SONG + 'defaults { length 1.37s }\n' + "".join(
        f'scene s{i} {{ prompt "{i}" }}\n' for i in range(30)), steady(97, 45), fps=30)
    frames = [(s.first_frame, s.last_frame) for s in line.shots]
    assert frames[0][0] == 0 and frames[-1][1] == line.frame_count - 1
    assert all(b[0] == a[1] + 1 for a, b in zip(frames, frames[1:]))


def test_pickup_before_the_first_downbeat_is_extrapolated():
    grid = BeatGrid(tuple(F(1) + F(i, 2) for i in range(100)), 4, 4, 0, F(50))
    line, _ = timeline(SONG + 'scene a { prompt "a" }\nscene b at bar 1 - 1 beat { prompt "b" }\n'
                       'scene c at bar 1 { prompt "c" }', grid)
    assert [s.start for s in line.shots] == [0, F(1, 2), 1]
