"""Tests of the formatter (mvlang/fmt): golden cases, the corpus, properties.

A golden case in tests/fmt_cases/ is an input, a line `# output`, then the
expected output; without an `# output` line the file is already canonical.
Every case and every example and standard-library file must also format
idempotently, to the same AST, keeping every comment.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mvlang.fmt import Formatted, format_text
from mvlang.syntax.parser import parse

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "fmt_cases"
OUTPUT_MARK = "# output\n"


def read_case(path: Path) -> tuple[str, str]:
    """(input, expected output) of a golden case."""
    text = path.read_text(encoding="utf-8")
    if text.startswith(OUTPUT_MARK) or f"\n{OUTPUT_MARK}" in text:
        source, _, expected = text.partition(f"\n{OUTPUT_MARK}")
        return source + "\n", expected
    return text, text


def case_paths() -> list[Path]:
    return sorted(CASES.glob("*.mvs"))


def corpus_paths() -> list[Path]:
    """Every example and standard-library script, found when the tests run."""
    return sorted((ROOT / "examples").glob("*.mvs")) + sorted((ROOT / "stdlib").glob("*.mvs"))


def all_texts() -> list:
    cases = [pytest.param(read_case(p)[0], id=f"case-{p.stem}") for p in case_paths()]
    corpus = [pytest.param(p.read_text(encoding="utf-8"), id=f"{p.parent.name}-{p.stem}")
              for p in corpus_paths()]
    return cases + corpus


def comment_texts(text: str) -> Counter:
    return Counter(c.text.rstrip() for c in parse(text).comments)


def fmt(text: str) -> str:
    result = format_text(text)
    assert result.text is not None, [d.message for d in result.diagnostics]
    return result.text


# ------------------------------------------------------------------ golden cases

def test_there_are_enough_golden_cases():
    assert len(case_paths()) >= 15


@pytest.mark.parametrize("path", case_paths(), ids=lambda p: p.stem)
def test_golden_case(path: Path):
    source, expected = read_case(path)
    result = format_text(source, path.name)
    assert result.text == expected
    assert result.changed == (expected != source)


# ------------------------------------------------------------------ invariants

@pytest.mark.parametrize("text", all_texts())
def test_idempotent(text: str):
    once = fmt(text)
    assert fmt(once) == once


@pytest.mark.parametrize("text", all_texts())
def test_same_ast(text: str):
    original = parse(text)
    formatted = parse(fmt(text))
    assert formatted.ok, [d.message for d in formatted.diagnostics]
    assert formatted.module == original.module


@pytest.mark.parametrize("text", all_texts())
def test_every_comment_kept(text: str):
    out = fmt(text)
    assert len(parse(out).comments) == len(parse(text).comments)
    assert comment_texts(out) == comment_texts(text)


@pytest.mark.parametrize("path", corpus_paths(), ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_corpus_is_canonical(path: Path):
    """PRQL-style: every shipped script formats unchanged."""
    text = path.read_text(encoding="utf-8")
    assert fmt(text) == text


@pytest.mark.parametrize("text", all_texts())
def test_canonical_layout(text: str):
    out = fmt(text)
    lines = out.split("\n")
    assert out == "" or (out.endswith("\n") and not out.endswith("\n\n"))
    assert not out.startswith("\n")
    assert "\n\n\n" not in out
    # Trailing whitespace can only remain inside a \"\"\" string.
    if '"""' not in out:
        assert all(line == line.rstrip() for line in lines)
        assert all((len(line) - len(line.lstrip(" "))) % 2 == 0 for line in lines)
        assert "{\n\n" not in out and "\n\n}" not in out.replace("  ", "")


# ------------------------------------------------------------------ the API

def test_syntax_error_gives_no_text_and_the_diagnostics():
    result = format_text('video { fps }\nscene = 3\n', "bad.mvs")
    assert isinstance(result, Formatted)
    assert result.text is None
    assert result.changed is False
    assert len(result.diagnostics) >= 2
    assert all(d.is_error for d in result.diagnostics)


def test_changed_flag():
    assert format_text("mvs 1\n").changed is False
    assert format_text("mvs 1").changed is True
    assert format_text("mvs 1").text == "mvs 1\n"


def test_empty_and_blank_files():
    assert format_text("").text == ""
    assert format_text("\n\n  \n").text == ""
    assert format_text("\n\n# only a comment\n\n\n").text == "# only a comment\n"


def test_crlf_becomes_lf():
    text = "video {\r\n  fps 24  # rate\r\n}\r\n\r\n\r\nscene a\r\n"
    assert fmt(text) == "video {\n  fps 24  # rate\n}\n\nscene a\n"


def test_unknown_escape_is_an_error_not_a_crash():
    result = format_text('negative "a \\q b"\n')
    assert result.text is None and result.diagnostics


def test_exponent_never_printed():
    out = fmt("scene a {\n  effect grain 0.00000001\n}\n")
    assert "0.00000001" in out and "E" not in out


@pytest.mark.parametrize("value", ['"', '""', '"""', 'a"', 'a""', '\\', 'x\\"""y', '"""a"""', ""])
def test_long_string_quotes_read_back(value: str):
    from mvlang.fmt.values import long_string
    text = f"negative {long_string(value)}\n"
    parsed = parse(text)
    assert parsed.ok, [d.message for d in parsed.diagnostics]
    assert parsed.module.items[0].text.value == value
    assert parsed.module.items[0].text.long


# ------------------------------------------------------------------ properties

def check_if_parses(text: str) -> None:
    """format_text never raises; what parses formats idempotently to the same AST."""
    result = format_text(text)
    original = parse(text)
    if not original.ok:
        assert result.text is None
        return
    assert result.text is not None
    again = parse(result.text)
    assert again.ok, [d.message for d in again.diagnostics]
    assert again.module == original.module
    assert fmt(result.text) == result.text
    assert comment_texts(result.text) == comment_texts(text)


PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.text())
def test_any_text(text: str):
    check_if_parses(text)


MVS_ALPHABET = st.sampled_from(list('{}";#\n\t -+>:.x/%=,') + ["\"\"\"", "\\"]
                               + ["scene a", "video", "fps 24", "bar 2", "beat", "1", "dB",
                                  "prompt", "# c", "-> cut", "over", "at", "sfx auto"])


@PROPERTY
@given(st.lists(MVS_ALPHABET, max_size=40).map("".join))
def test_text_near_the_language(text: str):
    check_if_parses(text)


def seed_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in corpus_paths()]
    return texts + [read_case(p)[0] for p in case_paths()]


def mutate_lines(lines: list[str], data) -> list[str]:
    for _ in range(data.draw(st.integers(0, 4))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        j = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
    return lines


def mutate_chars(text: str, data) -> str:
    for _ in range(data.draw(st.integers(0, 4))):
        if not text:
            break
        i = data.draw(st.integers(0, len(text) - 1))
        op = data.draw(st.sampled_from(["delete", "duplicate", "insert"]))
        if op == "delete":
            text = text[:i] + text[i + 1:]
        elif op == "duplicate":
            text = text[:i] + text[i] + text[i:]
        else:
            text = text[:i] + data.draw(st.sampled_from(list('{}";#\n -+"x1 '))) + text[i:]
    return text


@PROPERTY
@given(st.data())
def test_mutated_scripts(data):
    seeds = seed_texts()
    text = data.draw(st.sampled_from(seeds))
    lines = mutate_lines(text.splitlines(keepends=True), data)
    check_if_parses(mutate_chars("".join(lines), data))
