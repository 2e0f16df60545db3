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


def scene_timing(path: Path, text: str, scene: str, world=None) -> str | None:
    """`starts 0:32.41 (bar 17 beat 1), ends 0:40.16 (bar 21 beat 1); frames 778–963`,
    or None when the timeline cannot be had without analysing the audio."""
    from mvlang.config import ConfigError, load_config
    from mvlang.ir.time import clock_text
    from mvlang.timeline.pipeline import resolve_file

    path = Path(path)
    try:
        config = load_config(path.parent)
    except ConfigError:
        return None
    resolved = resolve_file(path, config, cached_only=True, world=world, text=text)
    timeline = resolved.timeline
    if timeline is None:
        return None
    shot = next((s for s in timeline.shots if s.name == scene), None)
    if shot is None:
        return None
    grid = timeline.grid

    def where(t: Fraction) -> str:
        bar, beat = grid.bar_beat(grid.position_at(t))
        beat_text = f"{float(beat):.2f}".rstrip("0").rstrip(".")
        return f"{clock_text(t)} (bar {bar} beat {beat_text})"

    return (f"starts {where(shot.start)}, ends {where(shot.end)}; "
            f"frames {shot.first_frame}–{shot.last_frame}")
