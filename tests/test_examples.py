"""One corpus through every stage so far: each example parses, checks, formats unchanged."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from mvlang.fmt import format_text
from mvlang.ir import check_file
from mvlang.syntax import parse

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.mvs"))
BAD = sorted((ROOT / "tests" / "bad").glob("*.mvs"))


def test_there_is_an_example_for_each_inspiration():
    names = {p.stem for p in EXAMPLES}
    assert {"blue-eyes", "decades-zoom", "dream-footage", "hundred-dreams",
            "picture-sounds"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks_without_errors(path):
    result = check_file(path, name=path.name)
    errors = [(d.code, d.span.line, d.message) for d in result.diagnostics if d.is_error]
    assert errors == []
    assert result.program is not None and result.program.scenes


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_canonical(path):
    text = path.read_text()
    assert format_text(text, path.name).text == text


def test_the_long_dream_has_over_a_hundred_distinct_prompts():
    result = check_file(ROOT / "examples" / "hundred-dreams.mvs")
    prompts = [s.template for s in result.program.scenes]
    assert len(prompts) > 100 and len(set(prompts)) == len(prompts)


def test_the_life_in_five_second_segments():
    program = check_file(ROOT / "examples" / "blue-eyes.mvs").program
    ages = sorted({float(age) for s in program.scenes for _, age in s.cast if age is not None})
    assert ages[0] <= 6 and ages[-1] >= 80
    assert {s.length.amount for s in program.scenes if s.length_from == "defaults"} == {5}
    assert type(program.audio).__name__ == "Music"


@pytest.mark.parametrize("path", [p for p in BAD if parse(p.read_text()).ok], ids=lambda p: p.stem)
def test_golden_inputs_format_idempotently_keeping_comments(path):
    text = path.read_text()
    once = format_text(text).text
    assert format_text(once).text == once
    before = Counter(c.text for c in parse(text).comments)
    after = Counter(c.text for c in parse(once).comments)
    assert before == after and sum(after.values()) >= 1
    assert parse(once).module == parse(text).module
