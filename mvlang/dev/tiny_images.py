"""Tiny random-weight Stable Diffusion folders: text-to-image, inpainting and an
IP-Adapter, saved the way real downloads are laid out, so the real diffusers
code loads and runs them offline in a fraction of a second at 64x64.

Sizes follow diffusers' own tests: a UNet with `block_out_channels=(32, 64)`,
a two-block VAE (latents at half the picture's size), a 5-layer CLIP text
encoder over single characters.
"""

from __future__ import annotations

from pathlib import Path

from mvlang.dev.tiny_common import clip_tokenizer, clip_vocab_size

CROSS = 32          # the text encoder's width = the UNet's cross-attention width


def _components(in_channels: int, seed: int):
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=32,
        in_channels=in_channels, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=CROSS)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    torch.manual_seed(seed + 1)
    vae = AutoencoderKL(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
                        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
                        latent_channels=4)
    torch.manual_seed(seed + 2)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=CROSS,
        intermediate_size=37, layer_norm_eps=1e-05, num_attention_heads=4,
        num_hidden_layers=5, vocab_size=clip_vocab_size(), max_position_embeddings=77))
    return unet, scheduler, vae, text_encoder


def build_text2img(folder: Path, seed: int = 0) -> Path:
    """A StableDiffusionPipeline folder (text-to-image; image-to-image from the same)."""
    import tempfile

    from diffusers import StableDiffusionPipeline

    unet, scheduler, vae, text_encoder = _components(4, seed)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = clip_tokenizer(Path(scratch))
        pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
                                       unet=unet, scheduler=scheduler, safety_checker=None,
                                       feature_extractor=None, requires_safety_checker=False)
        pipe.save_pretrained(folder, safe_serialization=True)
    return Path(folder)


def build_inpaint(folder: Path, seed: int = 10) -> Path:
    """A StableDiffusionInpaintPipeline folder (a 9-channel UNet: latents, mask, masked picture)."""
    import tempfile

    from diffusers import StableDiffusionInpaintPipeline

    unet, scheduler, vae, text_encoder = _components(9, seed)
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = clip_tokenizer(Path(scratch))
        pipe = StableDiffusionInpaintPipeline(
            vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
            scheduler=scheduler, safety_checker=None, feature_extractor=None,
            requires_safety_checker=False)
        pipe.save_pretrained(folder, safe_serialization=True)
    return Path(folder)


def build_ip_adapter(folder: Path, text2img: Path, seed: int = 20, tokens: int = 4) -> Path:
    """An IP-Adapter for the UNet in `text2img`, laid out like the published ones:
    `ip-adapter.safetensors` (image_proj.*, ip_adapter.*) and `image_encoder/`."""
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4,
        image_size=32, patch_size=4, intermediate_size=37))
    encoder.save_pretrained(folder / "image_encoder", safe_serialization=True)
    unet = UNet2DConditionModel.from_pretrained(Path(text2img) / "unet", local_files_only=True)
    state = {"image_proj.proj.weight": torch.randn(tokens * CROSS, 32) * 0.1,
             "image_proj.proj.bias": torch.zeros(tokens * CROSS),
             "image_proj.norm.weight": torch.ones(CROSS),
             "image_proj.norm.bias": torch.zeros(CROSS)}
    number = 1                                 # the published files' numbering
    for name in unet.attn_processors:
        if not name.endswith("attn2.processor"):     # self-attention takes no picture
            continue
        if name.startswith("mid_block"):
            hidden = unet.config.block_out_channels[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(unet.config.block_out_channels))[int(name.split(".")[1])]
        else:
            hidden = unet.config.block_out_channels[int(name.split(".")[1])]
        state[f"ip_adapter.{number}.to_k_ip.weight"] = torch.randn(hidden, CROSS) * 0.1
        state[f"ip_adapter.{number}.to_v_ip.weight"] = torch.randn(hidden, CROSS) * 0.1
        number += 2                            # numbered as in the published files
    save_file({k: v.contiguous() for k, v in state.items()}, folder / "ip-adapter.safetensors")
    return folder
