"""The runners of tasks drawn by generative models (`--backend diffusers`).

They run in the executor's GPU lane: one long-lived process where each model is
loaded once (`backends.runtime.load`). Keyframes that share a drawing size come
in batches (`keyframes`), and the GPU draws them in one call.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from mvlang.backends.runtime import model_from
from mvlang.plan.graph import Task


def _save(picture, path: Path) -> None:
    from PIL import Image

    Image.fromarray(picture).save(path, compress_level=1)


def _request(task: Task):
    from mvlang.backends.images import Request

    p = task.params
    return Request(p["prompt"], p["negative"], p["width"], p["height"], task.seed,
                   p.get("identity"), task.local.get("ref"))


def keyframes(tasks: list[Task], outs: list[Path]) -> None:
    """Keyframes drawn together (one pipeline call per `batch` of them)."""
    from mvlang.backends.images import keyframes as draw

    model = model_from(tasks[0].local["model"])
    for picture, out in zip(draw(model, [_request(t) for t in tasks]), outs):
        _save(picture, out / "image.png")


def keyframe(task: Task, inputs, out: Path) -> None:
    keyframes([task], [out])


def zoom(task: Task, inputs, out: Path) -> None:
    """The outpaint chain: the inner still, then each level's border repainted."""
    from mvlang.backends.images import outpaint_chain
    from mvlang.build.tasks import _one, load_still
    from mvlang.media.sources import cover
    from mvlang.plan.keys import derive_seed

    p = task.params
    size = (p["width"], p["height"])
    inner = cover(load_still(_one(inputs, "inner"), p["inner_file"]), *size)
    outer = cover(load_still(_one(inputs, "outer")), *size)
    inpaint = task.local.get("inpaint")
    levels = outpaint_chain(model_from(inpaint) if inpaint else None,
                            model_from(task.local["model"]), inner, outer, p["prompt"],
                            p["negative"], p["depth"], float(p["scale"]),
                            float(Fraction(p["feather"])),
                            [derive_seed(task.seed, "zoom level", k)
                             for k in range(1, p["depth"] + 1)])
    for k, level in enumerate(levels):
        _save(level, out / f"level_{k}.png")


def music(task: Task, inputs, out: Path) -> None:
    """MusicGen: the prompt with its tempo and key, continued past its window."""
    import soundfile

    from mvlang.backends.music import generate

    p = task.params
    spec = p["spec"]
    samples, rate = generate(model_from(task.local["model"]), spec["prompt"],
                             bpm=None if spec["bpm"] is None else float(Fraction(spec["bpm"])),
                             key=spec["key"], meter=tuple(spec["meter"]),
                             seconds=float(Fraction(p["seconds"])),
                             seed=_music_seed(spec))
    soundfile.write(out / "music.wav", samples, rate, subtype="FLOAT", format="WAV")


def _music_seed(spec: dict) -> int:
    from mvlang.plan.keys import derive_seed

    take = spec.get("take") or 1
    return spec["seed"] if take == 1 else derive_seed(spec["seed"], "take", take)


def sfx(task: Task, inputs, out: Path) -> None:
    import soundfile

    from mvlang.backends.sound import generate

    p = task.params
    seconds = None if p["seconds"] is None else float(Fraction(p["seconds"]))
    samples = generate(model_from(task.local["model"]), p["prompt"], seconds=seconds,
                       seed=task.seed, rate=p["rate"])
    soundfile.write(out / "sound.wav", samples, p["rate"], subtype="FLOAT", format="WAV")


def sfxauto(task: Task, inputs, out: Path) -> None:
    import soundfile

    from mvlang.backends.sound import auto
    from mvlang.build.tasks import scene_features

    p = task.params
    features = scene_features(task, inputs)
    samples = auto(model_from(task.local["model"]), features, float(Fraction(p["fps"])),
                   p["words"], task.seed, p["rate"], motion=p.get("motion"),
                   effects=tuple(p.get("effects") or ()))
    soundfile.write(out / "sound.wav", samples, p["rate"], subtype="FLOAT", format="WAV")


def clip(task: Task, inputs, out: Path) -> None:
    """`motion "..."`: the shot as a clip generated from its keyframe, encoded
    nearly losslessly (the shot's camera and effects apply when it is drawn)."""
    from mvlang.backends.video import generate_clip
    from mvlang.build.tasks import _one, load_still
    from mvlang.media.encode import Codec, SegmentWriter

    p = task.params
    fps = Fraction(p["fps"])
    frames = generate_clip(model_from(task.local["model"]),
                           load_still(_one(inputs, "still"), p["still_file"]),
                           p["prompt"], p["motion"], frames=p["frames"], fps=float(fps),
                           seed=task.seed, width=p["width"], height=p["height"],
                           negative=p["negative"])
    with SegmentWriter(out / "clip.mp4", Codec(p["width"], p["height"], fps, 10,
                                               "veryfast")) as writer:
        for frame in frames:
            writer.write(frame)
        writer.close()


def morph(task: Task, inputs, out: Path) -> None:
    """Prompt travel between two scenes' keyframes (`-> morph`)."""
    from mvlang.backends.images import Request
    from mvlang.backends.images import morph as travel

    p = task.params
    a, b = (Request(e["prompt"], e["negative"], p["width"], p["height"], e["seed"],
                    e.get("identity")) for e in (p["a"], p["b"]))
    for k, picture in enumerate(travel(model_from(task.local["model"]), a, b, p["count"])):
        _save(picture, out / f"step_{k}.png")
