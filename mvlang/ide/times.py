"""When things happen, for an editor: a scene's resolved times, if the audio's
analysis is already in the cache (an editor never starts a beat tracker)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path


def scene_at_line(text: str, line: int) -> str | None:
    """The scene whose header (`scene NAME [at ...] [length ...] {`) is on `line` (0-based)."""
    from mvlang.syntax import ast as A
    from mvlang.syntax import parse

    parsed = parse(text, "<buffer>")
    for item in parsed.module.items:
        if isinstance(item, A.Scene) and item.span.line - 1 == line:
            return item.name.name
    return None


def timing_at_line(path: Path, text: str, line: int, world=None) -> str | None:
    """When what is written on `line` (0-based) happens: a scene's header, a sound
    cue (`sfx ... at ...`) or a `mark`; None when it is none of those or the
    audio is not analysed yet."""
    scene = scene_at_line(text, line)
    if scene is not None:
        return scene_timing(path, text, scene, world)
    timeline, program = _timeline(path, text, world)
    if timeline is None:
        return None
    where = _where(timeline)
    for placed in timeline.cues:
        if placed.cue.span.line - 1 == line:
            what = "sound from the picture" if placed.cue.prompt is None else "sound"
            return f"this {what} starts {where(placed.start)}"
    marks = dict(timeline.marks)
    for mark in program.marks:
        if mark.span.line - 1 == line and mark.name in marks:
            return f"mark `{mark.name}` is at {where(marks[mark.name])}"
    return None


def _timeline(path: Path, text: str, world):
    from mvlang.config import ConfigError, load_config
    from mvlang.timeline.pipeline import resolve_file

    path = Path(path)
    try:
        config = load_config(path.parent)
    except ConfigError:
        return None, None
    resolved = resolve_file(path, config, cached_only=True, world=world, text=text)
    program = resolved.check.program if resolved.check else None
    return resolved.timeline, program


def _where(timeline):
    from mvlang.ir.time import clock_text

    grid = timeline.grid

    def where(t: Fraction) -> str:
        bar, beat = grid.bar_beat(grid.position_at(t))
        beat_text = f"{float(beat):.2f}".rstrip("0").rstrip(".")
        return f"{clock_text(t)} (bar {bar} beat {beat_text})"
    return where


def import_target(text: str, path: Path, line: int) -> Path | None:
    """The file an `import` on `line` (0-based) brings in."""
    from mvlang.resources import stdlib_path
    from mvlang.syntax import ast as A
    from mvlang.syntax import parse

    for item in parse(text, "<buffer>").module.items:
        if isinstance(item, A.Import) and item.span.line - 1 <= line <= item.span.end_line - 1:
            spec = item.path.value
            if spec.startswith("std/"):
                target = stdlib_path(spec[4:])
            else:
                target = Path(path).parent / spec
            return target if target.is_file() else None
    return None


def scene_timing(path: Path, text: str, scene: str, world=None) -> str | None:
    """`starts 0:32.41 (bar 17 beat 1), ends 0:40.16 (bar 21 beat 1); frames 778–963`,
    or None when the timeline cannot be had without analysing the audio."""
    timeline, _ = _timeline(path, text, world)
    if timeline is None:
        return None
    shot = next((s for s in timeline.shots if s.name == scene), None)
    if shot is None:
        return None
    where = _where(timeline)
    return (f"starts {where(shot.start)}, ends {where(shot.end)}; "
            f"frames {shot.first_frame}–{shot.last_frame}")
