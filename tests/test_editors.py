"""Editor support: the keyword list, the Pygments lexer and the editor grammars.

No drift: every word of the grammar must reach the Pygments lexer, the Vim
syntax, the Emacs mode and the TextMate grammar, and the generated files must
be up to date (`python editors/generate.py --check`). The lexer must lex every
valid script without an `Error` token. Vim and Emacs, where installed, are run
headless on a script to read back the highlight groups and faces.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Literal, Name, Number, Operator, String

from mvlang.ide import keywords as kw
from mvlang.ide.pygments_lexer import MvsLexer
from mvlang.ir import check_file
from mvlang.resources import grammar_path
from mvlang.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[1]
EDITORS = ROOT / "editors"
VIM_SYNTAX = EDITORS / "vim" / "syntax" / "mvs.vim"
EMACS_MODE = EDITORS / "emacs" / "mvs-mode.el"
TEXTMATE = EDITORS / "vscode" / "syntaxes" / "mvs.tmLanguage.json"
LANGUAGE_CONFIG = EDITORS / "vscode" / "language-configuration.json"
OUTPUT_MARK = "\n# output\n"  # a fmt case is its input, this line, its expected output


def _load_generate():
    spec = importlib.util.spec_from_file_location("mvs_editors_generate", EDITORS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corpus() -> list[tuple[str, str]]:
    """(name, text) of every valid script: the examples, the stdlib, the fmt cases.

    A file counts when it checks without errors, or at least parses without
    errors (stdlib modules and fmt cases have no song, so they do not check);
    a fmt case's input and expected output also count one by one.
    """
    found = []
    paths = [*sorted((ROOT / "examples").glob("*.mvs")), *sorted((ROOT / "stdlib").glob("*.mvs")),
             *sorted((ROOT / "tests" / "fmt_cases").glob("*.mvs"))]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(ROOT))
        if check_file(path).ok or parse(text, name).ok:
            found.append((name, text))
        if OUTPUT_MARK in text:
            for part, piece in zip(("input", "output"), text.split(OUTPUT_MARK, 1)):
                if parse(piece, name).ok:
                    found.append((f"{name}[{part}]", piece))
    return found


CORPUS = _corpus()


def test_the_corpus_holds_every_example():
    names = {name for name, _ in CORPUS}
    assert {f"examples/{p.name}" for p in (ROOT / "examples").glob("*.mvs")} <= names
    assert len(CORPUS) >= 20


# ---------------------------------------------------------------- the keyword list

def test_keywords_are_read_from_the_grammar():
    literals = set(re.findall(r'"([a-z][a-z_]*)"', grammar_path().read_text(encoding="utf-8")))
    assert kw.ALL_WORDS == literals
    assert kw.KEYWORDS == kw.STATEMENT_KEYWORDS | kw.OTHER_KEYWORDS
    assert not kw.STATEMENT_KEYWORDS & kw.OTHER_KEYWORDS
    assert {"scene", "camera", "prompt", "song", "video", "mark", "sfx"} <= kw.STATEMENT_KEYWORDS
    assert {"zoom", "at", "crossfade", "in_out", "kick", "over"} <= kw.OTHER_KEYWORDS
    assert set(kw.UNITS) == {"s", "ms", "f", "beat", "beats", "b", "bar", "bars", "dB", "%", "deg"}
    assert kw.CASE_INSENSITIVE_UNITS == {"dB"}


def test_the_keyword_module_imports_only_the_standard_library_and_resources():
    code = ("import sys; import mvlang.ide.keywords; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mvlang', 'lark', 'pygments')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert set(eval(out.stdout)) <= {"mvlang", "mvlang.ide", "mvlang.ide.keywords", "mvlang.resources"}


# ---------------------------------------------------------------- no drift

def test_the_pygments_lexer_knows_every_keyword_and_unit():
    lexer = MvsLexer()
    for word in sorted(kw.KEYWORDS):
        token, value = next(iter(lexer.get_tokens(word)))
        assert value == word and token in Keyword, word
    for unit in kw.UNITS:
        tokens = list(lexer.get_tokens("1" + unit))
        assert tokens[1] == (Keyword.Type, unit), unit


def _vim_to_python(pattern: str) -> str:
    for vim, python in ((r"\%(", "(?:"), (r"\|", "|"), (r"\)", ")"), (r"\>", r"\b")):
        pattern = pattern.replace(vim, python)
    return pattern


def test_the_vim_syntax_knows_every_keyword_and_unit():
    text = VIM_SYNTAX.read_text(encoding="utf-8")
    words = {w for line in re.findall(r"^syntax keyword mvs(?:Statement|Keyword) (.*)$", text, re.MULTILINE)
             for w in line.split()}
    assert kw.KEYWORDS <= words
    unit = re.compile(_vim_to_python(re.search(r'^syntax match mvsUnit contained "(.*)"$', text, re.MULTILINE)[1]))
    assert all(unit.fullmatch(u) for u in kw.UNITS)


def _elisp_strings(text: str, name: str) -> set[str]:
    body = re.search(r"\(defconst " + name + r"\s+'\(([^)]*)\)", text)[1]
    return set(re.findall(r'"([^"]*)"', body))


def test_the_emacs_mode_knows_every_keyword_and_unit():
    text = EMACS_MODE.read_text(encoding="utf-8")
    words = _elisp_strings(text, "mvs-statement-keywords") | _elisp_strings(text, "mvs-other-keywords")
    assert kw.KEYWORDS <= words
    assert set(kw.UNITS) <= _elisp_strings(text, "mvs-units")


def _textmate():
    return json.loads(TEXTMATE.read_text(encoding="utf-8"))


def test_the_textmate_grammar_knows_every_keyword_and_unit():
    repo = _textmate()["repository"]
    keyword = [re.compile(p["match"]) for p in repo["keyword"]["patterns"]]
    for word in kw.KEYWORDS:
        assert any(k.fullmatch(word) for k in keyword), word
    with_unit = re.compile(repo["number"]["patterns"][0]["match"])
    for unit in kw.UNITS:
        assert with_unit.fullmatch("12" + unit).group(2) == unit, unit


def test_the_generated_files_are_up_to_date():
    result = subprocess.run([sys.executable, str(EDITORS / "generate.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("which", ["STATEMENT_KEYWORDS", "OTHER_KEYWORDS"])
def test_a_new_keyword_makes_the_check_fail(monkeypatch, capsys, which):
    generate = _load_generate()
    assert generate.main(["--check"]) == 0
    monkeypatch.setattr(kw, which, getattr(kw, which) | {"zzfakeword"})
    assert generate.main(["--check"]) == 1
    out = capsys.readouterr().out
    for name in ("mvs.vim", "mvs-mode.el", "mvs.tmLanguage.json"):
        assert name in out


# ---------------------------------------------------------------- the Pygments lexer

@pytest.mark.parametrize("name, text", CORPUS, ids=[name for name, _ in CORPUS])
def test_the_lexer_yields_no_error_token_on_a_valid_script(name, text):
    lexer = MvsLexer()
    tokens = list(lexer.get_tokens_unprocessed(text))
    assert [(pos, value) for pos, token, value in tokens if token in Error] == []
    assert "".join(value for _, _, value in tokens) == text


PROBE = '''mvs 1
# a comment
character mia "a girl \\"who\\" dances" {
  age 16 "{mia@16} at the prom"
}
song "track.ogg" { mark drop at 1:23.5; meter 4/4 }
video { size 1280x720 }
style dusk """two
lines {mia}"""
scene sunrise at drop length 8 bars {
  camera zoom 1 -> 2 ease in_out
  sfx "whoosh" at +1b gain -6dB
}
'''


def _token_at(text: str, needle: str, offset: int = 0, occurrence: int = 0):
    position = -1
    for _ in range(occurrence + 1):
        position = text.index(needle, position + 1)
    position += offset
    for start, token, value in MvsLexer().get_tokens_unprocessed(text):
        if start <= position < start + len(value):
            return token, value
    raise AssertionError(needle)


@pytest.mark.parametrize("needle, offset, expected", [
    ("mvs", 0, (Keyword, "mvs")),
    ("# a comment", 0, (Comment.Single, "# a comment")),
    ("character", 0, (Keyword, "character")),
    ("mia ", 0, (Name.Class, "mia")),
    ('"a girl', 1, (String.Double, "a girl ")),
    ('\\"who', 0, (String.Escape, '\\"')),
    ("{mia@16}", 0, (String.Interpol, "{mia@16}")),
    ("{mia}", 0, (String.Interpol, "{mia}")),
    ("1:23.5", 0, (Literal.Date, "1:23.5")),
    ("4/4", 0, (Number, "4/4")),
    ("1280x720", 0, (Number, "1280x720")),
    ("drop", 0, (Name.Label, "drop")),
    ("dusk", 0, (Name.Variable, "dusk")),
    ("8 bars", 0, (Number, "8")),
    ("bars", 0, (Keyword.Type, "bars")),
    ("zoom", 0, (Keyword.Pseudo, "zoom")),
    ("->", 0, (Operator, "->")),
    ("in_out", 0, (Keyword.Pseudo, "in_out")),
    ("+1b", 2, (Keyword.Type, "b")),
    ("-6dB", 2, (Keyword.Type, "dB")),
    ("lines", 0, (String.Double, "two\nlines ")),
])
def test_the_lexer_gives_known_tokens(needle, offset, expected):
    assert _token_at(PROBE, needle, offset) == expected


def test_the_probe_is_a_valid_script():
    assert parse(PROBE).ok


def test_pygments_finds_the_lexer_through_the_entry_point():
    assert isinstance(get_lexer_by_name("mvs"), MvsLexer)
    assert isinstance(get_lexer_for_filename("clip.mvs"), MvsLexer)


# ---------------------------------------------------------------- the TextMate grammar

def _patterns(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("match", "begin", "end"):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def _scopes(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["name"]} if isinstance(node.get("name"), str) else set()
        return found.union(*(_scopes(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_scopes(v) for v in node))
    return set()


def test_the_textmate_grammar_is_valid():
    grammar = _textmate()
    assert grammar["scopeName"] == "source.mvs"
    patterns = list(_patterns(grammar["repository"]))
    assert len(patterns) > 15
    for pattern in patterns:
        re.compile(pattern)  # these use only syntax Oniguruma and Python share
    for include in re.findall(r'"include": "#([^"]+)"', TEXTMATE.read_text(encoding="utf-8")):
        assert include in grammar["repository"]
    scopes = _scopes(grammar)
    assert {"comment.line.number-sign.mvs", "string.quoted.double.mvs", "keyword.control.mvs",
            "keyword.other.mvs", "constant.numeric.mvs", "constant.numeric.time.mvs",
            "variable.other.mvs", "punctuation.terminator.statement.mvs"} <= scopes


def test_the_textmate_regexes_match_what_they_name():
    repo = _textmate()["repository"]
    assert re.fullmatch(repo["comment"]["match"], "# hi")
    assert re.fullmatch(repo["time"]["match"], "1:23.5")
    assert re.fullmatch(repo["reference"]["match"], "{mia@16}")
    assert re.fullmatch(repo["name"]["match"], "sunrise")
    assert not re.fullmatch(repo["keyword"]["patterns"][0]["match"], "sunrise")


def test_the_vscode_language_configuration():
    config = json.loads(LANGUAGE_CONFIG.read_text(encoding="utf-8"))
    assert config["comments"]["lineComment"] == "#"
    assert ["{", "}"] in config["brackets"] and ["(", ")"] in config["brackets"]
    assert any(pair.get("open") == '"' for pair in config["autoClosingPairs"])


# ---------------------------------------------------------------- Vim and Emacs, headless

def _position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """The 1-based line and column of `needle` (plus `offset` characters) in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


VIM_PROBES = [
    ("scene sunrise", 0, "mvsStatement"),
    ("sunrise", 0, "mvsDefinedName"),
    ("# a comment", 2, "mvsComment"),
    ('"a girl', 2, "mvsString"),
    ('\\"who', 0, "mvsEscape"),
    ("{mia@16}", 1, "mvsReference"),
    ("lines", 0, "mvsLongString"),
    ("1:23.5", 2, "mvsTime"),
    ("1280x720", 4, "mvsSize"),
    ("4/4", 0, "mvsMeter"),
    ("8 bars", 0, "mvsNumber"),
    ("bars", 0, "mvsUnit"),
    ("-6dB", 2, "mvsUnit"),
    ("zoom", 0, "mvsKeyword"),
    ("in_out", 0, "mvsKeyword"),
    ("->", 0, "mvsOperator"),
    ("{\n  camera", 0, "mvsDelimiter"),
]


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
def test_vim_highlights_a_script(tmp_path):
    example = ROOT / "examples" / "blue-eyes.mvs"
    example_text = example.read_text(encoding="utf-8")
    probe = tmp_path / "probe.mvs"
    probe.write_text(PROBE, encoding="utf-8")
    checks = [(probe, needle, offset, group) for needle, offset, group in VIM_PROBES]
    checks += [(example, needle, offset, group) for needle, offset, group in [
        ("\nscene", 1, "mvsStatement"), ("{mia@5}", 0, "mvsReference"),
        ("1:40", 0, "mvsTime"), ("# description", 0, "mvsComment")]]
    lines = ["syntax on", "filetype plugin on", "let out = []"]
    for path, text in ((probe, PROBE), (example, example_text)):
        lines.append(f"edit {path}")
        for _, needle, offset, _ in (c for c in checks if c[0] == path):
            line, col = _position(text, needle, offset)
            lines.append(f"call add(out, synIDattr(synID({line}, {col}, 1), 'name'))")
    lines += ["call add(out, &filetype . '|' . &commentstring . '|' . &shiftwidth)",
              f"call writefile(out, '{tmp_path / 'out.txt'}')", "qall!"]
    script = tmp_path / "probe.vim"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    subprocess.run(["vim", "-Es", "-u", "NONE", "-N", "--cmd", f"set rtp+={EDITORS / 'vim'}",
                    "-S", str(script)], cwd=ROOT, timeout=30, capture_output=True, check=False)
    got = (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()
    assert got[-1] == "mvs|# %s|2"
    assert list(zip((c[1] for c in checks), got)) == [(c[1], c[3]) for c in checks]


EMACS_PROBES = [
    ("scene sunrise", 0, "font-lock-keyword-face"),
    ("sunrise", 0, "font-lock-function-name-face"),
    ("a comment", 0, "font-lock-comment-face"),
    ('"a girl', 2, "font-lock-string-face"),
    ("lines {mia}", 0, "font-lock-string-face"),
    ("1:23.5", 0, "font-lock-constant-face"),
    ("8 bars", 0, "font-lock-constant-face"),
    ("bars", 0, "font-lock-type-face"),
    ("-6dB", 2, "font-lock-type-face"),
    ("zoom", 0, "font-lock-builtin-face"),
    ("{mia@16}", 1, "font-lock-variable-name-face"),
]


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is not installed")
def test_emacs_highlights_a_script(tmp_path):
    probe = tmp_path / "probe.mvs"
    probe.write_text(PROBE, encoding="utf-8")
    forms = [
        f"(add-to-list 'load-path {json.dumps(str(EDITORS / 'emacs'))})",
        "(require 'mvs-mode)",
        # eglot may not be there (it is built in from Emacs 29): stand in for it.
        "(unless (featurep 'eglot) (defvar eglot-server-programs nil) (provide 'eglot))",
        f"(find-file {json.dumps(str(probe))})",
        "(font-lock-ensure)",
        ("(princ (format \"%s|%s|%S\\n\" major-mode comment-start"
         " (cdr (assq 'mvs-mode eglot-server-programs))))"),
    ]
    for needle, offset, _ in EMACS_PROBES:
        index = PROBE.index(needle) + offset
        forms.append(f"(let ((f (get-text-property {index + 1} 'face)))"
                     " (princ (format \"%S\\n\" (if (listp f) f (list f)))))")
    result = subprocess.run(["emacs", "--batch", "-Q", "--eval", "(progn " + " ".join(forms) + ")"],
                            capture_output=True, text=True, timeout=60, check=False)
    got = result.stdout.splitlines()
    assert got[0] == 'mvs-mode|# |("mvlang" "lsp")', result.stdout + result.stderr
    for (needle, _, face), faces in zip(EMACS_PROBES, got[1:], strict=True):
        assert face in faces, (needle, faces)
