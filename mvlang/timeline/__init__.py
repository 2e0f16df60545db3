"""Stage 4, resolve: IR + beat grid -> timeline with exact times and frames."""

from mvlang.timeline.model import Cut, Shot, SoundCue, Timeline
from mvlang.timeline.resolve import resolve

__all__ = ["Cut", "Shot", "SoundCue", "Timeline", "resolve"]
