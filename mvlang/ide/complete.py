"""The keywords valid at the cursor, as the parser sees them.

`keywords_at(before)` runs the project's LALR parser (the same lark instance,
contextual lexer and panic-mode recovery as `mvlang.syntax.parser`) over the
text before the cursor, minus the word being typed, and asks it which
terminals it would take next; the keyword terminals among them (`SCENE` for
"scene", ...) are mapped back to their words. Inside a scene block after a
newline that is `prompt`, `camera`, ...; after `camera ` only the moves.

The parse builds no tree (no callbacks), so it stays cheap on long scripts.
`None` means "cannot tell" (the prefix does not lex, or the line being typed
is itself broken): the caller falls back to every keyword.
"""

from __future__ import annotations

import re
from copy import copy

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from mvlang.diagnostics import Sink
from mvlang.source import Source
from mvlang.syntax.parser import _Recovery, keyword_of, parser

__all__ = ["accepted_terminals", "keywords_at"]

_PARTIAL_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _accepts(ip) -> set[str]:
    """The terminals the parser takes next (lark's `accepts`, on our no-tree state)."""
    state = ip.parser_state
    table = state.parse_conf.parse_table.states[state.position]
    found = set()
    for terminal in table:
        if not terminal.isupper() or terminal == "$END":
            continue
        trial = type(state)(state.parse_conf, state.lexer, list(state.state_stack),
                            list(state.value_stack))
        try:
            trial.feed_token(ip.lexer_thread._Token(terminal, ""))
        except UnexpectedToken:
            continue
        found.add(terminal)
    return found


def accepted_terminals(before: str) -> set[str] | None:
    """Terminal names the parser would take after `before`, or None if it cannot say."""
    prefix = _PARTIAL_WORD.sub("", before)   # the word being typed is not read
    line_start = prefix.rfind("\n") + 1
    ip = parser().parse_interactive(prefix)
    state = ip.parser_state
    conf = copy(state.parse_conf)
    conf.callbacks = {}          # no tree: only the states matter here
    state.parse_conf = conf
    recovery = _Recovery(Source("<completion>", prefix), Sink("<completion>"))
    for _ in range(10_000):
        try:
            for token in state.lexer.lex(state):
                state.feed_token(token)
            return _accepts(ip)
        except UnexpectedInput as error:
            if isinstance(error, UnexpectedCharacters):
                position = error.pos_in_stream
            else:
                position = error.token.start_pos if error.token.start_pos is not None else 0
            if position is None or position >= line_start:
                return None      # the line being typed is broken: cannot tell
            if isinstance(error, UnexpectedCharacters):
                counter = state.lexer.state.line_ctr
                before_pos = counter.char_pos
            error.interactive_parser = ip
            try:
                if not recovery(error):
                    return None
            except Exception:  # noqa: BLE001 - recovery is best effort here
                return None
            if isinstance(error, UnexpectedCharacters) and counter.char_pos == before_pos:
                counter.feed(prefix[before_pos:before_pos + 1])   # as lark does
    return None


def keywords_at(before: str) -> list[str] | None:
    """The keywords valid at the end of `before` (the text up to the cursor)."""
    accepted = accepted_terminals(before)
    if accepted is None:
        return None
    return sorted({w for w in map(keyword_of, accepted) if w})
