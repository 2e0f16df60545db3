"""Image-to-video: a scene's `motion "..."` turns its shot into a generated clip
that starts from its keyframe, made by the diffusers pipeline that
`[models.video]` names (LTX-Video, CogVideoX or Wan image-to-video).

The three pipeline classes differ in what they accept, and `PROFILES` holds
what mvlang needs to know about each:

* frame counts: LTX takes 8k+1 frames (its VAE compresses time 8x), CogVideoX
  and Wan 4k+1; the rule is read from the loaded VAE, so a folder whose VAE
  compresses differently (the tiny test one: 4x) gets its own rule;
* sizes: multiples of 32 (LTX) or of 16 (CogVideoX, Wan); CogVideoX 1.0, whose
  positional embeddings are learned for one size, only at that size (720x480);
* the native frame rate the model was trained at (LTX 25, CogVideoX 8 or 16,
  Wan 16 fps) and the longest clip it makes well (121, 49 or 81 frames);
* argument names (`frame_rate` is LTX's alone; CogVideoX's text length is fixed
  by its transformer) and default steps and guidance. (Wan's pipeline also
  needs the `ftfy` package; without it the error says so.)

How a clip is fitted to its shot:

* Size. The model generates at its default resolution's area (never more pixels
  than the shot itself has) reshaped to the shot's aspect ratio and rounded to
  its multiple; the keyframe is cover-cropped to that size first, and every
  frame of the clip is then cover-resized and centre-cropped to the shot's
  width x height.
* Time. The clip plays at the model's native rate, never sped up or slowed
  down: output frame i shows the clip at time i / fps. So the model is asked for
  just enough native frames to cover the shot (rounded up to a count it
  accepts), but never more than its cap; a shot longer than that holds the
  clip's last frame to its end, and the frames a rounded-up clip has beyond the
  shot's end are trimmed.

Same seed, same clip: the noise is drawn on the CPU from the seed.
Nothing here imports torch or diffusers at module level.
"""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import dataclass

import numpy as np

from mvlang.backends import runtime
from mvlang.backends.runtime import ModelError
from mvlang.config import Model


@dataclass(frozen=True)
class Profile:
    """What one image-to-video pipeline class accepts and likes."""

    size: tuple[int, int]        # default (width, height)
    multiple: int                # width and height must be multiples of this
    temporal: int                # frame counts are temporal * k + 1
    cap: int                     # the most frames asked for in one clip
    fps: float                   # the frame rate it was trained at
    steps: int
    guidance: float
    frame_rate_arg: bool = False  # passes `frame_rate` (LTX)


PROFILES = {
    "LTXImageToVideoPipeline": Profile((704, 512), 32, 8, 121, 25.0, 50, 3.0, True),
    "CogVideoXImageToVideoPipeline": Profile((720, 480), 16, 4, 49, 8.0, 50, 6.0),
    "WanImageToVideoPipeline": Profile((832, 480), 16, 4, 81, 16.0, 50, 5.0),
}


@dataclass
class _Loaded:
    pipe: object
    name: str
    profile: Profile             # with the folder's own rules filled in
    fixed_size: bool             # generates at profile.size only (CogVideoX 1.0)
    extra: dict                  # more arguments for this folder's pipeline


def pipeline_class(model: Model) -> str:
    """The pipeline class the folder's model_index.json names."""
    index = model.path / "model_index.json"
    if not model.path.is_dir():
        raise ModelError(f"[models.{model.role}] path: the folder {model.path} does not exist")
    try:
        name = str(json.loads(index.read_text(encoding="utf-8")).get("_class_name", ""))
    except (OSError, ValueError) as error:
        raise ModelError(f"[models.{model.role}] {model.path} is not a diffusers pipeline "
                         f"folder (cannot read model_index.json: {error})") from error
    if name not in PROFILES:
        raise ModelError(f"[models.{model.role}] {model.path} holds a {name or 'nameless'} "
                         "pipeline; `motion` needs an image-to-video one: "
                         + ", ".join(PROFILES))
    return name


def _profile(spec) -> Profile:
    if isinstance(spec, _Loaded):
        return spec.profile
    if isinstance(spec, Model):
        return PROFILES[pipeline_class(spec)]
    if isinstance(spec, Profile):
        return spec
    if spec in PROFILES:
        return PROFILES[spec]
    raise ModelError(f"{spec!r} is not an image-to-video pipeline mvlang knows: "
                     + ", ".join(PROFILES))


def native_frames(pipeline, wanted: int) -> int:
    """How many frames to ask the model for when `wanted` native frames would
    cover the shot: the smallest count it accepts (temporal * k + 1, k >= 1) that
    is at least `wanted`, but never more than the largest it accepts up to its
    cap. `pipeline` is a class name (`"LTXImageToVideoPipeline"`), a `Profile`,
    a `Model` (its folder's class) or what `load_pipeline` returns (the loaded
    VAE's own rule)."""
    profile = _profile(pipeline)
    t = max(1, int(profile.temporal))
    k = max(1, math.ceil((int(wanted) - 1) / t))
    largest = max(1, (profile.cap - 1) // t)
    return t * min(k, largest) + 1


def generation_size(pipeline, width: int, height: int) -> tuple[int, int]:
    """The (width, height) the model generates at for a width x height shot:
    its default area (or the shot's, if smaller) at the shot's aspect ratio,
    each side rounded to its multiple (at least one)."""
    profile = _profile(pipeline)
    if isinstance(pipeline, _Loaded) and pipeline.fixed_size:
        return profile.size
    dw, dh = profile.size
    area = min(dw * dh, width * height)
    aspect = width / height
    m = profile.multiple
    w = max(m, round(math.sqrt(area * aspect) / m) * m)
    h = max(m, round(math.sqrt(area / aspect) / m) * m)
    return w, h


def _load(model: Model, device: str, dtype) -> _Loaded:
    name = pipeline_class(model)
    runtime.torch_module()
    import diffusers

    pipe = diffusers.DiffusionPipeline.from_pretrained(model.path, local_files_only=True,
                                                       **runtime.dtype_arg(dtype))
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    base = PROFILES[name]
    transformer = pipe.transformer
    fixed, extra = False, {}
    if name == "LTXImageToVideoPipeline":
        temporal = pipe.vae_temporal_compression_ratio
        multiple = math.lcm(32, pipe.vae_spatial_compression_ratio
                            * pipe.transformer_spatial_patch_size)
        size = (pipe.default_width, pipe.default_height)
        cap = pipe.default_frames
        fps = base.fps
    elif name == "CogVideoXImageToVideoPipeline":
        config = transformer.config
        temporal = pipe.vae_scale_factor_temporal
        multiple = math.lcm(8, pipe.vae_scale_factor_spatial * config.patch_size)
        size = (config.sample_width * pipe.vae_scale_factor_spatial,
                config.sample_height * pipe.vae_scale_factor_spatial)
        cap = min(base.cap, config.sample_frames) if config.sample_frames else base.cap
        fixed = bool(getattr(config, "use_learned_positional_embeddings", False))
        # its positional embeddings cover this many text tokens, no more or fewer
        extra["max_sequence_length"] = int(config.max_text_seq_length)
        fps = 16.0 if config.patch_size_t else base.fps      # CogVideoX 1.5: 16 fps
        if config.patch_size_t:
            cap = 81
    else:  # WanImageToVideoPipeline
        patch = transformer.config.patch_size if transformer is not None else (1, 2, 2)
        temporal = pipe.vae_scale_factor_temporal
        multiple = math.lcm(16, pipe.vae_scale_factor_spatial * patch[1])
        size, cap, fps = base.size, base.cap, base.fps
    if hasattr(pipe.vae, "enable_tiling") and device != "cpu":
        pipe.vae.enable_tiling()
    profile = Profile(tuple(size), int(multiple), int(temporal), int(cap), float(fps),
                      base.steps, base.guidance, base.frame_rate_arg)
    return _Loaded(pipe, name, profile, fixed, extra)


def load_pipeline(model: Model) -> _Loaded:
    """The model's pipeline, loaded once per process."""
    if not model.path.is_dir():
        raise ModelError(f"[models.{model.role}] path: the folder {model.path} does not exist")
    if pipeline_class(model).startswith("Wan") and importlib.util.find_spec("ftfy") is None:
        # diffusers' Wan pipelines clean every prompt with ftfy, and fail without it
        raise ModelError(f"[models.{model.role}] {model.path}: the Wan pipelines need the "
                         "`ftfy` package (pip install ftfy)")
    return runtime.load(model, _load)


def generate_clip(model: Model, image, prompt: str, motion: str, *, frames: int, fps: float,
                  seed: int, width: int, height: int, negative: str = "") -> list[np.ndarray]:
    """`frames` uint8 height x width x 3 frames of a clip that starts from `image`
    (the keyframe, uint8 H x W x 3) and moves as `motion` says, shown at `fps`."""
    frames, width, height = int(frames), int(width), int(height)
    if frames <= 0:
        return []
    if width <= 0 or height <= 0 or fps <= 0:
        raise ModelError(f"cannot make a {width}x{height} clip at {fps} fps")
    loaded = load_pipeline(model)
    profile = loaded.profile
    gen_w, gen_h = generation_size(loaded, width, height)
    # native frames that cover the shot: output frame i shows native frame
    # round(i / fps * native fps)
    wanted = round((frames - 1) * profile.fps / fps) + 1
    count = native_frames(loaded, wanted)

    from PIL import Image

    keyframe = Image.fromarray(fit_frame(_rgb(image), gen_w, gen_h))
    text = ", ".join(part.strip() for part in (prompt, motion) if part and part.strip())
    args = {"image": keyframe, "prompt": text, "negative_prompt": negative or "",
            "height": gen_h, "width": gen_w, "num_frames": count,
            "num_inference_steps": int(model.option("steps", profile.steps)),
            "guidance_scale": float(model.option("guidance", profile.guidance)),
            "generator": runtime.generator(seed), "output_type": "np"}
    args.update(loaded.extra)
    if profile.frame_rate_arg:
        args["frame_rate"] = round(profile.fps)
    torch = runtime.torch_module()
    try:
        with torch.inference_mode():
            clip = loaded.pipe(**args).frames
    except (RuntimeError, ValueError, TypeError) as error:
        raise ModelError(f"the `{model.role}` model ({loaded.name}) failed: "
                         f"{type(error).__name__}: {error}") from error
    clip = _to_uint8(clip)
    return fit_clip(clip, frames, fps, profile.fps, width, height)


def fit_clip(clip, frames: int, fps: float, native_fps: float, width: int,
             height: int) -> list[np.ndarray]:
    """`frames` frames at `fps` from `clip` (uint8 frames at `native_fps`), each
    cover-resized to width x height: the clip plays at its own rate, holds its
    last frame when the shot is longer and is trimmed when it is shorter."""
    last = len(clip) - 1
    out, cache = [], {}
    for i in range(frames):
        j = min(last, round(i * native_fps / fps))
        if j not in cache:
            cache[j] = fit_frame(clip[j], width, height)
        out.append(cache[j].copy())
    return out


def fit_frame(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """`frame` scaled to cover width x height and centre-cropped to it."""
    h, w = frame.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(frame)
    from PIL import Image

    scale = max(width / w, height / h)
    sw, sh = max(width, math.ceil(w * scale - 1e-6)), max(height, math.ceil(h * scale - 1e-6))
    resized = Image.fromarray(frame).resize((sw, sh), Image.Resampling.LANCZOS)
    left, top = (sw - width) // 2, (sh - height) // 2
    return np.asarray(resized.crop((left, top, left + width, top + height)), dtype=np.uint8)


def _rgb(image) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.shape[-1] == 4:
        array = array[..., :3]
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def _to_uint8(clip) -> list[np.ndarray]:
    """The pipeline's frames (np floats in [0, 1], batch first, or PIL images) as
    uint8 H x W x 3 arrays."""
    if isinstance(clip, list) and clip and isinstance(clip[0], list):
        clip = clip[0]
    if isinstance(clip, list):
        return [_rgb(np.asarray(frame)) if np.asarray(frame).dtype == np.uint8
                else _float_to_uint8(np.asarray(frame)) for frame in clip]
    if hasattr(clip, "detach"):
        clip = clip.detach().float().cpu().numpy()
    array = np.asarray(clip)
    if array.ndim == 5:
        array = array[0]
    if array.dtype != np.uint8:
        array = _float_to_uint8(array)
    return [np.ascontiguousarray(frame) for frame in array]


def _float_to_uint8(array: np.ndarray) -> np.ndarray:
    return (np.clip(np.nan_to_num(array.astype(np.float32)), 0.0, 1.0) * 255.0
            + 0.5).astype(np.uint8)
