"""Rendering diagnostics: rustc-style for people, `short` and `json` for tools.

    error[E1001]: unknown character `mai`
      --> song.mvs:12:12
       |
    12 |   prompt "{mai@6} chasing bubbles"
       |            ^^^ not defined
       |
       = help: did you mean `mia`?
"""

from __future__ import annotations

import json
from typing import Iterable, Mapping

from mvlang.diagnostics import Diagnostic, Label, Severity
from mvlang.source import Source, Span

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "help": "\x1b[1;36m",
            "note": "\x1b[1;34m", "bold": "\x1b[1m", "secondary": "\x1b[1;34m"}
_RESET = "\x1b[0m"


class _Paint:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, style: str, text: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if self.colour and text else text


def render_human(diagnostics: Iterable[Diagnostic], sources: Mapping[str, Source],
                 colour: bool = False) -> str:
    paint = _Paint(colour)
    blocks = [_render_one(d, sources, paint) for d in diagnostics]
    return "\n".join(blocks)


def _render_one(d: Diagnostic, sources: Mapping[str, Source], paint: _Paint) -> str:
    severity = d.severity.value
    head = paint(severity, f"{severity}[{d.code}]") + paint("bold", f": {d.message}")
    places = [(d.file, d.span, d.label, True)] + [(lab.file, lab.span, lab.message, False) for lab in d.labels]
    width = max(len(str(span.end_line)) for _, span, _, _ in places)
    gutter = " " * width
    lines = [head, f"{gutter}{paint('secondary', '-->')} {d.file}:{d.span.line}:{d.span.col}"]
    by_file: dict[str, list] = {}
    for place in places:
        by_file.setdefault(place[0], []).append(place)
    for index, (file, group) in enumerate(by_file.items()):
        if index:
            first = group[0][1]
            lines.append(f"{gutter}{paint('secondary', ':::')} {file}:{first.line}:{first.col}")
        lines.append(f"{gutter} {paint('secondary', '|')}")
        source = sources.get(file)
        previous = None
        ordered = sorted(group, key=lambda p: (p[1].line, not p[3], p[1].col))
        for line_no in sorted({p[1].line for p in ordered}):
            on_line = [p for p in ordered if p[1].line == line_no]
            if previous is not None and line_no > previous + 1:
                lines.append(paint("secondary", "..."))
            lines.extend(_snippet(source, on_line, width, paint))
            previous = line_no
    lines.append(f"{gutter} {paint('secondary', '|')}")
    for hint in d.hints:
        lines.append(f"{gutter} {paint('secondary', '=')} {paint('help', 'help')}: {hint}")
    return "\n".join(lines) + "\n"


def _snippet(source: Source | None, places: list, width: int, paint: _Paint) -> list[str]:
    """One source line and a marker line for each place on it (primary first)."""
    line_no = places[0][1].line
    bar = paint("secondary", "|")
    text = source.line_text(line_no) if source else ""
    shown = text.expandtabs(4)
    out = [f"{paint('secondary', str(line_no).rjust(width))} {bar} {shown}".rstrip()]
    for _, span, message, primary in places:
        start = len(text[: span.col - 1].expandtabs(4))
        if span.end_line == span.line:
            end = len(text[: max(span.end_col - 1, span.col)].expandtabs(4))
        else:
            end = len(shown)
        marker = ("^" if primary else "-") * max(1, end - start)
        style = "error" if primary else "secondary"
        under = " " * start + paint(style, marker + (f" {message}" if message else ""))
        out.append(f"{' ' * width} {bar} {under}".rstrip())
    return out


def render_short(diagnostics: Iterable[Diagnostic]) -> str:
    return "".join(f"{d.file}:{d.span.line}:{d.span.col}: {d.severity.value}[{d.code}]: "
                   f"{d.message}\n" for d in diagnostics)


def _place(file: str, span: Span) -> dict:
    return {"file": file, "line": span.line, "column": span.col,
            "end_line": span.end_line, "end_column": span.end_col,
            "start": span.start, "end": span.end}


def to_json(d: Diagnostic) -> dict:
    return {"severity": d.severity.value, "code": d.code, "message": d.message,
            **_place(d.file, d.span), "label": d.label,
            "labels": [{**_place(lab.file, lab.span), "message": lab.message} for lab in d.labels],
            "hints": list(d.hints), "suggestion": d.suggestion}


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([to_json(d) for d in diagnostics], indent=2) + "\n"


def summary(diagnostics: list[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


__all__ = ["render_human", "render_short", "render_json", "summary", "Label", "to_json"]
