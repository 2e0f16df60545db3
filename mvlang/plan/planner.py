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
from mvlang.diagnostics import Label, Sink
from mvlang.ir import model as M
from mvlang.ir.templates import describe_at
from mvlang.plan.graph import Graph, Origin, Task
from mvlang.plan.keys import derive_seed, file_digest
from mvlang.timeline.model import Cut, Shot, Timeline

# The transitions the renderer draws: all of the language's. A kind missing here
# would be built as a crossfade, with a warning (W0007).
RENDERED_TRANSITIONS = ("cut", "crossfade", "dip", "flash", "zoom", "whip", "morph")
AUDIO_RATE = 48000
ENCODER = "libx264"


@dataclass(frozen=True)
class Options:
    draft: bool = False
    captions: bool = False
    backend: str = "preview"
    models: object = None          # plan.generative.Models, for the diffusers backend

    def model(self, role: str):
        """The configured model of `role` when this build generates with it."""
        if self.backend != "diffusers" or self.models is None:
            return None
        return self.models.get(role)


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


def backend_versions(options: Options | None = None) -> dict[str, str]:
    from mvlang import versions as V

    out = {"preview": V.PREVIEW, "composer": V.COMPOSER, "renderer": RENDERER, "sfx": V.SFX}
    if options is not None and options.backend == "diffusers":
        roles = {"image": ("diffusers", V.DIFFUSERS), "music": ("musicgen", V.MUSICGEN),
                 "sfx": ("text-to-audio", V.SOUND), "dream": ("deepdream", V.DREAM),
                 "video": ("image-to-video", V.VIDEO)}
        for role, (name, version) in roles.items():
            if options.model(role) is not None:
                out[name] = version
    return out


RENDERER = "5"   # bump when the renderer's frames change (camera, transitions, captions)


@dataclass
class Plan:
    graph: Graph
    codec: Codec
    seeds: dict[str, int]          # scene -> seed
    keyframes: dict[str, list[str]]  # scene -> keys of its takes, in order
    inputs: list[Path]             # files the build reads (never overwritten)


def plan(program: M.Program, timeline: Timeline, script: Path, options: Options,
         sink: Sink, analysis=None) -> Plan:
    """The task graph of a build. Warnings (what is not rendered yet) go to `sink`.
    `analysis` (onsets and band envelopes) drives `react`."""
    folder = Path(script).parent
    codec = codec_for(program.video, options.draft)
    versions = backend_versions(options)
    graph = Graph()
    origin_of = {s.name: Origin(s.name, program.file, s.span) for s in program.scenes}
    renderer = ("renderer", versions["renderer"])
    inputs: list[Path] = []

    # -- audio ---------------------------------------------------------------
    audio = program.audio
    if isinstance(audio, M.Music):

        music = graph.add(music_task(program, options, timeline.duration))
        source = {"music": music.key}
        audio_inputs = (("music", music.key),)
        local = {}
    else:
        path = folder / audio.path
        inputs.append(path)
        source = {"file": file_digest(path), "from": _clock(audio.start)}
        audio_inputs = ()
        local = {"path": str(path)}
    mix_params = {"source": source, "duration": timeline.duration, "rate": AUDIO_RATE,
                  "channels": 2, "codec": "aac", "bitrate": 192000, "duck_db": 6,
                  "target_lufs": -14}
    unrendered = Unrendered()

    # -- keyframes -----------------------------------------------------------
    characters = {c.name: c for c in program.characters}
    seeds: dict[str, int] = {}
    keyframes: dict[str, list[str]] = {}
    views = Views(codec, seeds, timeline, analysis)
    if options.model("dream") is not None:
        views.dream = (options.models.params("dream"), options.models.local("dream"))
    for scene in program.scenes:
        unrendered.scene(scene)
        seed = seeds[scene.name] = scene_seed(program, scene)
        width, height = keyframe_size(codec, scene.camera)
        if scene.image or scene.footage:
            path = folder / (scene.image or scene.footage.path)
            inputs.append(path)
            digest = file_digest(path)
            if scene.image:
                task = graph.add(Task(
                    "image", {"file": digest, "width": width, "height": height},
                    backend=renderer, label=f"image {scene.name}", origin=origin_of[scene.name],
                    cost=0.2, local={"path": str(path)}))
                keyframes[scene.name] = [task.key]
                views.sources[scene.name] = {"kind": "still", "file": "image.png"}
                views.sizes[scene.name] = (width, height)
            else:
                keyframes[scene.name] = []
                views.sources[scene.name] = {
                    "kind": "footage", "file": digest, "from": _clock(scene.footage.start),
                    "to": _clock(scene.footage.end), "size": [width, height]}
                views.footage[scene.name] = str(path)
            continue
        views.sources[scene.name] = {"kind": "still", "file": "image.png"}
        views.sizes[scene.name] = (width, height)
        figures = [_figure(program, characters[name], age) for name, age in scene.cast
                   if name in characters]
        negative = ", ".join(t for t in (program.negative, scene.negative) if t)
        keys = []
        params = {"prompt": scene.prompt, "negative": negative, "width": width,
                  "height": height, "figures": figures}
        backend, drawer, cost = (options.backend, versions["preview"]), {}, \
            0.25 * width * height / 921600
        if options.model("image") is not None:
            params, backend, drawer, cost = _generative_keyframe(
                program, scene, characters, params, options, folder, inputs)
        for take in range(1, scene.takes + 1):
            task = graph.add(Task(
                "keyframe", params, seed=take_seed(seed, take), backend=backend,
                label=f"keyframe {scene.name}" + (f" take {take}" if scene.takes > 1 else ""),
                origin=origin_of[scene.name], cost=cost, local=drawer))
            keys.append(task.key)
        keyframes[scene.name] = keys

    # -- stills: the picture each shot shows (a zoom's end replaces one) -----
    shots, cuts = timeline.shots, _partition(timeline)
    for shot in shots:
        keys = keyframes[shot.name]
        if keys:
            views.stills[shot.name] = (keys[min(shot.scene.pick, len(keys)) - 1], "image.png")
    zooms = _plan_zooms(graph, program, shots, cuts, codec, views, unrendered, options,
                        versions, sink)
    if options.model("video") is not None:
        _plan_clips(graph, program, shots, keyframes, codec, views, options, origin_of)

    # -- segments: shot bodies and transitions, in frame order --------------
    segments: list[str] = []
    ranges: list[tuple[str, int, int]] = []     # segment key, first frame, last frame
    for index, shot in enumerate(shots):
        before = cuts[index - 1] if index > 0 else None
        after = cuts[index] if index < len(cuts) else None
        first = before.last_frame + 1 if before else shot.first_frame
        last = after.first_frame - 1 if after else shot.last_frame
        if last >= first:
            segments.append(graph.add(Task(
                "segment", {"codec": codec.params(), "shot": views.view(shot, first, last),
                            "captions": _captions(timeline, shot, first, last, codec)
                            if options.captions else None},
                inputs=views.input(shot, "still"),
                backend=renderer, label=f"shot {shot.name}", origin=origin_of[shot.name],
                cost=_encode_cost(codec, last - first + 1, views.moving(shot)),
                local=views.local(shot, "still"))).key)
        if after is not None and after.last_frame >= after.first_frame and index in zooms:
            segments.append(graph.add(_zoom_segment(after, shot, shots[index + 1], zooms[index],
                                                    codec, timeline, options, renderer,
                                                    program)).key)
        elif after is not None and after.last_frame >= after.first_frame:
            a, b = shot, shots[index + 1]
            transition = after.transition
            kind, arg = transition.kind, transition.arg
            if kind == "zoom":             # one that cannot be a zoom (see _plan_zooms)
                kind, arg = "crossfade", None
            if kind not in RENDERED_TRANSITIONS:
                unrendered.add(f"the `{kind}` transition", transition.span, "transitions",
                               "built as a crossfade")
                kind, arg = "crossfade", None
            if kind == "dip" and arg is None:
                arg = "black"
            f0, f1 = after.first_frame, after.last_frame
            travel = _plan_morph(graph, a, b, keyframes, views, codec, options, program,
                                 f1 - f0 + 1) if kind == "morph" else None
            segments.append(graph.add(Task(
                "transition", {
                    "codec": codec.params(), "kind": kind, "arg": arg,
                    **({"steps": travel.params["count"]} if travel else {}),
                    "frames": f1 - f0 + 1,
                    "offset": Fraction(f0) / codec.fps - after.start,
                    "duration": after.end - after.start,
                    "a": views.view(a, f0, f1),
                    "b": views.view(b, f0, f1),
                    "captions": _captions(timeline, None, f0, f1, codec, after)
                    if options.captions else None},
                inputs=views.input(a, "a") + views.input(b, "b")
                + ((("steps", travel.key),) if travel else ()),
                backend=renderer, label=f"{kind} {a.name} → {b.name}",
                origin=Origin(b.name, program.file, transition.span or b.scene.span),
                cost=_encode_cost(codec, f1 - f0 + 1, True) * 1.3,
                local={**views.local(a, "a"), **views.local(b, "b")})).key)

    unrendered.report(sink, program.file)
    frame = 0
    for key in segments:
        count = _frames_of(graph[key])
        ranges.append((key, frame, frame + count - 1))
        frame += count

    # -- sounds: effects, sound from the picture, the mix -----------------------
    mix = graph.add(_plan_sounds(graph, program, timeline, codec, views, ranges, mix_params,
                                 audio_inputs, local, renderer, versions, options))
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


def music_seconds(program: M.Program) -> Fraction:
    """How long generated music is: its `length`, else 64 bars at its tempo (as
    the composer does), in whole milliseconds."""
    from mvlang.audio.compose import default_bpm
    from mvlang.timeline.pipeline import _music_seconds

    music: M.Music = program.audio
    seconds = _music_seconds(music)
    if seconds is None:
        bpm = music.bpm if music.bpm is not None else default_bpm(music.prompt, music.meter)
        seconds = 64 * music.meter[0] * 60 / float(bpm)
    return Fraction(round(seconds * 1000), 1000)


def music_task(program: M.Program, options: Options, duration: Fraction | None = None) -> Task:
    """The task that makes `music`: MusicGen where a music model is configured
    (the build runs it before the timeline, whose grid is tracked from it), else
    the procedural composer."""
    from mvlang.timeline.pipeline import music_spec

    versions = backend_versions(options)
    audio = program.audio
    origin = Origin(None, program.file, audio.span)
    if options.model("music") is None:
        return Task("music", {"spec": music_spec(program)},
                    backend=("composer", versions["composer"]), label="music", origin=origin,
                    cost=float(duration or 100) * 0.05)
    seconds = music_seconds(program)
    return Task("music", {"spec": music_spec(program), "seconds": seconds,
                          **options.models.params("music")},
                backend=("musicgen", versions["musicgen"]), label="music (MusicGen)",
                origin=origin, cost=float(seconds) * 2.0, local=options.models.local("music"))


def _generative_keyframe(program, scene, characters, params: dict, options: Options,
                         folder: Path, inputs: list) -> tuple:
    """A keyframe drawn by the image model: its key holds the model's part, the
    first character's identity seed and the digest of their `ref` picture."""
    from mvlang import versions as V

    models = options.models
    cast = [characters[name] for name, _ in scene.cast if name in characters]
    identity = character_seed(program, cast[0]) if cast else None
    ref = next((c.ref for c in cast if c.ref), None)
    params = {**params, **models.params("image"), "identity": identity,
              "ref": file_digest(folder / ref) if ref else None}
    local = models.local("image", batch=f"keyframe {params['width']}x{params['height']}")
    if ref:
        local["ref"] = str(folder / ref)
    steps = models.steps("image")
    return params, ("diffusers", V.DIFFUSERS), local, 0.5 + steps * 0.02


def _figure(program: M.Program, character: M.Character, age: Fraction | None) -> dict:
    return {"name": character.name, "description": describe_at(character, age),
            "age": age, "seed": character_seed(program, character)}


class Views:
    """How a task sees the frames of a shot: described relative to the shot (the
    camera at each frame follows (frame time - shot start) / shot length), with
    the picture's source, the effects and the audio-reactive values per frame."""

    def __init__(self, codec: Codec, seeds: dict, timeline: Timeline, analysis) -> None:
        self.codec, self.seeds, self.timeline, self.analysis = codec, seeds, timeline, analysis
        self.sources: dict[str, dict] = {}
        self.footage: dict[str, str] = {}
        self.stills: dict[str, tuple[str, str]] = {}      # scene -> (task key, file name)
        self.sizes: dict[str, tuple[int, int]] = {}       # scene -> still size
        self._react: dict[str, dict] = {}
        self.dream: tuple[dict, dict] | None = None       # (key params, local) of the CNN
        self.clips: set[str] = set()                      # scenes shown as generated clips

    def view(self, shot: Shot, first: int, last: int) -> dict:
        view = {"moves": [_move(m) for m in shot.scene.camera], "seed": self.seeds[shot.name],
                "frames": last - first + 1,
                "offset": Fraction(first) / self.codec.fps - shot.start,
                "length": shot.end - shot.start,
                "index0": first - shot.first_frame,
                "source": self.source(shot)}
        if shot.scene.effects:
            view["effects"] = [[e.kind, e.amount] for e in shot.scene.effects]
            dream = next((e for e in shot.scene.effects if e.kind == "dream"), None)
            if dream is not None and self.dream is not None:
                view["dream"] = {**self.dream[0], "strength": dream.amount,
                                 "octaves": dream.octaves, "layer": dream.layer}
        if shot.scene.reactions:
            values = self.react(shot)
            view["react"] = {param: array[first:last + 1] for param, array in values.items()}
        return view

    def source(self, shot: Shot) -> dict:
        source = dict(self.sources[shot.name])
        if shot.name in self.clips:
            return {"kind": "clip", "file": "clip.mp4", "size": [self.codec.width,
                                                                 self.codec.height]}
        if shot.name in self.stills:
            source["file"] = self.stills[shot.name][1]
            source["size"] = list(self.sizes[shot.name])
        return source

    def input(self, shot: Shot, role: str) -> tuple:
        """The input that holds a shot's still (none for footage)."""
        still = self.stills.get(shot.name)
        return ((role, still[0]),) if still else ()

    def moving(self, shot: Shot) -> bool:
        return bool(shot.scene.camera or shot.scene.reactions or shot.scene.footage
                    or shot.scene.effects)

    def local(self, shot: Shot, role: str) -> dict:
        path = self.footage.get(shot.name)
        out = {f"footage_{role}": path} if path else {}
        if self.dream is not None and any(e.kind == "dream" for e in shot.scene.effects):
            out.update({"dream": self.dream[1]["model"], "lane": "gpu"})
        return out

    def react(self, shot: Shot) -> dict[str, list[int]]:
        """The scene's reactions at every frame of the video, as integers of 1/10000
        (signals are normalised over the whole video, so a frame's value does not
        depend on where a segment begins)."""
        if shot.name not in self._react:
            import numpy as np

            from mvlang.build.shots import REACT_SCALE
            from mvlang.media.react import reaction_values

            grid, analysis = self.timeline.grid, self.analysis
            times = np.arange(self.timeline.frame_count) / float(self.codec.fps)
            reactions = [(r.param, float(r.amount), r.signal,
                          None if r.smooth is None else float(_duration_seconds(
                              r.smooth, shot.start, grid, self.codec.fps)))
                         for r in shot.scene.reactions]
            values = reaction_values(
                reactions, times, beats=[float(b) for b in grid.beats],
                downbeats=[float(b) for b in grid.downbeats],
                onsets=list(analysis.onsets) if analysis else [],
                envelopes=dict(analysis.envelopes) if analysis else {},
                envelope_rate=analysis.envelope_rate if analysis else 100)
            self._react[shot.name] = {
                param: [round(float(v) * REACT_SCALE) for v in array]
                for param, array in sorted(values.items())}
        return self._react[shot.name]


ZOOM_SCALE = 2            # each nested picture holds the one before at half its size
ZOOM_VERSION = "3"          # bump when the chain's pictures or the zoom's frames change
ZOOM_FEATHER = Fraction(3, 25)


def _plan_zooms(graph: Graph, program: M.Program, shots, cuts, codec: Codec, views: Views,
                unrendered, options: Options, versions: dict, sink: Sink) -> dict[int, dict]:
    """The picture chains of the `zoom` transitions: {cut index: chain}.

    A zoom out from A to B paints B around A: the chain starts at A's still and
    ends on B's keyframe with A's chain at its centre, which becomes B's still.
    A zoom in finds B inside A: the same chain, from B out to A, becomes A's
    still and plays backwards. Zooms out are chained from the first scene on,
    zooms in from the last, so a run of zooms is one continuous movement."""
    zooms: dict[int, dict] = {}
    outer_of: dict[str, int] = {}
    order = [i for i, c in enumerate(cuts) if c.transition.kind == "zoom" and c.transition.arg != "in"]
    order += [i for i, c in reversed(list(enumerate(cuts)))
              if c.transition.kind == "zoom" and c.transition.arg == "in"]
    for index in order:
        cut = cuts[index]
        if cut.last_frame < cut.first_frame:
            continue
        a, b = shots[index], shots[index + 1]
        inward = cut.transition.arg == "in"
        inner, outer = (b, a) if inward else (a, b)
        if inner.name not in views.stills or outer.name not in views.stills:
            unrendered.add("a `zoom` to or from footage", cut.transition.span, "transitions",
                           "built as a crossfade")
            continue
        if outer.name in outer_of:
            other = cuts[outer_of[outer.name]].transition
            sink.warning("W0008", f"scene `{outer.name}` already holds the pictures of another "
                         "zoom at its centre: this zoom is built as a crossfade",
                         cut.transition.span, "built as a crossfade", file=program.file,
                         labels=[Label(program.file, other.span, "this zoom's pictures are at "
                                       f"the centre of `{outer.name}`")],
                         hints=[("a scene's centre holds one chain of pictures: a `zoom out` "
                                 "into a scene and a `zoom in` out of it both need it; make one "
                                 "of them another transition")])
            continue
        depth = cut.transition.depth or 3
        width, height = _uniform(views.sizes[outer.name], codec)
        inner_key, inner_file = views.stills[inner.name]
        outer_key = views.stills[outer.name][0]
        params = {"depth": depth, "scale": ZOOM_SCALE, "width": width, "height": height,
                  "inner_file": inner_file, "prompt": outer.scene.prompt,
                  "feather": ZOOM_FEATHER, "version": ZOOM_VERSION}
        backend, local = (options.backend, versions["preview"]), {}
        cost = 0.3 * depth * width * height / 921600
        if options.model("image") is not None:
            params, backend, local, cost = _generative_zoom(program, outer.scene, params,
                                                            options, depth)
        chain = graph.add(Task(
            "zoom", params, inputs=(("inner", inner_key), ("outer", outer_key)),
            seed=views.seeds[outer.name], backend=backend,
            label=f"zoom chain {a.name} → {b.name}",
            origin=Origin(b.name, program.file, cut.transition.span), cost=cost, local=local))
        outer_of[outer.name] = index
        views.stills[outer.name] = (chain.key, f"level_{depth}.png")
        views.sizes[outer.name] = (width, height)
        zooms[index] = {"key": chain.key, "depth": depth, "inward": inward}
    return zooms


def _plan_morph(graph: Graph, a: Shot, b: Shot, keyframes, views: Views, codec: Codec,
                options: Options, program: M.Program, frames: int) -> Task | None:
    """`-> morph` with an image model: prompt travel, pictures drawn between the
    two scenes' keyframes (their prompt embeddings and noise interpolated); the
    transition shows them in turn. None where a side is not a drawn keyframe."""
    from mvlang import versions as V

    if options.model("image") is None:
        return None
    ends = []
    for shot in (a, b):
        key = views.stills.get(shot.name, ("",))[0]
        if key not in keyframes.get(shot.name, []) or graph[key].kind != "keyframe":
            return None
        task = graph[key]
        ends.append({"prompt": task.params["prompt"], "negative": task.params["negative"],
                     "seed": task.seed, "identity": task.params.get("identity")})
    count = max(2, min(12, frames // 2))
    return graph.add(Task(
        "morph", {"a": ends[0], "b": ends[1], "count": count, "width": codec.width,
                  "height": codec.height, **options.models.params("image")},
        backend=("diffusers", V.DIFFUSERS), label=f"morph pictures {a.name} → {b.name}",
        origin=Origin(b.name, program.file, b.scene.span), cost=count * 0.6,
        local=options.models.local("image")))


def _plan_clips(graph: Graph, program: M.Program, shots, keyframes, codec: Codec, views: Views,
                options: Options, origin_of: dict) -> None:
    """`motion "..."` with a video model: the shot is a clip generated from the
    picture it shows (its keyframe, or the end of the zoom that leads into it)."""
    from mvlang import versions as V

    models = options.models
    for shot in shots:
        scene = shot.scene
        if not scene.motion or shot.name not in views.stills:
            continue
        still_key, still_file = views.stills[shot.name]
        negative = ", ".join(t for t in (program.negative, scene.negative) if t)
        frames = shot.last_frame - shot.first_frame + 1
        clip = graph.add(Task(
            "clip", {"prompt": scene.prompt, "motion": scene.motion, "negative": negative,
                     "still_file": still_file,
                     "frames": frames, "fps": codec.fps, "width": codec.width,
                     "height": codec.height, **models.params("video")},
            inputs=(("still", still_key),), seed=views.seeds[shot.name],
            backend=("image-to-video", V.VIDEO), label=f"clip {shot.name}",
            origin=origin_of[shot.name], cost=2.0 + frames * 0.05,
            local=models.local("video")))
        views.stills[shot.name] = (clip.key, "clip.mp4")
        views.clips.add(shot.name)


def _generative_zoom(program, scene, params: dict, options: Options, depth: int) -> tuple:
    """An outpaint chain drawn by the inpainting model (or, without one, the image
    model's image-to-image)."""
    from mvlang import versions as V

    models = options.models
    inpaint = options.model("inpaint")
    negative = ", ".join(t for t in (program.negative, scene.negative) if t)
    params = {**params, "negative": negative, "image": models.params("image"),
              "inpaint": models.params("inpaint") if inpaint is not None else None}
    local = models.local("image")
    if inpaint is not None:
        local["inpaint"] = models.local("inpaint")["model"]
    steps = models.steps("inpaint" if inpaint is not None else "image")
    return params, ("diffusers", V.DIFFUSERS), local, depth * (0.5 + steps * 0.03)


def _uniform(size: tuple[int, int], codec: Codec) -> tuple[int, int]:
    """The still size with the video's aspect that covers `size` (zoom pictures nest
    at the video's aspect)."""
    scale = max(Fraction(size[0], codec.width), Fraction(size[1], codec.height), Fraction(1))
    return (int(codec.width * scale) + 1) // 2 * 2, (int(codec.height * scale) + 1) // 2 * 2


def _camera_zoom(shot: Shot, at: Fraction) -> Fraction:
    """The camera's zoom factor in `shot` at time `at` (its zoom moves, eased)."""
    from mvlang.media.render import ease

    progress = min(1.0, max(0.0, float((at - shot.start) / (shot.end - shot.start))))
    zoom = 1.0
    for move in shot.scene.camera:
        if move.move == "zoom":
            a, b = float(move.start), float(move.end)
            zoom *= a * (b / a) ** ease(move.ease, progress)
    return Fraction(round(zoom * 10000), 10000)


def _zoom_segment(cut: Cut, a: Shot, b: Shot, zoom: dict, codec: Codec, timeline: Timeline,
                  options: Options, renderer, program: M.Program) -> Task:
    """The frames of a zoom: from A's picture as its camera left it to B's as its
    camera takes it, at a constant apparent speed."""
    f0, f1 = cut.first_frame, cut.last_frame
    start_zoom, end_zoom = _camera_zoom(a, cut.start), _camera_zoom(b, cut.end)
    if zoom["inward"]:                 # the chain runs from B (inner) out to A
        start_zoom, end_zoom = end_zoom, start_zoom
    return Task(
        "zoomseg", {"codec": codec.params(), "frames": f1 - f0 + 1,
                    "offset": Fraction(f0) / codec.fps - cut.start,
                    "duration": cut.end - cut.start, "depth": zoom["depth"],
                    "scale": ZOOM_SCALE, "inward": zoom["inward"], "start_zoom": start_zoom,
                    "end_zoom": end_zoom, "version": ZOOM_VERSION, "feather": ZOOM_FEATHER,
                    "captions": _captions(timeline, None, f0, f1, codec, cut)
                    if options.captions else None},
        inputs=(("levels", zoom["key"]),), backend=renderer,
        label=f"zoom {a.name} → {b.name}",
        origin=Origin(b.name, program.file, cut.transition.span),
        cost=_encode_cost(codec, f1 - f0 + 1, True) * 1.5)


def _frames_of(task: Task) -> int:
    return task.params["shot"]["frames"] if task.kind == "segment" else task.params["frames"]


def _plan_sounds(graph: Graph, program: M.Program, timeline: Timeline, codec: Codec,
                 views: Views, ranges, mix_params: dict, audio_inputs: tuple, local: dict,
                 renderer, versions: dict, options: Options) -> Task:
    """A task per sound cue (`sfx "..."`: designed from its words; `sfx auto`: made
    from the rendered frames of its scene), and the mix that lays them over the
    song at their times and gains."""
    shots = {shot.name: shot for shot in timeline.shots}
    cues, inputs = [], list(audio_inputs)
    occurrences: dict[tuple, int] = {}
    for placed in timeline.cues:
        cue = placed.cue
        scene = shots.get(cue.scene) if cue.scene else None
        origin = Origin(cue.scene, program.file, cue.span)
        where = (cue.scene or "", cue.prompt or "auto")
        occurrences[where] = occurrences.get(where, 0) + 1
        seed = derive_seed(program.video.seed, "sfx", *where, occurrences[where])
        if cue.prompt is not None:
            length = None if placed.end is None else placed.end - placed.start
            params, backend, local_sfx = {"prompt": cue.prompt, "seconds": length,
                                          "rate": AUDIO_RATE}, ("preview-sfx", versions["sfx"]), {}
            if options.model("sfx") is not None:
                params = {**params, **options.models.params("sfx")}
                backend, local_sfx = ("text-to-audio", versions["text-to-audio"]), \
                    options.models.local("sfx")
            task = graph.add(Task(
                "sfx", params, seed=seed, backend=backend,
                label=f"sfx \"{_short(cue.prompt)}\"", origin=origin, cost=0.3,
                local=local_sfx))
        else:
            if scene is None:
                continue
            first, last = scene.first_frame, scene.last_frame
            if placed.end is not None:
                last = min(last, _frame(placed.end, codec.fps) - 1)
            covering = [(key, lo, hi) for key, lo, hi in ranges if hi >= first and lo <= last]
            params = {"words": scene.scene.prompt, "first": first, "last": last,
                      "ranges": [[lo, hi] for _, lo, hi in covering], "fps": codec.fps,
                      "rate": AUDIO_RATE}
            backend, local_sfx = ("preview-sfx", versions["sfx"]), {}
            if options.model("sfx") is not None:
                params = {**params, **options.models.params("sfx"),
                          "motion": scene.scene.motion,
                          "effects": [e.kind for e in scene.scene.effects]}
                backend, local_sfx = ("text-to-audio", versions["text-to-audio"]), \
                    options.models.local("sfx")
            task = graph.add(Task(
                "sfxauto", params,
                inputs=tuple(("segment", key) for key, _, _ in covering), seed=seed,
                backend=backend, label=f"sfx auto {scene.name}",
                origin=origin, cost=0.1 + (last - first) * 0.002, local=local_sfx))
        inputs.append(("cue", task.key))
        cues.append([placed.start, cue.gain_db])
    return Task("mix", {**mix_params, "cues": cues}, inputs=tuple(inputs), backend=renderer,
                label="audio mix", origin=Origin(None, program.file, program.audio.span),
                cost=0.5 + float(timeline.duration) * 0.03, local=local)


def _frame(time: Fraction, fps: Fraction) -> int:
    from mvlang.timeline.model import frame_of

    return frame_of(time, fps)


def _short(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _duration_seconds(duration, at: Fraction, grid, fps: Fraction) -> Fraction:
    """A written duration (`smooth 1 beat`, `100ms`, `2f`) in seconds, measured from `at`."""
    if duration.unit == "s":
        return duration.amount
    if duration.unit == "f":
        return duration.amount / fps
    beats = duration.amount * (grid.beats_per_bar if duration.unit == "bar" else 1)
    return grid.add_beats(at, beats) - at


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
        del scene                          # every scene feature is rendered now

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
