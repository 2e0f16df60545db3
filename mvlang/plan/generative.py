"""What the planner needs to know of the generative backends, without loading
them: which role each task kind uses, the part of a task's key a model decides
(its folder's fingerprint and the options that change the output), how a
worker finds the model again, and what GPU time the work will take.

A task that runs a model carries `local["lane"] = "gpu"`: the executor runs
those in one long-lived process that keeps the weights loaded (one GPU, one
copy of each model), and hands it same-shape keyframes together
(`local["batch"]`) so the GPU draws them in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from mvlang.backends.runtime import fingerprint, model_local
from mvlang.config import Model

DEFAULTS = {"image": {"steps": 30, "guidance": Fraction(15, 2)},
            "inpaint": {"steps": 30, "guidance": Fraction(15, 2)},
            "video": {"steps": 30, "guidance": 5},
            "music": {"guidance": 3},
            "sfx": {"steps": 50, "guidance": Fraction(7, 2)},
            "dream": {"steps": 10}}

# Seconds of an H100 per unit of work, estimated from published figures (not
# measured here yet: see bench/README.md): one guided SD 1.5 UNet step of one
# 512x512 image, one second of MusicGen-small, one second of text-to-audio at
# its default steps, one dreamed 720p frame, one frame of an LTX-Video-class
# clip at 30 steps (CogVideoX-5B is about 25 times slower).
GPU_SECONDS = {"image_step": 0.012, "music_second": 0.6, "sfx_second": 0.15,
               "dream_frame": 0.05, "video_frame_step": 0.08}


def _exact(value):
    if isinstance(value, float):
        return Fraction(str(value))
    return value


@dataclass(frozen=True)
class Models:
    """The configured model of each role, for a build with the diffusers backend."""

    by_role: dict
    _params: dict = field(default_factory=dict, compare=False, repr=False)

    def get(self, role: str) -> Model | None:
        return self.by_role.get(role)

    def params(self, role: str) -> dict:
        """The key's part for `role`'s model: fingerprint, dtype and the options
        that change the output (device and batch do not)."""
        if role in self._params:            # a folder is fingerprinted once per plan
            return self._params[role]
        model = self.by_role[role]
        out = {"model": fingerprint(model.path), "dtype": model.option("dtype")}
        for name, default in DEFAULTS.get(role, {}).items():
            out[name] = _exact(model.option(name, default))
        for name in ("size", "ip_scale"):
            if model.option(name) is not None:
                out[name] = _exact(model.option(name))
        if model.option("ip_adapter"):
            from pathlib import Path

            out["ip_adapter"] = fingerprint(Path(model.option("ip_adapter")))
        self._params[role] = out
        return out

    def local(self, role: str, **more) -> dict:
        return {"model": model_local(self.by_role[role]), "lane": "gpu", **more}

    def steps(self, role: str) -> int:
        model = self.by_role[role]
        return int(model.option("steps", DEFAULTS.get(role, {}).get("steps", 30)))


def gpu_seconds(task) -> float:
    """An estimate of the GPU time of one task (0 for work that needs no GPU)."""
    p = task.params
    kind = task.kind
    if "model" not in p and kind not in ("segment", "transition", "zoom"):
        return 0.0
    if kind == "keyframe":          # drawn at the model's native area, then resized
        area = (int(p.get("size") or 512) / 512) ** 2
        return GPU_SECONDS["image_step"] * int(p.get("steps", 30)) * area
    if kind == "zoom":
        if "image" not in p:
            return 0.0
        steps = (p.get("inpaint") or p["image"]).get("steps", 30)
        return GPU_SECONDS["image_step"] * int(steps) * p["depth"]
    if kind == "morph":
        return GPU_SECONDS["image_step"] * int(p.get("steps", 30)) * p["count"]
    if kind == "music":
        return GPU_SECONDS["music_second"] * float(Fraction(p["seconds"]))
    if kind in ("sfx", "sfxauto"):
        seconds = p.get("seconds") or 2
        if kind == "sfxauto":
            seconds = (p["last"] - p["first"] + 1) / float(Fraction(p["fps"]))
        return GPU_SECONDS["sfx_second"] * float(Fraction(seconds))
    if kind == "clip":
        return GPU_SECONDS["video_frame_step"] * p["frames"] * int(p.get("steps", 30)) / 30
    if kind in ("segment", "transition"):
        views = [p["shot"]] if kind == "segment" else [p["a"], p["b"]]
        dreamed = sum(1 for view in views if view.get("dream"))
        frames = p["shot"]["frames"] if kind == "segment" else p["frames"]
        return GPU_SECONDS["dream_frame"] * frames * dreamed
    return 0.0
