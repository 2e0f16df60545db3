"""The command line: a thin layer over the library (click).

    mvlang check FILE...     parse and check, print diagnostics
    mvlang fmt FILE...       print, write or verify the canonical form
    mvlang explain [CODE]    the page for a diagnostic code
    mvlang completion SHELL  a shell completion script

Exit codes: 0 success; 1 errors found (or warnings with --strict, or files
that `fmt --check` would change); 2 bad usage; 70 an internal error (a bug).
Importing this module stays light: nothing heavy is imported at start-up.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from mvlang import __version__

ISSUES_URL = "https://github.com/mvlang/mvlang/issues"
FORMATS = click.Choice(["human", "short", "json"])
COLOURS = click.Choice(["auto", "always", "never"])


def _use_colour(choice: str, stream) -> bool:
    if choice != "auto":
        return choice == "always"
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _emit(diagnostics, sources, fmt: str, colour: str) -> None:
    from mvlang.diagnostics.render import render_human, render_short

    if fmt == "json":
        return
    if not diagnostics:
        return
    if fmt == "short":
        click.echo(render_short(diagnostics), err=True, nl=False)
    else:
        use = _use_colour(colour, sys.stderr)
        click.echo(render_human(diagnostics, sources, use), err=True, color=use)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="mvlang",
                      message="%(prog)s %(version)s (language version 1)")
def cli() -> None:
    """mvlang compiles .mvs scripts into music videos.

    Write the song, the characters and the scenes in a .mvs file, then check,
    format and build it. `mvlang COMMAND --help` tells more about each command.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=FORMATS, default="human", show_default=True,
              help="human: with the source and a caret; short: file:line:col; json: for tools.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--prompts", is_flag=True,
              help="Print each scene's final prompt: templates expanded, styles appended.")
@click.option("--color", "colour", type=COLOURS, default="auto", show_default=True,
              help="Colour the diagnostics (auto: on a terminal, unless NO_COLOR is set).")
def check(files: tuple[str, ...], fmt: str, strict: bool, prompts: bool, colour: str) -> None:
    """Parse and check scripts without touching audio or models.

    Exits 0 when there is no error, 1 when there is (warnings are printed but
    pass unless --strict).
    """
    from mvlang.diagnostics.render import summary, to_json
    from mvlang.ir import check_file

    failed, records = False, []
    for file in files:
        result = check_file(file)
        diagnostics = result.diagnostics
        _emit(diagnostics, result.sources, fmt, colour)
        records.extend(to_json(d) for d in diagnostics)
        bad = not result.ok or (strict and diagnostics)
        failed |= bool(bad)
        if fmt == "human":
            counts = summary(diagnostics)
            if bad:
                click.echo(f"{file}: {counts}", err=True)
            else:
                scenes = len(result.program.scenes) if result.program else 0
                extra = f" ({counts})" if counts else ""
                click.echo(f"{file}: ok, {scenes} scene{'s' if scenes != 1 else ''}{extra}")
        if prompts and result.program is not None:
            _print_prompts(file, result.program, fmt)
    if fmt == "json":
        import json
        click.echo(json.dumps(records, indent=2))
    sys.exit(1 if failed else 0)


def _print_prompts(file: str, program, fmt: str) -> None:
    if fmt == "json":
        return
    for scene in program.scenes:
        click.echo(f"  {scene.name}: {scene.prompt}")
        negative = ", ".join(n for n in (program.negative, scene.negative) if n)
        if negative:
            click.echo(f"  {' ' * len(scene.name)}  negative: {negative}")


@cli.command(name="fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--write", "-w", is_flag=True, help="Rewrite the files in place.")
@click.option("--check", "verify", is_flag=True,
              help="Write nothing; exit 1 if any file is not in canonical form.")
@click.option("--color", "colour", type=COLOURS, default="auto", show_default=True,
              help="Colour the diagnostics of files that do not parse.")
def fmt_command(files: tuple[str, ...], write: bool, verify: bool, colour: str) -> None:
    """Print scripts in the canonical form (comments kept).

    With no option the formatted text goes to standard output; `-` reads
    standard input. Files with syntax errors are left alone (exit 1).
    """
    from mvlang.fmt import format_text

    if write and verify:
        raise click.UsageError("--write and --check cannot be used together")
    failed = False
    for file in files:
        text = sys.stdin.read() if file == "-" else _read(file)
        if text is None:
            failed = True
            continue
        result = format_text(text, file if file != "-" else "<stdin>")
        if result.text is None:
            from mvlang.source import Source
            _emit(result.diagnostics, {file: Source(file, text)}, "human", colour)
            click.echo(f"{file}: not formatted: it has syntax errors", err=True)
            failed = True
        elif verify:
            if result.changed:
                click.echo(f"{file}: would be reformatted", err=True)
                failed = True
        elif write:
            if result.changed:
                _write_atomic(Path(file), result.text)
                click.echo(f"{file}: reformatted", err=True)
        else:
            click.echo(result.text, nl=False)
    sys.exit(1 if failed else 0)


def _read(file: str) -> str | None:
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        click.echo(f"error: cannot read {file}: {getattr(error, 'strerror', None) or error}",
                   err=True)
        return None


def _write_atomic(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(temp, path)


@cli.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Explain a diagnostic code (E1001), or list them all."""
    from mvlang.diagnostics.codes import CODES
    from mvlang.diagnostics.codes import explain as page

    if code is None:
        for name, entry in CODES.items():
            click.echo(f"{name}  {entry.title}")
        return
    text = page(code)
    if text is None:
        from mvlang.diagnostics import closest
        guess = closest(code.upper(), CODES)
        click.echo(f"error: there is no code {code}" + (f"; did you mean {guess}?" if guess else ""),
                   err=True)
        sys.exit(1)
    click.echo(text, nl=False)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print a shell completion script.

    \b
    bash:  eval "$(mvlang completion bash)"     (in ~/.bashrc)
    zsh:   eval "$(mvlang completion zsh)"      (in ~/.zshrc)
    fish:  mvlang completion fish > ~/.config/fish/completions/mvlang.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)(cli, {}, "mvlang", "_MVLANG_COMPLETE")
    click.echo(completer.source())


def report_internal_error(error: BaseException) -> int:
    """Print an escaped exception as a bug report request, never as a bare traceback."""
    details = "".join(traceback.format_exception(error))
    report = None
    try:
        fd, report = tempfile.mkstemp(prefix="mvlang-crash-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"mvlang {__version__}, Python {sys.version.split()[0]}\n")
            handle.write(f"command: {' '.join(sys.argv)}\ntime: {time.ctime()}\n\n{details}")
    except OSError:
        report = None
    click.echo(f"error: internal error: mvlang {__version__} hit a bug "
               f"({type(error).__name__}: {error})", err=True)
    click.echo("  This is not a problem with your script. Please report it at", err=True)
    click.echo(f"  {ISSUES_URL}", err=True)
    where = f"the crash report in {report}" if report else "the output above"
    click.echo(f"  with the command you ran, the script if you can share it, and {where}.",
               err=True)
    if os.environ.get("MVLANG_BACKTRACE"):
        click.echo(details, err=True)
    return 70


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="mvlang", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the one place that turns bugs into reports
        sys.exit(report_internal_error(error))
