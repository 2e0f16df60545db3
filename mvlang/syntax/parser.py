"""Parsing text into the AST with error recovery (stage: parse).

`parse(source)` never raises: it returns a `Parsed` with the module (as much
of it as could be read) and the syntax diagnostics. Recovery is panic mode
over lark's LALR parser: on an error, skip to the end of the statement (a
newline, `;` or `}`), pop parser states until one accepts that separator, and
go on, so that one file can report several syntax errors. A statement
keyword at the start of a line inside a block that is still open closes the
block first, the way a reader would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from mvlang.diagnostics import Diagnostic, Label, Sink, closest
from mvlang.resources import grammar_path
from mvlang.source import Source, Span
from mvlang.syntax import ast as A
from mvlang.syntax.lower import Lower, token_span

MAX_SYNTAX_ERRORS = 50
SEPARATORS = {"_NL", "SEMICOLON"}
BLOCK_KEYWORDS = {"VIDEO", "SONG", "MUSIC", "CHARACTER", "DEFAULTS", "SCENE"}
TOP_KEYWORDS = BLOCK_KEYWORDS | {"IMPORT", "ARROW", "MVS"}

# Strings and comments, as the grammar lexes them; used to find comments.
_STRING_OR_COMMENT = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\r\n]*')
_SKIP_TO_SEPARATOR = re.compile(r'(?:"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[^\n;}"#])*')

NAMED_TERMINALS = {
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number",
    "CLOCK": "a clock time like 1:23", "FRAME_SIZE": "a size like 1280x720",
    "TIME_SIGNATURE": "a meter like 4/4", "_NL": "a new line", "$END": "the end of the file",
}


@dataclass(frozen=True)
class Comment:
    text: str
    span: Span


@dataclass
class Parsed:
    source: Source
    module: A.Module
    diagnostics: list[Diagnostic] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


@cache
def parser() -> Lark:
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr",
                keep_all_tokens=True, maybe_placeholders=False, cache=True)


KEPT_TOKENS = {"LBRACE", "RBRACE", "ARROW", "PLUS", "MINUS", "NAME", "NUMBER", "STRING", "CLOCK",
               "FRAME_SIZE", "TIME_SIGNATURE"}


@cache
def noise() -> frozenset[str]:
    """Token types the AST never needs: keywords, separators, commas, `=`."""
    return frozenset(t.name for t in parser().terminals if t.name not in KEPT_TOKENS)


@cache
def _terminal_text() -> dict[str, str]:
    """How each terminal is named in a message: `scene`, `{`, a number ..."""
    names = dict(NAMED_TERMINALS)
    for terminal in parser().terminals:
        if terminal.name not in names and terminal.pattern.type == "str":
            names[terminal.name] = f"`{terminal.pattern.value}`"
    return names


def describe_terminal(name: str) -> str:
    return _terminal_text().get(name, name.lower())


def keyword_of(name: str) -> str | None:
    """The keyword a terminal stands for (`SCENE` -> `scene`), if it is one."""
    text = _terminal_text().get(name, "")
    word = text.strip("`")
    return word if text.startswith("`") and word.replace("_", "").isalpha() else None


def scan_comments(source: Source) -> list[Comment]:
    return [Comment(m.group(), source.span(m.start(), m.end()))
            for m in _STRING_OR_COMMENT.finditer(source.text) if m.group().startswith("#")]


def parse(source: Source | str, name: str = "<input>") -> Parsed:
    """Parse `.mvs` text; never raises for any input."""
    if isinstance(source, str):
        source = Source(name, source)
    sink = Sink(source.name)
    recovery = _Recovery(source, sink)
    module = A.Module()
    try:
        tree = parser().parse(source.text, on_error=recovery)
    except UnexpectedInput as error:
        recovery.report(error)  # gave up: report what stopped it, keep what was said
    else:
        module = Lower(sink, noise()).transform(tree)
        _check_version(module, sink)
    return Parsed(source, module, sink.sorted(), scan_comments(source))


def _check_version(module: A.Module, sink: Sink) -> None:
    for index, item in enumerate(module.items):
        if not isinstance(item, A.Version):
            continue
        if index:
            sink.error("E0007", "`mvs` must be the first statement of the file", item.span,
                       "not first", hints=["move the version line to the top"])
        elif item.number.value != 1:
            sink.error("E0007", f"unsupported language version {item.number.value}",
                       item.number.span, "this mvlang reads version 1",
                       hints=["write `mvs 1`, or upgrade mvlang"])


class _Recovery:
    """lark's `on_error` hook: report the error, then get the parser going again."""

    def __init__(self, source: Source, sink: Sink) -> None:
        self.source = source
        self.sink = sink
        self.count = 0
        self.quiet_until = -1  # errors at or before this offset follow from one reported

    def __call__(self, error: UnexpectedInput) -> bool:
        if self.count >= MAX_SYNTAX_ERRORS or error.interactive_parser is None:
            return False
        self.report(error)
        ip = error.interactive_parser
        if isinstance(error, UnexpectedToken):
            return self._recover_token(error, ip)
        return self._skip_statement(ip, error.pos_in_stream)

    # ---------------------------------------------------------------- reporting
    def report(self, error: UnexpectedInput) -> None:
        if isinstance(error, UnexpectedToken):
            position = error.token.start_pos if error.token.type != "$END" else len(self.source.text)
        else:
            position = error.pos_in_stream
        if position is not None and position <= self.quiet_until:
            return
        self.count += 1
        if isinstance(error, UnexpectedCharacters):
            self._report_characters(error)
        elif isinstance(error, UnexpectedToken):
            self._report_token(error)

    def _report_characters(self, error: UnexpectedCharacters) -> None:
        pos = error.pos_in_stream
        char = self.source.text[pos]
        if char == '"':
            end = self.source.text.find("\n", pos)
            end = len(self.source.text) if end == -1 else end
            self.sink.error("E0004", "this string is never closed", self.source.span(pos, end),
                            "the string starts here",
                            hints=['close it with `"` on the same line, or use """...""" '
                                   "for a prompt over several lines"])
        else:
            self.sink.error("E0002", f"unexpected character `{char}`",
                            self.source.span(pos, pos + 1), "not valid here",
                            labels=self._open_block_labels(error.interactive_parser),
                            hints=_character_hints(char))

    def _report_token(self, error: UnexpectedToken) -> None:
        token = error.token
        ip = error.interactive_parser
        expected = _expected(error)
        labels = self._open_block_labels(ip)
        if token.type == "$END":
            end = len(self.source.text)
            span = self.source.span(max(0, end - 1), end)
            if "RBRACE" in expected and labels:
                opener = labels[-1]
                self.sink.error("E0003", f"{_block_name(opener)} block is never closed",
                                span, "the file ends here", labels=[opener],
                                hints=["add `}` to close it"])
                return
            self.sink.error("E0001", "the file ends in the middle of a statement", span,
                            "expected " + _join(expected), labels=labels)
            return
        span = token_span(token)
        if token.type == "RBRACE" and "RBRACE" not in expected and not labels:
            self.sink.error("E0005", "`}` closes no block", span, "nothing to close",
                            hints=["remove it, or open the block it was meant to close"])
            return
        if token.type == "_NL":
            span = self.source.span(token.start_pos, token.start_pos + 1)
            line = self.source.line_text(token.line)
            span = self.source.span(token.start_pos, token.start_pos) if not line else span
            message = "this statement is not finished"
        else:
            message = f"unexpected {_found(token)}"
        if "RBRACE" in expected and labels and token.type in TOP_KEYWORDS and token.column == 1:
            opener = labels[-1]
            self.sink.error("E0003", f"{_block_name(opener)} block is never closed", span,
                            "`}` expected before this line", labels=[opener],
                            hints=["add `}` at the end of the block"])
            return
        suggestion = None
        if token.type == "NAME":
            keywords = [keyword_of(t) for t in expected]
            suggestion = closest(str(token), [k for k in keywords if k])
        hints = _token_hints(token, expected)
        expectation = "expected " + _join(expected)
        statements = [k for k in map(keyword_of, expected) if k]
        if len(statements) > 8 and labels:
            block = _block_name(labels[-1])
            expectation = f"expected a statement of {block} block or `}}`"
            hints.append(f"{block} block holds: " + ", ".join(statements))
        self.sink.error("E0001", message, span, expectation, labels=labels, hints=hints,
                        suggestion=suggestion)

    def _open_block_labels(self, ip) -> list[Label]:
        """Labels at each `{` still open, outermost first (Jinja's innermost block)."""
        labels = []
        if ip is None:
            return labels
        values = ip.parser_state.value_stack
        for index, value in enumerate(values):
            if isinstance(value, Token) and value.type == "LBRACE":
                keyword = next((v for v in reversed(values[:index])
                                if isinstance(v, Token) and v.type in BLOCK_KEYWORDS), None)
                what = f"the `{keyword}`" if keyword is not None else "this"
                labels.append(Label(self.source.name, token_span(value),
                                    f"{what} block opened here is still open"))
        return labels

    # ---------------------------------------------------------------- recovering
    def _recover_token(self, error: UnexpectedToken, ip) -> bool:
        token = error.token
        if token.type == "$END":
            return self._close_all(ip)
        if token.type in TOP_KEYWORDS and token.column == 1 and self._closes_block(ip, token):
            return True
        if token.type in SEPARATORS or token.type == "RBRACE":
            self.quiet_until = token.start_pos
            if _pop_until_accepts(ip, token.type):
                ip.feed_token(token)
            return True
        return self._skip_statement(ip, token.end_pos)

    def _closes_block(self, ip, token: Token) -> bool:
        """Close the open block before a statement keyword at column 1."""
        trial = ip.copy()
        if not _pop_until_accepts(trial, "RBRACE"):
            return False
        try:
            trial.feed_token(Token("RBRACE", "}", token.start_pos, token.line, token.column))
            trial.feed_token(Token("_NL", "\n", token.start_pos, token.line, token.column))
            trial.feed_token(token)
        except UnexpectedInput:
            return False
        ip.parser_state.state_stack[:] = trial.parser_state.state_stack
        ip.parser_state.value_stack[:] = trial.parser_state.value_stack
        return True

    def _skip_statement(self, ip, position: int) -> bool:
        """Move the lexer to the next separator and the parser to a state that takes it."""
        text = self.source.text
        stop = _SKIP_TO_SEPARATOR.match(text, position).end()
        while stop < len(text):
            kind = "RBRACE" if text[stop] == "}" else ("SEMICOLON" if text[stop] == ";" else "_NL")
            if kind != "RBRACE" or _has_open_block(ip):
                break
            stop = _SKIP_TO_SEPARATOR.match(text, stop + 1).end()  # a stray `}`: skip it too
        self.quiet_until = stop
        if stop >= len(text):
            _advance(ip, text, stop)
            return self._close_all(ip) if stop > position else True
        _pop_until_accepts(ip, kind)
        _advance(ip, text, stop)
        return True

    def _close_all(self, ip) -> bool:
        """At the end of the file: close every open block so the tree is complete."""
        end = len(self.source.text)
        for _ in range(1000):
            if _takes(ip, Token("$END", "", end, 1, 1)):
                return True
            if _pop_until_accepts(ip, "RBRACE"):
                ip.feed_token(Token("RBRACE", "}", end, 1, 1))
            elif len(ip.parser_state.state_stack) > 1:
                ip.parser_state.state_stack.pop()
                ip.parser_state.value_stack.pop()
            else:
                return False
        return False


def _trial(ip):
    """A cheap copy of the parser to try tokens on (lark's copy deep-copies values)."""
    state = ip.parser_state
    copied = type(state)(state.parse_conf, state.lexer, list(state.state_stack),
                         list(state.value_stack))
    return type(ip)(ip.parser, copied, ip.lexer_thread)


def _takes(ip, token: Token) -> bool:
    """Whether the parser, as it stands, shifts `token` (reductions included)."""
    try:
        _trial(ip).feed_token(token)
    except UnexpectedInput:
        return False
    return True


def _pop_until_accepts(ip, terminal: str) -> bool:
    """Pop parser states until the top one takes `terminal`; pop nothing if none does.

    The parse table's entry is a first filter; a trial feed confirms it, since a
    lookahead shared by merged LALR states can lead to a reduction that fails."""
    state = ip.parser_state
    table = state.parse_conf.parse_table.states
    token = Token(terminal, "", 0, 1, 1)
    for keep in range(len(state.state_stack), 0, -1):
        if terminal not in table[state.state_stack[keep - 1]]:
            continue
        trial = _trial(ip)
        del trial.parser_state.state_stack[keep:]
        del trial.parser_state.value_stack[keep - 1:]
        if _takes(trial, token):
            del state.state_stack[keep:]
            del state.value_stack[keep - 1:]
            return True
    return False


def _has_open_block(ip) -> bool:
    return any(isinstance(v, Token) and v.type == "LBRACE" for v in ip.parser_state.value_stack)


def _advance(ip, text: str, stop: int) -> None:
    counter = ip.lexer_thread.state.line_ctr
    if stop > counter.char_pos:
        counter.feed(text[counter.char_pos:stop])


def _expected(error: UnexpectedToken) -> list[str]:
    try:
        accepted = error.interactive_parser.accepts()
    except Exception:  # noqa: BLE001 - accepts() replays the parser; fall back to lark's set
        accepted = set(error.expected)
    names = set(accepted) - {"SEMICOLON"}
    if "NUMBER" in names:  # a sign is part of the number: "expected a number" says it
        names -= {"MINUS", "PLUS"}
    if "_NL" in names:
        names.discard("$END")
    return sorted(names, key=_expected_order)


def _expected_order(name: str) -> tuple:
    keyword = keyword_of(name)
    return (0 if keyword else 1, keyword or describe_terminal(name))


def _block_name(label: Label) -> str:
    """`the `scene`` from a label "the `scene` block opened here ..."."""
    return label.message.split(" block opened")[0]


def _join(expected: list[str]) -> str:
    words = [describe_terminal(t) for t in expected]
    if not words:
        return "something else"
    if len(words) > 12:
        words = words[:12] + ["..."]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _found(token: Token) -> str:
    if token.type == "NAME":
        return f"name `{token}`"
    if token.type == "STRING":
        return "string"
    if token.type == "NUMBER":
        return f"number `{token}`"
    if keyword_of(token.type):
        return f"keyword `{token}`"
    return f"`{token}`"


# Where a statement belongs, for a keyword written in the wrong block.
HOMES = {
    "title": "`video { }`", "size": "`video { }`", "fps": "`video { }`",
    "bpm": "the `song` or `music` block", "meter": "the `song` or `music` block",
    "mark": "the `song` or `music` block", "downbeat": "the `song { }` block",
    "key": "the `music { }` block", "prompt": "a `scene { }`", "cast": "a `scene { }`",
    "camera": "a `scene { }`", "react": "a `scene { }`", "effect": "a `scene { }`",
    "image": "a `scene { }`", "footage": "a `scene { }`", "motion": "a `scene { }`",
    "takes": "a `scene { }` or the `music { }` block", "pick": "a `scene { }` or the `music { }` block",
    "age": "a `character { }` block", "ref": "a `character { }` block",
    "snap": "the `defaults { }` block",
}


def _token_hints(token: Token, expected: list[str]) -> list[str]:
    hints = []
    word = str(token)
    if word in HOMES and word not in {keyword_of(t) for t in expected}:
        hints.append(f"`{word}` belongs in {HOMES[word]}")
    if token.type == "NAME" and "STRING" in expected:
        hints.append(f'text goes in double quotes: "{token}"')
    if token.type == "NUMBER" and "FRAME_SIZE" in expected:
        hints.append("write a size without spaces: 1280x720")
    if token.type == "LBRACE" and "_NL" in expected:
        hints.append("this statement takes no block")
    return hints


def _character_hints(char: str) -> list[str]:
    if char == "'":
        return ['strings use double quotes: "..."']
    if char in "“”":
        return ['use plain double quotes `"` rather than typographic ones']
    if char == "/":
        return ["comments start with `#`"]
    return []
