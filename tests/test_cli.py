"""The command line, run for real: exit codes, formats, fmt, explain, errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mvlang import __version__, cli
from mvlang.diagnostics.codes import CODES

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad"
GOOD = 'music "house" { bpm 124 }\nscene a {\n  prompt "x"\n}\n'


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli.cli, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture()
def script(tmp_path):
    def write(text: str, name: str = "song.mvs") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)
    return write


def test_check_passes_and_fails_with_exit_codes(script):
    good = run("check", script(GOOD))
    assert good.exit_code == 0 and "ok, 1 scene" in good.output
    bad = run("check", str(BAD / "names-unknown-character.mvs"))
    assert bad.exit_code == 1
    assert "error[E1001]: unknown character or style `mai`" in bad.output
    assert "^^^^^^^" in bad.output and "did you mean `mia`?" in bad.output


def test_warnings_pass_unless_strict():
    path = str(BAD / "warnings-unused.mvs")
    assert run("check", path).exit_code == 0
    assert run("check", "--strict", path).exit_code == 1


def test_short_format():
    result = run("check", "--format", "short", str(BAD / "time-anchors-backwards.mvs"))
    line = result.output.strip().splitlines()[0]
    assert re.fullmatch(r".*time-anchors-backwards\.mvs:4:12: error\[E2001\]: scene `b` is "
                        r"anchored at bar 5, before scene `a` which starts at bar 9", line)


def test_json_format_is_machine_readable():
    result = run("check", "--format", "json", str(BAD / "names-duplicate-scene.mvs"))
    (record,) = json.loads(result.stdout)
    assert record["code"] == "E1002" and record["severity"] == "error"
    assert (record["line"], record["column"]) == (4, 7)
    assert record["labels"][0]["message"] == "first defined here"


def test_colour_only_when_asked_or_on_a_terminal():
    path = str(BAD / "names-duplicate-scene.mvs")
    assert "\x1b[" not in run("check", path).output
    assert "\x1b[" in run("check", "--color", "always", path).output


def test_prompts_are_printed(script):
    text = 'music "m" { bpm 120 }\ncharacter mia "a girl" { age 6 "pigtails" }\n' \
           'scene a { prompt "{mia@6} in a meadow" }\n'
    result = run("check", "--prompts", script(text))
    assert "a: a girl (6 years old, pigtails) in a meadow" in result.output


def test_fmt_prints_writes_and_checks(script, tmp_path):
    messy = 'music "house" {bpm 124}\nscene a { prompt "x" }   # keep me\n'
    path = script(messy)
    printed = run("fmt", path)
    assert printed.exit_code == 0
    assert printed.output == 'music "house" {\n  bpm 124\n}\n\nscene a {\n  prompt "x"\n}  # keep me\n' \
        or "# keep me" in printed.output
    assert run("fmt", "--check", path).exit_code == 1
    assert Path(path).read_text() == messy  # --check writes nothing
    assert run("fmt", "--write", path).exit_code == 0
    assert run("fmt", "--check", path).exit_code == 0
    assert Path(path).read_text() == printed.output


def test_fmt_reads_stdin():
    result = run("fmt", "-", stdin="video{fps 12}\n")
    assert result.output == "video {\n  fps 12\n}\n"


def test_fmt_leaves_broken_files_alone(script):
    path = script("scene a {\n  promt\n")
    result = run("fmt", "--write", path)
    assert result.exit_code == 1 and "syntax errors" in result.output
    assert Path(path).read_text() == "scene a {\n  promt\n"


def test_explain_every_code():
    for code in CODES:
        result = run("explain", code)
        assert result.exit_code == 0 and result.output.startswith(f"{code}: ")
    listing = run("explain").output
    assert all(code in listing for code in CODES)
    unknown = run("explain", "E1000")
    assert unknown.exit_code == 1 and "no code E1000" in unknown.output


def test_every_emitted_code_has_a_page():
    source = "\n".join(p.read_text() for p in (ROOT / "mvlang").rglob("*.py"))
    emitted = set(re.findall(r'"([EW]\d{4})"', source))
    assert emitted <= set(CODES), emitted - set(CODES)


def test_version_and_help():
    assert run("--version").output.strip() == f"mvlang {__version__} (language version 1)"
    for command in ("check", "fmt", "explain", "completion"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage: " in result.output


def test_shell_completion_scripts():
    for shell in ("bash", "zsh", "fish"):
        assert "_MVLANG_COMPLETE" in run("completion", shell).output


def test_internal_errors_ask_for_a_report(monkeypatch, capsys, script):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("mvlang.ir.check_file", broken)
    with pytest.raises(SystemExit) as stop:
        cli.main(["check", script(GOOD)])
    assert stop.value.code == 70
    err = capsys.readouterr().err
    assert "internal error" in err and "RuntimeError: boom" in err and "please report" in err.lower()
    assert "Traceback" not in err
    report = re.search(r"crash report in (\S+)\.", err).group(1)
    assert "RuntimeError: boom" in Path(report).read_text()


def test_missing_file_is_a_clear_error(tmp_path):
    result = run("check", str(tmp_path / "nope.mvs"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_the_real_command_is_light_and_fast():
    """`mvlang check` imports no heavy stack (DESIGN.md, principle 9)."""
    code = ("import sys, mvlang.cli, mvlang.ir, mvlang.fmt; "
            "print(sorted(m for m in ('torch','diffusers','transformers','librosa','numpy','numba',"
            "'ray') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_installed_entry_point_runs(script):
    path = script(GOOD)
    env = {**os.environ, "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-m", "mvlang", "check", path], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr


def test_colour_by_default_on_a_real_terminal():
    """With no --color, a terminal gets colour and a pipe does not (NO_COLOR turns it off)."""
    import pty

    path = str(BAD / "names-duplicate-scene.mvs")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm"
    leader, follower = pty.openpty()
    done = subprocess.run([sys.executable, "-m", "mvlang", "check", path], stdin=follower,
                          stdout=follower, stderr=follower, env=env, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 1
    assert b"\x1b[1;31merror[E1002]" in b"".join(chunks)
    piped = subprocess.run([sys.executable, "-m", "mvlang", "check", path], capture_output=True,
                           env=env, timeout=60)
    assert b"\x1b[" not in piped.stderr and b"error[E1002]" in piped.stderr
