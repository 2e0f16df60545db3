"""Parsing: every form of LANGUAGE.md, spans kept out of equality, recovery."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mvlang.syntax import ast as A
from mvlang.syntax import parse

ROOT = Path(__file__).resolve().parent.parent
SPEC_EXAMPLE = Path(__file__).parent / "spec_example.mvs"  # the example of LANGUAGE.md


def only(text: str):
    parsed = parse(text)
    assert parsed.ok, [d.message for d in parsed.diagnostics]
    return parsed.module.items


def scene_items(body: str):
    (scene,) = only(f"scene s {{\n{body}\n}}")
    return scene.items


def test_the_spec_example_parses():
    kinds = [type(i).__name__ for i in only(SPEC_EXAMPLE.read_text())]
    assert kinds == ["Version", "Import", "Video", "Music", "Character", "Defaults", "Scene",
                     "Transition", "Scene", "Scene"]


def test_spans_stay_out_of_equality():
    a = parse('video { fps 24 }\nscene a { prompt "x" }\n').module
    b = parse('# a comment\n\nvideo {\n  fps 24   # frames\n}\n\n\nscene a {\n prompt "x"\n}\n').module
    assert a == b
    assert a.items[0].span != b.items[0].span


def test_blocks_whose_options_have_defaults_may_be_left_out():
    items = only('song "track.wav"\nvideo\ndefaults\ncharacter ben "a boy"')
    assert items[0] == A.Song(A.Str("track.wav"))
    assert items[3].items == ()


def test_statements_share_a_line_with_semicolons():
    (video,) = only("video { size 320x240; fps 12 }")
    assert [s.key for s in video.items] == ["size", "fps"]
    assert video.items[0].value == A.Size(320, 240)


@pytest.mark.parametrize("text, value, unit", [
    ("5s", "5", "s"), ("250ms", "250", "ms"), ("12f", "12", "f"), ("4 beats", "4", "beat"),
    ("4b", "4", "beat"), ("1 beat", "1", "beat"), ("2 bars", "2", "bar"), ("1 bar", "1", "bar"),
    ("1.5 s", "1.5", "s"), ("0.5beats", "0.5", "beat"),
])
def test_duration_units(text, value, unit):
    (scene,) = only(f'scene s length {text} {{ prompt "x" }}')
    assert scene.length == A.Quantity(Decimal(value), unit)


@pytest.mark.parametrize("text, value, unit", [
    ("-6dB", "-6", "dB"), ("-6 db", "-6", "dB"), ("+3dB", "3", "dB"), ("0dB", "0", "dB"),
])
def test_gain_units(text, value, unit):
    parsed = parse(f'scene s {{ sfx "x" gain {text} }}')
    (sfx,) = parsed.module.items[0].items
    assert sfx.options[0].value == A.Quantity(Decimal(value), unit)


def test_percent_and_degrees():
    pan, rotate = scene_items("camera pan left 20%\ncamera rotate -8deg -> 8 deg ease in_out")
    assert pan == A.Camera("pan", (A.Quantity(Decimal(20), "%"),), "left")
    assert rotate.values == (A.Quantity(Decimal(-8), "deg"), A.Quantity(Decimal(8), "deg"))
    assert rotate.ease == "in_out"


@pytest.mark.parametrize("text, seconds", [
    ("1:23", 83), ("1:23.5", Decimal("83.5")), ("1:02:03", 3723), ("0:05", 5),
])
def test_clock_times(text, seconds):
    (scene,) = only(f'scene s at {text} {{ prompt "x" }}')
    assert scene.at.base == A.Clock(Decimal(seconds))


def test_time_forms():
    items = scene_items("\n".join([
        'sfx "a" at bar 17', 'sfx "b" at bar 17 beat 3', 'sfx "c" at beat 64',
        'sfx "d" at drop', 'sfx "e" at start', 'sfx "f" at end', 'sfx "g" at bar 17 - 1 beat',
        'sfx "h" at +2 beats', 'sfx "i" at 83.5s', 'sfx "j" at beat 3.5', 'sfx "k" at drop + 2 bars',
    ]))
    times = [i.options[0].value for i in items]
    assert times[0].base == A.BarTime(Decimal(17))
    assert times[1].base == A.BarTime(Decimal(17), Decimal(3))
    assert times[2].base == A.BeatTime(Decimal(64))
    assert times[3].base == A.MarkRef("drop")
    assert times[4].base == A.Anchor("start") and times[5].base == A.Anchor("end")
    assert times[6].offsets == (A.Offset(-1, A.Quantity(Decimal(1), "beat")),)
    assert times[7] == A.RelTime(A.Quantity(Decimal(2), "beat"))
    assert times[8].base == A.Quantity(Decimal("83.5"), "s")
    assert times[9].base == A.BeatTime(Decimal("3.5"))
    assert times[10].offsets[0].sign == 1


def test_every_scene_statement():
    items = scene_items("\n".join([
        'prompt "p"', "cast mia age 16, ben age 17, eve", 'negative "n"', "style film, noir",
        "seed 7", "takes 3", "pick 2", 'image "a.png"', 'motion "m"',
        "camera zoom 1.0 -> 1.15 ease in_out", "camera shake 0.2",
        "react zoom 0.03 to beat smooth 1 beat", "effect dream strength 0.6 octaves 4 layer \"l\"",
        "effect grain 0.3", "effect vignette 0.2", "effect blur 0.1", "effect glow 0.4",
        'sfx "x" at +1 beat length 2s gain -6dB', "sfx auto gain -3dB",
    ]))
    names = [type(i).__name__ for i in items]
    assert names.count("Effect") == 5 and names.count("Sfx") == 2
    cast = items[1]
    assert [m.name.name for m in cast.members] == ["mia", "ben", "eve"]
    assert cast.members[2].age is None
    dream = items[12]
    assert [o.key for o in dream.options] == ["strength", "octaves", "layer"]
    assert items[-1].prompt is None


def test_footage_range():
    (footage,) = scene_items('footage "c.mp4" from 0:01 to 0:05')
    assert footage.start.base == A.Clock(Decimal(1)) and footage.end.base == A.Clock(Decimal(5))
    (only_to,) = scene_items('footage "c.mp4" to 0:05')
    assert only_to.start is None and only_to.end is not None


@pytest.mark.parametrize("text, kind, arg", [
    ("-> cut", "cut", None), ("-> crossfade over 1 beat", "crossfade", None),
    ("-> dip black", "dip", "black"), ("-> dip white over 2 beats", "dip", "white"),
    ("-> whip left", "whip", "left"), ("-> flash", "flash", None), ("-> morph over 1 bar", "morph", None),
    ("-> zoom in", "zoom", "in"), ("-> zoom out depth 4 over 2 bars", "zoom", "out"),
    ("-> soft", "preset", None),
])
def test_transitions(text, kind, arg):
    items = only(f'scene a {{ prompt "x" }}\n{text}\nscene b {{ prompt "y" }}')
    spec = items[1].spec
    assert (spec.kind, spec.arg) == (kind, arg)


def test_transition_presets_and_defaults():
    items = only("transition soft = crossfade over 2 beats\ndefaults { transition soft; snap bar }")
    assert items[0].name.name == "soft" and items[0].spec.kind == "crossfade"
    assert items[1].items[0].value.preset.name == "soft"


def test_keywords_are_contextual():
    items = only('music "m" { mark drop at bar 3 }\ncharacter kick "a drummer"\n'
                 'scene beat at drop { prompt "{kick}"; cast kick }')
    assert items[1].name.name == "kick" and items[2].name.name == "beat"


def test_long_strings_and_escapes():
    (scene,) = only('scene s {\n  prompt """two\nlines "quoted" """\n  negative "a \\"b\\" \\\\ c\\n"\n}')
    prompt, negative = scene.items
    assert prompt.value.value == 'two\nlines "quoted" ' and prompt.value.long
    assert negative.text.value == 'a "b" \\ c\n'


def test_several_errors_are_reported_with_recovery():
    parsed = parse('scene a {\n  takes three\n}\nscene b {\n  camera zoom 1 ->\n}\n'
                   'scene c {\n  prompt "x" @\n}\nscene d { prompt "ok" }\n')
    assert [(d.code, d.span.line) for d in parsed.diagnostics] == [
        ("E0001", 2), ("E0001", 5), ("E0002", 8)]
    assert [i.name.name for i in parsed.module.items] == ["a", "b", "c", "d"]


def test_syntax_error_names_what_was_expected_and_the_open_block():
    (error,) = parse('video {\n  fps\n}\n').diagnostics
    assert error.label == "expected a number"
    assert error.labels[0].message == "the `video` block opened here is still open"
    assert error.labels[0].span.line == 1


def test_misspelt_keyword_gets_a_suggestion():
    (error,) = parse('scene a {\n  promt "x"\n}').diagnostics
    assert error.suggestion == "prompt"
    assert "did you mean `prompt`?" in error.hints


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment", "}", "{", '"', '"""', "->",
                                  "scene", "scene {", "video {{{{", "\x00", "mvs", "🎵"])
def test_parse_never_raises(text):
    parse(text)
