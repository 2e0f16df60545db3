"""The language server, end to end over stdio with a real client (pytest-lsp)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SCRIPT = """music "house" { bpm 124 }
character mia "a girl" { age 6 "pigtails" }
scene meadow {
  prompt "{mai@6} in a meadow"
}
scene porch   {  prompt "{mia@6} on a porch" }
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "mvlang",
                                                               "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("lsp")
    await lsp_client.initialize_session(T.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()))
    lsp_client.root = root
    yield
    await lsp_client.shutdown_session()


async def open_script(client: LanguageClient, text: str) -> str:
    path: Path = client.root / "song.mvs"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id="mvs", version=1, text=text)))
    await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri


@pytest.mark.asyncio
async def test_diagnostics_on_open_and_on_change(client: LanguageClient):
    uri = await open_script(client, SCRIPT)
    [d] = [d for d in client.diagnostics[uri] if d.code == "E1001"]
    assert d.range == T.Range(start=T.Position(line=3, character=10),   # `{mai@6}`
                              end=T.Position(line=3, character=17))
    assert "mai" in d.message and "mia" in d.message               # did you mean
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[T.TextDocumentContentChangeWholeDocument(
            text=SCRIPT.replace("mai@6", "mia@6"))]))
    await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not [d for d in client.diagnostics[uri] if d.severity == T.DiagnosticSeverity.Error]


@pytest.mark.asyncio
async def test_formatting_and_outline(client: LanguageClient):
    uri = await open_script(client, SCRIPT)
    edits = await client.text_document_formatting_async(T.DocumentFormattingParams(
        text_document=T.TextDocumentIdentifier(uri=uri),
        options=T.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1
    assert 'scene porch {\n  prompt "{mia@6} on a porch"\n}' in edits[0].new_text
    symbols = await client.text_document_document_symbol_async(T.DocumentSymbolParams(
        text_document=T.TextDocumentIdentifier(uri=uri)))
    assert [s.name for s in symbols] == ["mia", "meadow", "porch"]
    assert symbols[1].kind == T.SymbolKind.Event
