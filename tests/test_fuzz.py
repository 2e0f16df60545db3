"""Fuzzing the front end: 10,000 generated inputs, zero internal errors.

Inputs are mutations of the corpus (examples, standard library, golden
cases: lines deleted, duplicated and swapped; characters deleted,
duplicated, swapped and inserted), soups of the language's own tokens, and
arbitrary text. `check` and `fmt` must answer each with diagnostics, never
an exception. The generator is seeded, so a failure names an input that can
be replayed (`fuzz_inputs(seed)[index]`).
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mvlang.fmt import format_text
from mvlang.ir import check_text
from mvlang.syntax.parser import parser

ROOT = Path(__file__).resolve().parent.parent
TOTAL = 10_000
SEED = 20261122


def corpus() -> list[str]:
    folders = [ROOT / "examples", ROOT / "stdlib", ROOT / "tests" / "bad", ROOT / "tests" / "fmt_cases"]
    return [p.read_text() for folder in folders for p in sorted(folder.glob("*.mvs"))]


def vocabulary() -> list[str]:
    words = [t.pattern.value for t in parser().terminals if t.pattern.type == "str"]
    return words + ["mia", "drop", "film", "a", "12", "1.5", "-6", "1:23", "1280x720", "4/4",
                    '"prompt"', '"{mia@6} in a meadow"', '"""long\nprompt"""', "\n", "\n", ";",
                    "# comment\n", "{", "}", "+", "-", "@", "'", "\\", "\t", "{mia}"]


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    if len(lines) > 40:  # a window keeps each input small and the run quick
        start = rng.randrange(len(lines) - 40)
        lines = lines[start:start + 40]
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        if op < 3 and len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == 0:
                del lines[i]
            elif op == 1:
                lines.insert(i, lines[j])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            continue
        text = "\n".join(lines)
        if not text:
            continue
        k = rng.randrange(len(text))
        if op == 3:
            text = text[:k] + text[k + 1:]
        elif op == 4:
            text = text[:k] + text[k] + text[k:]
        elif op == 5 and k + 1 < len(text):
            text = text[:k] + text[k + 1] + text[k] + text[k + 2:]
        else:
            text = text[:k] + rng.choice('{}"#;->+:@\n x\\0.%') + text[k:]
        lines = text.split("\n")
    return "\n".join(lines)


def fuzz_inputs(seed: int = SEED, total: int = TOTAL) -> list[str]:
    rng = random.Random(seed)
    texts, words = corpus(), vocabulary()
    inputs = []
    for index in range(total):
        kind = index % 10
        if kind < 7:
            inputs.append(mutate(rng.choice(texts), rng))
        elif kind < 9:
            glue = rng.choice([" ", " ", "", "\n", ";"])  # "" runs words together: `sfx autoat`
            inputs.append(glue.join(rng.choice(words) for _ in range(rng.randint(1, 60))))
        else:
            inputs.append("".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randint(0, 80))))
    return inputs


def run_one(text: str) -> None:
    check_text(text, files={"media/portrait.png": b"", "media/decades.ogg": b""})
    format_text(text)


def test_ten_thousand_inputs_no_internal_error():
    inputs = fuzz_inputs()
    failures = []
    for index, text in enumerate(inputs):
        try:
            run_one(text)
        except Exception as error:  # noqa: BLE001 - counting internal errors is the point
            failures.append((index, repr(error)))
    assert len(inputs) == TOTAL
    assert failures == [], f"{len(failures)} internal errors, first: {failures[:3]}"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text):
    run_one(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(vocabulary()), max_size=40))
def test_token_soup_never_raises(words):
    run_one(" ".join(words))
