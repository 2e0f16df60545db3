"""Pictures from diffusers pipelines in local folders: keyframes (text-to-image,
batched), image-to-image, and the infinite zoom's outpaint chain (inpainting).

Any folder that diffusers' `AutoPipelineForText2Image` loads works for the
`image` role (Stable Diffusion 1.x/2.x, SDXL, and others); `inpaint` takes an
inpainting pipeline. A keyframe is drawn at the pipeline's native area (its
UNet's sample size times the VAE's scale, or `size` in its table) with the
still's aspect, then resized to the still: a model trained at 512 pixels
draws badly at 1400.

Reproducibility: each picture's starting noise comes from its own seed, drawn
on the CPU, so a keyframe is the same picture whether it was drawn alone or in
a batch of eight, on a GPU or the CPU (up to the last bits of the arithmetic).
A scene with a cast mixes the first character's identity noise into its own
(`IDENTITY` of its variance): the same person's scenes start from related
noise. With `ip_adapter` set in `[models.image]`, a character's `ref` picture
steers every scene that shows them (an IP-Adapter; scale `ip_scale`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mvlang.backends import runtime
from mvlang.config import Model

IDENTITY = 0.3            # the share of a scene's noise variance that is its character's
DEFAULT_STEPS = 30
DEFAULT_GUIDANCE = 7.5


@dataclass(frozen=True)
class Request:
    """One picture: what a keyframe task asks for."""

    prompt: str
    negative: str
    width: int
    height: int
    seed: int
    identity: int | None = None      # the first character's identity seed
    ref: str | None = None           # a reference picture for the IP-Adapter


def _load_text2img(model: Model, device: str, dtype):
    from diffusers import AutoPipelineForText2Image

    pipe = AutoPipelineForText2Image.from_pretrained(model.path, local_files_only=True,
                                                     **runtime.dtype_arg(dtype))
    adapter = model.option("ip_adapter")
    if adapter:
        folder = Path(adapter)
        weights = sorted(p.name for p in folder.glob("*.safetensors")) or \
            sorted(p.name for p in folder.glob("*.bin"))
        if not weights:
            raise runtime.ModelError(f"[models.image] ip_adapter: {folder} holds no "
                                     "*.safetensors or *.bin IP-Adapter weights")
        pipe.load_ip_adapter(str(folder), subfolder="", weight_name=weights[0],
                             local_files_only=True)
    return _ready(pipe, device)


def _load_inpaint(model: Model, device: str, dtype):
    from diffusers import AutoPipelineForInpainting

    return _ready(AutoPipelineForInpainting.from_pretrained(
        model.path, local_files_only=True, **runtime.dtype_arg(dtype)), device)


def _ready(pipe, device: str):
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    unet = getattr(pipe, "unet", None)
    if device == "cuda" and unet is not None:
        torch = runtime.torch_module()
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        unet.to(memory_format=torch.channels_last)
    return pipe


def text2img(model: Model):
    return runtime.load(model, _load_text2img)


def inpainter(model: Model):
    return runtime.load(model, _load_inpaint)


def native_size(pipe, width: int, height: int, model: Model | None = None) -> tuple[int, int]:
    """The size a pipeline draws a `width` x `height` still at: its native area
    (or `size`² from the model's table) at the still's aspect, in multiples the
    model accepts, never larger than the still itself needs."""
    factor = int(getattr(pipe, "vae_scale_factor", 8) or 8)
    network = getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)
    sample = getattr(getattr(network, "config", None), "sample_size", None) or 64
    if isinstance(sample, (list, tuple)):
        sample = sample[0]
    side = int((model.option("size") if model is not None else None) or sample * factor)
    multiple = factor * 8 if side >= factor * 64 else max(8, factor * 4)
    aspect = width / height
    w = math.sqrt(side * side * aspect)
    w, h = min(w, max(width, multiple)), min(w / aspect, max(height, multiple))
    return (max(multiple, round(w / multiple) * multiple),
            max(multiple, round(h / multiple) * multiple))


def _latents(pipe, requests: list[Request], width: int, height: int, device: str, dtype):
    """The starting noise of each picture from its own seeds (None where the
    pipeline's latents are not a plain UNet grid: it then draws from per-picture
    generators)."""
    torch = runtime.torch_module()
    unet = getattr(pipe, "unet", None)
    if unet is None:
        return None
    factor = pipe.vae_scale_factor
    shape = (1, unet.config.in_channels if unet.config.in_channels in (4, 16) else 4,
             height // factor, width // factor)
    out = []
    for r in requests:
        z = runtime.noise(r.seed, shape, "cpu", torch.float32)
        if r.identity is not None:
            z = math.sqrt(1 - IDENTITY) * z + math.sqrt(IDENTITY) * \
                runtime.noise(r.identity, shape, "cpu", torch.float32)
        out.append(z)
    return torch.cat(out).to(device, dtype)


def _steps(model: Model) -> int:
    return int(model.option("steps", DEFAULT_STEPS))


def _guidance(model: Model) -> float:
    return float(model.option("guidance", DEFAULT_GUIDANCE))


def _pictures(output) -> list[np.ndarray]:
    images = output.images
    if isinstance(images, np.ndarray):
        return [np.clip(np.rint(im * 255), 0, 255).astype(np.uint8) for im in images]
    return [np.asarray(im.convert("RGB")) for im in images]


def fit(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """`picture` covering width x height (Lanczos; centre crop if the aspect differs)."""
    from mvlang.media.sources import cover

    if picture.shape[1] == width and picture.shape[0] == height:
        return picture
    return cover(picture, width, height)


def keyframes(model: Model, requests: list[Request]) -> list[np.ndarray]:
    """The pictures for `requests`, in order, drawn `batch` at a time (`[models.image]
    batch`, default 4) where they share a drawing size and reference picture."""
    pipe = text2img(model)
    groups: dict[tuple, list[int]] = {}
    for index, r in enumerate(requests):
        size = native_size(pipe, r.width, r.height, model)
        groups.setdefault((size, r.ref), []).append(index)
    out: list[np.ndarray | None] = [None] * len(requests)
    batch = max(1, int(model.option("batch", 4)))
    for (size, ref), indices in groups.items():
        for start in range(0, len(indices), batch):
            chunk = indices[start:start + batch]
            pictures = _draw(pipe, model, [requests[i] for i in chunk], size, ref)
            for i, picture in zip(chunk, pictures):
                out[i] = fit(picture, requests[i].width, requests[i].height)
    return out


def _draw(pipe, model: Model, requests: list[Request], size: tuple[int, int],
          ref: str | None) -> list[np.ndarray]:
    torch = runtime.torch_module()
    device, dtype = runtime.device_of(model), runtime.dtype_of(model)
    width, height = size
    kwargs = {"prompt": [r.prompt for r in requests], "width": width, "height": height,
              "num_inference_steps": _steps(model), "guidance_scale": _guidance(model),
              "output_type": "np"}
    if any(r.negative for r in requests):
        kwargs["negative_prompt"] = [r.negative for r in requests]
    latents = _latents(pipe, requests, width, height, device, dtype)
    if latents is not None:
        kwargs["latents"] = latents
    else:
        kwargs["generator"] = [runtime.generator(r.seed) for r in requests]
    if getattr(pipe.unet if hasattr(pipe, "unet") else pipe, "encoder_hid_proj", None) \
            is not None:
        kwargs.update(_ip_adapter(pipe, model, ref, len(requests), device))
    with torch.inference_mode():
        return _pictures(pipe(**kwargs))


def _ip_adapter(pipe, model: Model, ref: str | None, count: int, device: str) -> dict:
    """The reference picture's embedding for a batch (scale 0 and a grey picture
    for scenes without one: the adapter is loaded for the whole pipeline)."""
    from PIL import Image

    if ref:
        with Image.open(ref) as image:
            picture = image.convert("RGB")
        pipe.set_ip_adapter_scale(float(model.option("ip_scale", 0.6)))
    else:
        picture = Image.new("RGB", (224, 224), (127, 127, 127))
        pipe.set_ip_adapter_scale(0.0)
    embeds = pipe.prepare_ip_adapter_image_embeds(
        ip_adapter_image=[picture], ip_adapter_image_embeds=None, device=device,
        num_images_per_prompt=count, do_classifier_free_guidance=_guidance(model) > 1)
    return {"ip_adapter_image_embeds": embeds}


def img2img(model: Model, picture: np.ndarray, prompt: str, negative: str, seed: int,
            strength: float = 0.6) -> np.ndarray:
    """`picture` redrawn along `prompt` (image-to-image with the `image` pipeline)."""
    from diffusers import AutoPipelineForImage2Image
    from PIL import Image

    torch = runtime.torch_module()
    pipe = runtime.load(model, lambda m, d, t: _ready(AutoPipelineForImage2Image.from_pipe(
        text2img(model)), d))
    height, width = picture.shape[:2]
    w, h = native_size(pipe, width, height, model)
    with torch.inference_mode():
        out = pipe(prompt=prompt, negative_prompt=negative or None,
                   image=Image.fromarray(picture).resize((w, h), Image.Resampling.LANCZOS),
                   strength=strength, num_inference_steps=_steps(model),
                   guidance_scale=_guidance(model), generator=runtime.generator(seed),
                   output_type="np")
    return fit(_pictures(out)[0], width, height)


# -- the infinite zoom ------------------------------------------------------------
def ring_mask(width: int, height: int, scale: float, feather: float, reach: float | None):
    """Where a zoom level is repainted (1) and kept (0): everything outside the
    centre box, reaching a feather band into it (so the painting meets the inner
    picture under the band where it is pasted back); with `reach`, only a ring
    that many box-widths wide around the box (the last level keeps the scene)."""
    bw, bh = width / scale, height / scale
    band = feather * min(bw, bh)
    xs = np.abs(np.arange(width) + 0.5 - width / 2)
    ys = np.abs(np.arange(height) + 0.5 - height / 2)
    outside = (xs[None, :] > bw / 2 - band) | (ys[:, None] > bh / 2 - band)
    if reach is not None:
        r = reach * min(bw, bh)
        near = (xs[None, :] < bw / 2 + r) & (ys[:, None] < bh / 2 + r)
        outside &= near
    return outside.astype(np.uint8) * 255


def outpaint_chain(inpaint: Model | None, image: Model, inner: np.ndarray, outer: np.ndarray,
                   prompt: str, negative: str, depth: int, scale: float, feather: float,
                   seeds: list[int]) -> list[np.ndarray]:
    """The nested pictures of a zoom, level 0 the inner still: each next level has
    the one before shrunk `scale` times at its centre and its border repainted
    along `prompt` by the inpainting pipeline (a feathered mask; the sharp inner
    picture pasted back over it); the last level is the outer scene's keyframe
    with the chain at its centre and only a ring around it repainted. Without an
    inpainting model, the `image` pipeline's image-to-image redraws the border."""
    from PIL import Image

    from mvlang.media.zoom import outpaint, surround

    torch = runtime.torch_module()
    height, width = inner.shape[:2]
    level, levels = inner, [inner]
    pipe = inpainter(inpaint) if inpaint is not None else None
    for k in range(1, depth + 1):
        last = k == depth
        base = outer if last else np.full_like(inner, inner.reshape(-1, 3).mean(0).astype(np.uint8))
        canvas = outpaint(level, surround(level, base, scale, reach=0.12 if last else 0.6),
                          scale, 0.0)
        mask = ring_mask(width, height, scale, feather, 0.12 if last else None)
        if pipe is not None:
            w, h = native_size(pipe, width, height, inpaint)
            with torch.inference_mode():
                out = pipe(prompt=prompt, negative_prompt=negative or None,
                           image=Image.fromarray(canvas).resize((w, h), Image.Resampling.LANCZOS),
                           mask_image=Image.fromarray(mask).resize((w, h), Image.Resampling.NEAREST),
                           width=w, height=h, strength=1.0,
                           num_inference_steps=_steps(inpaint), guidance_scale=_guidance(inpaint),
                           generator=runtime.generator(seeds[k - 1]), output_type="np")
            painted = fit(_pictures(out)[0], width, height)
        else:
            painted = img2img(image, canvas, prompt, negative, seeds[k - 1], strength=0.75)
        # only the masked part is new: the rest is the canvas exactly
        m = (mask[..., None] > 0)
        painted = np.where(m, painted, canvas)
        level = outpaint(level, painted, scale, feather)
        levels.append(level)
    return levels


# -- morph: prompt travel ------------------------------------------------------------
def _slerp(a, b, t: float):
    """Spherical interpolation of two noise tensors (keeps the noise's scale)."""
    torch = runtime.torch_module()
    dot = torch.sum(a * b) / (torch.linalg.vector_norm(a) * torch.linalg.vector_norm(b))
    omega = torch.arccos(torch.clamp(dot, -1.0, 1.0))
    if float(omega) < 1e-4:
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


def morph(model: Model, a: Request, b: Request, count: int) -> list[np.ndarray]:
    """`count` pictures travelling from `a`'s keyframe to `b`'s: the prompt
    embeddings interpolated linearly and the starting noise spherically, so the
    first picture is `a`'s keyframe and the last `b`'s (drawn `batch` at a time)."""
    torch = runtime.torch_module()
    pipe = text2img(model)
    if getattr(pipe, "unet", None) is None or not hasattr(pipe, "encode_prompt"):
        raise runtime.ModelError(f"{type(pipe).__name__} has no prompt embeddings to travel "
                                 "along: `morph` needs a UNet pipeline (Stable Diffusion 1.x, "
                                 "2.x or SDXL)")
    device, dtype = runtime.device_of(model), runtime.dtype_of(model)
    size = native_size(pipe, a.width, a.height, model)
    guidance = _guidance(model)
    with torch.inference_mode():
        ends = [_embeddings(pipe, r, device, guidance > 1) for r in (a, b)]
        noise = [_latents(pipe, [r], *size, "cpu", torch.float32) for r in (a, b)]
    out: list[np.ndarray] = []
    batch = max(1, int(model.option("batch", 4)))
    ts = [k / max(1, count - 1) for k in range(count)]
    for start in range(0, count, batch):
        chunk = ts[start:start + batch]
        kwargs = {"width": size[0], "height": size[1], "num_inference_steps": _steps(model),
                  "guidance_scale": guidance, "output_type": "np",
                  "latents": torch.cat([_slerp(noise[0], noise[1], t) for t in chunk])
                  .to(device, dtype)}
        for name in ends[0]:
            x, y = ends[0][name], ends[1][name]
            kwargs[name] = torch.cat([(1 - t) * x + t * y for t in chunk])
        if getattr(pipe.unet, "encoder_hid_proj", None) is not None:
            kwargs.update(_ip_adapter(pipe, model, None, len(chunk), device))
        with torch.inference_mode():
            out += [fit(p, a.width, a.height) for p in _pictures(pipe(**kwargs))]
    return out


def _embeddings(pipe, r: Request, device: str, guided: bool) -> dict:
    """A request's prompt embeddings as the pipeline's keyword arguments
    (SD: prompt and negative; SDXL also the pooled ones)."""
    found = pipe.encode_prompt(r.prompt, device, 1, guided, negative_prompt=r.negative or None)
    names = ["prompt_embeds", "negative_prompt_embeds", "pooled_prompt_embeds",
             "negative_pooled_prompt_embeds"]
    return {name: value for name, value in zip(names, found) if value is not None}
