"""The catalogue of bad inputs: each file in tests/bad/ pins its diagnostics.

A case starts with comment lines, one per expected diagnostic:

    # error: LINE:COL CODE message
    # warning: LINE:COL CODE message

(lines counted in the file as it stands, header included; a diagnostic in
another file, such as an imported one, is written `FILE:LINE:COL`). The test checks
that `check` reports exactly these, in order. After a deliberate change of
wording, regenerate the headers with `python tests/test_bad_inputs.py --update`
and review the diff.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from mvlang.ir import check_file

CASES = Path(__file__).parent / "bad"
HEADER = re.compile(r"^# (error|warning): ((?:\S+:)?\d+:\d+) ([EW]\d{4}) (.*)$")


def case_files() -> list[Path]:
    return sorted(p for p in CASES.glob("*.mvs"))


def expected(path: Path) -> list[tuple]:
    found = []
    for line in path.read_text().splitlines():
        match = HEADER.match(line)
        if not match:
            break
        found.append(match.groups())
    return found


def actual(path: Path) -> list[tuple]:
    result = check_file(path, name=path.name)
    return [(d.severity.value, _place(d, path), d.code, d.message) for d in result.diagnostics]


def _place(diagnostic, path: Path) -> str:
    where = f"{diagnostic.span.line}:{diagnostic.span.col}"
    return where if diagnostic.file == path.name else f"{diagnostic.file}:{where}"


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_bad_input(path: Path) -> None:
    want = expected(path)
    assert want, f"{path.name} has no expected diagnostics in its header"
    assert actual(path) == want


def test_catalogue_is_large_and_varied() -> None:
    codes = {d[2] for p in case_files() for d in expected(p)}
    assert len(case_files()) >= 25
    assert len(codes) >= 25


def update() -> None:
    """Rewrite each case's header from what `check` reports now."""
    for path in case_files():
        body = [line for line in path.read_text().splitlines() if not HEADER.match(line)]
        text = "\n".join(body) + "\n"
        path.write_text(text)
        for _ in range(3):  # the header shifts lines: iterate to a fixed point
            found = actual(path)
            header = [f"# {s}: {where} {code} {m}" for s, where, code, m in found]
            path.write_text("\n".join(header + body) + "\n")
        print(f"{path.name}: {len(found)} diagnostic(s)")


if __name__ == "__main__":
    if "--update" in sys.argv:
        update()
