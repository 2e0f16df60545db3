"""Diagnostics: what every stage reports to the user instead of raising.

A diagnostic has a severity, a stable code (E0xxx syntax, E1xxx names and
definitions, E2xxx time and music, E3xxx files and backends, Wxxxx
warnings), a primary span, secondary labels and hints. Stages collect them
in a `Sink`; rendering lives in `render.py`, explanations in `codes.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from enum import Enum
from typing import Iterable

from mvlang.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Label:
    """A secondary place that explains the diagnostic ("first defined here")."""

    file: str
    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    file: str
    span: Span
    label: str = ""
    labels: tuple[Label, ...] = ()
    hints: tuple[str, ...] = ()
    suggestion: str | None = None  # replacement text for the primary span ("did you mean")

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        return (self.file, self.span.start, self.code)


@dataclass
class Sink:
    """Collects diagnostics; `file` names the file they are in unless one says otherwise."""

    file: str = "<input>"
    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, span: Span, label: str = "", **extra) -> Diagnostic:
        """Report an error; `extra`: labels, hints, file, suggestion."""
        return self._add(Severity.ERROR, code, message, span, label, **extra)

    def warning(self, code: str, message: str, span: Span, label: str = "", **extra) -> Diagnostic:
        return self._add(Severity.WARNING, code, message, span, label, **extra)

    def _add(self, severity: Severity, code: str, message: str, span: Span, label: str, *,
             labels: Iterable[Label] = (), hints: Iterable[str] = (), file: str | None = None,
             suggestion: str | None = None) -> Diagnostic:
        hints = [h for h in hints if h]
        if suggestion:
            hints.insert(0, f"did you mean `{suggestion}`?")
        diagnostic = Diagnostic(severity, code, message, file or self.file, span, label,
                                tuple(labels), tuple(hints), suggestion)
        self.items.append(diagnostic)
        return diagnostic

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a misspelt `name` most likely meant, if any is close."""
    matches = get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None
