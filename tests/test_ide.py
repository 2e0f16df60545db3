"""Editor navigation (`mvlang.ide.navigate`): pure functions over a script's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvlang.ide import navigate as N

SCRIPT = '''import "std/looks"
music "house" { bpm 124; mark drop at bar 9 }
character mia "a girl" {
  age 6 "pigtails"
  age 16 "denim jacket"
}
style mine "soft light"
scene meadow {
  prompt "{mia@6} in a \\"meadow\\" {mine}"
  style film
}
scene porch at drop {
  cast mia age 16
  prompt "{mia} on a porch"
  style mine
}
'''


@pytest.fixture
def path(tmp_path: Path) -> Path:
    script = tmp_path / "song.mvs"
    script.write_text(SCRIPT, encoding="utf-8")
    return script


def pos(needle: str, nth: int = 0, shift: int = 1) -> tuple[int, int]:
    """The 0-based line and character `shift` characters into the nth `needle`."""
    offset = -1
    for _ in range(nth + 1):
        offset = SCRIPT.index(needle, offset + 1)
    offset += shift
    line = SCRIPT.count("\n", 0, offset)
    return line, offset - (SCRIPT.rfind("\n", 0, offset) + 1)


def text_of(span) -> str:
    return SCRIPT[span.start:span.end]


def test_word_at_a_reference_inside_a_prompt_with_escapes_before_it():
    word, span = N.word_at(SCRIPT, *pos("{mine}"))
    assert word == "{mine}" and text_of(span) == "{mine}"
    assert N.word_at(SCRIPT, *pos("{mia@6}"))[0] == "{mia@6}"
    assert N.word_at(SCRIPT, *pos("meadow {"))[0] == "meadow"


def test_hover_a_character_reference_shows_the_look_at_that_age(path: Path):
    assert "a girl (6 years old, pigtails)" in N.hover(SCRIPT, path, *pos("{mia@6}"))
    # `{mia}` takes the age the scene casts
    assert "a girl (16 years old, denim jacket)" in N.hover(SCRIPT, path, *pos("{mia} on"))


def test_hover_styles_scenes_and_marks(path: Path):
    assert "cinematic 35mm film" in N.hover(SCRIPT, path, *pos("film"))
    assert "soft light" in N.hover(SCRIPT, path, *pos("{mine}"))
    scene = N.hover(SCRIPT, path, *pos("meadow {"))
    assert 'a girl (6 years old, pigtails) in a "meadow" soft light, cinematic' in scene
    assert "bar 9" in N.hover(SCRIPT, path, *pos("drop {", shift=0))


def test_definition_local_and_imported(path: Path):
    local = N.definition(SCRIPT, path, *pos("mine", nth=2))
    assert local.file == str(path) and text_of(local.span) == "mine"
    assert local.span.line == 7
    imported = N.definition(SCRIPT, path, *pos("film"))
    assert Path(imported.file).name == "looks.mvs"
    text = Path(imported.file).read_text(encoding="utf-8")
    assert text[imported.span.start:imported.span.end] == "film"
    mark = N.definition(SCRIPT, path, *pos("drop {", shift=0))
    assert mark.span.line == 2


def test_references_of_a_style_and_a_mark(path: Path):
    found = N.references(SCRIPT, path, *pos("mine"))
    assert [text_of(f.span) for f in found] == ["mine"] * 3
    assert [f.span.line for f in found] == [7, 9, 15]
    uses = N.references(SCRIPT, path, *pos("drop"), include_definition=False)
    assert [f.span.line for f in uses] == [12]


def test_rename_a_character_changes_every_use(path: Path):
    edits = N.rename(SCRIPT, path, *pos("mia"), "lea")
    assert sorted(e.span.line for e in edits) == [3, 9, 13, 14]
    text = SCRIPT
    for edit in sorted(edits, key=lambda e: -e.span.start):
        text = text[:edit.span.start] + edit.new_text + text[edit.span.end:]
    assert "mia" not in text and "{lea@6}" in text and "cast lea age 16" in text
    with pytest.raises(ValueError):
        N.rename(SCRIPT, path, *pos("mia"), "two words")
    assert N.rename(SCRIPT, path, *pos("film"), "movie") is None   # a stdlib style


def test_complete(path: Path):
    inside = [c.label for c in N.complete(SCRIPT, path, *pos("  style film", shift=0))]
    assert {"prompt", "camera", "mia", "mine", "film", "meadow", "drop"} <= set(inside)
    assert [c.label for c in N.complete('import "', path, 0, 8)] == ["std/looks",
                                                                    "std/transitions"]
    assert "crossfade" in [c.label for c in N.complete("-> ", path, 0, 3)]
    assert "beats" in [c.label for c in N.complete("scene a length 4", path, 0, 16)]
    refs = {c.label for c in N.complete(SCRIPT, path, *pos("{mia@6}", shift=1))}
    assert {"mia", "mine", "film"} <= refs and "prompt" not in refs


def test_apply_suggestion():
    assert N.apply_suggestion("{mai@6}", "mia") == "{mia@6}"
    assert N.apply_suggestion("flim", "film") == "film"
    assert N.apply_suggestion('"std/look"', "std/looks") == '"std/looks"'


def test_imported_names_while_the_script_does_not_parse(path: Path):
    broken = SCRIPT.replace("  style film\n", "  style film\n  cam\n")
    line = broken.count("\n", 0, broken.index("  cam"))
    labels = {c.label for c in N.complete(broken, path, line, 5)}
    assert {"film", "mia", "camera"} <= labels
    film = broken.index("film")
    where = N.definition(broken, path, broken.count("\n", 0, film), 9)
    assert where is not None and Path(where.file).name == "looks.mvs"


def keywords(text: str, path: Path, line: int, character: int) -> set[str]:
    return {c.label for c in N.complete(text, path, line, character) if c.kind == "keyword"}


def test_complete_offers_the_keywords_valid_in_a_scene(path: Path):
    inside = keywords(SCRIPT, path, *pos("  style film", shift=0))
    assert {"prompt", "camera", "react", "effect", "sfx", "cast"} <= inside
    assert not {"character", "video", "scene", "zoom", "ease"} & inside
    # the word being typed is left out: `cam` still completes to the scene statements
    broken = SCRIPT.replace("  style film\n", "  style film\n  cam\n")
    line = broken.count("\n", 0, broken.index("  cam"))
    assert "camera" in keywords(broken, path, line, 5)
    assert "character" not in keywords(broken, path, line, 5)


def test_complete_offers_the_top_level_keywords(path: Path):
    line = SCRIPT.count("\n")   # the empty last line, after the last scene's `}`
    top = keywords(SCRIPT, path, line, 0)
    assert {"scene", "character", "video", "music", "song", "import", "style"} <= top
    assert not {"camera", "prompt", "zoom"} & top
    assert {"scene", "video"} <= keywords("", path, 0, 0)


def test_complete_after_camera_and_ease(path: Path):
    text = "scene a {\n  camera "
    labels = [c.label for c in N.complete(text, path, 1, 9)]
    assert keywords(text, path, 1, 9) == {"zoom", "pan", "rotate", "shake"}
    assert labels[:4] == ["pan", "rotate", "shake", "zoom"]
    assert keywords("scene a {\n  camera zoom 2 ease ", path, 1, 21) == {
        "linear", "in", "out", "in_out"}
    assert keywords("scene a {\n  camera sh", path, 1, 11) == {"zoom", "pan", "rotate", "shake"}


def test_complete_falls_back_to_every_keyword_when_the_line_does_not_lex(path: Path):
    from mvlang.ide.keywords import KEYWORDS
    text = 'scene a {\n  prompt "x\n  image "y" \'z'
    assert keywords(text, path, 2, len("  image \"y\" 'z")) == set(KEYWORDS)


def test_complete_reads_the_whole_previous_line(path: Path):
    # at the start of a line, the last word of the line above is not "being typed"
    text = "scene a {\n  camera zoom 2 ease linear\n"
    assert {"prompt", "camera"} <= keywords(text, path, 2, 0)
