"""mvlang's keyframe stage and outpaint chain on a GPU, against plain diffusers.

    python bench/gpu_keyframes.py [--scenes 32] [--batch 16] [--steps 25]
    python bench/gpu_keyframes.py --tiny          # the same code on tiny models, any CPU

In one run, on one GPU, with a Stable Diffusion 1.5-sized UNet, VAE and text
encoder (random weights: speed does not depend on what the weights are) in
bf16 at 512x512, 25 steps, guidance 7.5:

1. The reference: a plain diffusers loop, one `StableDiffusionPipeline` call
   per image, for `--scenes` prompts.
2. mvlang's keyframe stage for a script of `--scenes` scenes (512x512, one
   take each): `prepare` plans the keyframe tasks and the executor runs them as
   a build does (batched by size, `[models.image] batch = --batch`).
   Goal: at least 2x the reference's images per second.
3. The achieved fraction of the GPU's bf16 matrix rate: the UNet's FLOPs per
   step (counted by torch's FlopCounterMode on one guided step) times the steps
   and images, over the time, against the rate measured here of a large bf16
   matmul.
4. One infinite-zoom chain of 8 outpaint steps with an SD 1.5-sized 9-channel
   inpainting UNet: mvlang's `outpaint_chain` against a plain loop of 8
   `StableDiffusionInpaintPipeline` calls.

Models are loaded (and warmed up with one call) before any clock starts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"

PROMPTS = ["a lighthouse at sunrise", "a neon city in the rain", "a meadow of poppies",
           "an old woman on a porch at dusk", "a glass deer in a snowy forest",
           "a train crossing a desert", "a koi pond under cherry blossoms",
           "a dance hall in the 1950s"]


def sd15_folders(root: Path, dtype) -> tuple[Path, Path]:
    """Stable Diffusion 1.5-sized text-to-image and inpainting folders with random
    weights (the published configs' shapes)."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionInpaintPipeline,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from mvlang.dev.tiny_common import clip_tokenizer, clip_vocab_size

    torch.manual_seed(0)
    tokenizer = clip_tokenizer(root / "tokenizer")
    text = CLIPTextModel(CLIPTextConfig(vocab_size=clip_vocab_size(), hidden_size=768,
                                        intermediate_size=3072, num_attention_heads=12,
                                        num_hidden_layers=12, max_position_embeddings=77,
                                        bos_token_id=0, eos_token_id=1, pad_token_id=1))
    vae = AutoencoderKL(block_out_channels=[128, 256, 512, 512],
                        down_block_types=["DownEncoderBlock2D"] * 4,
                        up_block_types=["UpDecoderBlock2D"] * 4, latent_channels=4,
                        layers_per_block=2, sample_size=512)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    folders = []
    for name, channels, cls in (("sd15", 4, StableDiffusionPipeline),
                                ("sd15-inpaint", 9, StableDiffusionInpaintPipeline)):
        unet = UNet2DConditionModel(sample_size=64, in_channels=channels, out_channels=4,
                                    cross_attention_dim=768, attention_head_dim=8)
        pipe = cls(vae=vae, text_encoder=text, tokenizer=tokenizer, unet=unet,
                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                   requires_safety_checker=False).to(dtype=dtype)
        pipe.save_pretrained(root / name, safe_serialization=True)
        folders.append(root / name)
    return folders[0], folders[1]


def tiny_folders(root: Path) -> tuple[Path, Path]:
    from mvlang.dev.tiny_images import build_inpaint, build_text2img

    return build_text2img(root / "tiny"), build_inpaint(root / "tiny-inpaint")


def matmul_rate(device: str, dtype) -> float:
    """FLOP/s of a large matmul in `dtype` (the GPU's practical peak)."""
    import torch

    n = 8192 if device == "cuda" else 512
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync(device)
    repeats = 50 if device == "cuda" else 5
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    return 2 * n ** 3 * repeats / (time.perf_counter() - started)


def unet_flops(pipe, size: int, device: str) -> float:
    """FLOPs of one guided denoising step of one image (a batch of 2 through the UNet)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    unet = pipe.unet
    latent = size // pipe.vae_scale_factor
    x = torch.randn(2, unet.config.in_channels, latent, latent, device=device, dtype=unet.dtype)
    context = torch.randn(2, 77, unet.config.cross_attention_dim, device=device,
                          dtype=unet.dtype)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        unet(x, 500, encoder_hidden_states=context)
    return float(counter.get_total_flops())


def sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def plain_loop(folder: Path, prompts, size, steps, device, dtype) -> tuple[float, object]:
    import torch
    from diffusers import StableDiffusionPipeline

    from mvlang.backends.runtime import dtype_arg

    pipe = StableDiffusionPipeline.from_pretrained(folder, local_files_only=True,
                                                   **dtype_arg(dtype)).to(device)
    pipe.set_progress_bar_config(disable=True)
    call = {"num_inference_steps": steps, "guidance_scale": 7.5, "height": size, "width": size}
    pipe(prompts[0], **call, generator=torch.Generator("cpu").manual_seed(0))   # warm-up
    sync(device)
    started = time.perf_counter()
    for i, prompt in enumerate(prompts):
        pipe(prompt, **call, generator=torch.Generator("cpu").manual_seed(i))
    sync(device)
    return time.perf_counter() - started, pipe


def mvlang_stage(folder: Path, work: Path, prompts, size, steps, batch, device, dtype_name):
    """The keyframe tasks of a planned build, run by the executor as a build runs
    them (in this process: `--jobs 1` keeps the loaded model)."""
    from mvlang.backends import images
    from mvlang.build import BuildOptions, prepare
    from mvlang.build.tasks import run_task
    from mvlang.execute.local import LocalExecutor

    project = work / "project"
    project.mkdir(parents=True, exist_ok=True)
    scenes = "\n".join(f'scene s{i} {{\n  prompt "{p}"\n}}' for i, p in enumerate(prompts))
    seconds = 2 * len(prompts)
    (project / "bench.mvs").write_text(
        f"video {{ size {size}x{size}; fps 24; seed 1 }}\n"
        f'music "ambient pads" {{ bpm 120; length {seconds}s }}\n'
        f"defaults {{ length 1 bar }}\n{scenes}\n", encoding="utf-8")
    (project / "mvlang.toml").write_text(
        f'[build]\nbackend = "diffusers"\n[models.image]\npath = "{folder.as_posix()}"\n'
        f'device = "{device}"\ndtype = "{dtype_name}"\nsteps = {steps}\nguidance = 7.5\n'
        f"batch = {batch}\n", encoding="utf-8")
    prepared = prepare(project / "bench.mvs", BuildOptions(jobs=1))
    assert prepared.ok, prepared.diagnostics
    tasks = [t for t in prepared.graph if t.kind == "keyframe"]
    model = next(m for m in prepared.options.models.by_role.values() if m.role == "image")
    images.keyframes(model, [images.Request("warm-up", "", size, size, 0)] * batch)  # warm-up
    sync(device)
    started = time.perf_counter()
    outcome = LocalExecutor(1).run(tasks, prepared.store, run_task, lambda event: None)
    sync(device)
    elapsed = time.perf_counter() - started
    assert outcome.ok and len(outcome.done) == len(tasks), outcome
    return elapsed, len(tasks)


def zoom_chains(text2img: Path, inpaint: Path, size, steps, device, dtype, dtype_name, depth):
    import numpy as np
    import torch
    from diffusers import StableDiffusionInpaintPipeline
    from PIL import Image

    from mvlang.backends.images import outpaint_chain, ring_mask
    from mvlang.backends.runtime import dtype_arg
    from mvlang.config import Model

    options = (("device", device), ("dtype", dtype_name), ("steps", steps), ("guidance", 7.5))
    image_model, inpaint_model = Model("image", text2img, options), Model("inpaint", inpaint,
                                                                           options)
    rng = np.random.default_rng(0)
    inner = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    outer = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    outpaint_chain(inpaint_model, image_model, inner, outer, "warm-up", "", 1, 2.0, 0.12, [0])
    sync(device)
    started = time.perf_counter()
    outpaint_chain(inpaint_model, image_model, inner, outer, "a meadow at dusk", "", depth,
                   2.0, 0.12, list(range(depth)))
    sync(device)
    ours = time.perf_counter() - started

    pipe = StableDiffusionInpaintPipeline.from_pretrained(inpaint, local_files_only=True,
                                                          **dtype_arg(dtype)).to(device)
    pipe.set_progress_bar_config(disable=True)
    mask = Image.fromarray(ring_mask(size, size, 2.0, 0.12, None))
    picture = Image.fromarray(inner)
    call = {"mask_image": mask, "num_inference_steps": steps, "guidance_scale": 7.5, "height": size,
                "width": size, "output_type": "pil"}
    pipe("warm-up", image=picture, **call)
    sync(device)
    started = time.perf_counter()
    for k in range(depth):
        picture = pipe("a meadow at dusk", image=picture, **call,
                       generator=torch.Generator("cpu").manual_seed(k)).images[0]
    sync(device)
    return ours, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--tiny", action="store_true",
                        help="Tiny random models at 64x64 on the CPU: checks the script runs.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()

    import torch

    device = "cuda" if torch.cuda.is_available() and not args.tiny else "cpu"
    if args.tiny:
        torch.set_num_threads(1)
    dtype_name = "bfloat16" if device == "cuda" else "float32"
    dtype = getattr(torch, dtype_name)
    size = 64 if args.tiny else 512
    steps = 2 if args.tiny else args.steps
    scenes = 8 if args.tiny else args.scenes
    batch = min(args.batch, 4) if args.tiny else args.batch
    prompts = [PROMPTS[i % len(PROMPTS)] + f", view {i}" for i in range(scenes)]
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    print(f"device: {name}; {size}x{size}, {steps} steps, guidance 7.5, {dtype_name}, "
          f"{scenes} images, batch {batch}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        text2img, inpaint = tiny_folders(work) if args.tiny else sd15_folders(work, dtype)
        plain, pipe = plain_loop(text2img, prompts, size, steps, device, dtype)
        flops = unet_flops(pipe, size, device)
        del pipe
        ours, count = mvlang_stage(text2img, work, prompts, size, steps, batch, device,
                                   dtype_name)
        peak = matmul_rate(device, dtype)
        zoom_ours, zoom_plain = zoom_chains(text2img, inpaint, size, steps, device, dtype,
                                            dtype_name, args.depth)
    plain_rate, our_rate = scenes / plain, count / ours
    results = {
        "device": name, "size": size, "steps": steps, "dtype": dtype_name, "images": scenes,
        "batch": batch,
        "plain_images_per_s": round(plain_rate, 3), "mvlang_images_per_s": round(our_rate, 3),
        "ratio": round(our_rate / plain_rate, 2),
        "unet_gflops_per_guided_step": round(flops / 1e9, 1),
        "matmul_tflops": round(peak / 1e12, 1),
        "plain_fraction_of_peak": round(plain_rate * steps * flops / peak, 3),
        "mvlang_fraction_of_peak": round(our_rate * steps * flops / peak, 3),
        "zoom_depth": args.depth, "zoom_mvlang_s": round(zoom_ours, 2),
        "zoom_plain_s": round(zoom_plain, 2), "zoom_ratio": round(zoom_plain / zoom_ours, 2),
    }
    print(f"plain diffusers loop : {plain_rate:.2f} images/s "
          f"({results['plain_fraction_of_peak']:.1%} of the bf16 matmul rate)")
    print(f"mvlang keyframes     : {our_rate:.2f} images/s "
          f"({results['mvlang_fraction_of_peak']:.1%}); ratio {results['ratio']:.2f}x (goal 2x)")
    print(f"UNet: {flops / 1e9:.0f} GFLOP per guided step; matmul rate {peak / 1e12:.1f} TFLOP/s")
    print(f"zoom chain of {args.depth}: mvlang {zoom_ours:.2f} s, plain loop {zoom_plain:.2f} s "
          f"(ratio {zoom_plain / zoom_ours:.2f}x)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
