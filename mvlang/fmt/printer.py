"""Layout of a parsed file: blocks, comments and blank lines (stage: format).

Takes a `Parsed` without syntax errors and gives the canonical text. The
statements are printed from the AST (`statements.py`); the source is read
only for what the AST leaves out: where comments stand (`Parsed.comments`)
and where the user left blank lines (the lines between two statements'
spans).

Each comment is placed by its position:

- on the line where a statement ends: after that statement (`fps 24  # x`),
  or after its `}` when the statement is a block;
- on a block's `{` line, before its first statement: after the `{`;
- anywhere else: on its own line, at the level of the block it is in.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from mvlang.fmt.statements import children, line
from mvlang.syntax.parser import Comment, Parsed

INDENT = "  "
# A string or a comment (skipped whole) or a `{`: finds a block's opening brace.
_BRACE = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*|\{')


@dataclass(frozen=True)
class _Entry:
    """One line-level thing of a block: a statement (with the comment that
    trails it, if any) or a comment on its own line (`stmt` None)."""

    start: int
    first_line: int
    last_line: int
    stmt: object = None
    comment: Comment | None = None


def print_module(parsed: Parsed) -> str:
    printer = _Printer(parsed)
    printer.body(parsed.module.items, 0, len(parsed.source.text), 0)
    return "".join(line + "\n" for line in printer.lines)


class _Printer:
    def __init__(self, parsed: Parsed) -> None:
        self.source = parsed.source
        self.comments = sorted(parsed.comments, key=lambda c: c.span.start)
        self.lines: list[str] = []

    # ---------------------------------------------------------------- blocks
    def body(self, items: tuple, lo: int, hi: int, depth: int) -> None:
        """The statements and comments of a block (or the file) between offsets lo and hi."""
        previous = None
        for entry in self.entries(items, self.loose_comments(items, lo, hi)):
            if previous is not None and self.blank_between(previous.last_line, entry.first_line):
                self.lines.append("")
            self.entry(entry, depth)
            previous = entry

    def loose_comments(self, items: tuple, lo: int, hi: int) -> list[Comment]:
        """Comments in lo..hi that are not inside one of the items (a nested block)."""
        return [c for c in self.comments if lo <= c.span.start < hi
                and not any(i.span.start <= c.span.start < i.span.end for i in items)]

    def entries(self, items: tuple, comments: list[Comment]) -> list[_Entry]:
        trailing: dict[int, Comment] = {}
        loose = []
        ends = [item.span.end for item in items]
        for comment in comments:
            index = bisect_right(ends, comment.span.start) - 1
            if index >= 0 and items[index].span.end_line == comment.span.line:
                trailing[index] = comment
            else:
                at = comment.span
                loose.append(_Entry(at.start, at.line, at.line, None, comment))
        stated = [_Entry(i.span.start, i.span.line, i.span.end_line, i, trailing.get(index))
                  for index, i in enumerate(items)]
        return sorted(stated + loose, key=lambda e: e.start)

    def blank_between(self, after: int, before: int) -> bool:
        return any(not self.source.line_text(n).strip() for n in range(after + 1, before))

    # ---------------------------------------------------------------- statements
    def entry(self, entry: _Entry, depth: int) -> None:
        indent = INDENT * depth
        if entry.stmt is None:
            self.lines.append(indent + _comment_text(entry.comment))
            return
        suffix = "" if entry.comment is None else "  " + _comment_text(entry.comment)
        head = indent + line(entry.stmt)
        if not self.block(entry.stmt, head, depth):
            self.lines.append(head + suffix)
            return
        self.lines.append(indent + "}" + suffix)

    def block(self, stmt, head: str, depth: int) -> bool:
        """Print `head {` and the block's body, unless it has nothing to print."""
        items = children(stmt)
        text = self.source.text
        if items is None or text[stmt.span.end - 1] != "}":
            return False
        lbrace, rbrace = self.lbrace(stmt), stmt.span.end - 1
        inner = [c for c in self.comments if lbrace < c.span.start < rbrace]
        if not items and not inner:
            return False
        opener = self.opener_comment(items, inner, lbrace)
        self.lines.append(head + " {" + ("" if opener is None else "  " + _comment_text(opener)))
        start = lbrace + 1 if opener is None else opener.span.end
        self.body(items, start, rbrace, depth + 1)
        return True

    def lbrace(self, stmt) -> int:
        for match in _BRACE.finditer(self.source.text, stmt.span.start, stmt.span.end):
            if match.group() == "{":
                return match.start()
        raise AssertionError("a block statement ending in `}` has a `{`")

    def opener_comment(self, items: tuple, inner: list[Comment], lbrace: int) -> Comment | None:
        """The comment after `{` on its line, before the block's first statement."""
        if not inner:
            return None
        first = inner[0]
        brace_line = self.source.position(lbrace)[0]
        before_items = not items or first.span.start < items[0].span.start
        return first if first.span.line == brace_line and before_items else None


def _comment_text(comment: Comment) -> str:
    return comment.text.rstrip()
