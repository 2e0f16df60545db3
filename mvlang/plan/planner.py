"""The planner: a resolved timeline becomes a graph of keyed tasks.

    music ─┐                                   (generated music only)
           ├─ mix ─────────────────────────────────────────────┐
    song file digest                                            │
    keyframe (scene, take) ─┬─ segment (shot body) ─┐           ├─ mux ── the video
                            └─ transition (a, b) ───┴─ concat ──┘

Rendering and encoding are one task (`segment`, `transition`): frames stream
from the renderer into the encoder and are never stored. Each task's key
covers what decides its output and nothing else: a shot's frames are described
relative to the shot (so moving a scene in time without changing it keeps its
segment, when it stays on the same frame phase), file inputs by the digest of
their bytes, never their path. Seeds come from `video.seed` and the scene's
name. What a backend does not render yet is a warning, and the shot is built
without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from mvlang import __version__
from mvlang.diagnostics import Sink
from mvlang.ir import model as M
from mvlang.ir.templates import describe_at
from mvlang.plan.graph import Graph, Origin, Task
from mvlang.plan.keys import derive_seed, file_digest
from mvlang.timeline.model import Cut, Shot, Timeline

# The transitions this renderer draws; the others fall back to a
# crossfade with a warning until the preview backend learns them.
RENDERED_TRANSITIONS = ("cut", "crossfade", "dip", "flash")
AUDIO_RATE = 48000
ENCODER = "libx264"


@dataclass(frozen=True)
class Options:
    draft: bool = False
    captions: bool = False
    backend: str = "preview"


@dataclass(frozen=True)
class Codec:
    """Encoder settings shared by every segment of one build (so they join by copy)."""

    width: int
    height: int
    fps: Fraction
    crf: int
    preset: str

    def params(self) -> dict:
        return {"encoder": ENCODER, "pix_fmt": "yuv420p", "width": self.width,
                "height": self.height, "fps": self.fps, "crf": self.crf, "preset": self.preset}


def codec_for(video: M.Video, draft: bool) -> Codec:
    if not draft:
        return Codec(video.width, video.height, video.fps, 20, "medium")
    # a draft: at most 360 lines, the same aspect (even sizes), the fastest preset
    scale = min(Fraction(1), Fraction(360, video.height))
    width = max(16, int(video.width * scale) // 2 * 2)
    height = max(16, int(video.height * scale) // 2 * 2)
    return Codec(width, height, video.fps, 28, "ultrafast")


def scene_seed(program: M.Program, scene: M.Scene) -> int:
    """The scene's seed: its own `seed`, else derived from the video's seed and its name."""
    if scene.seed is not None:
        return scene.seed
    return derive_seed(program.video.seed, "scene", scene.name)


def take_seed(seed: int, take: int) -> int:
    """Take 1 uses the scene's seed itself, so adding `takes 4` keeps the first picture."""
    return seed if take == 1 else derive_seed(seed, "take", take)


def character_seed(program: M.Program, character: M.Character) -> int:
    if character.seed is not None:
        return character.seed
    return derive_seed(program.video.seed, "character", character.name)


def keyframe_size(codec: Codec, moves) -> tuple[int, int]:
    """How large a scene's still is painted so the camera never sees past its edge."""
    from mvlang.media.render import keyframe_size as size

    return size(codec.width, codec.height, moves)


def backend_versions() -> dict[str, str]:
    from mvlang.audio.compose import VERSION as COMPOSER
    from mvlang.backends.preview import VERSION as PREVIEW

    return {"preview": PREVIEW, "composer": COMPOSER, "renderer": RENDERER}


RENDERER = "3"   # bump when the renderer's frames change (camera, transitions, captions)


@dataclass
class Plan:
    graph: Graph
    codec: Codec
    seeds: dict[str, int]          # scene -> seed
    keyframes: dict[str, list[str]]  # scene -> keys of its takes, in order
    inputs: list[Path]             # files the build reads (never overwritten)


def plan(program: M.Program, timeline: Timeline, script: Path, options: Options,
         sink: Sink) -> Plan:
    """The task graph of a build. Warnings (what is not rendered yet) go to `sink`."""
    folder = Path(script).parent
    codec = codec_for(program.video, options.draft)
    versions = backend_versions()
    graph = Graph()
    origin_of = {s.name: Origin(s.name, program.file, s.span) for s in program.scenes}
    renderer = ("renderer", versions["renderer"])
    inputs: list[Path] = []

    # -- audio ---------------------------------------------------------------
    audio = program.audio
    if isinstance(audio, M.Music):
        from mvlang.timeline.pipeline import music_spec

        music = graph.add(Task(
            "music", {"spec": music_spec(program)}, backend=("composer", versions["composer"]),
            label="music", origin=Origin(None, program.file, audio.span),
            cost=float(timeline.duration) * 0.05))
        source = {"music": music.key}
        audio_inputs = (("music", music.key),)
        local = {}
    else:
        path = folder / audio.path
        inputs.append(path)
        source = {"file": file_digest(path), "from": _clock(audio.start)}
        audio_inputs = ()
        local = {"path": str(path)}
    mix = graph.add(Task(
        "mix", {"source": source, "duration": timeline.duration, "rate": AUDIO_RATE,
                "channels": 2, "codec": "aac", "bitrate": 192000},
        inputs=audio_inputs, backend=renderer, label="audio mix",
        origin=Origin(None, program.file, audio.span), cost=0.2 + float(timeline.duration) * 0.01,
        local=local))

    unrendered = Unrendered()
    for cue in program.cues:
        unrendered.add("`sfx`", cue.span, "sounds")

    # -- keyframes -----------------------------------------------------------
    characters = {c.name: c for c in program.characters}
    seeds: dict[str, int] = {}
    keyframes: dict[str, list[str]] = {}
    for scene in program.scenes:
        unrendered.scene(scene)
        seed = seeds[scene.name] = scene_seed(program, scene)
        width, height = keyframe_size(codec, scene.camera)
        figures = [_figure(program, characters[name], age) for name, age in scene.cast
                   if name in characters]
        negative = ", ".join(t for t in (program.negative, scene.negative) if t)
        keys = []
        for take in range(1, scene.takes + 1):
            task = graph.add(Task(
                "keyframe", {"prompt": scene.prompt, "negative": negative, "width": width,
                             "height": height, "figures": figures},
                seed=take_seed(seed, take), backend=(options.backend, versions["preview"]),
                label=f"keyframe {scene.name}" + (f" take {take}" if scene.takes > 1 else ""),
                origin=origin_of[scene.name], cost=0.25 * width * height / 921600))
            keys.append(task.key)
        keyframes[scene.name] = keys

    # -- segments: shot bodies and transitions, in frame order --------------
    shots, cuts = timeline.shots, _partition(timeline)
    segments: list[str] = []
    for index, shot in enumerate(shots):
        before = cuts[index - 1] if index > 0 else None
        after = cuts[index] if index < len(cuts) else None
        first = before.last_frame + 1 if before else shot.first_frame
        last = after.first_frame - 1 if after else shot.last_frame
        if last >= first:
            segments.append(graph.add(Task(
                "segment", {"codec": codec.params(), "shot": _shot_view(shot, first, last,
                                                                        codec, seeds),
                            "captions": _captions(timeline, shot, first, last, codec)
                            if options.captions else None},
                inputs=(("still", keyframes[shot.name][shot.scene.pick - 1]),),
                backend=renderer, label=f"shot {shot.name}", origin=origin_of[shot.name],
                cost=_encode_cost(codec, last - first + 1, bool(shot.scene.camera)))).key)
        if after is not None and after.last_frame >= after.first_frame:
            a, b = shot, shots[index + 1]
            transition = after.transition
            kind, arg = transition.kind, transition.arg
            if kind not in RENDERED_TRANSITIONS:
                unrendered.add(f"the `{kind}` transition", transition.span, "transitions",
                               "built as a crossfade")
                kind, arg = "crossfade", None
            if kind == "dip" and arg is None:
                arg = "black"
            f0, f1 = after.first_frame, after.last_frame
            segments.append(graph.add(Task(
                "transition", {
                    "codec": codec.params(), "kind": kind, "arg": arg,
                    "frames": f1 - f0 + 1,
                    "offset": Fraction(f0) / codec.fps - after.start,
                    "duration": after.end - after.start,
                    "a": _shot_view(a, f0, f1, codec, seeds),
                    "b": _shot_view(b, f0, f1, codec, seeds),
                    "captions": _captions(timeline, None, f0, f1, codec, after)
                    if options.captions else None},
                inputs=(("a", keyframes[a.name][a.scene.pick - 1]),
                        ("b", keyframes[b.name][b.scene.pick - 1])),
                backend=renderer, label=f"{kind} {a.name} → {b.name}",
                origin=Origin(b.name, program.file, transition.span or b.scene.span),
                cost=_encode_cost(codec, f1 - f0 + 1, True) * 1.3)).key)

    unrendered.report(sink, program.file)
    concat = graph.add(Task(
        "concat", {"frames": timeline.frame_count}, inputs=tuple(("segment", k) for k in segments),
        label="join segments", cost=0.05 + 0.002 * len(segments)))
    mux = graph.add(Task(
        "mux", {"container": "mp4", "metadata": {
            "mvlang_version": __version__,
            "mvlang_backends": ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))}}, inputs=(("video", concat.key), ("audio", mix.key)),
        label="mux", cost=0.2))
    graph.root = mux.key
    # every take is painted, so that `pick` can change without waiting
    graph.extras = [k for keys in keyframes.values() if len(keys) > 1 for k in keys]
    graph.outputs = {"video": concat.key, "audio": mix.key}
    for character in program.characters:
        if character.ref:
            inputs.append(folder / character.ref)
    return Plan(graph, codec, seeds, keyframes, inputs)


def _figure(program: M.Program, character: M.Character, age: Fraction | None) -> dict:
    return {"name": character.name, "description": describe_at(character, age),
            "age": age, "seed": character_seed(program, character)}


def _shot_view(shot: Shot, first: int, last: int, codec: Codec, seeds: dict) -> dict:
    """Frames `first..last` of a shot, described relative to the shot: the camera
    at each frame follows (frame time - shot start) / shot length."""
    return {"moves": [_move(m) for m in shot.scene.camera], "seed": seeds[shot.name],
            "frames": last - first + 1,
            "offset": Fraction(first) / codec.fps - shot.start,
            "length": shot.end - shot.start}


def _move(move: M.CameraMove) -> dict:
    return {"move": move.move, "start": move.start, "end": move.end,
            "direction": move.direction, "ease": move.ease}


def _partition(timeline: Timeline) -> list[Cut]:
    """The cuts, with a transition that would overlap the previous one (two long
    transitions around a short scene) starting after it, so no frame is encoded twice."""
    out: list[Cut] = []
    previous_last = -1
    for cut in timeline.cuts:
        if cut.last_frame >= cut.first_frame and cut.first_frame <= previous_last:
            from dataclasses import replace

            cut = replace(cut, first_frame=previous_last + 1)
        out.append(cut)
        if cut.last_frame >= cut.first_frame:
            previous_last = cut.last_frame
    return out


def _encode_cost(codec: Codec, frames: int, moving: bool) -> float:
    scale = codec.width * codec.height / 921600
    per_frame = (0.045 if moving else 0.012) * scale
    if codec.preset == "ultrafast":
        per_frame /= 3
    return 0.1 + frames * per_frame


def _captions(timeline: Timeline, shot: Shot | None, first: int, last: int, codec: Codec,
              cut: Cut | None = None) -> list:
    """Runs of identical caption text, [[count, lines], ...], for frames first..last."""
    from mvlang.ir.time import clock_text

    grid = timeline.grid
    runs: list = []
    for frame in range(first, last + 1):
        t = Fraction(frame) / codec.fps
        if shot is None:
            index = cut.before + (1 if t >= cut.boundary else 0)
            current = timeline.shots[index]
        else:
            current = shot
        bar, beat = grid.bar_beat(grid.position_at(t))
        lines = [f"{current.name}   bar {bar} beat {int(beat)}   {clock_text(Fraction(int(t)))}",
                 current.scene.prompt]
        if runs and runs[-1][1] == lines:
            runs[-1][0] += 1
        else:
            runs.append([1, lines])
    return runs


def _clock(point) -> Fraction | None:
    from mvlang.timeline.pipeline import _seconds

    return _seconds(point)


class Unrendered:
    """What the backend does not render yet, grouped: one warning per feature
    at its first use, with up to three more places as labels."""

    def __init__(self) -> None:
        self.uses: dict[str, list] = {}

    def add(self, feature: str, span, noun: str, how: str = "built without it") -> None:
        self.uses.setdefault(feature, []).append((span, noun, how))

    def scene(self, scene: M.Scene) -> None:
        if scene.reactions:
            self.add("`react`", scene.span, "scenes")
        for kind in sorted({e.kind for e in scene.effects}):
            self.add(f"`effect {kind}`", scene.span, "scenes")
        if scene.sounds:
            self.add("`sfx`", scene.span, "scenes")
        if scene.image:
            self.add("`image`", scene.span, "scenes", "built with a painted picture")
        if scene.footage:
            self.add("`footage`", scene.span, "scenes", "built with a painted picture")

    def report(self, sink: Sink, file: str) -> None:
        from mvlang.diagnostics import Label

        for feature, uses in self.uses.items():
            uses = sorted(uses, key=lambda use: use[0].start)
            (span, _, how), rest = uses[0], uses[1:]
            count = f" (used in {len(uses)} places)" if rest else ""
            sink.warning("W0007", f"the preview backend does not render {feature} yet: "
                         f"{how}{count}", span, how, file=file,
                         labels=[Label(file, other, "also here") for other, _, _ in rest[:3]],
                         hints=[("the timing is unchanged; a later release of the preview "
                                 "backend renders it")])
