"""Stage 2, check: AST (+ imports, stdlib) -> IR with symbolic times + diagnostics."""

from mvlang.ir.check import CheckResult, check_file, check_text

__all__ = ["CheckResult", "check_file", "check_text"]
