"""Semantic tokens for the whole document (LSP `textDocument/semanticTokens/full`).

The Pygments lexer (`pygments_lexer.py`) already knows every word of the
grammar and yields no error token on a valid script; its token types map onto
the standard LSP token types below. The result is LSP's relative encoding:
five integers per token (line delta, start delta, length, type, modifiers),
positions in characters.
"""

from __future__ import annotations

from pygments.token import Comment, Keyword, Literal, Name, Number, Operator, String

LEGEND = ["keyword", "string", "comment", "number", "variable", "function", "class",
          "type", "operator", "macro", "enumMember"]

# Most specific first: the first type the token is in wins.
_MAP = [(String.Interpol, "macro"), (String, "string"), (Comment, "comment"),
        (Keyword.Type, "type"), (Keyword, "keyword"), (Literal.Date, "number"),
        (Number, "number"), (Name.Function, "function"), (Name.Class, "class"),
        (Name.Label, "enumMember"), (Name, "variable"), (Operator, "operator")]


def _kind(token) -> int | None:
    for parent, name in _MAP:
        if token in parent:
            return LEGEND.index(name)
    return None


def semantic_tokens(text: str) -> list[int]:
    from mvlang.ide.pygments_lexer import MvsLexer

    data: list[int] = []
    line = column = 0               # where the lexer is
    last_line = last_start = 0      # the previous token emitted
    for _, token, value in MvsLexer().get_tokens_unprocessed(text):
        kind = _kind(token)
        for part_index, part in enumerate(value.split("\n")):
            if part_index:
                line += 1
                column = 0
            if kind is not None and part:
                delta_line = line - last_line
                delta_start = column - last_start if delta_line == 0 else column
                data += [delta_line, delta_start, len(part), kind, 0]
                last_line, last_start = line, column
            column += len(part)
    return data
