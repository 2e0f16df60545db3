"""Pass `check_times`: the anchors that can be compared without the audio
(stage: check): scenes in order, no scene left without time, `until` after
the start, nothing before 0:00 or past the end of generated music of known
length. The rest waits for the beat grid and the resolved timeline.
"""

from __future__ import annotations

from fractions import Fraction

from mvlang.diagnostics import Label
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.ir.context import Context


def check_times(ctx: Context) -> None:
    """Anchors that can be compared without the audio: order, overlap, past the end."""
    frame = _frame(ctx)
    if frame is None:
        return
    placer = _MarkPlacer(ctx, frame)
    previous: tuple[M.Scene, T.Position | None, T.Position | None] | None = None
    last_anchor: tuple[M.Scene, T.Position] | None = None
    for scene in ctx.scenes:
        start = T.place(scene.at, frame, placer) if scene.at else (previous[2] if previous else
                                                                   T.Position("s", Fraction(0)))
        if scene.at is not None and start is not None:
            if last_anchor and _before(ctx, scene, start, last_anchor, frame):
                start = None
            else:
                _meet_previous(ctx, scene, start, previous, frame)
                last_anchor = (scene, start)
        end = _scene_end(ctx, scene, start, frame, placer)
        _check_in_audio(ctx, scene, start, frame)
        previous = (scene, start, end)
    for cue in ctx.cues:
        position = T.place(cue.at, frame, placer)
        if position is not None and T.compare(position, T.Position("s", Fraction(0)), frame) == -1:
            ctx.error("E2010", "this sound starts before the audio", cue.span, "negative time")


def _frame(ctx: Context) -> T.Frame | None:
    audio = ctx.audio
    if audio is None:
        return None
    seconds_per_beat = end = None
    if isinstance(audio, M.Music) and audio.bpm is not None:
        seconds_per_beat = Fraction(60) / audio.bpm
    frame = T.Frame(audio.meter[0], ctx.video.fps, seconds_per_beat)
    if isinstance(audio, M.Music) and audio.length is not None:
        end = T.place(T.Point(T.Named("start"), (audio.length,)), frame, lambda n: None)
        if end is not None and end.axis == "s":
            frame = T.Frame(frame.beats_per_bar, frame.fps, seconds_per_beat, end.value)
    return frame


class _MarkPlacer:
    """Places marks (which may refer to other marks), reporting cycles once."""

    def __init__(self, ctx: Context, frame: T.Frame) -> None:
        self.ctx, self.frame, self.done, self.busy = ctx, frame, {}, set()

    def __call__(self, name: str) -> T.Position | None:
        if name in self.done:
            return self.done[name]
        mark = self.ctx.marks.get(name)
        if mark is None:
            return None
        if name in self.busy:
            self.ctx.error("E2009", f"mark `{name}` is defined in terms of itself", mark.span,
                           "a cycle of marks")
            self.done[name] = None
            return None
        self.busy.add(name)
        position = T.place(mark.at, self.frame, self)
        self.busy.discard(name)
        self.done[name] = position
        return position


def _before(ctx, scene, start, last_anchor, frame) -> bool:
    earlier, position = last_anchor
    order = T.compare(start, position, frame)
    if order is not None and order <= 0:
        code = "E2001" if order < 0 else "E2002"
        message = (f"scene `{scene.name}` is anchored at {T.describe(start, frame)}, before "
                   f"scene `{earlier.name}` which starts at {T.describe(position, frame)}"
                   if order < 0 else
                   f"scenes `{earlier.name}` and `{scene.name}` both start at "
                   f"{T.describe(start, frame)}, which leaves `{earlier.name}` no time")
        ctx.error(code, message, scene.at_span, "anchored here",
                  labels=[Label(ctx.name, earlier.at_span, "the earlier anchor")],
                  hints=["scenes play in the order they are written: anchors must move forward"])
        return True
    return False


def _meet_previous(ctx, scene, start, previous, frame) -> None:
    if previous is None:
        return
    before, before_start, before_end = previous
    if before_start is not None:
        order = T.compare(start, before_start, frame)
        if order is not None and order <= 0:
            ctx.error("E2002", f"scene `{scene.name}` starts at {T.describe(start, frame)}, "
                      f"which leaves scene `{before.name}` no time", scene.at_span,
                      "anchored here", labels=[Label(ctx.name, before.span,
                                                     f"`{before.name}` starts at "
                                                     f"{T.describe(before_start, frame)}")])
            return
    if before_end is None or before.length_from != "scene":
        return
    order = T.compare(start, before_end, frame)
    if order:
        verb, code = ("stretches", "W0001") if order > 0 else ("shortens", "W0002")
        ctx.warning(code, f"scene `{scene.name}` at {T.describe(start, frame)} {verb} scene "
                    f"`{before.name}`, which would end at {T.describe(before_end, frame)}",
                    scene.at_span, "anchored here",
                    labels=[Label(ctx.name, before.length_span, "its length is written here")],
                    hints=[f"remove `length` from `{before.name}` to let it run until "
                           f"`{scene.name}`, or move the anchor"])


def _scene_end(ctx, scene, start, frame, placer) -> T.Position | None:
    if scene.until is not None:
        until = T.place(scene.until, frame, placer)
        if until is not None and start is not None:
            order = T.compare(until, start, frame)
            if order is not None and order <= 0:
                ctx.error("E2005", f"scene `{scene.name}` ends ({T.describe(until, frame)}) "
                          f"before it starts ({T.describe(start, frame)})", scene.span,
                          "`until` is not after the start")
                return None
        return until
    if start is None or scene.length is None:
        return None
    return T.add(start, scene.length, frame)


def _check_in_audio(ctx, scene, start, frame) -> None:
    if start is None:
        return
    zero = T.Position("s", Fraction(0))
    if T.compare(start, zero, frame) == -1:
        ctx.error("E2010", f"scene `{scene.name}` starts before the audio does",
                  scene.at_span, f"at {T.describe(start, frame)}")
    elif frame.end_seconds is not None:
        end = T.Position("s", frame.end_seconds)
        if T.compare(start, end, frame) in (0, 1):
            ctx.error("E2006", f"scene `{scene.name}` starts at {T.describe(start, frame)}, "
                      f"after the music ends ({T.clock_text(frame.end_seconds)})",
                      scene.at_span, "past the end",
                      hints=["lengthen the music's `length`, or remove scenes"])
