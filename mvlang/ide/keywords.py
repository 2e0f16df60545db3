"""The words of the .mvs language, read from the grammar at import time.

Nothing here is typed by hand: every quoted word literal of `grammar/mvs.lark`
(such as "scene", "camera", "zoom") is a keyword, so the highlighters built on
this list (the Pygments lexer, and the Vim, Emacs and VS Code grammars that
`editors/generate.py` renders) cannot drift from the parser.

- `STATEMENT_KEYWORDS`: the words that begin a statement (a top-level item or
  an item of a `{ ... }` block): `scene`, `camera`, `prompt`, ...
- `OTHER_KEYWORDS`: the other words outside the `unit` rule: `at`, `zoom`,
  `crossfade`, `beat`, ...
- `KEYWORDS`: both of the above.
- `UNITS`: the alternatives of the `unit` rule (`s`, `ms`, ..., `dB`, `%`),
  in grammar order; `CASE_INSENSITIVE_UNITS` are those marked `"..."i`.
- `ALL_WORDS`: every lowercase word literal of the grammar, units included.

Only the standard library and `mvlang.resources` are imported.
"""

from __future__ import annotations

import re

from mvlang.resources import grammar_path

__all__ = [
    "ALL_WORDS", "CASE_INSENSITIVE_UNITS", "KEYWORDS", "OTHER_KEYWORDS",
    "STATEMENT_KEYWORDS", "UNITS", "read_rules",
]

_RULE_HEAD = re.compile(r"^(!?)([a-z_][a-z0-9_]*)(\{[^}]*\})?\s*:(.*)$")
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"(i?)')
_WORD = re.compile(r"[a-z][a-z_]*")
_BLOCK_ARG = re.compile(r"_block\{(\w+)\}")


def read_rules(text: str) -> dict[str, str]:
    """Rule name -> body (all its lines joined), for the grammar's rules.

    Terminals (upper-case names) are skipped: their regexes hold no keywords.
    """
    rules: dict[str, str] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)//.*$", "", raw).rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            head = _RULE_HEAD.match(line)
            current = head.group(2) if head else None
            if current is not None:
                rules[current] = head.group(4)
        elif current is not None:
            rules[current] += " " + line.strip()
    return rules


def _alternatives(body: str) -> list[str]:
    """The top-level alternatives of a rule body (`|` inside parentheses is not one)."""
    body = re.sub(r"->\s*\w+", "", _LITERAL.sub(lambda m: m.group(0).replace("|", "\0"), body))
    alts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            alts.append(body[start:i])
            start = i + 1
    alts.append(body[start:])
    return [alt.replace("\0", "|").strip() for alt in alts]


def _words(body: str) -> list[str]:
    return [m.group(1) for m in _LITERAL.finditer(body) if _WORD.fullmatch(m.group(1))]


def _statement_rules(rules: dict[str, str]) -> set[str]:
    """Rules that are whole statements: the items of `_top` and of every block."""
    choices = ["_top"] + _BLOCK_ARG.findall(" ".join(rules.values()))
    found: set[str] = set()
    for choice in choices:
        for alt in _alternatives(rules.get(choice, "")):
            found.update(n for n in alt.split() if n in rules)
    return found


def _load() -> tuple[frozenset[str], frozenset[str], tuple[str, ...], frozenset[str], frozenset[str]]:
    rules = read_rules(grammar_path().read_text(encoding="utf-8"))
    statements: set[str] = set()
    for name in _statement_rules(rules):
        for alt in _alternatives(rules[name]):
            first = _LITERAL.match(alt)
            if first and _WORD.fullmatch(first.group(1)):
                statements.add(first.group(1))
    words: set[str] = set()
    for name, body in rules.items():
        if name != "unit":
            words.update(_words(body))
    units = tuple(m.group(1) for m in _LITERAL.finditer(rules.get("unit", "")))
    insensitive = frozenset(m.group(1) for m in _LITERAL.finditer(rules.get("unit", "")) if m.group(2))
    all_words = words | {u for u in units if _WORD.fullmatch(u)}
    return frozenset(statements), frozenset(words - statements), units, insensitive, frozenset(all_words)


STATEMENT_KEYWORDS, OTHER_KEYWORDS, UNITS, CASE_INSENSITIVE_UNITS, ALL_WORDS = _load()
KEYWORDS: frozenset[str] = STATEMENT_KEYWORDS | OTHER_KEYWORDS
