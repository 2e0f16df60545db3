"""What each kind of task does: the runner the executor calls in a worker.

Every function reads its inputs' cache entries (folders) and writes its one
output file into `out`; the executor commits the folder atomically. Heavy
libraries are imported here, inside the worker, never by `check` or a cached
rebuild.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from mvlang.execute.base import TaskError
from mvlang.plan.graph import Task

OUTPUT = {"keyframe": "image.png", "clip": "clip.mp4", "morph": "step_0.png", "image": "image.png", "music": "music.wav", "mix": "audio.m4a",
          "segment": "video.mp4", "transition": "video.mp4", "zoomseg": "video.mp4",
          "zoom": "level_0.png", "concat": "video.mp4", "sfx": "sound.wav",
          "sfxauto": "sound.wav",
          "mux": "video.mp4"}


def output(task_kind: str) -> str:
    return OUTPUT[task_kind]


def run_task(task: Task, inputs: list[tuple[str, Path]], out: Path) -> None:
    """The runner for real builds (the executor's `Runner`)."""
    if task.backend and task.backend[0] in GENERATIVE:
        from mvlang.build import gen_tasks

        getattr(gen_tasks, task.kind)(task, inputs, out)
        return
    RUNNERS[task.kind](task, inputs, out)


def run_batch(tasks: list[Task], inputs: list, outs: list[Path]) -> None:
    """Tasks of one batch group (keyframes of one size), run together."""
    if len(tasks) > 1 and all(t.kind == "keyframe" for t in tasks):
        from mvlang.build.gen_tasks import keyframes

        keyframes(tasks, outs)
        return
    for task, task_inputs, out in zip(tasks, inputs, outs):
        run_task(task, task_inputs, out)


run_task.batch = run_batch      # the executor hands batch groups to this

# backends whose tasks run models (in gen_tasks.py)
GENERATIVE = ("diffusers", "musicgen", "text-to-audio", "image-to-video")


def _one(inputs, role: str) -> Path:
    for name, path in inputs:
        if name == role:
            return path
    raise TaskError(f"no input `{role}`")


# -- pictures ----------------------------------------------------------------
def keyframe(task: Task, inputs, out: Path) -> None:
    from PIL import Image

    from mvlang.backends.preview.painter import Figure, paint

    p = task.params
    figures = [Figure(f["name"], f["description"], None if f["age"] is None else float(f["age"]),
                      f["seed"]) for f in p["figures"]]
    picture = paint(p["prompt"], task.seed, p["width"], p["height"], figures, p["negative"])
    Image.fromarray(picture).save(out / OUTPUT["keyframe"], compress_level=1)


def load_still(entry: Path, name: str = "image.png"):
    import numpy as np
    from PIL import Image

    with Image.open(entry / name) as image:
        return np.asarray(image.convert("RGB"))


def image(task: Task, inputs, out: Path) -> None:
    """`image "file"`: the file fitted to the still's size (covered, centre-cropped)."""
    from PIL import Image

    from mvlang.media.sources import SourceError, load_image

    p = task.params
    try:
        picture = load_image(Path(task.local["path"]), p["width"], p["height"])
    except SourceError as error:
        raise TaskError(str(error)) from error
    Image.fromarray(picture).save(out / OUTPUT["keyframe"], compress_level=1)


def _codec(params: dict):
    from mvlang.media.encode import Codec

    return Codec(params["width"], params["height"], Fraction(params["fps"]), params["crf"],
                 params["preset"])


def _caption_frames(captions):
    """The caption lines of each frame, from runs [[count, lines], ...]."""
    for count, lines in captions or ():
        for _ in range(count):
            yield lines


def _renderer(task: Task, inputs, role: str, view: dict, codec):
    from mvlang.build.shots import ShotRenderer

    still = next((path for name, path in inputs if name == role), None)
    footage = task.local.get(f"footage_{role}")
    if view.get("source", {}).get("kind") == "clip":       # a generated clip, in the cache
        footage = still / "clip.mp4"
    return ShotRenderer(view, codec.width, codec.height, codec.fps, still=still,
                        footage=Path(footage) if footage else None,
                        dream=task.local.get("dream"))


def _encode(out: Path, name: str, codec, frames, count: int, captions) -> None:
    """Stream `frames` (an iterator of `count` frames) into the segment file, recording
    each frame's features for `sfx auto` and printing the captions if asked."""
    from mvlang.build.shots import Features
    from mvlang.media.encode import SegmentWriter
    from mvlang.media.render import caption

    lines = _caption_frames(captions) if captions else None
    features = Features()
    with SegmentWriter(out / name, codec) as writer:
        for frame in frames:
            features.add(frame)
            if lines is not None:
                frame = caption(frame, next(lines))
            writer.write(frame)
        written = writer.close()
    if written != count:
        raise TaskError(f"wrote {written} frames instead of {count}")
    features.save(out / "features.json")


def segment(task: Task, inputs, out: Path) -> None:

    p = task.params
    codec = _codec(p["codec"])
    view = p["shot"]
    shot = _renderer(task, inputs, "still", view, codec)
    try:
        _encode(out, OUTPUT["segment"], codec, (shot.frame(k) for k in range(view["frames"])),
                view["frames"], p["captions"])
    finally:
        shot.close()


def transition(task: Task, inputs, out: Path) -> None:
    from mvlang.media.render import transition_frame

    p = task.params
    codec = _codec(p["codec"])
    a = _renderer(task, inputs, "a", p["a"], codec)
    b = _renderer(task, inputs, "b", p["b"], codec)
    duration = Fraction(p["duration"])
    travel = _travel(inputs, p.get("steps"), codec)

    def frames():
        for k in range(p["frames"]):
            t = Fraction(p["offset"]) + Fraction(k) / codec.fps
            through = min(1.0, max(0.0, float(t / duration))) if duration else 0.5
            if travel is not None:
                yield travel(a.frame(k), b.frame(k), through)
            else:
                yield transition_frame(a.frame(k), b.frame(k), p["kind"], p["arg"], through)

    try:
        _encode(out, OUTPUT["transition"], codec, frames(), p["frames"], p["captions"])
    finally:
        a.close()
        b.close()


def _travel(inputs, steps: int | None, codec):
    """A generated morph: the pictures drawn between the two keyframes, shown in
    turn (neighbours dissolving), joined to each side's own frames (with their
    camera) over the first and last quarter so neither end jumps."""
    if not steps:
        return None
    import numpy as np

    from mvlang.media.sources import cover

    folder = _one(inputs, "steps")
    pictures = [cover(load_still(folder, f"step_{k}.png"), codec.width, codec.height)
                .astype(np.float32) for k in range(steps)]

    def frame(a, b, through: float):
        x = through * (steps - 1)
        k = min(int(x), steps - 2)
        w = x - k
        picture = pictures[k] * (1 - w) + pictures[k + 1] * w
        own = max(0.0, 1 - 4 * through) if through < 0.5 else max(0.0, 4 * through - 3)
        side = a if through < 0.5 else b
        out = picture * (1 - own) + side.astype(np.float32) * own
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)

    return frame


def zoom(task: Task, inputs, out: Path) -> None:
    """The nested pictures of an infinite zoom: level 0 is the inner still, each
    next level a painting of the outer prompt with the one before shrunk at its
    centre; the last is the outer scene's keyframe around the chain."""
    from PIL import Image

    from mvlang.backends.preview.painter import paint
    from mvlang.media.sources import cover
    from mvlang.media.zoom import outpaint, surround
    from mvlang.plan.keys import derive_seed

    p = task.params
    size = (p["width"], p["height"])
    level = cover(load_still(_one(inputs, "inner"), p["inner_file"]), *size)
    outer = cover(load_still(_one(inputs, "outer")), *size)
    feather = float(Fraction(p["feather"]))
    Image.fromarray(level).save(out / "level_0.png", compress_level=1)
    for k in range(1, p["depth"] + 1):
        painting = outer if k == p["depth"] else \
            paint(p["prompt"], derive_seed(task.seed, "zoom level", k), *size)
        # the scene's own picture (the last level) keeps all but a narrow ring
        painting = surround(level, painting, float(p["scale"]),
                            reach=0.12 if k == p["depth"] else 0.3)
        level = outpaint(level, painting, float(p["scale"]), feather)
        Image.fromarray(level).save(out / f"level_{k}.png", compress_level=1)


def zoomseg(task: Task, inputs, out: Path) -> None:
    """The frames of a zoom transition, from the chain's pictures."""
    from mvlang.media.zoom import ZoomRenderer

    p = task.params
    codec = _codec(p["codec"])
    folder = _one(inputs, "levels")
    levels = [load_still(folder, f"level_{k}.png") for k in range(p["depth"] + 1)]
    renderer = ZoomRenderer(levels, float(p["scale"]), codec.width, codec.height,
                            start_zoom=float(Fraction(p["start_zoom"])),
                            end_zoom=float(Fraction(p["end_zoom"])),
                            feather=float(Fraction(p["feather"])))
    duration = Fraction(p["duration"])

    def frames():
        for k in range(p["frames"]):
            t = Fraction(p["offset"]) + Fraction(k) / codec.fps
            u = min(1.0, max(0.0, float(t / duration))) if duration else 0.5
            yield renderer.frame(1.0 - u if p["inward"] else u)

    _encode(out, OUTPUT["zoomseg"], codec, frames(), p["frames"], p["captions"])


# -- sound -------------------------------------------------------------------
def music(task: Task, inputs, out: Path) -> None:
    import soundfile

    from mvlang.timeline.pipeline import compose_spec

    composition = compose_spec(task.params["spec"])
    soundfile.write(out / OUTPUT["music"], composition.samples, composition.sample_rate,
                    subtype="FLOAT", format="WAV")


def sfx(task: Task, inputs, out: Path) -> None:
    """A sound effect designed from its words."""
    import soundfile

    from mvlang.audio.sfx import design

    p = task.params
    seconds = None if p["seconds"] is None else float(Fraction(p["seconds"]))
    samples = design(p["prompt"], task.seed, seconds, p["rate"])
    soundfile.write(out / OUTPUT["sfx"], samples, p["rate"], subtype="FLOAT", format="WAV")


def scene_features(task: Task, inputs) -> dict:
    """The motion and brightness of a scene's frames (from its segments' features)
    and its cuts (its first frame), for `sfx auto`."""
    import json

    import numpy as np

    p = task.params
    motion, brightness = [], []
    for (role, folder), (lo, hi) in zip(inputs, p["ranges"]):
        data = json.loads((folder / "features.json").read_text(encoding="utf-8"))
        keep = slice(max(0, p["first"] - lo), min(hi, p["last"]) - lo + 1)
        motion += data["motion"][keep]
        brightness += data["brightness"][keep]
    cuts = np.zeros(len(motion), np.float32)
    if len(cuts):
        cuts[0] = 1.0
    return {"motion": np.asarray(motion, np.float32),
            "brightness": np.asarray(brightness, np.float32), "cuts": cuts}


def sfxauto(task: Task, inputs, out: Path) -> None:
    """`sfx auto`: the scene's sound from its rendered frames (their motion and
    brightness, its first frame a cut), its texture from the scene's words."""
    import soundfile

    from mvlang.audio.sfx import auto

    p = task.params
    samples = auto(scene_features(task, inputs), float(Fraction(p["fps"])), p["words"],
                   task.seed, p["rate"])
    soundfile.write(out / OUTPUT["sfxauto"], samples, p["rate"], subtype="FLOAT", format="WAV")


def mix(task: Task, inputs, out: Path) -> None:
    """The audio in use, from its start, exactly as long as the video, with every
    sound cue at its time and gain, the music ducked under loud cues, the whole
    loudness-normalised and never clipping."""
    import numpy as np
    import soundfile

    from mvlang.audio.mixer import Placed
    from mvlang.audio.mixer import mix as mix_track
    from mvlang.media.encode import AudioWriter

    p = task.params
    source = p["source"]
    path = _one(inputs, "music") / OUTPUT["music"] if "music" in source else \
        Path(task.local["path"])
    rate = p["rate"]
    first = int(Fraction(source.get("from") or 0) * rate)
    target = round(Fraction(p["duration"]) * rate)
    music = np.zeros((target, 2), np.float32)          # filled in place: one copy of the song
    at = 0
    for block in _blocks(path, rate, first, target):
        music[at:at + len(block)] = block[:target - at]
        at += len(block)
    placed = []
    cue_folders = [folder for role, folder in inputs if role == "cue"]
    for folder, (start, gain) in zip(cue_folders, p["cues"]):
        wav = next(folder.glob("*.wav"))
        samples, cue_rate = soundfile.read(wav, dtype="float32", always_2d=True)
        if cue_rate != rate:
            raise TaskError(f"a sound at {cue_rate} Hz in a {rate} Hz mix")
        placed.append(Placed(samples, float(Fraction(start)), float(Fraction(gain))))
    track = mix_track(music, rate, placed, float(Fraction(p["duration"])),
                      duck_db=float(p["duck_db"]), target_lufs=float(p["target_lufs"]),
                      in_place=True)
    del music, placed
    with AudioWriter(out / OUTPUT["mix"], rate, p["channels"], p["bitrate"]) as writer:
        for start in range(0, len(track), 1 << 16):
            writer.write(track[start:start + (1 << 16), :p["channels"]])


def _blocks(path: Path, rate: int, first: int, count: int):
    """Stereo float32 blocks of the file at `rate`, samples first..first+count."""
    import av
    import numpy as np

    position = 0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)

            def frames():
                for frame in container.decode(stream):
                    yield from resampler.resample(frame)
                yield from resampler.resample(None)

            for frame in frames():
                block = frame.to_ndarray()
                start, end = position, position + block.shape[1]
                position = end
                lo, hi = max(start, first), min(end, first + count)
                if hi > lo:
                    yield np.ascontiguousarray(block[:, lo - start:hi - start].T,
                                               dtype=np.float32)
                if position >= first + count:
                    return
    except (av.FFmpegError, IndexError, OSError) as error:
        raise TaskError(f"cannot decode the audio file `{path.name}`: {error}") from error


# -- joining -----------------------------------------------------------------
def concat(task: Task, inputs, out: Path) -> None:
    from mvlang.media.encode import concat as join

    segments = [path / OUTPUT["segment"] for role, path in inputs if role == "segment"]
    frames = join(segments, out / OUTPUT["concat"])
    if frames != task.params["frames"]:
        raise TaskError(f"the joined video has {frames} frames instead of "
                        f"{task.params['frames']}")


def mux(task: Task, inputs, out: Path) -> None:
    from mvlang.media.encode import mux as combine

    metadata = {key: str(value) for key, value in task.params.get("metadata", {}).items()}
    combine(_one(inputs, "video") / OUTPUT["concat"], _one(inputs, "audio") / OUTPUT["mix"],
            out / OUTPUT["mux"], metadata)


RUNNERS = {"keyframe": keyframe, "image": image, "zoom": zoom, "zoomseg": zoomseg,
           "sfx": sfx, "sfxauto": sfxauto,
           "segment": segment, "transition": transition, "music": music,
           "mix": mix, "concat": concat, "mux": mux}
