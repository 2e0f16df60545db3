"""`mvlang lsp`: the language server, a thin adapter over the front end.

What it does: diagnostics on open and on change (the same codes and
messages as `mvlang check`, secondary labels as related information, a
"did you mean" suggestion in the diagnostic's `data`), a quick fix that
applies that suggestion, formatting through `mvlang fmt`, document symbols
(the scenes as an outline), and hover, go to definition, references,
rename and completion (`mvlang.ide.navigate`). Editor buffers are laid over the disk (`FileWorld` overlays), so
imports of other open files see their unsaved text.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer

from mvlang import __version__
from mvlang.diagnostics import Diagnostic, Severity
from mvlang.ide.tokens import LEGEND
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
            message=label.message) for label in d.labels] or None,
        data={"suggestion": d.suggestion} if d.suggestion else None)


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
    from mvlang.syntax import ast as A
    from mvlang.syntax import parse

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


def _world(ls: LanguageServer):
    from mvlang.world import FileWorld

    return FileWorld(_overlays(ls))


def _position(ls: LanguageServer, params) -> tuple[str, Path, int, int]:
    """The document's text, its path, and the cursor's line and character."""
    return (ls.workspace.get_text_document(params.text_document.uri).source,
            _path(params.text_document.uri), params.position.line, params.position.character)


def _location(location) -> T.Location:
    return T.Location(uri=_uri(location.file), range=_range(location.span))


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: T.HoverParams) -> T.Hover | None:
    from mvlang.ide import navigate

    text = navigate.hover(*_position(ls, params), world=_world(ls))
    timing = _timing(ls, params)
    if timing:
        text = f"{text}\n\n{timing}" if text else timing
    if text is None:
        return None
    return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=text))


def _timing(ls: LanguageServer, params: T.HoverParams) -> str | None:
    """On a scene's header line (its name, `at bar 17`, `length 4 bars`), a sound
    cue's or a mark's: when it happens, if the audio's analysis is cached."""
    from mvlang.ide.times import timing_at_line

    document = ls.workspace.get_text_document(params.text_document.uri)
    return timing_at_line(_path(params.text_document.uri), document.source,
                          params.position.line, world=_world(ls))


@server.feature(T.TEXT_DOCUMENT_DEFINITION)
def definition(ls: LanguageServer, params: T.DefinitionParams) -> T.Location | None:
    from mvlang.ide import navigate

    where = navigate.definition(*_position(ls, params), world=_world(ls))
    if where is not None:
        return _location(where)
    from mvlang.ide.times import import_target

    text, path, line, _ = _position(ls, params)
    target = import_target(text, path, line)           # on an `import`: the module's file
    if target is None:
        return None
    start = T.Position(line=0, character=0)
    return T.Location(uri=target.absolute().as_uri(), range=T.Range(start=start, end=start))


@server.feature(T.TEXT_DOCUMENT_REFERENCES)
def references(ls: LanguageServer, params: T.ReferenceParams) -> list[T.Location]:
    from mvlang.ide import navigate

    found = navigate.references(*_position(ls, params),
                                include_definition=params.context.include_declaration,
                                world=_world(ls))
    return [_location(where) for where in found]


@server.feature(T.TEXT_DOCUMENT_RENAME)
def rename(ls: LanguageServer, params: T.RenameParams) -> T.WorkspaceEdit | None:
    from mvlang.ide import navigate

    edits = navigate.rename(*_position(ls, params), params.new_name, world=_world(ls))
    if not edits:
        return None
    changes: dict[str, list[T.TextEdit]] = {}
    for edit in edits:
        changes.setdefault(_uri(edit.file), []).append(
            T.TextEdit(range=_range(edit.span), new_text=edit.new_text))
    return T.WorkspaceEdit(changes=changes)


_COMPLETION_KINDS = {
    "keyword": T.CompletionItemKind.Keyword, "character": T.CompletionItemKind.Class,
    "style": T.CompletionItemKind.Constant, "mark": T.CompletionItemKind.Reference,
    "scene": T.CompletionItemKind.Event, "transition": T.CompletionItemKind.EnumMember,
    "module": T.CompletionItemKind.Module, "unit": T.CompletionItemKind.Unit,
}


@server.feature(T.TEXT_DOCUMENT_COMPLETION,
                T.CompletionOptions(trigger_characters=['"', "{", ">", "/"]))
def completion(ls: LanguageServer, params: T.CompletionParams) -> T.CompletionList:
    from mvlang.ide import navigate

    items = [T.CompletionItem(label=c.label, kind=_COMPLETION_KINDS.get(c.kind),
                              detail=c.detail or c.kind)
             for c in navigate.complete(*_position(ls, params), world=_world(ls))]
    return T.CompletionList(is_incomplete=False, items=items)


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                T.CodeActionOptions(code_action_kinds=[T.CodeActionKind.QuickFix]))
def code_action(ls: LanguageServer, params: T.CodeActionParams) -> list[T.CodeAction]:
    """Quick fixes: apply a diagnostic's "did you mean" suggestion."""
    from mvlang.ide.navigate import apply_suggestion
    from mvlang.source import Source

    uri = params.text_document.uri
    source = Source(uri, ls.workspace.get_text_document(uri).source)
    actions = []
    for diagnostic in params.context.diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        suggestion = data.get("suggestion")
        if not suggestion:
            continue
        start = _offset(source, diagnostic.range.start)
        end = _offset(source, diagnostic.range.end)
        new_text = apply_suggestion(source.text[start:end], suggestion)
        actions.append(T.CodeAction(
            title=f"Change to `{suggestion}`", kind=T.CodeActionKind.QuickFix,
            diagnostics=[diagnostic], is_preferred=True,
            edit=T.WorkspaceEdit(changes={uri: [T.TextEdit(range=diagnostic.range,
                                                           new_text=new_text)]})))
    return actions


def _offset(source, position: T.Position) -> int:
    starts = source._line_starts
    if position.line >= len(starts):
        return len(source.text)
    return min(starts[position.line] + position.character, len(source.text))


@server.feature(T.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                T.SemanticTokensLegend(token_types=LEGEND, token_modifiers=[]))
def semantic_tokens(ls: LanguageServer, params: T.SemanticTokensParams) -> T.SemanticTokens:
    from mvlang.ide.tokens import semantic_tokens as tokens

    document = ls.workspace.get_text_document(params.text_document.uri)
    return T.SemanticTokens(data=tokens(document.source))


def main() -> None:
    import gc

    # Each change re-checks the whole script, allocating many small objects; the
    # default collector ran mid-check often enough to add 30-40 ms to a third of
    # the edits on a 2,000-line script. The long-lived objects (grammar tables,
    # modules) are frozen out of collection and young collections run rarer.
    from mvlang.syntax import parse

    parse("scene warm { prompt \"x\" }", "<warm-up>")
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    server.start_io()
