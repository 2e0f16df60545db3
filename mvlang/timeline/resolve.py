"""Resolving the IR against a beat grid (stage: resolve).

`resolve(program, grid, sink)` places every scene, transition and sound:

- a scene starts at its `at`, else where the scene before ends; the first at
  0:00 unless anchored;
- it lasts its `length` (counted along the grid, so tempo changes are
  followed), or until its `until`;
- an anchored scene moves the end of the scene before it: a warning when that
  scene's length was written on it, an error when nothing is left of it;
- `snap beat|bar` moves the boundaries that no anchor fixes to the nearest
  beat or bar line;
- the last scene runs to the end of the video (the audio, with `length song`);
  a scene that starts at or after that end is an error;
- a transition is centred on its boundary and must fit in both scenes;
- sounds are placed from the start of their scene (`+DUR`) or absolutely;
  one that starts after the video ends is dropped with a warning.
"""

from __future__ import annotations

from fractions import Fraction

from mvlang.audio.grid import BeatGrid
from mvlang.diagnostics import Label, Sink
from mvlang.ir import model as M
from mvlang.ir import time as T
from mvlang.timeline.model import Cut, Shot, SoundCue, Timeline, frame_of


class Resolver:
    def __init__(self, program: M.Program, grid: BeatGrid, sink: Sink) -> None:
        self.program = program
        self.grid = grid
        self.sink = sink
        self.fps = program.video.fps
        self.file = program.file
        self.marks: dict[str, Fraction] = {}
        self._marking: set[str] = set()
        self._mark_defs = {m.name: m for m in program.marks}

    # ---------------------------------------------------------------- points
    def point(self, point: T.Point, scene_start: Fraction | None = None) -> Fraction:
        time = self.base(point.base, scene_start)
        for offset in point.offsets:
            time = self.add(time, offset)
        return time

    def base(self, base, scene_start: Fraction | None) -> Fraction:
        grid = self.grid
        if isinstance(base, T.Clock):
            return Fraction(base.seconds)
        if isinstance(base, T.BarBeat):
            return grid.time_at(grid.position(base.bar, base.beat))
        if isinstance(base, T.BeatNumber):
            return grid.time_at(Fraction(base.beat) - 1)
        if isinstance(base, T.MarkPoint):
            return self.mark(base.name)
        if base.which == "start":
            return Fraction(0)
        if base.which == "end":
            return grid.duration
        return scene_start if scene_start is not None else Fraction(0)

    def mark(self, name: str) -> Fraction:
        if name not in self.marks:
            if name in self._marking:  # a cycle: the checker has reported it
                return Fraction(0)
            self._marking.add(name)
            self.marks[name] = self.point(self._mark_defs[name].at)
            self._marking.discard(name)
        return self.marks[name]

    def add(self, time: Fraction, duration: T.Duration) -> Fraction:
        if duration.unit == "s":
            return time + duration.amount
        if duration.unit == "f":
            return time + duration.amount / self.fps
        beats = duration.amount * (self.grid.beats_per_bar if duration.unit == "bar" else 1)
        return self.grid.add_beats(time, beats)

    def describe(self, time: Fraction) -> str:
        bar, beat = self.grid.bar_beat(self.grid.position_at(time))
        return f"{T.clock_text(time)} (bar {bar} beat {_num(beat)})"

    # ---------------------------------------------------------------- scenes
    def shots(self, video_end: Fraction) -> list[tuple[M.Scene, Fraction, Fraction]] | None:
        scenes = self.program.scenes
        placed: list[list] = []
        for index, scene in enumerate(scenes):
            if scene.at is not None:
                start = self.point(scene.at)
                if placed and not self._meet(placed[-1], scene, start):
                    return None
            else:
                start = placed[-1][2] if placed else Fraction(0)
            end = self.natural_end(scene, start)
            nxt = scenes[index + 1] if index + 1 < len(scenes) else None
            if nxt is not None and nxt.at is None and self.program.snap != "off":
                end = self.snap(end, start)
            placed.append([scene, start, end])
        if placed:
            placed[-1][2] = max(video_end, placed[-1][1])
        return [tuple(p) for p in placed]

    def natural_end(self, scene: M.Scene, start: Fraction) -> Fraction:
        if scene.until is not None:
            return self.point(scene.until, start)
        return self.add(start, scene.length or T.Duration(Fraction(4), "bar"))

    def snap(self, end: Fraction, start: Fraction) -> Fraction:
        snapped = (self.grid.nearest_bar(end) if self.program.snap == "bar"
                   else self.grid.nearest_beat(end))
        return snapped if snapped > start else end

    def _meet(self, previous: list, scene: M.Scene, start: Fraction) -> bool:
        """An anchored scene ends the one before it: check, warn, adjust."""
        before, before_start, before_end = previous
        if start <= before_start:
            code = "E2001" if start < before_start else "E2002"
            self.sink.error(code, f"scene `{scene.name}` at {self.describe(start)} leaves scene "
                            f"`{before.name}` (from {self.describe(before_start)}) no time",
                            scene.at_span, "anchored here", file=self.file,
                            labels=[Label(self.file, before.at_span, f"`{before.name}` starts here")],
                            hints=["scenes play in the order they are written: anchors must "
                                   "move forward"])
            return False
        if start != before_end and before.length_from == "scene":
            verb, code = ("stretches", "W0001") if start > before_end else ("shortens", "W0002")
            self.sink.warning(code, f"scene `{scene.name}` at {self.describe(start)} {verb} "
                              f"scene `{before.name}`, which would end at "
                              f"{self.describe(before_end)}", scene.at_span, "anchored here",
                              file=self.file,
                              labels=[Label(self.file, before.length_span,
                                            "its length is written here")],
                              hints=[f"remove `length` from `{before.name}` to let it run "
                                     f"until `{scene.name}`, or move the anchor"])
        previous[2] = start
        return True


def resolve(program: M.Program, grid: BeatGrid, sink: Sink) -> Timeline | None:
    """The timeline of a checked program on a beat grid, or None after an error."""
    r = Resolver(program, grid, sink)
    fps = program.video.fps
    video_end = grid.duration if program.video.length is None else \
        min(r.add(Fraction(0), program.video.length), grid.duration)
    placed = r.shots(video_end)
    if placed is None:
        return None
    shots = _shots(r, placed, video_end)
    if shots is None:
        return None
    cuts = _cuts(r, shots)
    if cuts is None:
        return None
    cues = _cues(r, shots, video_end)
    for name in r._mark_defs:
        r.mark(name)
    return Timeline(fps, video_end, frame_of(video_end, fps), tuple(shots), tuple(cuts),
                    tuple(cues), tuple(sorted(r.marks.items(), key=lambda kv: kv[1])), grid)


def _shots(r: Resolver, placed, video_end: Fraction) -> list[Shot] | None:
    shots, ok = [], True
    for scene, start, end in placed:
        if start >= video_end:
            r.sink.error("E2006", f"scene `{scene.name}` starts at {r.describe(start)}, after "
                         f"the audio ends ({T.clock_text(video_end)})", scene.at_span,
                         "past the end", file=r.file,
                         hints=["shorten the scenes before it, or use a longer song"])
            ok = False
            continue
        end = min(end, video_end)
        first, after = frame_of(start, r.fps), frame_of(end, r.fps)
        if after <= first:
            r.sink.error("E2016", f"scene `{scene.name}` is shorter than one frame "
                         f"({float(end - start) * 1000:.0f} ms at {_num(r.fps)} fps)",
                         scene.at_span, "too short", file=r.file)
            ok = False
            continue
        shots.append(Shot(scene, start, end, first, after - 1))
    return shots if ok else None


def _cuts(r: Resolver, shots: list[Shot]) -> list[Cut] | None:
    cuts, ok = [], True
    for index, transition in enumerate(r.program.transitions):
        before, after = shots[index], shots[index + 1]
        boundary = before.end
        start, end = _around(r, boundary, transition.over)
        if start < before.start or end > after.end:
            scene = before if start < before.start else after
            r.sink.error("E2015", f"the `{transition.kind}` between `{before.name}` and "
                         f"`{after.name}` runs from {r.describe(start)} to {r.describe(end)}, "
                         f"beyond scene `{scene.name}`", transition.span,
                         "longer than a scene allows", file=r.file,
                         hints=["a transition is centred on the cut: each scene must last at "
                                "least half of it; shorten its `over`"])
            ok = False
            continue
        cuts.append(Cut(transition, index, boundary, start, end, frame_of(start, r.fps),
                        frame_of(end, r.fps) - 1))
    return cuts if ok else None


def _around(r: Resolver, boundary: Fraction, over: T.Duration | None):
    """(start, end) of a transition of length `over` centred on `boundary`."""
    if over is None:
        return boundary, boundary
    if over.unit in ("s", "f"):
        half = over.amount / 2 / (r.fps if over.unit == "f" else 1)
        return boundary - half, boundary + half
    beats = over.amount * (r.grid.beats_per_bar if over.unit == "bar" else 1)
    middle = r.grid.position_at(boundary)
    return r.grid.time_at(middle - beats / 2), r.grid.time_at(middle + beats / 2)


def _cues(r: Resolver, shots: list[Shot], video_end: Fraction) -> list[SoundCue]:
    starts = {shot.name: shot.start for shot in shots}
    placed = []
    sounds = [(cue, None) for cue in r.program.cues]
    sounds += [(cue, shot.start) for shot in shots for cue in shot.scene.sounds]
    for cue, scene_start in sounds:
        start = r.point(cue.at, scene_start if scene_start is not None else starts.get(cue.scene))
        if start >= video_end:
            r.sink.warning("W0006", f"this sound starts at {r.describe(start)}, after the video "
                           f"ends ({T.clock_text(video_end)}): it is left out", cue.span,
                           "never heard", file=r.file)
            continue
        if start < 0:
            r.sink.error("E2010", f"this sound starts at {T.clock_text(start)}, before the audio",
                         cue.span, "negative time", file=r.file)
            continue
        end = None if cue.length is None else min(r.add(start, cue.length), video_end)
        placed.append(SoundCue(cue, start, end, frame_of(start, r.fps)))
    return sorted(placed, key=lambda c: c.start)


def _num(value: Fraction) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else format(float(value), "g")
