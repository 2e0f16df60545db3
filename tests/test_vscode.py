"""The VS Code extension in `editors/vscode`: its manifest, and its grammar run in Node.

The manifest (`package.json`), the generated grammar and the language
configuration must agree (language id, file extension, scope name, paths).
Where Node is installed, the grammar is also run as VS Code runs it
(`vscode-textmate` with Oniguruma): `node test/check.js` on every example,
and every keyword and unit of the language through `test/tokenize.js`. The
Node packages are installed with `npm ci` when they are missing and npm is
there; on a machine without Node the test checks the manifest instead.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from mvlang.ide import keywords as kw

ROOT = Path(__file__).resolve().parents[1]
VSCODE = ROOT / "editors" / "vscode"
EXAMPLES = sorted((ROOT / "examples").glob("*.mvs"))


def _json(name: str) -> dict:
    return json.loads((VSCODE / name).read_text(encoding="utf-8"))


def _assert_the_manifest_agrees() -> None:
    manifest = _json("package.json")
    grammar = _json("syntaxes/mvs.tmLanguage.json")
    config = _json("language-configuration.json")
    assert (manifest["name"], manifest["publisher"]) == ("mvlang", "mvlang")
    assert manifest["engines"]["vscode"] == "^1.75.0"
    assert manifest["activationEvents"] == ["onLanguage:mvs"]
    assert manifest["main"] == "./extension.js" and (VSCODE / "extension.js").is_file()
    assert manifest["dependencies"]["vscode-languageclient"].startswith("^9")

    [language] = manifest["contributes"]["languages"]
    [entry] = manifest["contributes"]["grammars"]
    assert language["id"] == entry["language"] == "mvs"
    assert language["extensions"] == [".mvs"]
    assert [f".{t}" for t in grammar["fileTypes"]] == language["extensions"]
    assert entry["scopeName"] == grammar["scopeName"] == "source.mvs"
    same = lambda a, b: (VSCODE / a).resolve() == (VSCODE / b).resolve()
    assert same(entry["path"], "syntaxes/mvs.tmLanguage.json")
    assert same(language["configuration"], "language-configuration.json")
    assert config["comments"]["lineComment"] == "#"

    setting = manifest["contributes"]["configuration"]["properties"]["mvlang.server.path"]
    assert setting["type"] == "string" and setting["default"] == "mvlang"
    extension = (VSCODE / "extension.js").read_text(encoding="utf-8")
    assert 'require("vscode-languageclient/node")' in extension
    assert '.get("server.path")' in extension and 'args: ["lsp"]' in extension
    assert '{ language: "mvs" }' in extension

    assert "Apache License, Version 2.0" in (VSCODE / "LICENSE").read_text(encoding="utf-8")
    ignored = (VSCODE / ".vscodeignore").read_text(encoding="utf-8").split()
    assert "test/**" in ignored
    assert (VSCODE / "package-lock.json").is_file()  # what `npm ci` installs


def test_the_extension_manifest_agrees_with_the_grammar_and_configuration():
    _assert_the_manifest_agrees()


def _node_modules_ready() -> bool:
    return all((VSCODE / "node_modules" / name / "package.json").is_file()
               for name in ("vscode-textmate", "vscode-oniguruma"))


def _tokens(path: Path) -> list[tuple[int, int, int, list[str]]]:
    done = subprocess.run(["node", "test/tokenize.js", str(path)], cwd=VSCODE, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [tuple(json.loads(line)) for line in done.stdout.splitlines()]


def _scope_at(tokens, line: int, column: int) -> list[str]:
    for t_line, start, end, scopes in tokens:
        if t_line == line and start <= column < end:
            return scopes
    raise AssertionError(f"no token at {line}:{column}")


def _check_in_node(tmp_path: Path) -> None:
    done = subprocess.run(["node", "test/check.js", *map(str, EXAMPLES)], cwd=VSCODE,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"passed: {len(EXAMPLES)} files and the probe" in done.stdout
    assert sum(line.startswith("ok   ") for line in done.stdout.splitlines()) == len(EXAMPLES) + 1

    # the command-line tokenizer covers every line of an example
    example = ROOT / "examples" / "quickstart.mvs"
    tokens = _tokens(example)
    lines = example.read_text(encoding="utf-8").split("\n")
    assert {t[0] for t in tokens} == set(range(len(lines)))

    # every word and unit of the grammar, as VS Code will colour it
    words = sorted(kw.STATEMENT_KEYWORDS) + sorted(kw.OTHER_KEYWORDS)
    units = list(kw.UNITS) + [u.upper() for u in kw.CASE_INSENSITIVE_UNITS]
    probe = tmp_path / "words.mvs"
    text = "".join(f"{w}\n" for w in words) + "".join(f"1{u}\n" for u in units)
    probe.write_text(text, encoding="utf-8")
    tokens = _tokens(probe)
    for line, word in enumerate(words):
        want = "keyword.control.mvs" if word in kw.STATEMENT_KEYWORDS else "keyword.other.mvs"
        assert want in _scope_at(tokens, line, 0), word
        assert _scope_at(tokens, line, len(word) - 1) == _scope_at(tokens, line, 0), word
    for line, unit in enumerate(units, start=len(words)):
        assert "constant.numeric.mvs" in _scope_at(tokens, line, 0), unit
        assert "keyword.other.unit.mvs" in _scope_at(tokens, line, 1), unit


def test_the_grammar_in_node_tokenizes_the_examples(tmp_path):
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and not _node_modules_ready() and npm:
        done = subprocess.run([npm, "ci", "--prefix", str(VSCODE), "--no-audit", "--no-fund"],
                              capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, ("`npm ci --prefix editors/vscode` failed (is the npm "
                                      "registry reachable?):\n" + done.stderr[-3000:])
    if node and _node_modules_ready():
        _check_in_node(tmp_path)
    else:
        # No Node here: the grammar cannot run as VS Code runs it, so check
        # what can be checked without it, that the extension's files agree.
        _assert_the_manifest_agrees()


def test_the_vsix_builds(tmp_path):
    """`vsce package` makes the extension; it holds the grammar the repository has."""
    import zipfile

    vsce = VSCODE / "node_modules" / ".bin" / "vsce"
    if not (shutil.which("node") and _node_modules_ready() and vsce.exists()):
        _assert_the_manifest_agrees()        # no Node here: what can be checked without it
        return
    target = tmp_path / "mvlang.vsix"
    done = subprocess.run([str(vsce), "package", "--out", str(target)], cwd=VSCODE,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with zipfile.ZipFile(target) as vsix:
        names = set(vsix.namelist())
        assert {"extension/package.json", "extension/extension.js",
                "extension/language-configuration.json"} <= names
        grammar = vsix.read("extension/syntaxes/mvs.tmLanguage.json")
    assert grammar == (VSCODE / "syntaxes" / "mvs.tmLanguage.json").read_bytes()
    assert any(n.startswith("extension/node_modules/vscode-languageclient/") for n in names)
