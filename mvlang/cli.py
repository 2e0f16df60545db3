"""The command line: a thin layer over the library (click).

    mvlang check FILE...     parse and check, print diagnostics
    mvlang fmt FILE...       print, write or verify the canonical form
    mvlang explain [CODE]    the page for a diagnostic code
    mvlang beats AUDIO       beat times of an audio file (and a picture of them)
    mvlang timeline FILE     the resolved timeline of a script
    mvlang plan FILE         the tasks a build would run, before anything runs
    mvlang build FILE        the video: FILE.mp4 next to the script
    mvlang takes FILE SCENE  a contact sheet of a scene's takes
    mvlang cache ls|gc|clear|verify   the build cache
    mvlang lsp               the language server, over stdio
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


def _parse_bpm(value: str) -> float | None:
    if value == "auto":
        return None
    try:
        bpm = float(value)
    except ValueError:
        raise click.BadParameter("a number of beats per minute, or `auto`") from None
    if not 20 <= bpm <= 400:
        raise click.BadParameter("between 20 and 400")
    return bpm


def _parse_meter(value: str) -> tuple[int, int]:
    try:
        beats, unit = (int(x) for x in value.split("/"))
    except ValueError:
        raise click.BadParameter("a meter such as 4/4, 3/4 or 6/8") from None
    if not 1 <= beats <= 32 or unit not in (1, 2, 4, 8, 16, 32):
        raise click.BadParameter("1 to 32 beats of 1, 2, 4, 8, 16 or 32")
    return beats, unit


def _need_audio() -> None:
    """Stop with an install hint when a package the build needs is missing (an
    install that skipped dependencies), not with an internal error."""
    import importlib.util

    missing = [m for m in ("numpy", "scipy", "soundfile", "av", "PIL", "rich")
               if importlib.util.find_spec(m) is None]
    if missing:
        click.echo(f"error: this command needs packages that are missing ({', '.join(missing)}):"
                   " pip install --upgrade mvlang", err=True)
        sys.exit(1)


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mvlang"


@cli.command()
@click.argument("audio", type=click.Path(exists=True, dir_okay=False))
@click.option("--bpm", default="auto", show_default=True,
              help="A tempo hint that settles half or double tempo, or `auto`.")
@click.option("--meter", default="4/4", show_default=True, help="Beats to the bar: 4/4, 3/4, 6/8.")
@click.option("--json", "as_json", is_flag=True,
              help="Print beats, downbeats, bars and the tempo curve as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Draw the waveform with beats, downbeats and bar numbers to a PNG.")
@click.option("--tracker", type=click.Choice(["mvlang", "librosa", "beat-this"]),
              default="mvlang", show_default=True, help="Which beat tracker to use.")
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False),
              help="The local checkpoint file for --tracker beat-this.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="Where analyses are kept (default: the user's cache folder).")
@click.option("--no-cache", is_flag=True, help="Analyse again, and keep nothing.")
def beats(audio: str, bpm: str, meter: str, as_json: bool, plot: str | None, tracker: str,
          checkpoint: str | None, cache_dir: str | None, no_cache: bool) -> None:
    """Find the beats of an audio file and print their times in seconds.

    One beat a line; --json adds downbeats, bar numbers and the tempo curve.
    A second run on the same file reads the cached analysis.
    """
    _need_audio()
    from mvlang.audio.analysis import AnalysisCache, analyse_file
    from mvlang.audio.errors import AudioError

    hint, signature = _parse_bpm(bpm), _parse_meter(meter)
    cache = None if no_cache else AnalysisCache(Path(cache_dir) if cache_dir else _user_cache())
    try:
        analysis = analyse_file(Path(audio), bpm=hint, meter=signature, tracker=tracker,
                                checkpoint=Path(checkpoint) if checkpoint else None, cache=cache)
    except AudioError as error:
        click.echo(f"error[{error.code}]: {error.message}", err=True)
        if error.hint:
            click.echo(f"  = help: {error.hint}", err=True)
        sys.exit(1)
    except (RuntimeError, FileNotFoundError) as error:
        click.echo(f"error[E3008]: the beat tracker `{tracker}` cannot run: {error}", err=True)
        sys.exit(1)
    if as_json:
        import json
        click.echo(json.dumps(_beats_json(analysis), indent=1))
    else:
        click.echo("".join(f"{float(t):.3f}\n" for t in analysis.grid.beats), nl=False)
    if plot:
        from mvlang.audio.decode import read_audio
        from mvlang.audio.plot import plot_beats

        sound = read_audio(Path(audio))
        plot_beats(analysis, Path(plot), sound.samples, sound.sample_rate,
                   title=f"{Path(audio).name}: {len(analysis.grid.beats)} beats, "
                         f"{analysis.tempo:.2f} bpm, meter {meter}")
        click.echo(f"wrote {plot}", err=True)


def _beats_json(analysis) -> dict:
    grid = analysis.grid
    beats = [float(b) for b in grid.beats]
    return {"tempo": round(analysis.tempo, 3), "meter": f"{grid.beats_per_bar}/{grid.beat_unit}",
            "duration": float(grid.duration), "tracker": analysis.tracker,
            "beats": [round(b, 4) for b in beats],
            "downbeats": [round(float(b), 4) for b in grid.downbeats],
            "bars": [{"bar": grid.bar_beat(grid.position_at(t))[0], "time": round(float(t), 4)}
                     for t in grid.downbeats],
            "tempo_curve": [[round(a, 4), round(60 / (b - a), 3)] for a, b in zip(beats, beats[1:])]}


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
@click.option("--png", type=click.Path(dir_okay=False),
              help="Draw the timeline over the waveform to a PNG.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="The mvlang.toml to use (default: next to the script).")
@click.option("--color", "colour", type=COLOURS, default="auto", show_default=True,
              help="Colour the diagnostics.")
def timeline(file: str, as_json: bool, png: str | None, config_file: str | None,
             colour: str) -> None:
    """Resolve a script against its audio and print every shot's time and frames.

    The song is analysed (or read from the cache in .mvlang/ next to the
    script); generated music is composed, with its grid known exactly.
    """
    _need_audio()
    from mvlang.config import ConfigError, load_config
    from mvlang.timeline.pipeline import resolve_file

    try:
        config = load_config(Path(file).parent, Path(config_file) if config_file else None)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    resolved = resolve_file(Path(file), config)
    _emit(resolved.diagnostics, resolved.sources, "human", colour)
    if not resolved.ok or resolved.timeline is None:
        sys.exit(1)
    line = resolved.timeline
    if as_json:
        import json
        click.echo(json.dumps(_timeline_json(line), indent=1))
    else:
        click.echo(_timeline_table(line))
    if png:
        from mvlang.audio.plot import plot_timeline

        plot_timeline(resolved.analysis, line, Path(png), title=f"{file}: {len(line.shots)} "
                      f"shots, {float(line.duration):.2f} s, {line.frame_count} frames")
        click.echo(f"wrote {png}", err=True)


def _where(line, time) -> str:
    """`bar:beat` of a time, to a hundredth of a beat (so 4.999 reads as the next bar)."""
    from fractions import Fraction

    grid = line.grid
    position = Fraction(round(grid.position_at(time) * 100), 100)
    bar, beat = grid.bar_beat(position)
    beat_text = f"{float(beat):.2f}".rstrip("0").rstrip(".")
    return f"{bar}:{beat_text}"


def _timeline_table(line) -> str:
    from mvlang.ir.time import clock_text

    rows = [("scene", "start", "end", "bar:beat", "frames")]
    for shot in line.shots:
        rows.append((shot.name, clock_text(shot.start), clock_text(shot.end),
                     f"{_where(line, shot.start)}-{_where(line, shot.end)}",
                     f"{shot.first_frame}-{shot.last_frame}"))
    for cut in line.cuts:
        if cut.end > cut.start:
            rows.append((f"  -> {cut.transition.kind}", clock_text(cut.start), clock_text(cut.end),
                         f"{_where(line, cut.start)}-{_where(line, cut.end)}",
                         f"{cut.first_frame}-{cut.last_frame}"))
    for cue in line.cues:
        rows.append((f"  sfx {(cue.cue.prompt or 'auto')[:24]}", clock_text(cue.start),
                     clock_text(cue.end) if cue.end is not None else "",
                     _where(line, cue.start), str(cue.first_frame)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
    return text + (f"\n{len(line.shots)} shots, {clock_text(line.duration)}, "
                   f"{line.frame_count} frames at {float(line.fps):g} fps")


def _timeline_json(line) -> dict:
    def span(start, end):
        return {"start": float(start), "end": None if end is None else float(end),
                "start_exact": str(start), "bar_beat": _where(line, start)}

    return {"fps": float(line.fps), "duration": float(line.duration),
            "frames": line.frame_count,
            "shots": [{"scene": s.name, **span(s.start, s.end), "first_frame": s.first_frame,
                       "last_frame": s.last_frame} for s in line.shots],
            "transitions": [{"kind": c.transition.kind, "after": line.shots[c.before].name,
                             **span(c.start, c.end), "boundary": float(c.boundary),
                             "first_frame": c.first_frame, "last_frame": c.last_frame}
                            for c in line.cuts],
            "sounds": [{"prompt": c.cue.prompt, "scene": c.cue.scene, **span(c.start, c.end),
                        "first_frame": c.first_frame} for c in line.cues],
            "marks": {name: float(t) for name, t in line.marks}}


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


@cli.command()
def lsp() -> None:
    """Run the language server over stdio (for editors: VS Code, Vim, Emacs).

    Needs the `lsp` extra: pip install "mvlang[lsp]".
    """
    import importlib.util

    if importlib.util.find_spec("pygls") is None:
        click.echo('error: the language server needs pygls: pip install "mvlang[lsp]"', err=True)
        sys.exit(1)
    from mvlang.lsp.server import main as serve

    serve()


def _register() -> None:
    from mvlang.cli_build import COMMANDS
    from mvlang.cli_dev import dev

    for command in [*COMMANDS, dev]:
        cli.add_command(command)


_register()


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
