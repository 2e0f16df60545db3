"""The language server, end to end over stdio with a real client (pytest-lsp)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

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


def at(text: str, needle: str, shift: int = 1) -> T.Position:
    """The position `shift` characters into the first `needle` of `text`."""
    offset = text.index(needle) + shift
    return T.Position(line=text.count("\n", 0, offset),
                      character=offset - (text.rfind("\n", 0, offset) + 1))


NAVIGATE = """import "std/looks"
music "house" { bpm 124 }
character mia "a girl" { age 6 "pigtails"; age 16 "denim jacket" }
scene meadow {
  prompt "{mia@16} in a meadow"
  style film
  cam
}
"""


@pytest.mark.asyncio
async def test_completion_inside_a_scene(client: LanguageClient):
    uri = await open_script(client, NAVIGATE)
    result = await client.text_document_completion_async(T.CompletionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=at(NAVIGATE, "cam\n", 3)))
    labels = {item.label for item in result.items}
    assert {"prompt", "camera", "mia", "film", "meadow"} <= labels


@pytest.mark.asyncio
async def test_hover_a_character_reference(client: LanguageClient):
    uri = await open_script(client, NAVIGATE)
    hover = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=at(NAVIGATE, "{mia@16}")))
    assert hover.contents.kind == T.MarkupKind.Markdown
    assert "a girl (16 years old, denim jacket)" in hover.contents.value


@pytest.mark.asyncio
async def test_go_to_a_style_definition(client: LanguageClient):
    uri = await open_script(client, NAVIGATE)
    where = await client.text_document_definition_async(T.DefinitionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=at(NAVIGATE, "film")))
    assert where.uri.endswith("/looks.mvs")
    line = Path(unquote(urlparse(where.uri).path)).read_text(encoding="utf-8").splitlines()[
        where.range.start.line]
    assert line[where.range.start.character:where.range.end.character] == "film"
    assert line.startswith("style film ")


@pytest.mark.asyncio
async def test_rename_a_character(client: LanguageClient):
    text = NAVIGATE.replace("  cam\n", "  cast mia age 6\n")
    uri = await open_script(client, text)
    edit = await client.text_document_rename_async(T.RenameParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=at(text, "mia "),
        new_name="lea"))
    edits = sorted(edit.changes[uri], key=lambda e: (e.range.start.line, e.range.start.character),
                   reverse=True)
    lines = text.splitlines()
    for e in edits:
        assert e.range.start.line == e.range.end.line
        line = lines[e.range.start.line]
        lines[e.range.start.line] = (line[:e.range.start.character] + e.new_text
                                     + line[e.range.end.character:])
    renamed = "\n".join(lines)
    assert "mia" not in renamed
    assert "character lea" in renamed and "{lea@16}" in renamed and "cast lea age 6" in renamed


@pytest.mark.asyncio
async def test_quick_fix_applies_did_you_mean(client: LanguageClient):
    uri = await open_script(client, SCRIPT)
    [d] = [d for d in client.diagnostics[uri] if d.code == "E1001"]
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), range=d.range,
        context=T.CodeActionContext(diagnostics=[d])))
    [action] = actions
    assert action.kind == T.CodeActionKind.QuickFix
    [edit] = action.edit.changes[uri]
    assert edit.range == d.range and edit.new_text == "{mia@6}"


@pytest.mark.asyncio
async def test_references_of_a_character(client: LanguageClient):
    text = NAVIGATE.replace("  cam\n", "  cast mia age 6\n")
    uri = await open_script(client, text)
    found = await client.text_document_references_async(T.ReferenceParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=at(text, "{mia@16}"),
        context=T.ReferenceContext(include_declaration=True)))
    assert sorted(loc.range.start.line for loc in found) == [2, 4, 6]
    assert all(loc.uri == uri for loc in found)


@pytest.mark.asyncio
async def test_semantic_tokens_cover_the_document(client: LanguageClient):
    from mvlang.ide.tokens import LEGEND

    uri = await open_script(client, SCRIPT)
    result = await client.text_document_semantic_tokens_full_async(T.SemanticTokensParams(
        text_document=T.TextDocumentIdentifier(uri=uri)))
    lines, found = SCRIPT.splitlines(), {}
    line = column = 0
    for i in range(0, len(result.data), 5):
        delta_line, delta_start, length, kind, _ = result.data[i:i + 5]
        line, column = (line + delta_line, delta_start) if delta_line else \
            (line, column + delta_start)
        found[lines[line][column:column + length]] = LEGEND[kind]
    assert found["scene"] == "keyword" and found["character"] == "keyword"
    assert found["{mai@6}"] == "macro"                    # a reference inside a prompt
    assert found["124"] == "number" and found["meadow"] == "function"
    assert found["house"] == "string"


@pytest.mark.asyncio
async def test_hover_a_scene_anchor_shows_its_time_once_the_audio_is_analysed(
        client: LanguageClient):
    import soundfile
    from test_timeline_audio import RATE, drum_loop

    from mvlang.timeline.pipeline import resolve_file

    soundfile.write(client.root / "loop.wav", drum_loop(20.0), RATE)
    text = ('song "loop.wav" { bpm 120 }\nscene intro { prompt "a meadow" }\n'
            'scene verse at bar 3 {\n  prompt "a city"\n}\n')
    uri = await open_script(client, text)
    position = T.Position(line=2, character=17)          # on `bar 3`
    hover = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=position))
    assert hover is None or "starts" not in hover.contents.value   # not analysed: not guessed
    assert resolve_file(client.root / "song.mvs").ok              # `mvlang timeline` caches it
    hover = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=position))
    # the loop's first downbeat is 0.25 s in, at 120 bpm: bar 3 is 4.25 s
    assert "starts 0:04.25 (bar 3 beat 1)" in hover.contents.value


@pytest.mark.asyncio
async def test_go_to_an_imported_module_and_hover_a_sound_and_a_mark(client: LanguageClient):
    import soundfile
    from test_timeline_audio import RATE, drum_loop

    from mvlang.timeline.pipeline import resolve_file

    soundfile.write(client.root / "loop.wav", drum_loop(20.0), RATE)
    text = ('import "std/looks"\nsong "loop.wav" {\n  bpm 120\n  mark drop at bar 5\n}\n'
            'scene intro {\n  prompt "a meadow"\n  style film\n'
            '  sfx "a bell" at +2 beats\n}\n')
    uri = await open_script(client, text)
    where = await client.text_document_definition_async(T.DefinitionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=0, character=10)))
    assert where.uri.endswith("looks.mvs")
    assert resolve_file(client.root / "song.mvs").ok
    sound = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=8, character=20)))
    # intro starts at 0:00, half a beat before the first downbeat (0.25 s in)
    assert "starts 0:01 (bar 1 beat 2.5)" in sound.contents.value
    mark = await client.text_document_hover_async(T.HoverParams(
        text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=3, character=16)))
    assert "0:08.25 (bar 5 beat 1)" in mark.contents.value
