"""The checker: names, templates, ages, transitions, imports and times -> IR."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from mvlang.ir import check_file, check_text
from mvlang.ir import time as T

MUSIC = 'music "deep house" { bpm 120 }\n'


def program(text: str, files=None):
    result = check_text(text, files=files)
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    return result.program


def codes(text: str, files=None) -> list[str]:
    return [d.code for d in check_text(text, files=files).diagnostics]


MIA = '''character mia "a girl with blue eyes" {
  age 6 "pigtails"
  age 16 "denim jacket"
  age 80 "silver hair"
}
'''


def test_spec_example_checks_to_ir():
    result = check_file(Path(__file__).parent / "spec_example.mvs")
    assert result.ok
    p = result.program
    assert (p.video.width, p.video.height, p.video.fps, p.video.seed) == (1280, 720, 24, 814)
    assert p.audio.bpm == 124 and p.audio.takes == 4 and p.audio.pick == 2
    assert [s.name for s in p.scenes] == ["meadow", "prom", "porch"]
    zoom, crossfade = p.transitions
    assert (zoom.kind, zoom.arg, zoom.depth, zoom.over) == ("zoom", "out", 4, T.Duration(2, "bar"))
    assert crossfade.kind == "crossfade"  # the default transition of `defaults`
    assert p.scenes[0].length == T.Duration(5, "s") and p.scenes[0].length_from == "defaults"
    assert p.scenes[2].length == T.Duration(4, "bar") and p.scenes[2].length_from == "scene"
    assert p.snap == "beat"


def test_templates_expand_with_the_nearest_described_age():
    p = program(MUSIC + MIA + 'scene a { prompt "{mia@30} at a desk" }\n'
                'scene b { prompt "{mia@11} on a bike" }\nscene c { prompt "{mia@60}" }')
    a, b, c = (s.prompt for s in p.scenes)
    assert a == "a girl with blue eyes (30 years old, denim jacket) at a desk"
    assert b == "a girl with blue eyes (11 years old, pigtails) on a bike"  # a tie: the younger
    assert c == "a girl with blue eyes (60 years old, silver hair)"
    assert p.scenes[0].cast == (("mia", 30),)


def test_cast_age_fills_bare_references():
    p = program(MUSIC + MIA + 'scene a {\n  cast mia age 16\n  prompt "{mia} dancing"\n}')
    assert p.scenes[0].prompt == "a girl with blue eyes (16 years old, denim jacket) dancing"


def test_a_character_with_no_ages_needs_none():
    p = program(MUSIC + 'character ben "a tall man in a red coat"\nscene a { prompt "{ben} waits" }')
    assert p.scenes[0].prompt == "a tall man in a red coat waits"


def test_styles_are_appended_and_inserted():
    p = program(MUSIC + 'style dusk "golden hour"\nstyle grainy "film grain"\n'
                'defaults { style dusk }\n'
                'scene a { prompt "a pier" }\n'
                'scene b { prompt "a pier, {grainy}"; style grainy, dusk }\n')
    assert p.scenes[0].prompt == "a pier, golden hour"
    assert p.scenes[1].prompt == "a pier, film grain, film grain, golden hour"


def test_literal_braces():
    p = program(MUSIC + 'scene a { prompt "a sign saying {{open}}" }')
    assert p.scenes[0].prompt == "a sign saying {open}"


def test_negative_prompts_join():
    p = program(MUSIC + 'negative "blurry"\nscene a { prompt "x"; negative "text" }')
    assert p.negative == "blurry" and p.scenes[0].negative == "text"


def test_stdlib_modules_import():
    p = program('import "std/looks"\nimport "std/transitions"\n' + MUSIC +
                'scene a { prompt "x"; style noir }\n-> soft over 4 beats\nscene b { prompt "y"; style film }')
    (soft,) = p.transitions
    assert soft.preset == "soft" and soft.over == T.Duration(4, "beat")
    assert {s.name for s in p.styles} >= {"film", "noir", "vhs"}


def test_preset_keeps_its_own_duration_unless_overridden():
    p = program(MUSIC + "transition slow = dip black over 2 bars\n"
                'scene a { prompt "x" }\n-> slow\nscene b { prompt "y" }')
    assert p.transitions[0] == p.transitions[0].__class__("dip", "black", None,
                                                          T.Duration(2, "bar"), "slow")


def test_relative_imports_and_their_scope():
    files = {"looks/mine.mvs": 'import "base.mvs"\nstyle mine "my look"\n',
             "looks/base.mvs": 'style base "base look"\n'}
    p = program('import "looks/mine.mvs"\n' + MUSIC + 'scene a { prompt "x"; style mine }', files)
    assert p.scenes[0].prompt == "x, my look"
    # an import brings in the definitions of that file only, not of its own imports
    assert codes('import "looks/mine.mvs"\n' + MUSIC + 'scene a { prompt "x"; style base }',
                 files) == ["E1001"]


def test_std_looks_has_a_dozen_styles():
    from mvlang.resources import stdlib_path
    text = stdlib_path("looks").read_text()
    assert text.count("\nstyle ") + text.startswith("style ") >= 12


def test_marks_resolve_and_music_with_bpm_compares_clock_and_bars():
    # at 120 bpm in 4/4 a bar is 2 s: bar 9 is 0:16
    assert codes(MUSIC + 'scene a at bar 9 { prompt "x" }\nscene b at 0:10 { prompt "y" }') == ["E2001"]
    assert codes(MUSIC + 'scene a at bar 9 { prompt "x" }\nscene b at 0:20 { prompt "y" }') == []


def test_song_anchors_of_different_kinds_wait_for_the_grid():
    files = {"t.wav": b""}
    assert codes('song "t.wav"\nscene a at bar 9 { prompt "x" }\nscene b at 0:10 { prompt "y" }',
                 files) == []


def test_anchor_past_a_written_length_warns():
    assert codes(MUSIC + 'scene a length 1 bar { prompt "x" }\nscene b at bar 3 { prompt "y" }') == [
        "W0001"]
    assert codes(MUSIC + 'scene a length 4 bars { prompt "x" }\nscene b at bar 3 { prompt "y" }') == [
        "W0002"]
    # a default length gives way silently
    assert codes(MUSIC + 'scene a { prompt "x" }\nscene b at bar 9 { prompt "y" }') == []


def test_mark_cycle():
    assert codes('music "m" {\n bpm 120\n mark a at b + 1 bar\n mark b at a\n}\n'
                 'scene s at a { prompt "x" }') == ["E2009"]


def test_files_are_only_looked_up():
    result = check_text('song "song.mp3"\nscene a { image "pic.png" }',
                        files={"song.mp3": b"\x00not audio", "pic.png": b"\x00"})
    assert result.ok  # check never decodes: a broken file is the build's business


def test_missing_file_suggests_a_close_name():
    result = check_text('song "sng.mp3"\nscene a { prompt "x" }', files={"song.mp3": b""})
    (error,) = result.diagnostics
    assert error.code == "E3001" and error.suggestion == "song.mp3"


def test_seeds_and_takes():
    p = program(MUSIC + 'scene a { prompt "x"; seed 42; takes 4; pick 3 }\nscene b { prompt "y" }')
    assert (p.scenes[0].seed, p.scenes[0].takes, p.scenes[0].pick) == (42, 4, 3)
    assert p.scenes[1].seed is None


def test_sounds():
    p = program(MUSIC + 'sfx "thunder" at bar 9 length 2s gain -3dB\n'
                'scene a {\n  prompt "x"\n  sfx "rain" at +1 beat gain -6dB\n  sfx auto\n}')
    (thunder,) = p.cues
    assert thunder.at == T.Point(T.BarBeat(9), ()) and thunder.gain_db == -3
    rain, auto = p.scenes[0].sounds
    assert rain.at == T.Point(T.Named("scene"), (T.Duration(1, "beat"),))
    assert auto.prompt is None and auto.at == T.Point(T.Named("scene"))


def test_camera_react_effects():
    p = program(MUSIC + 'scene a {\n prompt "x"\n camera zoom 1 -> 1.5 ease out\n'
                ' camera pan left 10%\n camera rotate 0deg -> 8deg\n'
                ' react zoom 0.03 to kick smooth 2 beats\n effect dream strength 0.7\n'
                ' effect grain 0.3\n}')
    zoom, pan, rotate = p.scenes[0].camera
    assert (zoom.start, zoom.end, zoom.ease) == (1, Fraction(3, 2), "out")
    assert (pan.end, pan.direction) == (Fraction(1, 10), "left")
    assert rotate.end == 8
    (react,) = p.scenes[0].reactions
    assert react.signal == "kick" and react.smooth == T.Duration(2, "beat")
    dream, grain = p.scenes[0].effects
    assert (dream.amount, dream.octaves) == (Fraction(7, 10), 4)


def test_ir_is_independent_of_layout():
    a = program(MUSIC + 'scene a { prompt "x" }')
    b = program("# comment\n\n" + MUSIC + '\n\nscene a {\n  prompt "x"   # why\n}\n')
    assert a == b


@pytest.mark.parametrize("bad", ["size 1920x1081", "fps 0", "seed -1", "seed 1.5"])
def test_video_values(bad):
    assert codes(f"video {{ {bad} }}\n" + MUSIC + 'scene a { prompt "x" }') == ["E1010"]
