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

OUTPUT = {"keyframe": "image.png", "music": "music.wav", "mix": "audio.m4a",
          "segment": "video.mp4", "transition": "video.mp4", "concat": "video.mp4",
          "mux": "video.mp4"}


def output(task_kind: str) -> str:
    return OUTPUT[task_kind]


def run_task(task: Task, inputs: list[tuple[str, Path]], out: Path) -> None:
    """The runner for real builds (the executor's `Runner`)."""
    RUNNERS[task.kind](task, inputs, out)


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


def load_still(entry: Path):
    import numpy as np
    from PIL import Image

    with Image.open(entry / OUTPUT["keyframe"]) as image:
        return np.asarray(image.convert("RGB"))


def _codec(params: dict):
    from mvlang.media.encode import Codec

    return Codec(params["width"], params["height"], Fraction(params["fps"]), params["crf"],
                 params["preset"])


def _moves(view: dict):
    from mvlang.ir.model import CameraMove

    return [CameraMove(m["move"], Fraction(m["start"]), Fraction(m["end"]), m["direction"],
                       m["ease"]) for m in view["moves"]]


def _progress(view: dict, fps: Fraction):
    """The camera's progress through its shot at each frame of the view, clamped."""
    length = Fraction(view["length"])
    for k in range(view["frames"]):
        t = Fraction(view["offset"]) + Fraction(k) / fps
        yield min(1.0, max(0.0, float(t / length)))


def _caption_frames(captions):
    """The caption lines of each frame, from runs [[count, lines], ...]."""
    for count, lines in captions or ():
        for _ in range(count):
            yield lines


def segment(task: Task, inputs, out: Path) -> None:
    from mvlang.media.encode import SegmentWriter
    from mvlang.media.render import Shot, caption

    p = task.params
    codec = _codec(p["codec"])
    view = p["shot"]
    shot = Shot(load_still(_one(inputs, "still")), codec.width, codec.height, _moves(view),
                view["seed"], seconds=float(view["length"]))
    captions = _caption_frames(p["captions"]) if p["captions"] else None
    with SegmentWriter(out / OUTPUT["segment"], codec) as writer:
        for progress in _progress(view, codec.fps):
            frame = shot.frame(progress)
            if captions is not None:
                frame = caption(frame, next(captions))
            writer.write(frame)
        written = writer.close()
    if written != view["frames"]:
        raise TaskError(f"wrote {written} frames instead of {view['frames']}")


def transition(task: Task, inputs, out: Path) -> None:
    from mvlang.media.encode import SegmentWriter
    from mvlang.media.render import Shot, caption, transition_frame

    p = task.params
    codec = _codec(p["codec"])
    shots = {}
    for role in ("a", "b"):
        view = p[role]
        shots[role] = Shot(load_still(_one(inputs, role)), codec.width, codec.height,
                           _moves(view), view["seed"], seconds=float(view["length"]))
    duration = Fraction(p["duration"])
    captions = _caption_frames(p["captions"]) if p["captions"] else None
    with SegmentWriter(out / OUTPUT["transition"], codec) as writer:
        frames = zip(_progress(p["a"], codec.fps), _progress(p["b"], codec.fps))
        for k, (pa, pb) in enumerate(frames):
            t = Fraction(p["offset"]) + Fraction(k) / codec.fps
            through = min(1.0, max(0.0, float(t / duration))) if duration else 0.5
            frame = transition_frame(shots["a"].frame(pa), shots["b"].frame(pb), p["kind"],
                                     p["arg"], through)
            if captions is not None:
                frame = caption(frame, next(captions))
            writer.write(frame)
        written = writer.close()
    if written != p["frames"]:
        raise TaskError(f"wrote {written} frames instead of {p['frames']}")


# -- sound -------------------------------------------------------------------
def music(task: Task, inputs, out: Path) -> None:
    import soundfile

    from mvlang.timeline.pipeline import compose_spec

    composition = compose_spec(task.params["spec"])
    soundfile.write(out / OUTPUT["music"], composition.samples, composition.sample_rate,
                    subtype="FLOAT", format="WAV")


def mix(task: Task, inputs, out: Path) -> None:
    """The audio in use, from its start, exactly as long as the video, at the mix's
    rate, scaled down if it would clip. Streamed in blocks: two passes over the
    source (the peak, then the encoding), never the whole song in memory. Later
    issues add the sound cues here."""
    import numpy as np

    from mvlang.media.encode import AudioWriter

    p = task.params
    source = p["source"]
    path = _one(inputs, "music") / OUTPUT["music"] if "music" in source else \
        Path(task.local["path"])
    rate = p["rate"]
    first = int(Fraction(source.get("from") or 0) * rate)
    target = int(Fraction(p["duration"]) * rate)
    peak = max((float(np.abs(b).max()) for b in _blocks(path, rate, first, target) if len(b)),
               default=0.0)
    gain = 0.999 / peak if peak > 0.999 else 1.0
    with AudioWriter(out / OUTPUT["mix"], rate, p["channels"], p["bitrate"]) as writer:
        written = 0
        for block in _blocks(path, rate, first, target):
            writer.write(block[:, :p["channels"]] * gain)
            written += len(block)
        for start in range(written, target, 1 << 16):      # silence after a short song
            writer.write(np.zeros((min(1 << 16, target - start), p["channels"]), np.float32))


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


RUNNERS = {"keyframe": keyframe, "segment": segment, "transition": transition, "music": music,
           "mix": mix, "concat": concat, "mux": mux}
