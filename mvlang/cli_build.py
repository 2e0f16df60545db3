"""The build commands: `build`, `plan`, `takes` and `cache` (registered by `cli.py`)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

COLOURS = click.Choice(["auto", "always", "never"])


def _emit(diagnostics, sources, colour: str) -> None:
    from mvlang.cli import _emit as emit

    emit(diagnostics, sources, "human", colour)


def build_options(f):
    """The options `build`, `plan` and `takes` share."""
    options = [
        click.option("--draft", is_flag=True,
                     help="A quick low-resolution version (at most 360 lines, fastest "
                          "encoder preset) with the same timing, written to FILE.draft.mp4."),
        click.option("--captions", is_flag=True,
                     help="Print each scene's name, prompt and bar:beat on its frames."),
        click.option("--backend", type=click.Choice(["preview", "diffusers"]), default=None,
                     help="What makes the pictures and sounds (default: [build] backend in "
                          "mvlang.toml, else the embedded preview)."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
                     help="The cache folder (default: .mvlang next to the script, or "
                          "[cache] dir in mvlang.toml)."),
        click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
                     help="The mvlang.toml to use (default: next to the script)."),
        click.option("--allow-outside", is_flag=True,
                     help="Let the script read files outside its own folder."),
        click.option("--color", "colour", type=COLOURS, default="auto", show_default=True,
                     help="Colour the diagnostics."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _options(**kw):
    from mvlang.build import BuildOptions

    return BuildOptions(draft=kw["draft"], captions=kw["captions"], backend=kw["backend"],
                        jobs=kw.get("jobs"), ray=kw.get("ray"), ray_store=kw.get("ray_store"),
                        output=Path(kw["output"]) if kw.get("output") else None,
                        cache_dir=Path(kw["cache_dir"]) if kw["cache_dir"] else None,
                        config=Path(kw["config_file"]) if kw["config_file"] else None,
                        allow_outside=kw["allow_outside"])


def _prepare(file: str, options, colour: str):
    """Check, analyse, resolve and plan, printing the diagnostics; exits on errors."""
    from mvlang.cli import _need_audio

    _need_audio()
    from mvlang.build import BuildError, prepare
    from mvlang.config import ConfigError

    try:
        prepared = prepare(Path(file), options)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except BuildError as error:
        click.echo(f"error[{error.code}]: {error.message}", err=True)
        if error.hint:
            click.echo(f"  = help: {error.hint}", err=True)
        sys.exit(1)
    _emit(prepared.diagnostics, prepared.resolved.sources, colour)
    if not prepared.ok:
        sys.exit(1)
    for note in prepared.notes:
        click.echo(f"note: {note}", err=True)
    return prepared


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes}:{seconds:02d}"


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Where to write the video (default: FILE.mp4 next to the script).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256),
              help="Tasks run at once (default: the number of cores); with `--ray local`, "
                   "the CPUs of the private Ray instance.")
@click.option("--ray", "ray", metavar="local|auto|ADDRESS",
              help="Run the tasks on Ray: `local` starts a private instance here, `auto` "
                   "joins this machine's cluster, or a head's address (default: [execute] "
                   "ray in mvlang.toml). Needs pip install \"mvlang[ray]\"; see "
                   "docs/cluster.md.")
@click.option("--ray-store", type=click.Choice(["shared", "driver"]),
              help="Where Ray workers keep outputs: `shared` (every node sees the cache "
                   "folder) or `driver` (sent back here; default off `local`).")
@build_options
@click.option("-v", "--verbose", is_flag=True, help="Print tracebacks of failed tasks.")
def build(file: str, verbose: bool, colour: str, **kw) -> None:
    """Build the video of a script: FILE.mp4 next to it.

    Only what changed since the last build is made again: every task's output
    is kept in the cache (.mvlang next to the script) under a key computed
    from its inputs. Interrupting a build (Ctrl-C) loses no finished task;
    building again carries on. `mvlang plan FILE` says what would run.
    """
    from mvlang.build import build as run_build
    from mvlang.build import to_run
    from mvlang.build.progress import reporter

    started = time.perf_counter()
    options = _options(**kw)
    prepared = _prepare(file, options, colour)
    needed = to_run(prepared)
    with reporter(needed, verbose=verbose) as report:
        result = run_build(Path(file), options, on_event=report, prepared=prepared,
                           needed=needed)
    outcome = result.outcome
    elapsed = time.perf_counter() - started
    if outcome is not None and outcome.interrupted:
        click.echo(f"interrupted: {len(outcome.done)} finished tasks are kept in the cache; "
                   "build again to carry on", err=True)
        sys.exit(130)
    if outcome is not None and (outcome.failed or outcome.skipped):
        _report_failures(prepared, outcome, colour)
        sys.exit(1)
    timeline = prepared.resolved.timeline
    codec = prepared.plan.codec
    what = (f"{result.output} ({timeline.frame_count} frames, "
            f"{_clock(float(timeline.duration))}, {codec.width}x{codec.height} "
            f"{_fps(codec.fps)} fps)")
    cached = len(prepared.graph) - len(result.ran)
    if not result.ran and not result.published:
        click.echo(f"up to date: {what}; nothing to do ({elapsed:.2f} s)", err=True)
    else:
        ran = ", ".join(t.label for t in result.ran[:8])
        more = f" and {len(result.ran) - 8} more" if len(result.ran) > 8 else ""
        click.echo(f"built {what} in {_seconds(elapsed)}: {len(result.ran)} tasks ran"
                   + (f" ({ran}{more})" if result.ran else "") + f", {cached} cached", err=True)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"


def _fps(fps) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{float(fps):.3f}"


def _report_failures(prepared, outcome, colour: str) -> None:
    from mvlang.diagnostics import Sink

    sink = Sink(prepared.resolved.check.program.file)
    for event in outcome.failed.values():
        origin = event.task.origin
        where = f"scene `{origin.scene}`: " if origin.scene else ""
        sink.error("E3011", f"{where}{event.task.label} failed: {event.error}", origin.span,
                   "this task failed", file=origin.file or sink.file,
                   hints=[(f"{len(outcome.done)} other tasks finished and are cached; "
                           "fix the cause and build again")])
    _emit(sink.items, prepared.resolved.sources, colour)
    if outcome.skipped:
        click.echo(f"{len(outcome.skipped)} tasks that need the failed ones did not run",
                   err=True)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--all", "show_all", is_flag=True,
              help="List every task (by default cached ones are counted, not listed).")
@build_options
def plan(file: str, as_json: bool, show_all: bool, colour: str, **kw) -> None:
    """Say what a build would do, before anything runs.

    Lists the tasks of the build: which are cached, which will run, and an
    estimate of what they cost on this machine.
    """
    from dataclasses import replace

    from mvlang.build import to_run
    from mvlang.plan.generative import gpu_seconds

    prepared = _prepare(file, replace(_options(**kw), generate_music=False), colour)
    graph = prepared.graph
    cached = prepared.cached()
    run = {t.key for t in to_run(prepared)}
    rows = []
    for task in graph:
        status = "run" if task.key in run else "cached" if task.key in cached else "unneeded"
        rows.append({"key": task.key, "kind": task.kind, "label": task.label,
                     "scene": task.origin.scene, "status": status,
                     "estimate_s": round(task.cost, 3) if status == "run" else 0.0,
                     "gpu_s": round(gpu_seconds(task), 3) if status == "run" else 0.0,
                     "inputs": [k for _, k in task.inputs]})
    total = sum(r["estimate_s"] for r in rows)
    gpu = sum(r["gpu_s"] for r in rows)
    if as_json:
        click.echo(json.dumps({"script": file, "output": str(prepared.output),
                               "root": graph.root, "tasks": rows,
                               "summary": {"tasks": len(rows), "run": len(run),
                                           "cached": len(cached), "estimate_s": round(total, 2),
                                           "gpu_s": round(gpu, 1)}},
                              indent=1))
        return
    for row in rows:
        if row["status"] == "run" or show_all:
            estimate = f"~{_seconds(row['estimate_s'])}" if row["status"] == "run" else ""
            click.echo(f"{row['status']:<8} {row['kind']:<10} {row['key'][:12]}  "
                       f"{estimate:>9}  {row['label']}")
    click.echo(f"{len(rows)} tasks: {len(run)} to run (about {_seconds(total)} of work on "
               f"this machine), {len(cached)} cached → {prepared.output}")
    if gpu:
        counts: dict[str, int] = {}
        for task in graph:
            if task.key in run and gpu_seconds(task):
                counts[task.kind] = counts.get(task.kind, 0) + 1
        what = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        click.echo(f"GPU: about {_seconds(gpu)} on one H100 for {what} at the configured "
                   "steps (a CPU is 500 to 1000 times slower)")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("scene")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The contact sheet (default: FILE.SCENE.takes.png next to the script).")
@build_options
def takes(file: str, scene: str, output: str | None, colour: str, **kw) -> None:
    """Paint every take of a scene and write them side by side to a PNG.

    `takes N` in a scene makes N candidates for its picture and `pick K`
    chooses one; this contact sheet shows them all, numbered, with the
    picked one marked.
    """
    from mvlang.build import contact_sheet
    from mvlang.diagnostics import closest

    prepared = _prepare(file, _options(**kw), colour)
    names = [s.name for s in prepared.resolved.check.program.scenes]
    if scene not in names:
        guess = closest(scene, names)
        click.echo(f"error: no scene `{scene}` in {file}"
                   + (f"; did you mean `{guess}`?" if guess else ""), err=True)
        sys.exit(1)
    target = Path(output) if output else Path(file).with_suffix(f".{scene}.takes.png")
    outcome = contact_sheet(prepared, scene, target)
    if outcome is not None and not outcome.ok:
        _report_failures(prepared, outcome, colour)
        sys.exit(1)
    click.echo(f"wrote {target}", err=True)


@click.group()
def cache() -> None:
    """Look into and clean the build cache (.mvlang next to a script)."""


def _store(path: str, cache_dir: str | None):
    from mvlang.cache.store import Store
    from mvlang.config import ConfigError, load_config

    if cache_dir:
        return Store(Path(cache_dir))
    where = Path(path)
    folder = where.parent if where.is_file() else where
    try:
        return Store(load_config(folder).cache_dir)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


_where = click.argument("path", default=".", type=click.Path(exists=True))
_cache_option = click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
                             help="The cache folder (default: from PATH's mvlang.toml, or "
                                  ".mvlang in PATH's folder).")


@cache.command("ls")
@_where
@_cache_option
def cache_ls(path: str, cache_dir: str | None) -> None:
    """List the cached task outputs, oldest first."""
    store = _store(path, cache_dir)
    entries = store.entries()
    total = 0
    for entry in entries:
        total += entry.size
        click.echo(f"{entry.key[:12]}  {entry.manifest.get('kind', '?'):<10} "
                   f"{_size(entry.size):>9}  {entry.manifest.get('label', '')}")
    click.echo(f"{len(entries)} entries, {_size(total)} in {store.root}")


@cache.command("gc")
@_where
@_cache_option
def cache_gc(path: str, cache_dir: str | None) -> None:
    """Remove what no script's latest build uses (and leftovers of interrupted builds)."""
    count, size = _store(path, cache_dir).gc()
    click.echo(f"removed {count} entries, {_size(size)}")


@cache.command("clear")
@_where
@_cache_option
def cache_clear(path: str, cache_dir: str | None) -> None:
    """Remove everything in the cache, analyses included."""
    count, size = _store(path, cache_dir).clear()
    click.echo(f"removed {count} entries, {_size(size)}")


@cache.command("verify")
@_where
@_cache_option
def cache_verify(path: str, cache_dir: str | None) -> None:
    """Check every entry against its digests; remove corrupt ones (rebuilt when needed)."""
    store = _store(path, cache_dir)
    bad = [e for e in store.entries() if store.get(e.key) is None]
    click.echo(f"{len(store.entries()) + len(bad)} entries checked, {len(bad)} corrupt "
               "removed" + ("".join(f"\n  {e.key[:12]} {e.manifest.get('label', '')}"
                                    for e in bad)))


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
              help="The mvlang.toml to read (default: in PATH's folder).")
def models(path: str, config_file: str | None) -> None:
    """List the model folders mvlang.toml configures, and check each.

    Reads only their config files (model_index.json, config.json), never the
    weights: it answers at once and offline. Nothing is ever downloaded.
    """
    from mvlang.backends.models import inspect
    from mvlang.config import ConfigError, load_config

    where = Path(path)
    try:
        config = load_config(where.parent if where.is_file() else where,
                             Path(config_file) if config_file else None)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"backend: {config.backend}" + (f" (from {config.file})" if config.file else
                                               " (no mvlang.toml: the embedded preview)"))
    if not config.models:
        click.echo("no [models.ROLE] tables: the preview backend needs none")
        return
    failed = False
    for model in config.models:
        found = inspect(model)
        state = "ok" if found.ok else "ERROR"
        click.echo(f"{model.role:<8} {state:<6} {model.path}  {found.kind} {found.name}".rstrip())
        for note in found.notes:
            click.echo(f"         note: {note}")
        for problem in found.problems:
            failed = True
            click.echo(f"error[E3012]: [models.{model.role}] path: {problem}", err=True)
            click.echo(f"  = help: fix `path` under [models.{model.role}] in "
                       f"{config.file or 'mvlang.toml'}; mvlang never downloads a model",
                       err=True)
    if failed:
        sys.exit(1)


COMMANDS = [build, plan, takes, cache, models]
