"""Stage 1, parse: `.mvs` text -> AST (frozen dataclasses) + syntax diagnostics."""

from mvlang.syntax.parser import Comment, Parsed, parse

__all__ = ["Comment", "Parsed", "parse"]
