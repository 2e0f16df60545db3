"""`mvlang lsp`: the language server, a thin adapter over the front end.

What it does so far: diagnostics on open and on change (the same codes and
messages as `mvlang check`, secondary labels as related information),
formatting through `mvlang fmt`, and document symbols (the scenes as an
outline). Editor buffers are laid over the disk (`FileWorld` overlays), so
imports of other open files see their unsaved text.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer

from mvlang import __version__
from mvlang.diagnostics import Diagnostic, Severity
from mvlang.source import Span

server = LanguageServer("mvlang", __version__)


def _path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def _range(span: Span) -> T.Range:
    return T.Range(start=T.Position(line=max(0, span.line - 1), character=max(0, span.col - 1)),
                   end=T.Position(line=max(0, span.end_line - 1),
                                  character=max(0, span.end_col - 1)))


def _uri(file: str) -> str:
    return Path(file).absolute().as_uri()


def to_lsp(d: Diagnostic) -> T.Diagnostic:
    message = d.message + "".join(f"\nhelp: {hint}" for hint in d.hints)
    return T.Diagnostic(
        range=_range(d.span), message=message, code=d.code, source="mvlang",
        severity=T.DiagnosticSeverity.Error if d.severity is Severity.ERROR
        else T.DiagnosticSeverity.Warning,
        related_information=[T.DiagnosticRelatedInformation(
            location=T.Location(uri=_uri(label.file), range=_range(label.span)),
            message=label.message) for label in d.labels] or None)


def _overlays(ls: LanguageServer) -> dict[Path, str]:
    return {_path(uri): doc.source for uri, doc in ls.workspace.text_documents.items()}


def check_document(ls: LanguageServer, uri: str) -> None:
    from mvlang.ir import check_file
    from mvlang.world import FileWorld

    path = _path(uri)
    document = ls.workspace.get_text_document(uri)
    result = check_file(path, FileWorld(_overlays(ls)), name=str(path), text=document.source)
    mine = [to_lsp(d) for d in result.diagnostics
            if Path(d.file).absolute() == path.absolute()]
    ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=mine,
                                                                    version=document.version))


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: T.DidOpenTextDocumentParams) -> None:
    check_document(ls, params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: T.DidChangeTextDocumentParams) -> None:
    check_document(ls, params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: LanguageServer, params: T.DocumentFormattingParams) -> list[T.TextEdit] | None:
    from mvlang.fmt import format_text

    document = ls.workspace.get_text_document(params.text_document.uri)
    formatted = format_text(document.source, str(_path(params.text_document.uri)))
    if formatted.text is None or not formatted.changed:
        return []
    lines = document.source.splitlines()
    end = T.Position(line=len(lines), character=0)
    return [T.TextEdit(range=T.Range(start=T.Position(line=0, character=0), end=end),
                       new_text=formatted.text)]


@server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def symbols(ls: LanguageServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
    from mvlang.syntax import parse
    from mvlang.syntax import ast as A

    document = ls.workspace.get_text_document(params.text_document.uri)
    parsed = parse(document.source, str(_path(params.text_document.uri)))
    out = []
    kinds = {A.Scene: T.SymbolKind.Event, A.Character: T.SymbolKind.Class,
             A.StyleDef: T.SymbolKind.Constant}
    for item in parsed.module.items:
        kind = kinds.get(type(item))
        name = getattr(item, "name", None)
        if kind is None or name is None:
            continue
        out.append(T.DocumentSymbol(name=name.name, kind=kind, range=_range(item.span),
                                    selection_range=_range(name.span)))
    return out


def main() -> None:
    server.start_io()
